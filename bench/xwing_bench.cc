// X-Wing key generation, encapsulation and decapsulation, each iteration on a different key /
// ciphertext from a precomputed pool.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/rng.h"
#include "pq/xwing/xwing.h"

namespace {

using namespace v100::pq::xwing;

constexpr size_t kPool = 16;

struct Pool {
  std::vector<SecretKey> keys;
  std::vector<Ciphertext> cts;
  Pool() {
    for (size_t i = 0; i < kPool; ++i) {
      keys.push_back(generate_key_pair());
      cts.push_back(std::move(encapsulate(keys.back().public_key()).value().ciphertext));
    }
  }
};

const Pool& pool() {
  static const Pool p;
  return p;
}

void BM_XWingKeyGen(benchmark::State& state) {
  std::vector<uint8_t> seeds = v100::random_bytes(32 * kPool);
  size_t i = 0;
  for (auto _ : state) {
    auto sk = generate_key_pair_derand(v100::ByteSpan(seeds.data() + 32 * (i++ % kPool), 32));
    benchmark::DoNotOptimize(sk.public_key().bytes().data());
  }
}

void BM_XWingEncaps(benchmark::State& state) {
  const auto& p = pool();
  size_t i = 0;
  for (auto _ : state) {
    auto enc = encapsulate(p.keys[i++ % kPool].public_key());
    benchmark::DoNotOptimize(enc.is_ok());
  }
}

void BM_XWingDecaps(benchmark::State& state) {
  const auto& p = pool();
  size_t i = 0;
  for (auto _ : state) {
    size_t j = i++ % kPool;
    auto ss = decapsulate(p.keys[j], p.cts[j]);
    benchmark::DoNotOptimize(ss.is_ok());
  }
}

// Encapsulation to a public key received as bytes (parse + ML-KEM §7.2 check + encapsulate).
void BM_XWingEncapsFromBytes(benchmark::State& state) {
  const auto& p = pool();
  size_t i = 0;
  for (auto _ : state) {
    auto pk = PublicKey::from_bytes(p.keys[i++ % kPool].public_key().span());
    auto enc = encapsulate(*pk);
    benchmark::DoNotOptimize(enc.is_ok());
  }
}

BENCHMARK(BM_XWingKeyGen)->Name("xwing/keygen")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_XWingEncaps)->Name("xwing/encaps")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_XWingDecaps)->Name("xwing/decaps")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_XWingEncapsFromBytes)->Name("xwing/encaps_from_bytes")->Unit(benchmark::kMicrosecond);

}  // namespace
