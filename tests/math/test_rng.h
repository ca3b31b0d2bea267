// Deterministic test randomness from SHAKE256 (the project forbids rand()/mt19937, even in tests).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "hash/sha3.h"

namespace v100::math::testing {

class TestRng {
 public:
  explicit TestRng(std::string_view label) { x_.absorb(as_bytes(label)); }
  uint64_t u64() {
    uint8_t b[8];
    x_.squeeze(b);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
    return v;
  }
  /// Uniform-ish in [0, bound) (tiny modulo bias is irrelevant for tests).
  uint64_t below(uint64_t bound) { return u64() % bound; }

 private:
  hash::Shake256 x_;
};

}  // namespace v100::math::testing
