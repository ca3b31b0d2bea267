// The few codec bitstream facts a container needs, parsed from untrusted bytes:
//   - VP8 (RFC 6386 §9.1): the 3-byte frame tag of every frame and the 7 more bytes of a key
//     frame's header (start code, width, height and their scaling);
//   - Opus (RFC 6716 §3.1): a packet's duration from its TOC byte (and frame count byte);
//   - the Ogg/Matroska identification header "OpusHead" (RFC 7845 §5.1).
// Parsers never throw; they return an error naming what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace v100::media {

/// RFC 6386 §9.1 frame tag (first 3 bytes of every VP8 frame, little-endian bit fields).
struct Vp8FrameTag {
  bool keyframe = false;  ///< frame type bit is 0
  uint8_t version = 0;    ///< 0..3 (the profile); larger values are refused
  bool show_frame = false;
  uint32_t first_part_size = 0;  ///< 19-bit size of the first partition
};

/// The key-frame part of the header: 14-bit dimensions and 2-bit upscaling codes.
struct Vp8KeyframeHeader {
  Vp8FrameTag tag;
  uint16_t width = 0;   ///< pixels, 1..16383
  uint16_t height = 0;  ///< pixels, 1..16383
  uint8_t horizontal_scale = 0;
  uint8_t vertical_scale = 0;
};

inline constexpr size_t kVp8FrameTagBytes = 3;
inline constexpr size_t kVp8KeyframeHeaderBytes = 10;

/// Parses the frame tag. Errors: fewer than 3 bytes, version above 3, a first partition larger
/// than the rest of the frame.
Result<Vp8FrameTag> parse_vp8_frame_tag(ByteSpan frame);
/// Parses a key frame's 10-byte header. Errors: those of parse_vp8_frame_tag, not a key frame,
/// fewer than 10 bytes, wrong start code (9d 01 2a), zero width or height.
Result<Vp8KeyframeHeader> parse_vp8_keyframe_header(ByteSpan frame);

/// Duration of an Opus packet in 48 kHz samples (RFC 6716 §3.1: TOC config and frame count code).
/// Errors: empty packet, code-3 packet without its count byte, zero frames, more than 120 ms.
Result<uint32_t> opus_packet_samples(ByteSpan packet);

/// The 19-byte OpusHead of RFC 7845 §5.1 for channel mapping family 0 (1 or 2 channels; throws
/// std::invalid_argument otherwise): version 1, `channels`, `pre_skip` samples at 48 kHz,
/// `input_rate` (informational), output gain 0.
Bytes make_opus_head(uint8_t channels, uint16_t pre_skip, uint32_t input_rate = 48000);

}  // namespace v100::media
