// VP8 through libvpx: 90 test-pattern frames survive the round trip readable (sender and frame), the
// stream's keyframe/delta structure is what realtime video needs, and the decoder answers hostile
// bytes with errors, never a crash.
#include "codec/vp8.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "codec/test_pattern.h"
#include "codec_test_util.h"

namespace v100::codec {
namespace {

using testing::DeterministicBytes;

double luma_psnr(const Picture& a, const Picture& b) {
  double se = 0;
  for (size_t i = 0; i < a.y.size(); ++i) {
    const double d = double(a.y[i]) - double(b.y[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(a.y.size());
  return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

// Encodes pattern frames 0..n-1 of `sender`; forces a keyframe at the frames listed.
std::vector<EncodedVideo> encode_pattern(const Vp8Config& cfg, uint16_t sender, int n,
                                         std::vector<int> force_at = {}) {
  auto enc = Vp8Encoder::create(cfg);
  EXPECT_TRUE(enc) << enc.message();
  std::vector<EncodedVideo> out;
  for (int f = 0; f < n; ++f) {
    bool force = std::find(force_at.begin(), force_at.end(), f) != force_at.end();
    auto pkts =
        enc->encode(render_test_pattern(sender, static_cast<uint32_t>(f), cfg.width, cfg.height), force);
    EXPECT_TRUE(pkts) << pkts.message();
    EXPECT_EQ(pkts->size(), 1u) << "frame " << f;  // no lag, no frame dropping: one packet per picture
    for (auto& p : *pkts) out.push_back(std::move(p));
  }
  return out;
}

TEST(Vp8, RoundTrip90PatternFramesAt360p) {
  const uint16_t kSender = 3;
  Vp8Config cfg;  // 640x360, 30 fps, 800 kbps, keyframe every 60
  cfg.bitrate_kbps = 500;
  const std::vector<EncodedVideo> pkts = encode_pattern(cfg, kSender, 90, {45});
  ASSERT_EQ(pkts.size(), 90u);

  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(dec) << dec.message();
  size_t key_bytes = 0, delta_bytes = 0, keys = 0, deltas = 0;
  double worst_psnr = 99;
  for (size_t f = 0; f < pkts.size(); ++f) {
    SCOPED_TRACE(f);
    const bool expect_key = f == 0 || f == 45;
    EXPECT_EQ(pkts[f].keyframe, expect_key);
    auto info = peek_vp8_frame(pkts[f].data);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->keyframe, pkts[f].keyframe);
    (pkts[f].keyframe ? key_bytes : delta_bytes) += pkts[f].data.size();
    (pkts[f].keyframe ? keys : deltas) += 1;

    auto pic = dec->decode(pkts[f].data);
    ASSERT_TRUE(pic) << pic.message();
    ASSERT_TRUE(pic->valid());
    EXPECT_EQ(pic->width, 640);
    EXPECT_EQ(pic->height, 360);
    auto read = read_test_pattern(*pic);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->sender, kSender);
    EXPECT_EQ(read->frame, f);
    worst_psnr =
        std::min(worst_psnr, luma_psnr(*pic, render_test_pattern(kSender, static_cast<uint32_t>(f))));
  }
  ASSERT_EQ(keys, 2u);
  const double mean_key = double(key_bytes) / double(keys), mean_delta = double(delta_bytes) / double(deltas);
  std::printf(
      "[ figures ] VP8 640x360@30 500 kbps: keyframe %.0f B, delta %.0f B mean (%.1fx), worst luma PSNR %.1f "
      "dB\n",
      mean_key, mean_delta, mean_key / mean_delta, worst_psnr);
  EXPECT_GT(mean_key, 4 * mean_delta);
  EXPECT_GT(worst_psnr, 25.0);
  // CBR: the deltas, averaged, stay near the target rate (500 kbps at 30 fps is ~2083 bytes a frame).
  EXPECT_LT(mean_delta, 2.0 * 500000 / 8 / 30);
}

TEST(Vp8, PatternReadableAtLowBitrate) {
  Vp8Config cfg;
  cfg.bitrate_kbps = 300;
  const auto pkts = encode_pattern(cfg, 65535, 60);
  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(dec);
  for (size_t f = 0; f < pkts.size(); ++f) {
    auto pic = dec->decode(pkts[f].data);
    ASSERT_TRUE(pic) << pic.message();
    auto read = read_test_pattern(*pic);
    ASSERT_TRUE(read.has_value()) << "frame " << f;
    EXPECT_EQ(*read, (PatternInfo{65535, static_cast<uint32_t>(f)}));
  }
}

TEST(Vp8, AutomaticKeyframeInterval) {
  Vp8Config cfg;
  cfg.width = 160;
  cfg.height = 96;
  cfg.keyframe_interval = 10;
  const auto pkts = encode_pattern(cfg, 1, 25);
  for (size_t f = 0; f < pkts.size(); ++f) EXPECT_EQ(pkts[f].keyframe, f % 10 == 0) << f;
}

TEST(Vp8, EncoderRefusesBadConfigAndPictures) {
  for (auto mutate : std::vector<void (*)(Vp8Config&)>{
           [](Vp8Config& c) { c.width = 0; }, [](Vp8Config& c) { c.height = 20000; },
           [](Vp8Config& c) { c.fps = 0; }, [](Vp8Config& c) { c.bitrate_kbps = -1; },
           [](Vp8Config& c) { c.keyframe_interval = 0; }, [](Vp8Config& c) { c.threads = 0; },
           [](Vp8Config& c) { c.cpu_used = 17; }}) {
    Vp8Config c;
    mutate(c);
    EXPECT_FALSE(Vp8Encoder::create(c));
  }
  Vp8Config cfg;
  cfg.width = 64;
  cfg.height = 48;
  auto enc = Vp8Encoder::create(cfg);
  ASSERT_TRUE(enc);
  EXPECT_FALSE(enc->encode(Picture::blank(640, 360)));  // wrong size
  Picture short_chroma = Picture::blank(64, 48);
  short_chroma.v.pop_back();
  EXPECT_FALSE(enc->encode(short_chroma));
  EXPECT_FALSE(enc->encode(Picture{}));
  EXPECT_TRUE(enc->encode(Picture::blank(64, 48)));

  Vp8Encoder moved = std::move(*enc);
  EXPECT_TRUE(moved.encode(Picture::blank(64, 48)));
  EXPECT_FALSE(enc->encode(Picture::blank(64, 48)));  // NOLINT(bugprone-use-after-move): defined error
}

TEST(Vp8, OddSizesRoundTrip) {
  Vp8Config cfg;
  cfg.width = 161;
  cfg.height = 97;
  auto enc = Vp8Encoder::create(cfg);
  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(enc && dec);
  for (uint32_t f = 0; f < 3; ++f) {
    auto pkts = enc->encode(render_test_pattern(9, f, 161, 97));
    ASSERT_TRUE(pkts);
    auto pic = dec->decode((*pkts)[0].data);
    ASSERT_TRUE(pic) << pic.message();
    EXPECT_EQ(pic->width, 161);
    EXPECT_EQ(pic->height, 97);
    EXPECT_TRUE(pic->valid());
  }
}

TEST(Vp8, DeltaBeforeKeyframeAndAfterAnErrorIsRefused) {
  Vp8Config cfg;
  cfg.width = 160;
  cfg.height = 96;
  const auto pkts = encode_pattern(cfg, 2, 4);
  {
    auto dec = Vp8Decoder::create();
    auto r = dec->decode(pkts[1].data);
    ASSERT_FALSE(r);
    EXPECT_NE(r.message().find("keyframe"), std::string::npos) << r.message();
  }
  auto dec = Vp8Decoder::create();
  ASSERT_TRUE(dec->decode(pkts[0].data));
  EXPECT_TRUE(dec->has_reference());
  EXPECT_FALSE(dec->decode(ByteSpan(pkts[1].data).first(2)));  // truncated tag
  EXPECT_FALSE(dec->has_reference());
  EXPECT_FALSE(dec->decode(pkts[2].data));  // references in doubt: wait for a keyframe
  ASSERT_TRUE(dec->decode(pkts[0].data));
  EXPECT_TRUE(dec->decode(pkts[1].data));
}

TEST(Vp8, OversizedKeyframeRefusedBeforeAllocation) {
  Vp8Config cfg;
  cfg.width = 160;
  cfg.height = 96;
  Bytes key = encode_pattern(cfg, 2, 1)[0].data;
  key[6] = 0xff;  // width 16383
  key[7] = 0x3f;
  Vp8DecoderConfig limits;
  limits.max_width = 1920;
  limits.max_height = 1080;
  auto dec = Vp8Decoder::create(limits);
  auto r = dec->decode(key);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("limit"), std::string::npos) << r.message();
  key[6] = key[7] = 0;  // width 0
  EXPECT_FALSE(dec->decode(key));
  EXPECT_FALSE(Vp8Decoder::create(Vp8DecoderConfig{0, 100, 1}));
}

// A few thousand hostile inputs: random bytes, truncations and bit flips of real keyframes and deltas,
// each fed to a decoder that holds a valid reference (so deltas reach libvpx). Errors are fine; a
// decoded picture must be well-formed and within the limits.
TEST(Vp8, HostileInputGivesErrorsNotCrashes) {
  Vp8Config cfg;
  cfg.width = 160;
  cfg.height = 96;
  const auto pkts = encode_pattern(cfg, 4, 8);
  DeterministicBytes rng("v100 codec vp8 hostile");
  auto dec = Vp8Decoder::create(Vp8DecoderConfig{640, 640, 1});
  ASSERT_TRUE(dec);
  int errors = 0, decoded = 0;
  const int kCases = 3000;
  for (int i = 0; i < kCases; ++i) {
    if (!dec->has_reference()) {
      ASSERT_TRUE(dec->decode(pkts[0].data));
    }
    const auto& base = pkts[rng.below(static_cast<uint32_t>(pkts.size()))].data;
    Bytes in;
    switch (i % 4) {
      case 0:
        in = rng.bytes(rng.below(600));
        if (i % 8 == 0 && in.size() >= 10) {  // a plausible keyframe header over random payload
          in[0] &= 0xfe;
          in[3] = 0x9d, in[4] = 0x01, in[5] = 0x2a;
        }
        break;
      case 1:
        in.assign(base.begin(), base.begin() + rng.below(static_cast<uint32_t>(base.size())));
        break;
      case 2:
        in = testing::flip_bits(base, rng);
        break;
      default: {  // splice: a real frame's header over random bytes
        in = rng.bytes(base.size());
        std::copy_n(base.begin(), std::min<size_t>(base.size(), 3 + rng.below(32)), in.begin());
      }
    }
    auto r = dec->decode(in);
    if (r) {
      ++decoded;
      ASSERT_TRUE(r->valid());
      ASSERT_LE(r->width, 640);
      ASSERT_LE(r->height, 640);
    } else {
      ++errors;
      ASSERT_FALSE(r.message().empty());
    }
  }
  std::printf("[ figures ] VP8 hostile inputs: %d cases, %d errors, %d decoded (bit flips can stay valid)\n",
              kCases, errors, decoded);
  EXPECT_GT(errors, kCases / 4);
}

}  // namespace
}  // namespace v100::codec
