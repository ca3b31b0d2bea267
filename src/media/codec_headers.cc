#include "media/codec_headers.h"

#include <stdexcept>
#include <string>

namespace v100::media {

Result<Vp8FrameTag> parse_vp8_frame_tag(ByteSpan frame) {
  using R = Result<Vp8FrameTag>;
  if (frame.size() < kVp8FrameTagBytes)
    return R::error("VP8 frame of " + std::to_string(frame.size()) + " bytes is shorter than its frame tag");
  // RFC 6386 §9.1: a 24-bit little-endian field: frame type (1 bit, 0 = key frame), version
  // (3 bits), show_frame (1 bit), first_part_size (19 bits).
  const uint32_t raw = uint32_t{frame[0]} | uint32_t{frame[1]} << 8 | uint32_t{frame[2]} << 16;
  Vp8FrameTag t;
  t.keyframe = (raw & 1) == 0;
  t.version = static_cast<uint8_t>((raw >> 1) & 7);
  t.show_frame = ((raw >> 4) & 1) != 0;
  t.first_part_size = raw >> 5;
  // Versions 4..7 are reserved (§9.1: "decoding behavior for other versions is undefined").
  if (t.version > 3) return R::error("VP8 frame tag: version " + std::to_string(t.version) + " is reserved");
  const size_t header = t.keyframe ? kVp8KeyframeHeaderBytes : kVp8FrameTagBytes;
  if (frame.size() < header || t.first_part_size > frame.size() - header)
    return R::error("VP8 frame tag: first partition (" + std::to_string(t.first_part_size) +
                    " bytes) runs past the end of the " + std::to_string(frame.size()) + "-byte frame");
  return t;
}

Result<Vp8KeyframeHeader> parse_vp8_keyframe_header(ByteSpan frame) {
  using R = Result<Vp8KeyframeHeader>;
  if (frame.size() < kVp8KeyframeHeaderBytes)
    return R::error("VP8 key frame of " + std::to_string(frame.size()) +
                    " bytes is shorter than its 10-byte header");
  Result<Vp8FrameTag> tag = parse_vp8_frame_tag(frame);
  if (!tag) return R::error(tag.message());
  if (!tag->keyframe) return R::error("VP8 frame tag says inter frame, not key frame");
  // §9.1: start code 0x9d 0x01 0x2a, then two 16-bit little-endian fields: 14 bits of size and
  // 2 bits of scaling each.
  if (frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a)
    return R::error("VP8 key frame: bad start code");
  Vp8KeyframeHeader h;
  h.tag = *tag;
  const uint16_t w = static_cast<uint16_t>(frame[6] | frame[7] << 8);
  const uint16_t v = static_cast<uint16_t>(frame[8] | frame[9] << 8);
  h.width = w & 0x3fff;
  h.horizontal_scale = static_cast<uint8_t>(w >> 14);
  h.height = v & 0x3fff;
  h.vertical_scale = static_cast<uint8_t>(v >> 14);
  if (h.width == 0 || h.height == 0) return R::error("VP8 key frame: zero width or height");
  return h;
}

Result<uint32_t> opus_packet_samples(ByteSpan packet) {
  using R = Result<uint32_t>;
  if (packet.empty()) return R::error("Opus packet: empty (no TOC byte)");
  const uint8_t toc = packet[0];
  const uint8_t config = toc >> 3;
  // RFC 6716 §3.1, Table 2, in 48 kHz samples: SILK-only configs 0..11 (10/20/40/60 ms), hybrid
  // 12..15 (10/20 ms), CELT-only 16..31 (2.5/5/10/20 ms).
  uint32_t per_frame;
  if (config < 12) {
    static constexpr uint32_t kSilk[4] = {480, 960, 1920, 2880};
    per_frame = kSilk[config & 3];
  } else if (config < 16) {
    per_frame = (config & 1) ? 960 : 480;
  } else {
    static constexpr uint32_t kCelt[4] = {120, 240, 480, 960};
    per_frame = kCelt[config & 3];
  }
  uint32_t frames;
  switch (toc & 3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (packet.size() < 2) return R::error("Opus packet: code 3 without its frame count byte");
      frames = packet[1] & 0x3f;
      break;
  }
  if (frames == 0) return R::error("Opus packet: zero frames");
  // §3.2.5: a packet holds at most 120 ms of audio.
  if (frames * per_frame > 5760) return R::error("Opus packet: longer than 120 ms");
  return frames * per_frame;
}

Bytes make_opus_head(uint8_t channels, uint16_t pre_skip, uint32_t input_rate) {
  if (channels < 1 || channels > 2)
    throw std::invalid_argument("make_opus_head: mapping family 0 has 1 or 2 channels");
  // RFC 7845 §5.1: magic, version 1, channel count, pre-skip (LE), input sample rate (LE), output
  // gain (Q7.8 dB, LE), channel mapping family 0 (no mapping table).
  Bytes h = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, channels};
  ByteWriter w;
  w.u16(pre_skip);
  w.u32(input_rate);
  w.u16(0);
  w.u8(0);
  const Bytes& rest = w.buffer();
  h.insert(h.end(), rest.begin(), rest.end());
  return h;
}

}  // namespace v100::media
