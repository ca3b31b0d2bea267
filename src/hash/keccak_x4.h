// Four independent Keccak-f[1600] permutations at once (AVX-512VL or AVX2, chosen at run time via
// cpu::active(), with a portable fallback giving identical results), and four parallel SHAKE
// instances on top, for the matrix and noise expansion of ML-KEM / ML-DSA.
#pragma once

#include <cstddef>
#include <cstdint>

namespace v100::hash {

/// Four Keccak states, lane-interleaved: lanes[i][j] is lane i (= x + 5y) of state j, so one
/// 256-bit vector holds the same lane of all four states.
struct alignas(32) KeccakX4State {
  uint64_t lanes[25][4];
};

/// Keccak-f[1600] (24 rounds) on each of the four states. Constant time.
void keccak_f1600_x4(KeccakX4State& s);

namespace detail {
/// The individual kernels (for tests comparing them); each requires its CPU feature.
void keccak_f1600_x4_portable(KeccakX4State& s);
void keccak_f1600_x4_avx2(KeccakX4State& s);
void keccak_f1600_x4_avx512vl(KeccakX4State& s);
}  // namespace detail

/// Four Keccak sponges over inputs of one common length, squeezed in whole blocks: SHAKE128
/// (rate 168) and SHAKE256 (rate 136) with the default pad 0x1f, or SHA3-256 / SHA3-512 (rate
/// 136 / 72, pad 0x06; the digest is the first 32 / 64 bytes of the first block). Wipes its state
/// on destruction.
class ShakeX4 {
 public:
  /// `rate` in bytes (a multiple of 8 below 200, else std::invalid_argument); `pad` the FIPS 202
  /// domain byte (0x1f SHAKE, 0x06 SHA-3).
  explicit ShakeX4(size_t rate, uint8_t pad = 0x1f);
  ~ShakeX4();
  ShakeX4(const ShakeX4&) = delete;
  ShakeX4& operator=(const ShakeX4&) = delete;

  /// Absorbs in[j] (each `len` bytes) into instance j and pads with the domain byte, for
  /// j < live_lanes (1..4); the other instances are left unused (their output is meaningless and
  /// in[j] is not read). Call once, before any squeeze; a second call is a caller bug (throws
  /// std::logic_error).
  void absorb_once(const uint8_t* const in[4], size_t len, int live_lanes = 4);
  /// Writes num_blocks * rate bytes of instance j to out[j] (out[j] may be null to discard).
  void squeeze_blocks(uint8_t* const out[4], size_t num_blocks);
  size_t rate() const { return rate_; }

 private:
  KeccakX4State s_;
  size_t rate_;
  uint8_t pad_;
  bool absorbed_ = false;
  bool first_block_ = true;  // the first squeezed block needs no extra permutation
};

}  // namespace v100::hash
