// Math-layer benchmarks: negacyclic NTT (dispatched and portable), element-wise products, base
// conversion. Distinct random inputs per iteration: a pool of 64 polynomials, rotated.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "math/ntt.h"
#include "math/poly.h"
#include "math/primes.h"
#include "math/rns.h"
#include "math/sampler.h"

namespace {

using namespace v100::math;

constexpr size_t kPool = 64;

struct NttFixture {
  NttFixture(size_t n, int bits)
      : q(generate_ntt_primes(bits, n, 1)[0]), tables(n, q), pool(kPool * n), work(n) {
    std::vector<uint8_t> seed(32, 0x5a);
    XofRandomSource rng(seed, "ntt-bench");
    for (size_t k = 0; k < kPool; ++k) sample_uniform(pool.data() + k * n, n, q, rng);
  }
  Modulus q;
  NttTables tables;
  std::vector<uint64_t> pool, work;
};

// Bits 50: the largest IFMA primes (every butterfly corrects its input). Bits 40: CKKS scale primes,
// small enough for the loose forward transform (no per-layer correction).
NttFixture& fixture(size_t n, int bits) {
  static NttFixture f4096(4096, 50), f8192(8192, 50), f8192_40(8192, 40), f16384_40(16384, 40);
  if (bits == 40) return n == 8192 ? f8192_40 : f16384_40;
  return n == 4096 ? f4096 : f8192;
}

// The pool entries are rotated through and transformed in place: each iteration transforms a
// different polynomial (after the first 64 iterations the entries are previous outputs, which are
// just as random), so no copy is needed inside the timed loop.
template <void (*Fn)(uint64_t*, const NttTables&), size_t N, int kBits = 50>
void BM_Ntt(benchmark::State& state) {
  NttFixture& f = fixture(N, kBits);
  const size_t n = f.tables.n();
  size_t i = 0;
  for (auto _ : state) {
    uint64_t* a = f.pool.data() + (i++ % kPool) * n;
    Fn(a, f.tables);
    benchmark::ClobberMemory();
  }
  // Restore [0, q) for other benchmarks sharing the pool (lazy outputs may exceed q).
  for (auto& x : f.pool) x %= f.q.value();
}

void fwd_portable(uint64_t* a, const NttTables& t) {
  ntt_forward_portable(a, t, false);
}
void fwd_portable_lazy(uint64_t* a, const NttTables& t) {
  ntt_forward_portable(a, t, true);
}
void inv_portable(uint64_t* a, const NttTables& t) {
  ntt_inverse_portable(a, t, false);
}

BENCHMARK(BM_Ntt<ntt_forward, 4096>)->Name("ntt/4096/forward")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<ntt_inverse, 4096>)->Name("ntt/4096/inverse")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<ntt_forward_lazy, 4096>)->Name("ntt/4096/forward_lazy")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<fwd_portable, 4096>)->Name("ntt/4096/forward_portable")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<fwd_portable_lazy, 4096>)
    ->Name("ntt/4096/forward_portable_lazy")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<inv_portable, 4096>)->Name("ntt/4096/inverse_portable")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<ntt_forward, 8192>)->Name("ntt/8192/forward")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<ntt_forward, 8192, 40>)->Name("ntt/8192/forward_q40")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<ntt_forward, 16384, 40>)->Name("ntt/16384/forward_q40")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<ntt_inverse, 8192>)->Name("ntt/8192/inverse")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Ntt<fwd_portable, 8192>)->Name("ntt/8192/forward_portable")->Unit(benchmark::kMicrosecond);

// Dyadic product of two pool entries into a scratch buffer.
void BM_PolyMul(benchmark::State& state) {
  NttFixture& f = fixture(4096, 50);
  const size_t n = f.tables.n();
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t* a = f.pool.data() + (i % kPool) * n;
    const uint64_t* b = f.pool.data() + ((i + 17) % kPool) * n;
    ++i;
    poly_mul(f.work.data(), a, b, n, f.q);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PolyMul)->Name("math/4096/poly_mul")->Unit(benchmark::kMicrosecond);

void BM_PolyMulPortable(benchmark::State& state) {
  NttFixture& f = fixture(4096, 50);
  const size_t n = f.tables.n();
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t* a = f.pool.data() + (i % kPool) * n;
    const uint64_t* b = f.pool.data() + ((i + 17) % kPool) * n;
    ++i;
    portable::poly_mul(f.work.data(), a, b, n, f.q);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PolyMulPortable)->Name("math/4096/poly_mul_portable")->Unit(benchmark::kMicrosecond);

// Fast base conversion 3 -> 4 primes (the BEHZ shape for N = 4096), n = 4096.
void BM_FastBaseConvert(benchmark::State& state) {
  const size_t n = 4096;
  auto ps = generate_ntt_primes(50, n, 7);
  RnsBase from({Modulus(ps[0]), Modulus(ps[1]), Modulus(ps[2])});
  RnsBase to({Modulus(ps[3]), Modulus(ps[4]), Modulus(ps[5]), Modulus(ps[6])});
  BaseConverter conv(from, to);
  std::vector<uint8_t> seed(32, 1);
  XofRandomSource rng(seed, "fbc-bench");
  std::vector<uint64_t> pool(8 * 3 * n), out(4 * n);
  for (size_t k = 0; k < 8; ++k) sample_uniform(pool.data() + k * 3 * n, n, from, rng);
  size_t i = 0;
  for (auto _ : state) {
    conv.fast_convert(out.data(), pool.data() + (i++ % 8) * 3 * n, n);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_FastBaseConvert)->Name("math/4096/fast_base_convert_3to4")->Unit(benchmark::kMicrosecond);

}  // namespace

namespace {

// Key-switching inner product: 2 digit x key products summed, n = 4096.
void BM_PolyDot(benchmark::State& state) {
  NttFixture& f = fixture(4096, 50);
  const size_t n = f.tables.n();
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t* a[2] = {f.pool.data() + (i % kPool) * n, f.pool.data() + ((i + 5) % kPool) * n};
    const uint64_t* b[2] = {f.pool.data() + ((i + 17) % kPool) * n, f.pool.data() + ((i + 23) % kPool) * n};
    ++i;
    poly_dot(f.work.data(), a, b, 2, n, f.q);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PolyDot)->Name("math/4096/poly_dot_2")->Unit(benchmark::kMicrosecond);

}  // namespace
