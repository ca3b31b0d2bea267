// Tone generation and peak-frequency estimation (an in-place radix-2 FFT written here; it only has
// to be good enough to name a test tone, not fast).
#include "codec/tone.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace v100::codec {

namespace {

constexpr size_t kMaxAnalysedSamples = size_t{1} << 20;
constexpr double kMinPeakHz = 20.0;

// Iterative Cooley-Tukey, decimation in time; a.size() must be a power of two.
void fft(std::vector<std::complex<double>>& a) {
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {  // bit-reversal permutation
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j |= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
    const std::complex<double> step(std::cos(angle), std::sin(angle));
    for (size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.0, 0.0);
      for (size_t k = 0; k < len / 2; ++k) {
        const std::complex<double> u = a[i + k], t = w * a[i + k + len / 2];
        a[i + k] = u + t;
        a[i + k + len / 2] = u - t;
        w *= step;
      }
    }
  }
}

}  // namespace

double tone_frequency(uint16_t sender) {
  return 440.0 + 110.0 * static_cast<double>(sender % 16);
}

void render_tone(double freq_hz, uint64_t first_sample, std::span<int16_t> out, int sample_rate,
                 double amplitude) {
  if (sample_rate <= 0) {
    std::fill(out.begin(), out.end(), int16_t{0});
    return;
  }
  const double a = std::clamp(amplitude, 0.0, 1.0) * 32767.0;
  // The phase in cycles is freq * n / rate. With n = seconds * rate + rest, freq * seconds only
  // matters modulo 1, i.e. frac(freq) * seconds: exact (0) for whole-Hz tones however long the stream,
  // and never a product of two large numbers rounded to a few bits of phase.
  const auto rate = static_cast<uint64_t>(sample_rate);
  const double freq_frac = freq_hz - std::floor(freq_hz);
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t n = first_sample + i;
    const double whole = std::fmod(freq_frac * static_cast<double>(n / rate), 1.0);
    const double part = freq_hz * static_cast<double>(n % rate) / static_cast<double>(sample_rate);
    const double cycles = std::fmod(whole + part, 1.0);
    out[i] = static_cast<int16_t>(std::lround(a * std::sin(2.0 * std::numbers::pi * cycles)));
  }
}

double dominant_frequency(std::span<const int16_t> pcm, int sample_rate) {
  if (sample_rate <= 0 || pcm.size() < 64) return 0.0;
  const size_t n = std::min(pcm.size(), kMaxAnalysedSamples);
  double mean = 0;
  for (size_t i = 0; i < n; ++i) mean += pcm[i];
  mean /= static_cast<double>(n);

  size_t nfft = 1;
  while (nfft < std::max(n, static_cast<size_t>(sample_rate))) nfft <<= 1;  // bins of <= 1 Hz
  std::vector<std::complex<double>> a(nfft);
  for (size_t i = 0; i < n; ++i) {
    const double w =
        0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n - 1));
    a[i] = (pcm[i] - mean) * w;
  }
  fft(a);

  const double bin_hz = static_cast<double>(sample_rate) / static_cast<double>(nfft);
  const size_t first = std::max<size_t>(1, static_cast<size_t>(std::ceil(kMinPeakHz / bin_hz)));
  size_t peak = 0;
  double best = 0;
  for (size_t k = first; k + 1 < nfft / 2; ++k) {
    const double m = std::norm(a[k]);
    if (m > best) {
      best = m;
      peak = k;
    }
  }
  if (peak == 0) return 0.0;
  // Parabola through the log magnitudes of the peak bin and its neighbours (exact for a Gaussian
  // main lobe, within a small fraction of a bin for Hann).
  const double l = std::log(std::norm(a[peak - 1]) + 1e-300), c = std::log(best),
               r = std::log(std::norm(a[peak + 1]) + 1e-300);
  const double denom = l - 2 * c + r;
  const double offset = denom < 0 ? std::clamp(0.5 * (l - r) / denom, -0.5, 0.5) : 0.0;
  return (static_cast<double>(peak) + offset) * bin_hz;
}

}  // namespace v100::codec
