// The test pattern: exact read-back of what was rendered, no false positives on blank, white, noisy or
// damaged pictures, and motion between consecutive frames.
#include "codec/test_pattern.h"

#include <gtest/gtest.h>

#include "codec_test_util.h"

namespace v100::codec {
namespace {

using testing::DeterministicBytes;

// The grid at 640x360, as test_pattern.h documents it: 30-pixel cells, 16 x 4, centred, half a cell
// above the bottom edge.
constexpr int kCell = 30, kGridX = (640 - 16 * kCell) / 2, kGridY = 360 - 4 * kCell - kCell / 2;

void paint_cell(Picture& p, int i, uint8_t luma) {
  const int cx = kGridX + (i % 16) * kCell, cy = kGridY + (i / 16) * kCell;
  for (int y = cy; y < cy + kCell; ++y)
    for (int x = cx; x < cx + kCell; ++x) p.y[size_t(y) * 640 + size_t(x)] = luma;
}

TEST(TestPattern, ReadsBackWhatWasRendered) {
  for (PatternInfo want : {PatternInfo{0, 0}, PatternInfo{3, 123}, PatternInfo{65535, 0xffffffff},
                           PatternInfo{0x8001, 0x80000001}, PatternInfo{42, 99999}}) {
    auto pic = render_test_pattern(want.sender, want.frame);
    ASSERT_TRUE(pic.valid());
    EXPECT_EQ(pic.width, 640);
    EXPECT_EQ(pic.height, 360);
    auto got = read_test_pattern(pic);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, want);
  }
  for (auto [w, h] : {std::pair{320, 180}, std::pair{1280, 720}, std::pair{161, 97}, std::pair{1920, 1080}}) {
    auto got = read_test_pattern(render_test_pattern(7, 77, w, h));
    ASSERT_TRUE(got.has_value()) << w << "x" << h;
    EXPECT_EQ(*got, (PatternInfo{7, 77}));
  }
}

TEST(TestPattern, NothingReadFromBlankWhiteOrNoise) {
  EXPECT_FALSE(read_test_pattern(Picture::blank(640, 360)));
  Picture white = Picture::blank(640, 360);
  std::fill(white.y.begin(), white.y.end(), uint8_t{235});
  EXPECT_FALSE(read_test_pattern(white));
  EXPECT_FALSE(read_test_pattern(Picture{}));
  DeterministicBytes rng("v100 codec pattern noise");
  for (int i = 0; i < 50; ++i) {
    Picture noise = Picture::blank(640, 360);
    noise.y = rng.bytes(noise.y.size());
    EXPECT_FALSE(read_test_pattern(noise)) << i;
  }
  // Coarse noise: every cell decisively black or white at random; only the check value can refuse it.
  int accepted = 0;
  const Picture base = render_test_pattern(1, 1);
  for (int i = 0; i < 2000; ++i) {
    Picture p = base;
    const Bytes bits = rng.bytes(8);
    for (int c = 0; c < 64; ++c) paint_cell(p, c, (bits[size_t(c / 8)] >> (c % 8)) & 1 ? 235 : 16);
    accepted += read_test_pattern(p).has_value();
  }
  EXPECT_LE(accepted, 2);  // a 16-bit check: ~2000/65536 expected
}

TEST(TestPattern, AnyDamagedCellIsDetected) {
  const Picture good = render_test_pattern(5, 500);
  // Flip each of the 64 cells in turn.
  for (int i = 0; i < 64; ++i) {
    Picture p = good;
    const int cx = kGridX + (i % 16) * kCell, cy = kGridY + (i / 16) * kCell;
    paint_cell(p, i, p.y[size_t(cy + kCell / 2) * 640 + size_t(cx + kCell / 2)] == 16 ? 235 : 16);
    EXPECT_FALSE(read_test_pattern(p)) << "cell " << i;
  }
  // A smudge to mid-grey in one cell is ambiguous, not misread.
  Picture p = good;
  paint_cell(p, 0, 128);
  EXPECT_FALSE(read_test_pattern(p));
}

TEST(TestPattern, ConsecutiveFramesMoveAndLabelsDiffer) {
  const Picture a = render_test_pattern(2, 10), b = render_test_pattern(2, 11);
  size_t moved_above_grid = 0;
  for (size_t i = 0; i < size_t(640 * 200); ++i) moved_above_grid += a.y[i] != b.y[i];
  EXPECT_GT(moved_above_grid, 1000u);  // the box moved and the label changed
  size_t chroma_changed = 0;
  for (size_t i = 0; i < a.u.size(); ++i) chroma_changed += a.u[i] != b.u[i];
  EXPECT_GT(chroma_changed, 0u);  // the coloured box moved
  // Different senders: different label and box colour even at the same frame.
  EXPECT_NE(render_test_pattern(1, 10).u, render_test_pattern(2, 10).u);
}

}  // namespace
}  // namespace v100::codec
