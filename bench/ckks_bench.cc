// CKKS benchmarks (issue #3): encode, decode, encrypt_pk, decrypt, multiply_relin_rescale, rotate for
// ckks-8192 and ckks-16384, plus decode_large_scale (plaintexts at scale 2^(log2 Q - 70), the
// decoder's high-word CRT tiers). Every iteration uses a different input from a precomputed pool.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "core/rng.h"
#include "fhe/ckks/encryptor.h"
#include "fhe/ckks/evaluator.h"

namespace {

using namespace v100::fhe::ckks;

constexpr size_t kPool = 4;

struct Fixture {
  ContextPtr ctx;
  std::unique_ptr<KeyGenerator> kg;
  std::unique_ptr<CkksEncoder> enc;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<Decryptor> dec;
  std::unique_ptr<Evaluator> ev;
  RelinKey rk;
  GaloisKeys gk;
  std::vector<std::vector<double>> values;
  std::vector<Plaintext> pts;
  std::vector<Plaintext> large_pts;  // scale 2^(log2 Q - 70): coefficients far beyond 2^64
  std::vector<Ciphertext> cts;
};

Fixture& fixture(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Fixture>> cache;
  auto& f = cache[name];
  if (!f) {
    f = std::make_unique<Fixture>();
    f->ctx = CkksContext::create(name);
    f->kg = std::make_unique<KeyGenerator>(f->ctx);
    f->enc = std::make_unique<CkksEncoder>(f->ctx);
    f->encryptor = std::make_unique<Encryptor>(f->ctx, f->kg->public_key());
    f->dec = std::make_unique<Decryptor>(f->ctx, f->kg->secret_key_ref());
    f->ev = std::make_unique<Evaluator>(f->ctx);
    f->rk = f->kg->relin_key();
    std::vector<int64_t> steps{1};
    f->gk = f->kg->galois_keys(steps, false);
    for (size_t k = 0; k < kPool; ++k) {
      std::vector<double> v(f->ctx->slot_count());
      for (auto& x : v) x = static_cast<double>(v100::random_u64() >> 11) * 0x1.0p-53 * 2 - 1;
      f->values.push_back(v);
      f->pts.push_back(f->enc->encode(v));
      const size_t top = f->ctx->max_level();
      f->large_pts.push_back(
          f->enc->encode(v, std::ldexp(1.0, static_cast<int>(f->ctx->log_q(top)) - 70), top));
      f->cts.push_back(f->encryptor->encrypt(f->pts.back()));
    }
  }
  return *f;
}

void BM_Encode(benchmark::State& state, const char* name) {
  Fixture& f = fixture(name);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.enc->encode(f.values[i++ % kPool]));
}
void BM_Decode(benchmark::State& state, const char* name) {
  Fixture& f = fixture(name);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.enc->decode(f.pts[i++ % kPool]));
}
// Decoding near the top of the modulus (e.g. a product before rescaling): the CRT's high-word tiers.
void BM_DecodeLarge(benchmark::State& state, const char* name) {
  Fixture& f = fixture(name);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.enc->decode(f.large_pts[i++ % kPool]));
}
void BM_EncryptPk(benchmark::State& state, const char* name) {
  Fixture& f = fixture(name);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.encryptor->encrypt(f.pts[i++ % kPool]));
}
void BM_Decrypt(benchmark::State& state, const char* name) {
  Fixture& f = fixture(name);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.dec->decrypt(f.cts[i++ % kPool]));
}
void BM_MulRelinRescale(benchmark::State& state, const char* name) {
  Fixture& f = fixture(name);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.ev->multiply_relin_rescale(f.cts[i % kPool], f.cts[(i + 1) % kPool], f.rk));
    ++i;
  }
}
void BM_Rotate(benchmark::State& state, const char* name) {
  Fixture& f = fixture(name);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.ev->rotate(f.cts[i++ % kPool], 1, f.gk));
}

#define V100_CKKS_BENCH(fn, op)                                                                    \
  BENCHMARK_CAPTURE(fn, n8192, "ckks-8192")->Name("ckks/8192/" op)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_CAPTURE(fn, n16384, "ckks-16384")->Name("ckks/16384/" op)->Unit(benchmark::kMicrosecond)

V100_CKKS_BENCH(BM_Encode, "encode");
V100_CKKS_BENCH(BM_Decode, "decode");
V100_CKKS_BENCH(BM_DecodeLarge, "decode_large_scale");
V100_CKKS_BENCH(BM_EncryptPk, "encrypt_pk");
V100_CKKS_BENCH(BM_Decrypt, "decrypt");
V100_CKKS_BENCH(BM_MulRelinRescale, "multiply_relin_rescale");
V100_CKKS_BENCH(BM_Rotate, "rotate");

}  // namespace
