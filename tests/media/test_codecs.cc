#include "media/test_codecs.h"

#include <stdexcept>

#include "codec/opus.h"
#include "codec/test_pattern.h"
#include "codec/tone.h"
#include "codec/vp8.h"

namespace v100::media::testing {

std::vector<Vp8Frame> encode_vp8_pattern(unsigned width, unsigned height, int num_frames,
                                         int keyframe_interval) {
  auto enc = codec::Vp8Encoder::create({.width = static_cast<int>(width),
                                        .height = static_cast<int>(height),
                                        .fps = 30,
                                        .bitrate_kbps = 300,
                                        .keyframe_interval = keyframe_interval});
  if (!enc) throw std::runtime_error("vp8 encoder: " + enc.message());
  std::vector<Vp8Frame> out;
  for (int i = 0; i < num_frames; ++i) {
    const codec::Picture pic = codec::render_test_pattern(1, static_cast<uint32_t>(i),
                                                          static_cast<int>(width), static_cast<int>(height));
    auto packets = enc->encode(pic, i % keyframe_interval == 0);
    if (!packets) throw std::runtime_error("vp8 encode: " + packets.message());
    for (auto& p : *packets) out.push_back(Vp8Frame{std::move(p.data), p.keyframe});
  }
  if (out.size() != static_cast<size_t>(num_frames))
    throw std::runtime_error("vp8: not one packet per picture");
  return out;
}

std::vector<Bytes> encode_opus_tone(int num_packets) {
  auto enc = codec::OpusEncoder::create();
  if (!enc) throw std::runtime_error("opus encoder: " + enc.message());
  std::vector<int16_t> pcm(codec::kOpusFrameSamples);
  std::vector<Bytes> out;
  for (int i = 0; i < num_packets; ++i) {
    codec::render_tone(440, static_cast<uint64_t>(i) * pcm.size(), pcm);
    auto packet = enc->encode(pcm);
    if (!packet) throw std::runtime_error("opus encode: " + packet.message());
    out.push_back(std::move(*packet));
  }
  return out;
}

}  // namespace v100::media::testing
