// A synthetic camera for tests and browser fake capture: a moving picture that shows its sender and
// frame number to a person (bitmap digits) and to a machine (a grid of large black/white blocks that
// survives lossy VP8 coding), so an end-to-end test can tell which frame of whom it is looking at.
#pragma once

#include <cstdint>
#include <optional>

#include "codec/picture.h"

namespace v100::codec {

/// What a test pattern carries.
struct PatternInfo {
  uint16_t sender = 0;
  uint32_t frame = 0;
  bool operator==(const PatternInfo&) const = default;
};

/// Renders the test pattern for (sender, frame) at width x height:
/// - top left, the text "S<sender> F<frame, at least 5 digits>" in a hand-made 5x7 font, white;
/// - a static sine texture in the middle band (costly in a keyframe, free in a delta, like a camera's
///   background) with a coloured box (hue from the sender) moving with `frame`, so consecutive
///   frames give the encoder real motion;
/// - at the bottom, a 16 x 4 grid of black (0) / white (1) cells carrying 64 bits, row-major, most
///   significant first: sender (16), frame (32), CRC-16/CCITT-FALSE over those six big-endian bytes.
/// The cell side is min(width / 20, height / 12) pixels (30 at 640x360). Non-positive sizes give an
/// empty picture. Reading back after VP8 coding is tested at 640x360; keep cells >= 8 pixels.
Picture render_test_pattern(uint16_t sender, uint32_t frame, int width = 640, int height = 360);

/// Reads the code grid of a picture rendered (then possibly lossily coded) at the same size: each
/// cell's central half-square is averaged and must be clearly dark or clearly bright. nullopt when the
/// picture is not valid(), any cell is ambiguous, or the check value does not match.
std::optional<PatternInfo> read_test_pattern(const Picture& pic);

}  // namespace v100::codec
