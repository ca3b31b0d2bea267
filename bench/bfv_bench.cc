// BFV operation benchmarks (issue #2 §6): distinct random inputs per iteration (a pool of 8
// precomputed inputs, rotated), single thread.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/common/galois.h"
#include "fhe/common/keys.h"

namespace {

using namespace v100::fhe;
using namespace v100::fhe::bfv;

constexpr size_t kPool = 8;

struct BfvBenchEnv {
  BfvContextPtr ctx;
  std::unique_ptr<KeyGenerator> keygen;
  PublicKey pk;
  RelinKeys rk;
  GaloisKeys gk;
  std::unique_ptr<BatchEncoder> enc;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<SymmetricEncryptor> sym;
  std::unique_ptr<Decryptor> dec;
  std::unique_ptr<Evaluator> ev;
  std::vector<Plaintext> pts;
  std::vector<PlaintextNtt> pt_ntt;
  std::vector<Ciphertext> cts, cts2, cts_coeff;
};

BfvBenchEnv& bench_env(const std::string& name) {
  static std::map<std::string, std::unique_ptr<BfvBenchEnv>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return *it->second;
  auto e = std::make_unique<BfvBenchEnv>();
  e->ctx = *BfvContext::create(name);
  e->keygen = std::make_unique<KeyGenerator>(KeyGenerator::random(e->ctx->rlwe_ptr()));
  e->pk = e->keygen->public_key();
  e->rk = e->keygen->relin_keys();
  const int steps[] = {1, 2, 3, 4, 5, 6, 7};
  e->gk = e->keygen->galois_keys_for_steps(steps, true);
  e->enc = std::make_unique<BatchEncoder>(e->ctx);
  e->encryptor = std::make_unique<Encryptor>(e->ctx, e->pk);
  e->sym = std::make_unique<SymmetricEncryptor>(e->ctx, e->keygen->secret_key());
  e->dec = std::make_unique<Decryptor>(e->ctx, e->keygen->secret_key());
  e->ev = std::make_unique<Evaluator>(e->ctx);
  for (size_t i = 0; i < kPool; ++i) {
    std::vector<uint64_t> v(e->ctx->n());
    for (auto& x : v) x = v100::random_u64() % e->ctx->t();
    e->pts.push_back(e->enc->encode(v));
    e->pt_ntt.push_back(e->ev->transform_plain(e->pts.back()));
    e->cts.push_back(e->encryptor->encrypt(e->pts.back()));
    e->cts2.push_back(e->encryptor->encrypt(e->pts.back()));
    Ciphertext c = e->cts.back();
    e->ev->from_ntt_inplace(c);
    e->cts_coeff.push_back(std::move(c));
  }
  auto& ref = *e;
  cache.emplace(name, std::move(e));
  return ref;
}

const char* set_for(int n) {
  return n == 4096 ? "bfv-meeting-4096" : n == 8192 ? "bfv-8192" : "bfv-16384";
}

template <int N>
void BM_EncryptPk(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  for (auto _ : state) {
    Ciphertext c = e.encryptor->encrypt(e.pts[i++ % kPool]);
    benchmark::DoNotOptimize(c.polys[0].data().data());
  }
}

template <int N>
void BM_EncryptSk(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  for (auto _ : state) {
    Ciphertext c = e.sym->encrypt(e.pts[i++ % kPool]);
    benchmark::DoNotOptimize(c.polys[0].data().data());
  }
}

template <int N>
void BM_Decrypt(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  for (auto _ : state) {
    Plaintext p = e.dec->decrypt(e.cts[i++ % kPool]);
    benchmark::DoNotOptimize(p.coeffs.data());
  }
}

template <int N>
void BM_MultiplyPlain(benchmark::State& state) {
  // Ciphertext in coefficient form (as SEAL keeps BFV ciphertexts): includes the forward NTTs.
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  Ciphertext out;
  for (auto _ : state) {
    e.ev->multiply_plain(e.cts_coeff[i % kPool], e.pt_ntt[(i + 3) % kPool], out);
    ++i;
    benchmark::DoNotOptimize(out.polys[0].data().data());
  }
}

template <int N>
void BM_MultiplyPlainNtt(benchmark::State& state) {
  // Ciphertext already in NTT form (fresh encryptions are): dyadic products only.
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  Ciphertext out;
  for (auto _ : state) {
    e.ev->multiply_plain(e.cts[i % kPool], e.pt_ntt[(i + 3) % kPool], out);
    ++i;
    benchmark::DoNotOptimize(out.polys[0].data().data());
  }
}

template <int N>
void BM_MultiplyRelin(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  Ciphertext out;
  for (auto _ : state) {
    e.ev->multiply_relin(e.cts[i % kPool], e.cts2[(i + 1) % kPool], e.rk, out);
    ++i;
    benchmark::DoNotOptimize(out.polys[0].data().data());
  }
}

template <int N>
void BM_Multiply(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  Ciphertext out;
  for (auto _ : state) {
    e.ev->multiply(e.cts[i % kPool], e.cts2[(i + 1) % kPool], out);
    ++i;
    benchmark::DoNotOptimize(out.polys[0].data().data());
  }
}

template <int N>
void BM_Rotate(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  Ciphertext out;
  for (auto _ : state) {
    e.ev->rotate_rows(e.cts[i++ % kPool], 1, e.gk, out);
    benchmark::DoNotOptimize(out.polys[0].data().data());
  }
}

template <int N>
void BM_Rotate7Hoisted(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  const int steps[] = {1, 2, 3, 4, 5, 6, 7};
  size_t i = 0;
  for (auto _ : state) {
    auto out = e.ev->rotate_rows_many(e.cts[i++ % kPool], steps, e.gk);
    benchmark::DoNotOptimize(out[0].polys[0].data().data());
  }
}

template <int N>
void BM_ModSwitch(benchmark::State& state) {
  auto& e = bench_env(set_for(N));
  size_t i = 0;
  Ciphertext out;
  for (auto _ : state) {
    e.ev->mod_switch_to_next(e.cts_coeff[i++ % kPool], out);
    benchmark::DoNotOptimize(out.polys[0].data().data());
  }
}

#define V100_BFV_BENCHES(N)                                                                                \
  BENCHMARK(BM_EncryptPk<N>)->Name("bfv/" #N "/encrypt_pk")->Unit(benchmark::kMicrosecond);                \
  BENCHMARK(BM_EncryptSk<N>)->Name("bfv/" #N "/encrypt_sk")->Unit(benchmark::kMicrosecond);                \
  BENCHMARK(BM_Decrypt<N>)->Name("bfv/" #N "/decrypt")->Unit(benchmark::kMicrosecond);                     \
  BENCHMARK(BM_MultiplyPlain<N>)->Name("bfv/" #N "/multiply_plain")->Unit(benchmark::kMicrosecond);        \
  BENCHMARK(BM_MultiplyPlainNtt<N>)->Name("bfv/" #N "/multiply_plain_ntt")->Unit(benchmark::kMicrosecond); \
  BENCHMARK(BM_Multiply<N>)->Name("bfv/" #N "/multiply")->Unit(benchmark::kMicrosecond);                   \
  BENCHMARK(BM_MultiplyRelin<N>)->Name("bfv/" #N "/multiply_relin")->Unit(benchmark::kMicrosecond);        \
  BENCHMARK(BM_Rotate<N>)->Name("bfv/" #N "/rotate")->Unit(benchmark::kMicrosecond);                       \
  BENCHMARK(BM_Rotate7Hoisted<N>)->Name("bfv/" #N "/rotate7_hoisted")->Unit(benchmark::kMicrosecond);      \
  BENCHMARK(BM_ModSwitch<N>)->Name("bfv/" #N "/mod_switch")->Unit(benchmark::kMicrosecond)

V100_BFV_BENCHES(4096);
V100_BFV_BENCHES(8192);

}  // namespace
