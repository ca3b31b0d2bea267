// Keccak-f[1600] permutation and sponge (FIPS 202). Written here rather than taken from OpenSSL
// because OpenSSL 3.0 cannot squeeze SHAKE incrementally, which ML-KEM and ML-DSA need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace v100::hash {

/// Keccak-f[1600] on a 25-lane state (lane i = x + 5y), 24 rounds. Constant time.
void keccak_f1600(uint64_t state[25]);

/// A Keccak sponge with byte-granular absorb and squeeze. `rate` is in bytes (168 for SHAKE128,
/// 136 for SHAKE256 and SHA3-256, 72 for SHA3-512); `pad` is the domain byte (0x06 SHA-3, 0x1f SHAKE).
/// Usage: absorb()* then squeeze()*; the first squeeze finalizes. Absorb after squeeze is a caller
/// bug (throws std::logic_error). Wipes its state on destruction.
class KeccakSponge {
 public:
  KeccakSponge(size_t rate, uint8_t pad);
  ~KeccakSponge();
  KeccakSponge(const KeccakSponge&) = default;
  KeccakSponge& operator=(const KeccakSponge&) = default;

  void absorb(std::span<const uint8_t> in);
  void squeeze(std::span<uint8_t> out);
  /// Squeezes whole blocks straight out of the state (rate bytes each); only valid when no partial
  /// block is pending (fast path for rejection sampling).
  void squeeze_blocks(uint8_t* out, size_t num_blocks);
  void reset();
  size_t rate() const { return rate_; }

 private:
  void finalize();
  uint64_t s_[25];
  size_t rate_;
  size_t pos_ = 0;  // bytes absorbed into / squeezed from the current block
  uint8_t pad_;
  bool squeezing_ = false;
};

}  // namespace v100::hash
