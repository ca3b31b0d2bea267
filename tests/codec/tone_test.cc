// Tone generation and the peak finder: distinct per-sender frequencies, seamless continuation across
// calls, and peak estimates within a few Hz on 0.1 s and longer.
#include "codec/tone.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace v100::codec {
namespace {

TEST(Tone, SenderFrequenciesAreDistinctAndInBand) {
  std::set<double> seen;
  for (uint16_t s = 0; s < 16; ++s) {
    const double f = tone_frequency(s);
    EXPECT_GE(f, 300.0);
    EXPECT_LE(f, 3000.0);
    seen.insert(f);
  }
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_EQ(tone_frequency(3), 770.0);
  EXPECT_EQ(tone_frequency(19), tone_frequency(3));
}

TEST(Tone, ConsecutiveCallsContinueSeamlessly) {
  std::vector<int16_t> whole(4800), parts(4800);
  render_tone(441.5, 1000, whole);
  render_tone(441.5, 1000, std::span<int16_t>(parts).first(1234));
  render_tone(441.5, 1000 + 1234, std::span<int16_t>(parts).subspan(1234));
  EXPECT_EQ(whole, parts);
  int16_t peak = 0;
  for (int16_t s : whole) peak = std::max<int16_t>(peak, static_cast<int16_t>(std::abs(s)));
  EXPECT_NEAR(peak, 0.3 * 32767, 40);
  // Phase 0 at sample 0; far into a stream a whole-Hz tone is still exact.
  std::vector<int16_t> one(1);
  render_tone(500, 0, one);
  EXPECT_EQ(one[0], 0);
  render_tone(500, uint64_t{48000} * 3600 * 24 * 365, one);  // a year in: 500 whole cycles a second
  EXPECT_EQ(one[0], 0);
}

TEST(Tone, DominantFrequencyWithinAFewHz) {
  for (double f : {100.0, 440.0, 777.7, 1234.5, 2090.0, 8000.0, 15000.0}) {
    for (size_t n : {4800u, 9600u, 48000u}) {  // 0.1 s, 0.2 s, 1 s
      std::vector<int16_t> pcm(n);
      render_tone(f, 123, pcm);
      EXPECT_NEAR(dominant_frequency(pcm), f, 2.0) << f << " Hz over " << n << " samples";
    }
  }
  std::vector<int16_t> pcm(1600);  // 0.1 s at 16 kHz
  render_tone(660, 0, pcm, 16000);
  EXPECT_NEAR(dominant_frequency(pcm, 16000), 660, 2.0);
  // A louder tone wins over a quieter one.
  std::vector<int16_t> a(9600), b(9600);
  render_tone(550, 0, a, 48000, 0.4);
  render_tone(1650, 0, b, 48000, 0.1);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int16_t>(a[i] + b[i]);
  EXPECT_NEAR(dominant_frequency(a), 550, 2.0);
}

TEST(Tone, DegenerateInputs) {
  EXPECT_EQ(dominant_frequency({}), 0.0);
  std::vector<int16_t> silence(4800);
  EXPECT_EQ(dominant_frequency(silence), 0.0);
  std::vector<int16_t> tone(4800);
  render_tone(440, 0, tone);
  EXPECT_EQ(dominant_frequency(tone, 0), 0.0);
}

}  // namespace
}  // namespace v100::codec
