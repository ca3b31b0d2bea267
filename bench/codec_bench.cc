// VP8 and Opus through the codec layer (libvpx, libopus): one 640x360 test-pattern frame (steady-state
// deltas, realtime speed 8, 800 kbps) and one 20 ms mono frame at 48 kHz / 32 kbit/s. Inputs are made
// ahead of time; only the codec call and the wrapper's copies are timed.
#include <benchmark/benchmark.h>

#include <vector>

#include "codec/opus.h"
#include "codec/test_pattern.h"
#include "codec/tone.h"
#include "codec/vp8.h"

namespace {

namespace codec = v100::codec;

constexpr int kPictures = 60;  // 2 s of distinct frames, cycled
constexpr int kAudioFrames = 50;

codec::Vp8Config steady_config() {
  codec::Vp8Config cfg;             // 640x360, 30 fps, 800 kbps, speed 8, one thread
  cfg.keyframe_interval = 1 << 30;  // no automatic keyframe inside the timed loop
  return cfg;
}

void BM_Vp8Encode360p(benchmark::State& state) {
  std::vector<codec::Picture> pics;
  for (int f = 0; f < kPictures; ++f) pics.push_back(codec::render_test_pattern(1, static_cast<uint32_t>(f)));
  auto enc = codec::Vp8Encoder::create(steady_config());
  if (!enc) return state.SkipWithError(enc.message().c_str());
  for (int f = 0; f < kPictures; ++f)
    (void)enc->encode(pics[static_cast<size_t>(f)]);  // keyframe, rate control settles
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    auto pkts = enc->encode(pics[i++ % kPictures]);
    if (!pkts || pkts->empty() || (*pkts)[0].keyframe) return state.SkipWithError("expected one delta");
    bytes += (*pkts)[0].data.size();
  }
  state.counters["bytes_per_frame"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Vp8Encode360p)->Name("codec/vp8_encode_360p")->Unit(benchmark::kMicrosecond);

void BM_Vp8Decode360p(benchmark::State& state) {
  // A keyframe and 2 s of deltas; at the end of the stream the keyframe is decoded again, untimed.
  auto enc = codec::Vp8Encoder::create(steady_config());
  if (!enc) return state.SkipWithError(enc.message().c_str());
  std::vector<v100::Bytes> stream;
  for (int f = 0; f <= kPictures; ++f)
    stream.push_back((*enc->encode(codec::render_test_pattern(1, static_cast<uint32_t>(f))))[0].data);
  auto dec = codec::Vp8Decoder::create();
  if (!dec || !dec->decode(stream[0])) return state.SkipWithError("keyframe did not decode");
  size_t i = 1;
  for (auto _ : state) {
    if (i == stream.size()) {
      state.PauseTiming();
      (void)dec->decode(stream[0]);
      i = 1;
      state.ResumeTiming();
    }
    auto pic = dec->decode(stream[i++]);
    if (!pic) return state.SkipWithError(pic.message().c_str());
    benchmark::DoNotOptimize(pic->y.data());
  }
}
BENCHMARK(BM_Vp8Decode360p)->Name("codec/vp8_decode_360p")->Unit(benchmark::kMicrosecond);

std::vector<std::vector<int16_t>> tone_frames() {
  std::vector<std::vector<int16_t>> frames(kAudioFrames, std::vector<int16_t>(codec::kOpusFrameSamples));
  for (size_t f = 0; f < frames.size(); ++f)
    codec::render_tone(codec::tone_frequency(3), f * codec::kOpusFrameSamples, frames[f]);
  return frames;
}

void BM_OpusEncode20ms(benchmark::State& state) {
  const auto frames = tone_frames();
  auto enc = codec::OpusEncoder::create();
  if (!enc) return state.SkipWithError(enc.message().c_str());
  size_t i = 0;
  for (auto _ : state) {
    auto pkt = enc->encode(frames[i++ % kAudioFrames]);
    if (!pkt) return state.SkipWithError(pkt.message().c_str());
    benchmark::DoNotOptimize(pkt->data());
  }
}
BENCHMARK(BM_OpusEncode20ms)->Name("codec/opus_encode_20ms")->Unit(benchmark::kMicrosecond);

void BM_OpusDecode20ms(benchmark::State& state) {
  auto enc = codec::OpusEncoder::create();
  auto dec = codec::OpusDecoder::create();
  if (!enc || !dec) return state.SkipWithError("opus create failed");
  std::vector<v100::Bytes> packets;
  for (const auto& f : tone_frames()) packets.push_back(*enc->encode(f));
  size_t i = 0;
  for (auto _ : state) {
    auto pcm = dec->decode(packets[i++ % kAudioFrames]);
    if (!pcm) return state.SkipWithError(pcm.message().c_str());
    benchmark::DoNotOptimize(pcm->data());
  }
}
BENCHMARK(BM_OpusDecode20ms)->Name("codec/opus_decode_20ms")->Unit(benchmark::kMicrosecond);

}  // namespace
