// SHA-3 / SHAKE throughput, distinct input per iteration.
#include <benchmark/benchmark.h>

#include "core/rng.h"
#include "hash/sha3.h"

namespace {

void BM_Sha3_256_1k(benchmark::State& state) {
  v100::Bytes in = v100::random_bytes(1024 + 64);
  size_t i = 0;
  for (auto _ : state) {
    auto d = v100::hash::sha3_256(v100::ByteSpan(in.data() + (i++ & 63), 1024));
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1024);
}
BENCHMARK(BM_Sha3_256_1k)->Name("hash/sha3_256_1k")->Unit(benchmark::kMicrosecond);

void BM_Shake128_Squeeze(benchmark::State& state) {
  uint8_t seed[34] = {};
  uint8_t out[168 * 4];
  uint32_t i = 0;
  for (auto _ : state) {
    seed[0] = static_cast<uint8_t>(i);
    seed[1] = static_cast<uint8_t>(i++ >> 8);
    v100::hash::Shake128 x;
    x.absorb(seed);
    x.squeeze_blocks(out, 4);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * sizeof out);
}
BENCHMARK(BM_Shake128_Squeeze)->Name("hash/shake128_672")->Unit(benchmark::kMicrosecond);

}  // namespace
