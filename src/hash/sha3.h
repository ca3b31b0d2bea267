// SHA3-256, SHA3-512, SHAKE128 and SHAKE256 (FIPS 202) with incremental absorb and squeeze.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "core/bytes.h"
#include "hash/keccak.h"

namespace v100::hash {

inline constexpr size_t kSha3_256Rate = 136;
inline constexpr size_t kSha3_512Rate = 72;
inline constexpr size_t kShake128Rate = 168;
inline constexpr size_t kShake256Rate = 136;

/// One-shot SHA3-256 of `in`.
std::array<uint8_t, 32> sha3_256(std::span<const uint8_t> in);
/// One-shot SHA3-512 of `in`.
std::array<uint8_t, 64> sha3_512(std::span<const uint8_t> in);
/// One-shot SHAKE128 / SHAKE256 of `in` into `out` (any length).
void shake128(std::span<uint8_t> out, std::span<const uint8_t> in);
void shake256(std::span<uint8_t> out, std::span<const uint8_t> in);

/// Incremental SHA3-256: update()* then final().
class Sha3_256 {
 public:
  Sha3_256() : s_(kSha3_256Rate, 0x06) {}
  void update(std::span<const uint8_t> in) { s_.absorb(in); }
  std::array<uint8_t, 32> final() {
    std::array<uint8_t, 32> out;
    s_.squeeze(out);
    return out;
  }

 private:
  KeccakSponge s_;
};

/// Incremental SHA3-512.
class Sha3_512 {
 public:
  Sha3_512() : s_(kSha3_512Rate, 0x06) {}
  void update(std::span<const uint8_t> in) { s_.absorb(in); }
  std::array<uint8_t, 64> final() {
    std::array<uint8_t, 64> out;
    s_.squeeze(out);
    return out;
  }

 private:
  KeccakSponge s_;
};

/// SHAKE128/SHAKE256 as an extendable-output function: absorb()* then squeeze()* (any lengths).
/// Also the project's seeded XOF for reproducible sampling (FHE key generation from a seed).
class Shake128 : public KeccakSponge {
 public:
  Shake128() : KeccakSponge(kShake128Rate, 0x1f) {}
};
class Shake256 : public KeccakSponge {
 public:
  Shake256() : KeccakSponge(kShake256Rate, 0x1f) {}
};

}  // namespace v100::hash
