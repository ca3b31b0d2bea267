// Deterministic test inputs from a seeded SHAKE256 stream.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "hash/sha3.h"

namespace v100::services::testing {

class TestRng {
 public:
  explicit TestRng(std::string_view label) { x_.absorb(as_bytes(label)); }
  uint64_t next() {
    uint8_t b[8];
    x_.squeeze({b, 8});
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(b[i]) << (8 * i);
    return v;
  }
  /// Uniform in [0, bound) (bias < 2^-40 for the bounds used here).
  uint64_t below(uint64_t bound) { return next() % bound; }
  Bytes bytes(size_t n) {
    Bytes out(n);
    x_.squeeze(out);
    return out;
  }

 private:
  hash::Shake256 x_;
};

}  // namespace v100::services::testing
