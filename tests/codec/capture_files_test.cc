// Y4M and WAV writers: exact headers and sizes, planes in order, sample bytes little-endian.
#include "codec/capture_files.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "codec/test_pattern.h"
#include "core/bytes.h"

namespace v100::codec {
namespace {

std::string text(ByteSpan b) {
  return std::string(b.begin(), b.end());
}

TEST(CaptureFiles, Y4mHeaderAndFrames) {
  Bytes y4m = y4m_header(640, 360, 30);
  EXPECT_EQ(text(y4m), "YUV4MPEG2 W640 H360 F30:1 Ip A1:1 C420jpeg\n");
  const size_t header = y4m.size();
  const Picture a = render_test_pattern(1, 0), b = render_test_pattern(1, 1);
  append_y4m_frame(y4m, a);
  append_y4m_frame(y4m, b);
  const size_t frame = 6 + 640 * 360 + 2 * 320 * 180;
  ASSERT_EQ(y4m.size(), header + 2 * frame);
  EXPECT_EQ(text(ByteSpan(y4m).subspan(header, 6)), "FRAME\n");
  EXPECT_EQ(text(ByteSpan(y4m).subspan(header + frame, 6)), "FRAME\n");
  const ByteSpan second = ByteSpan(y4m).subspan(header + frame + 6);
  EXPECT_TRUE(std::equal(b.y.begin(), b.y.end(), second.begin()));
  EXPECT_TRUE(std::equal(b.u.begin(), b.u.end(), second.begin() + 640 * 360));
  EXPECT_TRUE(std::equal(b.v.begin(), b.v.end(), second.begin() + 640 * 360 + 320 * 180));

  Bytes odd = y4m_header(161, 97, 25);
  append_y4m_frame(odd, Picture::blank(161, 97));
  EXPECT_EQ(odd.size(), text(y4m_header(161, 97, 25)).size() + 6 + 161 * 97 + 2 * 81 * 49);

  EXPECT_THROW(y4m_header(0, 360, 30), std::invalid_argument);
  EXPECT_THROW(y4m_header(640, 360, 0), std::invalid_argument);
  Picture broken = Picture::blank(64, 48);
  broken.u.clear();
  EXPECT_THROW(append_y4m_frame(odd, broken), std::invalid_argument);
}

TEST(CaptureFiles, WavHeaderFields) {
  const std::vector<int16_t> pcm = {0, 1, -1, 32767, -32768, 256};
  const Bytes wav = wav_file(pcm, 48000, 2);
  ASSERT_EQ(wav.size(), 44u + 12u);
  ByteReader r(wav);
  ByteSpan tag;
  uint32_t riff_size = 0, fmt_size = 0, rate = 0, byte_rate = 0, data_size = 0;
  uint16_t format = 0, channels = 0, align = 0, bits = 0;
  ASSERT_TRUE(r.bytes(4, tag));
  EXPECT_EQ(text(tag), "RIFF");
  ASSERT_TRUE(r.u32(riff_size));
  EXPECT_EQ(riff_size, wav.size() - 8);
  ASSERT_TRUE(r.bytes(4, tag));
  EXPECT_EQ(text(tag), "WAVE");
  ASSERT_TRUE(r.bytes(4, tag));
  EXPECT_EQ(text(tag), "fmt ");
  ASSERT_TRUE(r.u32(fmt_size) && r.u16(format) && r.u16(channels) && r.u32(rate) && r.u32(byte_rate) &&
              r.u16(align) && r.u16(bits));
  EXPECT_EQ(fmt_size, 16u);
  EXPECT_EQ(format, 1u);
  EXPECT_EQ(channels, 2u);
  EXPECT_EQ(rate, 48000u);
  EXPECT_EQ(byte_rate, 48000u * 2 * 2);
  EXPECT_EQ(align, 4u);
  EXPECT_EQ(bits, 16u);
  ASSERT_TRUE(r.bytes(4, tag));
  EXPECT_EQ(text(tag), "data");
  ASSERT_TRUE(r.u32(data_size));
  EXPECT_EQ(data_size, 12u);
  for (int16_t s : pcm) {
    uint16_t v = 0;
    ASSERT_TRUE(r.u16(v));
    EXPECT_EQ(static_cast<int16_t>(v), s);
  }
  EXPECT_TRUE(r.at_end());

  EXPECT_EQ(wav_file({}, 8000, 1).size(), 44u);
  EXPECT_THROW(wav_file(pcm, 48000, 4), std::invalid_argument);  // 6 samples, 4 channels
  EXPECT_THROW(wav_file(pcm, 0, 1), std::invalid_argument);
  EXPECT_THROW(wav_file(pcm, 48000, 0), std::invalid_argument);
}

TEST(Picture, BlankAndValid) {
  Picture p = Picture::blank(5, 3);
  EXPECT_TRUE(p.valid());
  EXPECT_EQ(p.y.size(), 15u);
  EXPECT_EQ(p.u.size(), 6u);  // 3 x 2
  EXPECT_EQ(p.y[0], 16);
  EXPECT_EQ(p.v[0], 128);
  EXPECT_FALSE(Picture::blank(0, 3).valid());
  EXPECT_FALSE(Picture::blank(-1, -1).valid());
  p.y.push_back(0);
  EXPECT_FALSE(p.valid());
}

}  // namespace
}  // namespace v100::codec
