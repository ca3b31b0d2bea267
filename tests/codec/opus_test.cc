// Opus through libopus: each sender's tone keeps its frequency across encode/decode, packets have the
// sizes 32 kbit/s implies, loss concealment fills the gap, and hostile packets give errors.
#include "codec/opus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "codec/tone.h"
#include "codec_test_util.h"

namespace v100::codec {
namespace {

using testing::DeterministicBytes;

TEST(Opus, ToneSurvivesRoundTripForEachSender) {
  const int kFrames = 50;  // 1 s
  for (uint16_t sender : {0, 1, 2, 3, 7, 15, 16, 1000}) {
    SCOPED_TRACE(sender);
    auto enc = OpusEncoder::create();
    auto dec = OpusDecoder::create();
    ASSERT_TRUE(enc && dec);
    const double freq = tone_frequency(sender);
    std::vector<int16_t> decoded;
    size_t total = 0, smallest = SIZE_MAX, largest = 0;
    std::vector<int16_t> pcm(kOpusFrameSamples);
    for (int f = 0; f < kFrames; ++f) {
      render_tone(freq, uint64_t(f) * kOpusFrameSamples, pcm);
      auto pkt = enc->encode(pcm);
      ASSERT_TRUE(pkt) << pkt.message();
      total += pkt->size();
      smallest = std::min(smallest, pkt->size());
      largest = std::max(largest, pkt->size());
      auto out = dec->decode(*pkt);
      ASSERT_TRUE(out) << out.message();
      ASSERT_EQ(out->size(), size_t(kOpusFrameSamples));
      decoded.insert(decoded.end(), out->begin(), out->end());
    }
    const double got = dominant_frequency(decoded);
    EXPECT_NEAR(got, freq, 10.0);
    // 32 kbit/s in 20 ms frames is 80 bytes; VBR wanders, but not by an order of magnitude.
    const double mean = double(total) / kFrames;
    EXPECT_GT(mean, 40.0);
    EXPECT_LT(mean, 120.0);
    EXPECT_GE(smallest, 3u);
    EXPECT_LE(largest, 400u);
    if (sender == 3)
      std::printf(
          "[ figures ] Opus 48 kHz mono 32 kbit/s, %.0f Hz tone: packets %zu..%zu B, mean %.1f B; decoded "
          "peak %.2f Hz\n",
          freq, smallest, largest, mean, got);
  }
}

TEST(Opus, StereoAndNarrowerRates) {
  for (OpusConfig cfg :
       {OpusConfig{48000, 2, 64000}, OpusConfig{16000, 1, 16000}, OpusConfig{8000, 1, 12000}}) {
    SCOPED_TRACE(cfg.sample_rate * 10 + cfg.channels);
    auto enc = OpusEncoder::create(cfg);
    auto dec = OpusDecoder::create(cfg);
    ASSERT_TRUE(enc && dec);
    const int frame = opus_frame_samples(cfg.sample_rate);
    std::vector<int16_t> mono(frame), pcm(size_t(frame) * size_t(cfg.channels)), decoded_left;
    for (int f = 0; f < 25; ++f) {
      render_tone(660.0, uint64_t(f) * uint64_t(frame), mono, cfg.sample_rate);
      for (int i = 0; i < frame; ++i)
        for (int c = 0; c < cfg.channels; ++c) pcm[size_t(i * cfg.channels + c)] = mono[size_t(i)];
      auto pkt = enc->encode(pcm);
      ASSERT_TRUE(pkt) << pkt.message();
      auto out = dec->decode(*pkt);
      ASSERT_TRUE(out) << out.message();
      ASSERT_EQ(out->size(), pcm.size());
      for (int i = 0; i < frame; ++i) decoded_left.push_back((*out)[size_t(i * cfg.channels)]);
    }
    EXPECT_NEAR(dominant_frequency(decoded_left, cfg.sample_rate), 660.0, 10.0);
  }
}

TEST(Opus, ConcealmentFillsOneFrame) {
  auto enc = OpusEncoder::create();
  auto dec = OpusDecoder::create();
  ASSERT_TRUE(enc && dec);
  std::vector<int16_t> pcm(kOpusFrameSamples);
  for (int f = 0; f < 5; ++f) {
    render_tone(880.0, uint64_t(f) * kOpusFrameSamples, pcm);
    ASSERT_TRUE(dec->decode(*enc->encode(pcm)));
  }
  auto plc = dec->conceal_lost();
  ASSERT_TRUE(plc) << plc.message();
  EXPECT_EQ(plc->size(), size_t(kOpusFrameSamples));
  double energy = 0;
  for (int16_t s : *plc) energy += double(s) * s;
  EXPECT_GT(energy, 0.0);  // the concealment continues the tone rather than going silent
}

TEST(Opus, RefusesBadConfigAndFrameLengths) {
  EXPECT_FALSE(OpusEncoder::create(OpusConfig{44100, 1, 32000}));
  EXPECT_FALSE(OpusEncoder::create(OpusConfig{48000, 3, 32000}));
  EXPECT_FALSE(OpusEncoder::create(OpusConfig{48000, 1, 100}));
  EXPECT_FALSE(OpusDecoder::create(OpusConfig{11025, 1, 32000}));
  auto enc = OpusEncoder::create();
  ASSERT_TRUE(enc);
  std::vector<int16_t> pcm(kOpusFrameSamples + 1);
  EXPECT_FALSE(enc->encode(pcm));
  EXPECT_FALSE(enc->encode(std::span<const int16_t>(pcm).first(480)));
  EXPECT_TRUE(enc->encode(std::span<const int16_t>(pcm).first(kOpusFrameSamples)));
  auto dec = OpusDecoder::create();
  ASSERT_TRUE(dec);
  EXPECT_FALSE(dec->decode({}));
}

// Random packets, truncations and bit flips of real ones: libopus may accept many (Opus is a
// forgiving format), but the result is bounded and nothing crashes.
TEST(Opus, HostilePacketsGiveErrorsNotCrashes) {
  auto enc = OpusEncoder::create();
  ASSERT_TRUE(enc);
  std::vector<Bytes> real;
  std::vector<int16_t> pcm(kOpusFrameSamples);
  for (int f = 0; f < 10; ++f) {
    render_tone(550.0, uint64_t(f) * kOpusFrameSamples, pcm);
    real.push_back(*enc->encode(pcm));
  }
  for (int channels : {1, 2}) {
    auto dec = OpusDecoder::create(OpusConfig{48000, channels, 32000});
    ASSERT_TRUE(dec);
    DeterministicBytes rng("v100 codec opus hostile");
    int errors = 0;
    const int kCases = 3000;
    for (int i = 0; i < kCases; ++i) {
      const Bytes& base = real[rng.below(static_cast<uint32_t>(real.size()))];
      Bytes in;
      switch (i % 3) {
        case 0:
          in = rng.bytes(rng.below(1500));
          break;
        case 1:
          in.assign(base.begin(), base.begin() + rng.below(static_cast<uint32_t>(base.size())));
          break;
        default:
          in = testing::flip_bits(base, rng);
      }
      auto r = dec->decode(in);
      if (!r) {
        ++errors;
        continue;
      }
      ASSERT_LE(r->size(), size_t(5760 * channels));  // at most 120 ms
      ASSERT_EQ(r->size() % size_t(channels), 0u);
    }
    if (channels == 1) std::printf("[ figures ] Opus hostile packets: %d cases, %d errors\n", kCases, errors);
    EXPECT_GT(errors, 0);
    EXPECT_TRUE(dec->conceal_lost());  // still usable
  }
}

}  // namespace
}  // namespace v100::codec
