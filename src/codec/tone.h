// A synthetic microphone for tests and browser fake capture: a sine at a per-sender frequency, and a
// spectral peak finder that tells, after Opus coding, whose tone a stream carries.
#pragma once

#include <cstdint>
#include <span>

namespace v100::codec {

/// The tone of `sender`: 440 + 110 * (sender % 16) Hz, i.e. 440..2090 Hz in 110 Hz steps (distinct
/// for 16 consecutive senders and well inside Opus' band at any bitrate).
double tone_frequency(uint16_t sender);

/// Writes samples first_sample .. first_sample + out.size() - 1 of a sine of `freq_hz` starting at
/// phase 0 at sample 0, so consecutive calls continue one another seamlessly. `amplitude` is relative
/// to full scale and clamped to [0, 1].
void render_tone(double freq_hz, uint64_t first_sample, std::span<int16_t> out, int sample_rate = 48000,
                 double amplitude = 0.3);

/// The frequency (Hz) of the strongest spectral peak above 20 Hz in mono `pcm`: a Hann-windowed FFT,
/// zero-padded to at least one bin per Hz, with parabolic interpolation around the peak bin. Accurate
/// to well under 10 Hz for a tone of >= 0.1 s. Uses at most the first 2^20 samples; 0 when `pcm` is
/// shorter than 64 samples, silent, or the sample rate is not positive.
double dominant_frequency(std::span<const int16_t> pcm, int sample_rate = 48000);

}  // namespace v100::codec
