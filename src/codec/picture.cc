// Picture: construction and the plane-size invariant.
#include "codec/picture.h"

namespace v100::codec {

namespace {
constexpr uint8_t kBlackLuma = 16;  // BT.601 limited range
constexpr uint8_t kNeutralChroma = 128;
}  // namespace

Picture Picture::blank(int w, int h) {
  Picture p;
  if (w <= 0 || h <= 0) return p;
  p.width = w;
  p.height = h;
  const size_t luma = static_cast<size_t>(w) * static_cast<size_t>(h);
  const size_t chroma = static_cast<size_t>(p.chroma_width()) * static_cast<size_t>(p.chroma_height());
  p.y.assign(luma, kBlackLuma);
  p.u.assign(chroma, kNeutralChroma);
  p.v.assign(chroma, kNeutralChroma);
  return p;
}

bool Picture::valid() const {
  if (width <= 0 || height <= 0) return false;
  const size_t luma = static_cast<size_t>(width) * static_cast<size_t>(height);
  const size_t chroma = static_cast<size_t>(chroma_width()) * static_cast<size_t>(chroma_height());
  return y.size() == luma && u.size() == chroma && v.size() == chroma;
}

}  // namespace v100::codec
