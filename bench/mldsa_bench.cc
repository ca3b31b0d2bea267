// ML-DSA-65 key generation, signing (hedged, the default) and verification, each iteration on a
// distinct input drawn from a pool prepared outside the timed loop.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/rng.h"
#include "pq/mldsa/mldsa.h"

namespace {

namespace mldsa = v100::pq::mldsa;
constexpr size_t kPool = 64;

void BM_MlDsa65KeyGen(benchmark::State& state) {
  std::vector<std::array<uint8_t, 32>> seeds(kPool);
  for (auto& s : seeds) v100::random_bytes(s);
  size_t i = 0;
  for (auto _ : state) {
    auto kp = mldsa::generate_key_internal<mldsa::kMlDsa65>(seeds[i++ % kPool]);
    benchmark::DoNotOptimize(kp.public_key.bytes().data());
  }
}
BENCHMARK(BM_MlDsa65KeyGen)->Name("mldsa65/keygen")->Unit(benchmark::kMicrosecond);

void BM_MlDsa65Sign(benchmark::State& state) {
  auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  std::vector<v100::Bytes> msgs(kPool);
  for (auto& m : msgs) m = v100::random_bytes(64);
  size_t i = 0;
  for (auto _ : state) {
    auto sig = mldsa::sign(kp.secret_key, msgs[i++ % kPool]);
    benchmark::DoNotOptimize(sig.bytes().data());
  }
}
BENCHMARK(BM_MlDsa65Sign)->Name("mldsa65/sign")->Unit(benchmark::kMicrosecond);

void BM_MlDsa65Verify(benchmark::State& state) {
  auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  std::vector<v100::Bytes> msgs(kPool);
  std::vector<mldsa::Signature65> sigs;
  for (auto& m : msgs) {
    m = v100::random_bytes(64);
    sigs.push_back(mldsa::sign(kp.secret_key, m));
  }
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ % kPool;
    v100::Status ok = mldsa::verify(kp.public_key, msgs[k], sigs[k]);
    if (!ok) state.SkipWithError("verification failed");
  }
}
BENCHMARK(BM_MlDsa65Verify)->Name("mldsa65/verify")->Unit(benchmark::kMicrosecond);

}  // namespace
