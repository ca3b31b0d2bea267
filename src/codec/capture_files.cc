// YUV4MPEG2 and RIFF WAVE writers (formats: the y4m description in mjpegtools' yuv4mpeg(5), and the
// canonical 44-byte PCM WAVE header: "RIFF" size "WAVE", "fmt " chunk of 16 bytes, "data" chunk).
#include "codec/capture_files.h"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace v100::codec {

namespace {

void append_text(Bytes& out, const std::string& s) {
  out.insert(out.end(), s.begin(), s.end());
}

}  // namespace

Bytes y4m_header(int w, int h, int fps) {
  if (w <= 0 || h <= 0 || fps <= 0)
    throw std::invalid_argument("y4m_header: width, height and fps must be positive");
  Bytes out;
  append_text(out, "YUV4MPEG2 W" + std::to_string(w) + " H" + std::to_string(h) + " F" + std::to_string(fps) +
                       ":1 Ip A1:1 C420jpeg\n");
  return out;
}

void append_y4m_frame(Bytes& out, const Picture& pic) {
  if (!pic.valid()) throw std::invalid_argument("append_y4m_frame: picture planes do not match its size");
  append_text(out, "FRAME\n");
  out.insert(out.end(), pic.y.begin(), pic.y.end());
  out.insert(out.end(), pic.u.begin(), pic.u.end());
  out.insert(out.end(), pic.v.begin(), pic.v.end());
}

Bytes wav_file(std::span<const int16_t> pcm, int sample_rate, int channels) {
  if (sample_rate <= 0 || channels <= 0 || channels > 0xffff)
    throw std::invalid_argument("wav_file: sample rate and channel count must be positive");
  if (pcm.size() % static_cast<size_t>(channels) != 0)
    throw std::invalid_argument("wav_file: sample count is not a multiple of the channel count");
  constexpr uint32_t kBytesPerSample = 2;
  constexpr uint32_t kHeaderAfterRiffSize = 36;  // "WAVE" + fmt chunk (8 + 16) + data chunk header (8)
  const uint64_t data_bytes = uint64_t{pcm.size()} * kBytesPerSample;
  const uint64_t byte_rate = uint64_t(sample_rate) * uint64_t(channels) * kBytesPerSample;
  if (data_bytes + kHeaderAfterRiffSize > std::numeric_limits<uint32_t>::max() ||
      byte_rate > std::numeric_limits<uint32_t>::max())
    throw std::invalid_argument("wav_file: too much audio for a WAVE file");

  ByteWriter w;
  w.bytes(as_bytes("RIFF"));
  w.u32(static_cast<uint32_t>(kHeaderAfterRiffSize + data_bytes));
  w.bytes(as_bytes("WAVE"));
  w.bytes(as_bytes("fmt "));
  w.u32(16);  // fmt chunk size
  w.u16(1);   // WAVE_FORMAT_PCM
  w.u16(static_cast<uint16_t>(channels));
  w.u32(static_cast<uint32_t>(sample_rate));
  w.u32(static_cast<uint32_t>(byte_rate));
  w.u16(static_cast<uint16_t>(channels * kBytesPerSample));  // block align
  w.u16(16);                                                 // bits per sample
  w.bytes(as_bytes("data"));
  w.u32(static_cast<uint32_t>(data_bytes));
  for (int16_t s : pcm) w.u16(static_cast<uint16_t>(s));
  return w.take();
}

}  // namespace v100::codec
