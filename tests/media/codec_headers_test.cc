// VP8 frame tags and key-frame headers (RFC 6386 §9.1), Opus packet durations (RFC 6716 §3.1) and
// the OpusHead (RFC 7845 §5.1), on hand-built bytes: good ones parse to the spec's values, malformed
// ones are refused with a reason.
#include "media/codec_headers.h"

#include <gtest/gtest.h>

namespace v100::media {
namespace {

// A key frame header: tag (key, version, show, partition size), start code, 14-bit sizes + scales.
Bytes vp8_key(uint32_t part, uint16_t w, uint16_t h, uint8_t version = 0, size_t total = 64) {
  const uint32_t raw = 0u | uint32_t{version} << 1 | 1u << 4 | part << 5;
  Bytes b(std::max<size_t>(total, 10), 0);
  b[0] = static_cast<uint8_t>(raw);
  b[1] = static_cast<uint8_t>(raw >> 8);
  b[2] = static_cast<uint8_t>(raw >> 16);
  b[3] = 0x9d;
  b[4] = 0x01;
  b[5] = 0x2a;
  b[6] = static_cast<uint8_t>(w);
  b[7] = static_cast<uint8_t>(w >> 8);
  b[8] = static_cast<uint8_t>(h);
  b[9] = static_cast<uint8_t>(h >> 8);
  return b;
}

TEST(Vp8Header, KeyFrameParses) {
  const Bytes f = vp8_key(40, 640 | 0x4000, 360 | 0x8000);
  auto h = parse_vp8_keyframe_header(f);
  ASSERT_TRUE(h) << h.message();
  EXPECT_TRUE(h->tag.keyframe);
  EXPECT_TRUE(h->tag.show_frame);
  EXPECT_EQ(h->tag.first_part_size, 40u);
  EXPECT_EQ(h->width, 640);
  EXPECT_EQ(h->height, 360);
  EXPECT_EQ(h->horizontal_scale, 1);
  EXPECT_EQ(h->vertical_scale, 2);
}

TEST(Vp8Header, MalformedKeyFramesRefused) {
  EXPECT_FALSE(parse_vp8_keyframe_header(Bytes{}));
  const Bytes whole = vp8_key(0, 64, 64);
  EXPECT_FALSE(parse_vp8_keyframe_header(ByteSpan(whole).first(9)));
  Bytes bad_start = vp8_key(10, 64, 64);
  bad_start[4] = 0x02;
  EXPECT_FALSE(parse_vp8_keyframe_header(bad_start));
  EXPECT_FALSE(parse_vp8_keyframe_header(vp8_key(10, 0, 64)));
  EXPECT_FALSE(parse_vp8_keyframe_header(vp8_key(10, 64, 0x8000)));     // height 0, scale 2
  EXPECT_FALSE(parse_vp8_keyframe_header(vp8_key(10, 64, 64, 4)));      // reserved version
  EXPECT_FALSE(parse_vp8_keyframe_header(vp8_key(55, 64, 64, 0, 64)));  // partition past the end
  EXPECT_TRUE(parse_vp8_keyframe_header(vp8_key(54, 64, 64, 0, 64)));   // exactly fits
  Bytes inter = vp8_key(10, 64, 64);
  inter[0] |= 1;
  EXPECT_FALSE(parse_vp8_keyframe_header(inter));
  auto tag = parse_vp8_frame_tag(inter);
  ASSERT_TRUE(tag);
  EXPECT_FALSE(tag->keyframe);
  EXPECT_FALSE(parse_vp8_frame_tag(Bytes{0x11, 0x00}));
}

TEST(OpusPacket, DurationsFromToc) {
  EXPECT_EQ(*opus_packet_samples(Bytes{15 << 3}), 960u);              // hybrid FB 20 ms
  EXPECT_EQ(*opus_packet_samples(Bytes{12 << 3}), 480u);              // hybrid SWB 10 ms
  EXPECT_EQ(*opus_packet_samples(Bytes{16 << 3}), 120u);              // CELT 2.5 ms
  EXPECT_EQ(*opus_packet_samples(Bytes{(3 << 3) | 1, 0, 0}), 5760u);  // SILK 60 ms x 2 = 120 ms
  EXPECT_EQ(*opus_packet_samples(Bytes{(31 << 3) | 3, 3}), 2880u);    // CELT 20 ms, code 3, 3 frames
  EXPECT_FALSE(opus_packet_samples(Bytes{}));
  EXPECT_FALSE(opus_packet_samples(Bytes{(31 << 3) | 3}));     // count byte missing
  EXPECT_FALSE(opus_packet_samples(Bytes{(31 << 3) | 3, 0}));  // zero frames
  EXPECT_FALSE(opus_packet_samples(Bytes{(31 << 3) | 3, 7}));  // 140 ms
}

TEST(OpusHead, Rfc7845Layout) {
  const Bytes h = make_opus_head(1, 312, 48000);
  const Bytes want = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 1, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0};
  EXPECT_EQ(h, want);
  EXPECT_THROW(make_opus_head(3, 0), std::invalid_argument);
}

}  // namespace
}  // namespace v100::media
