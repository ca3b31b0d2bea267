// Picture: one uncompressed video frame in I420 (planar Y, then quarter-size U and V), the unit the
// VP8 wrappers, the test pattern and the Y4M writer exchange.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace v100::codec {

/// One I420 frame with tightly packed planes (stride == plane width, no padding):
/// `y` holds width*height samples, `u` and `v` each chroma_width()*chroma_height(), where the
/// chroma plane is half the size rounded up (odd sizes are allowed). A value type; copyable.
struct Picture {
  int width = 0, height = 0;
  std::vector<uint8_t> y, u, v;

  /// A width x height picture filled with black (Y 16, U = V 128, limited-range BT.601).
  /// Non-positive sizes give an empty 0x0 picture.
  static Picture blank(int w, int h);

  int chroma_width() const { return (width + 1) / 2; }
  int chroma_height() const { return (height + 1) / 2; }
  /// True when the sizes are positive and each plane has exactly the size above.
  bool valid() const;
};

}  // namespace v100::codec
