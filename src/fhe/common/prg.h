// Pseudo-random streams and the RLWE samplers built on them.
//
// Two stream kinds, both deterministic from a 32-byte seed and a domain label:
//  - kShake256: SHAKE256(label || 0x00 || seed), squeezed incrementally. Used to derive SECRET
//    material from a seed (secret keys, key-generation errors): the XOF of DESIGN.md §2.
//  - kAes256Ctr: AES-256-CTR (OpenSSL, AES-NI) keyed with SHAKE256(label || 0x00 || seed)[0..32),
//    zero IV. About 10x faster than SHAKE; used to expand PUBLIC uniform polynomials (the "a" of
//    seeded ciphertexts and keys) and for fresh encryption randomness seeded from the OS CSPRNG.
// The stream kind of every seeded object is fixed by the serialization version.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "hash/sha3.h"
#include "math/modulus.h"

namespace v100::fhe {

/// A deterministic byte stream. Move-only; wipes its buffers and key on destruction.
class Prg {
 public:
  enum class Kind : uint8_t { kShake256 = 1, kAes256Ctr = 2 };

  /// Stream for (seed, label). Throws std::invalid_argument unless seed has 32 bytes.
  Prg(Kind kind, std::span<const uint8_t> seed, std::string_view label);
  /// AES-CTR stream seeded with 32 fresh bytes from the OS CSPRNG (fresh encryption randomness).
  static Prg fresh();
  ~Prg();
  Prg(Prg&&) noexcept;
  Prg& operator=(Prg&&) noexcept;
  Prg(const Prg&) = delete;
  Prg& operator=(const Prg&) = delete;

  /// Next out.size() bytes of the stream.
  void fill(std::span<uint8_t> out);
  /// Next 64-bit little-endian word.
  uint64_t next_u64();

 private:
  void refill();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Uniform values in [0, q) (rejection sampling on ceil(log2 q)-bit draws: exactly uniform).
void sample_uniform_mod(uint64_t* out, size_t n, const math::Modulus& q, Prg& prg);
/// Uniform ternary in {-1, 0, 1} (rejection on bytes >= 255, then byte mod 3; branch-free per value
/// except the data-independent rejection).
void sample_ternary(int8_t* out, size_t n, Prg& prg);
/// Centered binomial with eta = 21 (variance 10.5, sigma ≈ 3.24, support [-21, 21]): the error
/// distribution of every encryption and key (HE standard sigma 3.2 equivalent). Constant time.
void sample_cbd21(int8_t* out, size_t n, Prg& prg);
/// Bound on |sample_cbd21| (used by the analytic noise bounds and tests).
inline constexpr int kCbdBound = 21;
/// Variance of sample_cbd21.
inline constexpr double kCbdVariance = 10.5;

/// out[i] = in[i] mod q for small signed in (constant time).
void signed_to_mod(uint64_t* out, const int8_t* in, size_t n, uint64_t q);

}  // namespace v100::fhe
