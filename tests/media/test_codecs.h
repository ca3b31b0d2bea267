// Test-only: real VP8 frames (libvpx) and Opus packets (libopus), so exported WebM files hold media
// a decoder (ffprobe -count_frames) actually decodes. Stands in until src/codec (v100_codec) lands.
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

/// `num_frames` frames of a moving test pattern at `width` x `height`, 30 fps, a key frame every
/// `keyframe_interval` frames (the first frame is one). Throws std::runtime_error if libvpx fails.
std::vector<Vp8Frame> encode_vp8_pattern(unsigned width, unsigned height, int num_frames,
                                         int keyframe_interval);

/// `num_packets` Opus packets of 20 ms each (48 kHz, mono) of a 440 Hz tone. Throws
/// std::runtime_error if libopus fails.
std::vector<Bytes> encode_opus_tone(int num_packets);

}  // namespace v100::media::testing
