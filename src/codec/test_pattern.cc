// Test pattern rendering and reading. The font, layout and check value are this file's own;
// read_test_pattern mirrors the layout computed by render_test_pattern from the picture size alone.
#include "codec/test_pattern.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace v100::codec {

namespace {

constexpr int kGridCols = 16;
constexpr int kGridRows = 4;
constexpr int kCodeBits = kGridCols * kGridRows;  // sender 16 + frame 32 + check 16
static_assert(kCodeBits == 16 + 32 + 16);

constexpr uint8_t kBlack = 16, kWhite = 235, kGrey = 128;
// A cell reads as 0 at or below kDarkMax and as 1 at or above kBrightMin; in between it is ambiguous
// (uniform noise averages to ~128, so a noise picture never yields a code).
constexpr int kDarkMax = 90, kBrightMin = 160;

// 5x7 glyphs, one byte per row, bit 4 = leftmost pixel. Digits 0-9, then 'S', then 'F'.
constexpr int kGlyphW = 5, kGlyphH = 7;
constexpr std::array<std::array<uint8_t, kGlyphH>, 12> kFont = {{
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e},  // 0
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e},  // 1
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f},  // 2
    {0x1e, 0x01, 0x01, 0x0e, 0x01, 0x01, 0x1e},  // 3
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02},  // 4
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e},  // 5
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e},  // 6
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},  // 7
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e},  // 8
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c},  // 9
    {0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e},  // S
    {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10},  // F
}};

int glyph_index(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c == 'S') return 10;
  if (c == 'F') return 11;
  return -1;  // space and anything else: blank
}

// Where everything goes; a function of the picture size only, so the reader finds the grid again.
struct Layout {
  int cell, grid_x, grid_y;   // code grid: kGridCols x kGridRows cells of cell x cell pixels
  int scale, text_x, text_y;  // text: glyph pixels are scale x scale
  int band_top, band_bottom;  // the moving box lives in [band_top, band_bottom)
};

Layout layout_for(int width, int height) {
  Layout l{};
  l.cell = std::max(2, std::min(width / 20, height / 12));
  l.grid_x = std::max(0, (width - kGridCols * l.cell) / 2);
  l.grid_y = std::max(0, height - kGridRows * l.cell - l.cell / 2);
  l.scale = std::max(1, l.cell / 7);
  l.text_x = l.cell / 2;
  l.text_y = l.cell / 3;
  l.band_top = l.text_y + kGlyphH * l.scale + l.cell / 3;
  l.band_bottom = std::max(l.band_top, l.grid_y - l.cell / 2);
  return l;
}

// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xffff, no reflection, no final xor.
uint16_t crc16(const uint8_t* data, size_t len) {
  uint16_t crc = 0xffff;
  for (size_t i = 0; i < len; ++i) {
    crc = static_cast<uint16_t>(crc ^ (data[i] << 8));
    for (int b = 0; b < 8; ++b) crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

uint64_t code_word(uint16_t sender, uint32_t frame) {
  const uint8_t payload[6] = {static_cast<uint8_t>(sender >> 8), static_cast<uint8_t>(sender),
                              static_cast<uint8_t>(frame >> 24), static_cast<uint8_t>(frame >> 16),
                              static_cast<uint8_t>(frame >> 8),  static_cast<uint8_t>(frame)};
  return uint64_t{sender} << 48 | uint64_t{frame} << 16 | crc16(payload, sizeof payload);
}

// Fills the rectangle [x0, x1) x [y0, y1), clipped to the picture; chroma follows at half resolution.
void fill(Picture& p, int x0, int y0, int x1, int y1, uint8_t yv, uint8_t uv, uint8_t vv) {
  x0 = std::clamp(x0, 0, p.width);
  x1 = std::clamp(x1, 0, p.width);
  y0 = std::clamp(y0, 0, p.height);
  y1 = std::clamp(y1, 0, p.height);
  for (int y = y0; y < y1; ++y)
    std::fill(p.y.begin() + static_cast<ptrdiff_t>(y) * p.width + x0,
              p.y.begin() + static_cast<ptrdiff_t>(y) * p.width + x1, yv);
  const int cw = p.chroma_width();
  for (int y = y0 / 2; y < (y1 + 1) / 2; ++y)
    for (int x = x0 / 2; x < (x1 + 1) / 2; ++x) {
      p.u[static_cast<size_t>(y) * static_cast<size_t>(cw) + static_cast<size_t>(x)] = uv;
      p.v[static_cast<size_t>(y) * static_cast<size_t>(cw) + static_cast<size_t>(x)] = vv;
    }
}

void draw_text(Picture& p, int x, int y, int scale, const std::string& text, uint8_t luma) {
  for (char c : text) {
    const int g = glyph_index(c);
    if (g >= 0) {
      for (int r = 0; r < kGlyphH; ++r)
        for (int col = 0; col < kGlyphW; ++col)
          if (kFont[static_cast<size_t>(g)][static_cast<size_t>(r)] >> (kGlyphW - 1 - col) & 1)
            fill(p, x + col * scale, y + r * scale, x + (col + 1) * scale, y + (r + 1) * scale, luma, kGrey,
                 kGrey);
    }
    x += (kGlyphW + 1) * scale;
  }
}

std::string label(uint16_t sender, uint32_t frame) {
  // Built by appending: GCC 12 warns (-Wrestrict, a known false positive) on "S" + std::string&&.
  const std::string f = std::to_string(frame);
  std::string s = "S";
  s += std::to_string(sender);
  s += " F";
  if (f.size() < 5) s.append(5 - f.size(), '0');
  s += f;
  return s;
}

}  // namespace

Picture render_test_pattern(uint16_t sender, uint32_t frame, int width, int height) {
  Picture p = Picture::blank(width, height);
  if (!p.valid()) return p;
  const Layout l = layout_for(width, height);

  // Middle band: a static texture (a keyframe must code it, a delta need not, as with a real camera
  // background) and, over it, the moving box.
  std::vector<double> across(static_cast<size_t>(width)), down(static_cast<size_t>(height));
  for (int x = 0; x < width; ++x) across[static_cast<size_t>(x)] = std::sin(0.37 * x);
  for (int y = 0; y < height; ++y) down[static_cast<size_t>(y)] = std::cos(0.23 * y);
  for (int y = l.band_top; y < l.band_bottom; ++y)
    for (int x = 0; x < width; ++x)
      p.y[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)] =
          static_cast<uint8_t>(100.0 + 40.0 * across[static_cast<size_t>(x)] * down[static_cast<size_t>(y)] +
                               25.0 * std::sin(0.09 * (x + 2 * y)));
  const int band = l.band_bottom - l.band_top;
  const int box = std::max(1, band * 3 / 5);
  const int travel = std::max(1, width - box);
  const int step = std::max(1, width / 80);
  const int box_x =
      static_cast<int>(uint64_t{frame} * static_cast<uint64_t>(step) % static_cast<uint64_t>(travel));
  const int box_y = l.band_top + (band - box) / 2;
  fill(p, box_x, box_y, box_x + box, box_y + box, 170, static_cast<uint8_t>(48 + (sender * 53) % 160),
       static_cast<uint8_t>(48 + (sender * 97 + 80) % 160));

  draw_text(p, l.text_x, l.text_y, l.scale, label(sender, frame), kWhite);

  // Code grid on a grey quiet zone half a cell wide, so neighbouring content cannot bleed into it.
  fill(p, l.grid_x - l.cell / 2, l.grid_y - l.cell / 2, l.grid_x + (kGridCols + 1) * l.cell - l.cell / 2,
       l.grid_y + kGridRows * l.cell + l.cell / 2, kGrey, kGrey, kGrey);
  const uint64_t word = code_word(sender, frame);
  for (int i = 0; i < kCodeBits; ++i) {
    const bool one = (word >> (kCodeBits - 1 - i)) & 1;
    const int cx = l.grid_x + (i % kGridCols) * l.cell, cy = l.grid_y + (i / kGridCols) * l.cell;
    fill(p, cx, cy, cx + l.cell, cy + l.cell, one ? kWhite : kBlack, kGrey, kGrey);
  }
  return p;
}

std::optional<PatternInfo> read_test_pattern(const Picture& pic) {
  if (!pic.valid()) return std::nullopt;
  const Layout l = layout_for(pic.width, pic.height);
  if (l.grid_x + kGridCols * l.cell > pic.width || l.grid_y + kGridRows * l.cell > pic.height)
    return std::nullopt;
  const int half = std::max(1, l.cell / 2);
  const int inset = (l.cell - half) / 2;
  uint64_t word = 0;
  for (int i = 0; i < kCodeBits; ++i) {
    const int x0 = l.grid_x + (i % kGridCols) * l.cell + inset,
              y0 = l.grid_y + (i / kGridCols) * l.cell + inset;
    int sum = 0;
    for (int y = y0; y < y0 + half; ++y)
      for (int x = x0; x < x0 + half; ++x)
        sum += pic.y[static_cast<size_t>(y) * static_cast<size_t>(pic.width) + static_cast<size_t>(x)];
    const int mean = sum / (half * half);
    if (mean > kDarkMax && mean < kBrightMin) return std::nullopt;
    word = word << 1 | (mean >= kBrightMin ? 1u : 0u);
  }
  const auto sender = static_cast<uint16_t>(word >> 48);
  const auto frame = static_cast<uint32_t>(word >> 16);
  if (code_word(sender, frame) != word) return std::nullopt;
  return PatternInfo{sender, frame};
}

}  // namespace v100::codec
