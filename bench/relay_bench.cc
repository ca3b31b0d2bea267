// Relay hot path, single thread: validating an incoming MediaFrame (zero-copy view) and
// coalescing queued frames into one MediaBundle. The end-to-end relay (TLS, sockets, fan-out) is
// measured by `v100 bench-relay`.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/rng.h"
#include "meeting/protocol/messages.h"

namespace {

using namespace v100::meeting::protocol;  // NOLINT

std::vector<v100::Bytes> frame_pool(size_t n, size_t bytes) {
  std::vector<v100::Bytes> pool;
  for (size_t i = 0; i < n; ++i)
    pool.push_back(
        encode_media_frame(static_cast<uint16_t>(i % 25), MediaKind::kAudio, v100::random_bytes(bytes)));
  return pool;
}

void BM_FrameValidate(benchmark::State& state) {
  auto pool = frame_pool(64, 1200);
  size_t i = 0;
  for (auto _ : state) {
    auto v = decode_media_frame_view(pool[i++ % pool.size()]);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_FrameValidate)->Name("relay/frame_validate_1200")->Unit(benchmark::kMicrosecond);

void BM_Bundle24(benchmark::State& state) {
  auto pool = frame_pool(96, 1200);
  v100::Bytes bundle;
  size_t i = 0;
  for (auto _ : state) {
    begin_media_bundle(bundle);
    for (int k = 0; k < 24; ++k) {
      const auto& f = pool[i++ % pool.size()];
      bundle.insert(bundle.end(), f.begin() + kHeaderBytes, f.end());
    }
    finish_media_bundle(bundle, 24);
    benchmark::DoNotOptimize(bundle.data());
  }
}
BENCHMARK(BM_Bundle24)->Name("relay/bundle_24x1200")->Unit(benchmark::kMicrosecond);

}  // namespace
