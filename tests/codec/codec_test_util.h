// Helpers shared by the codec tests: reproducible hostile bytes (a seeded SHAKE256 stream) and the
// mutations the decoder-robustness tests apply to real frames.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "hash/sha3.h"

namespace v100::codec::testing {

/// A reproducible byte stream: SHAKE256 of a label.
class DeterministicBytes {
 public:
  explicit DeterministicBytes(std::string_view label) { xof_.absorb(as_bytes(label)); }
  Bytes bytes(size_t n) {
    Bytes b(n);
    if (n > 0) xof_.squeeze(b);
    return b;
  }
  /// Uniform-enough value in [0, bound) for test purposes (bound > 0; modulo bias is irrelevant here).
  uint32_t below(uint32_t bound) {
    uint8_t b[4];
    xof_.squeeze(b);
    const uint32_t v = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    return v % bound;
  }

 private:
  hash::Shake256 xof_;
};

/// `in` with 1..8 random bits flipped.
inline Bytes flip_bits(ByteSpan in, DeterministicBytes& rng) {
  Bytes out(in.begin(), in.end());
  if (out.empty()) return out;
  for (uint32_t k = 0, m = 1 + rng.below(8); k < m; ++k)
    out[rng.below(static_cast<uint32_t>(out.size()))] ^= static_cast<uint8_t>(1u << rng.below(8));
  return out;
}

}  // namespace v100::codec::testing
