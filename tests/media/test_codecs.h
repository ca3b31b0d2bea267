// Test-only: real VP8 frames and Opus packets from v100_codec (the same wrappers the SDK uses), so
// exported WebM files hold media a decoder (ffprobe -count_frames) actually decodes.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"

namespace v100::media::testing {

/// One encoded VP8 frame.
struct Vp8Frame {
  Bytes data;
  bool keyframe = false;
};

/// `num_frames` frames of sender 1's moving test pattern (codec/test_pattern.h) at `width` x
/// `height`, 30 fps, a key frame every `keyframe_interval` frames (the first frame is one). Throws
/// std::runtime_error if the encoder fails.
std::vector<Vp8Frame> encode_vp8_pattern(unsigned width, unsigned height, int num_frames,
                                         int keyframe_interval);

/// `num_packets` Opus packets of 20 ms each (48 kHz, mono) of a 440 Hz tone. Throws
/// std::runtime_error if the encoder fails.
std::vector<Bytes> encode_opus_tone(int num_packets);

}  // namespace v100::media::testing
