// Randomness sources and the samplers FHE key generation and encryption use.
//
// Distributions (all written to caller buffers):
// - sample_uniform: exactly uniform mod each q_j (rejection sampling on bit-masked 64-bit words).
// - sample_ternary: exactly uniform on {-1, 0, 1} (byte rejection of 255, then mod 3), constant time
//   in the accepted values.
// - sample_cbd: centered binomial with eta = 21 (difference of two popcounts of 21 random bits):
//   values in [-21, 21], mean 0, variance eta/2 = 10.5 (sigma ≈ 3.24, the HE-standard sigma 3.2
//   class). Constant time (branch-free SWAR popcount, no tables).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "hash/sha3.h"
#include "math/rns.h"

namespace v100::math {

/// A source of random bytes. Implementations are not thread-safe (one per thread).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  /// Fills `out` with random bytes.
  virtual void fill(std::span<uint8_t> out) = 0;
};

/// AES-256-CTR keystream (OpenSSL EVP, AES-NI/VAES where available) under a 32-byte key; the
/// engine behind the two sources below. Wipes its key material on destruction.
class AesCtrStream {
 public:
  explicit AesCtrStream(std::span<const uint8_t, 32> key);
  ~AesCtrStream();
  /// Copies continue identically from the current position (EVP_CIPHER_CTX_copy).
  AesCtrStream(const AesCtrStream& other);
  AesCtrStream& operator=(const AesCtrStream& other);
  AesCtrStream(AesCtrStream&& other) noexcept;
  AesCtrStream& operator=(AesCtrStream&& other) noexcept;
  /// Next out.size() keystream bytes.
  void fill(std::span<uint8_t> out);

 private:
  void* ctx_;  // EVP_CIPHER_CTX*
};

/// Fresh randomness: a 32-byte key from the OS CSPRNG (core/rng.h: OpenSSL DRBG seeded from
/// getrandom) per source object, expanded with AES-256-CTR (a CTR-DRBG without the per-call
/// overhead of RAND_bytes, which matters when sampling 10^5 coefficients).
class OsRandomSource final : public RandomSource {
 public:
  OsRandomSource();
  /// Not copyable: a copy would replay the same "fresh" bytes. Movable.
  OsRandomSource(const OsRandomSource&) = delete;
  OsRandomSource& operator=(const OsRandomSource&) = delete;
  OsRandomSource(OsRandomSource&&) = default;
  OsRandomSource& operator=(OsRandomSource&&) = default;
  void fill(std::span<uint8_t> out) override;

 private:
  AesCtrStream stream_;
};

/// Deterministic stream from a seed: key = SHAKE256(u64le(label length) || label || seed) (32
/// bytes), stream = AES-256-CTR under that key (counter from 0, zero IV); incremental. Same
/// (seed, label) -> same stream; the length prefix keeps (label, seed) pairs unambiguous. AES-CTR
/// rather than squeezing SHAKE256 directly: ~10x faster for polynomial sampling (a fresh uniform
/// 2 x 4096 RNS polynomial needs 64 KiB of stream).
class XofRandomSource final : public RandomSource {
 public:
  XofRandomSource(std::span<const uint8_t> seed, std::string_view label);
  void fill(std::span<uint8_t> out) override;

 private:
  AesCtrStream stream_;
};

/// The pure SHAKE256 stream (SHAKE256(u64le(label length) || label || seed), squeezed
/// incrementally), for callers that need a Keccak-only construction. Slower than XofRandomSource.
class ShakeRandomSource final : public RandomSource {
 public:
  ShakeRandomSource(std::span<const uint8_t> seed, std::string_view label);
  void fill(std::span<uint8_t> out) override;

 private:
  hash::Shake256 xof_;
};

/// Uniform RNS polynomial: out[j*n + i] uniform in [0, q_j), independently for each j (hence
/// uniform mod q = prod q_j). out has base.size() * n words.
void sample_uniform(uint64_t* out, size_t n, const RnsBase& base, RandomSource& rng);

/// Uniform mod a single modulus: out[i] in [0, q) for i < n.
void sample_uniform(uint64_t* out, size_t n, const Modulus& q, RandomSource& rng);

/// Ternary secret/noise: out[i] uniform in {-1, 0, 1}.
void sample_ternary(int8_t* out, size_t n, RandomSource& rng);

/// Centered binomial, eta = 21 (variance 10.5): out[i] in [-21, 21].
void sample_cbd(int8_t* out, size_t n, RandomSource& rng);

/// Maximum |value| sample_cbd can return.
inline constexpr int kCbdEta = 21;

/// Small signed coefficients to RNS: out[j*n + i] = in[i] mod q_j, constant time.
void signed_to_rns(uint64_t* out, const int8_t* in, size_t n, const RnsBase& base);

/// As above for 64-bit signed inputs (|in[i]| < 2^63), constant time.
void signed_to_rns(uint64_t* out, const int64_t* in, size_t n, const RnsBase& base);

}  // namespace v100::math
