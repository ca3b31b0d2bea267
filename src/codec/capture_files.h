// Files a browser's fake camera and microphone read (Chromium's --use-file-for-fake-video-capture and
// --use-file-for-fake-audio-capture): raw I420 video as YUV4MPEG2 (.y4m) and 16-bit PCM as RIFF WAVE.
#pragma once

#include <cstdint>
#include <span>

#include "codec/picture.h"
#include "core/bytes.h"

namespace v100::codec {

/// The YUV4MPEG2 stream header "YUV4MPEG2 W<w> H<h> F<fps>:1 Ip A1:1 C420jpeg\n" (progressive, square
/// pixels, 4:2:0). Throws std::invalid_argument when a value is not positive (a caller mistake).
Bytes y4m_header(int w, int h, int fps);

/// Appends one frame: "FRAME\n" then the Y, U and V planes as stored in `pic`. Throws
/// std::invalid_argument when `pic` is not valid() (a caller mistake); the size is not checked
/// against the header.
void append_y4m_frame(Bytes& out, const Picture& pic);

/// A complete 44-byte-header RIFF WAVE file of interleaved 16-bit little-endian PCM. Throws
/// std::invalid_argument when sample_rate or channels is not positive, pcm.size() is not a multiple
/// of channels, or the data would not fit the format's 32-bit sizes (a caller mistake).
Bytes wav_file(std::span<const int16_t> pcm, int sample_rate, int channels);

}  // namespace v100::codec
