// Word-size modular arithmetic for odd prime moduli q < 2^61: Barrett reduction through a 128-bit
// product, Shoup multiplication by a fixed operand, and branchless conditional corrections.
//
// Every function here is branchless in its data (conditional subtractions use the sign bit of a
// difference as a mask), so it is constant time for secret operands and never mispredicts on random
// data. Only pow_mod/inv_mod loop over the (public) exponent.
#pragma once

#include <cstdint>

namespace v100::math {

/// Largest supported modulus size: values in [0, 4q) must fit below 2^63 for lazy NTT butterflies.
inline constexpr int kMaxModulusBits = 61;

/// An odd modulus q with 2 < q < 2^61 and its Barrett constant floor(2^128 / q). The NTT layer
/// additionally requires q prime; Modulus itself only checks oddness and size.
/// Cheap to copy; immutable after construction; thread-safe to share.
struct Modulus {
  /// Throws std::invalid_argument unless q is odd, q > 2 and q < 2^61.
  explicit Modulus(uint64_t q);

  /// The modulus q.
  uint64_t value() const { return value_; }
  /// Number of significant bits of q (q < 2^bit_count, q >= 2^(bit_count-1)).
  int bit_count() const { return bit_count_; }
  /// High word of floor(2^128 / q) (equals floor(2^64 / q)).
  uint64_t barrett_hi() const { return ratio_hi_; }
  /// Low word of floor(2^128 / q).
  uint64_t barrett_lo() const { return ratio_lo_; }

  friend bool operator==(const Modulus& a, const Modulus& b) { return a.value_ == b.value_; }

 private:
  uint64_t value_;
  uint64_t ratio_hi_;
  uint64_t ratio_lo_;
  int bit_count_;
};

/// x - q if x >= q else x, for x < 2q (and 2q <= 2^63); branchless.
inline uint64_t csub(uint64_t x, uint64_t q) {
  uint64_t t = x - q;
  return t + (q & (0 - (t >> 63)));
}

/// (a + b) mod q for a, b in [0, q).
inline uint64_t add_mod(uint64_t a, uint64_t b, const Modulus& q) {
  return csub(a + b, q.value());
}

/// (a - b) mod q for a, b in [0, q).
inline uint64_t sub_mod(uint64_t a, uint64_t b, const Modulus& q) {
  uint64_t t = a - b;
  return t + (q.value() & (0 - (t >> 63)));
}

/// (-a) mod q for a in [0, q) (0 maps to 0).
inline uint64_t neg_mod(uint64_t a, const Modulus& q) {
  uint64_t nonzero = 0 - ((a | (0 - a)) >> 63);  // all ones iff a != 0
  return (q.value() - a) & nonzero;
}

/// (hi * 2^64 + lo) mod q for any 128-bit input. Barrett with the exact 128-bit quotient estimate
/// floor(x * floor(2^128/q) / 2^128), which is at most 1 below floor(x/q); one correction.
inline uint64_t reduce_u128(uint64_t hi, uint64_t lo, const Modulus& q) {
  using u128 = unsigned __int128;
  const uint64_t r1 = q.barrett_hi(), r0 = q.barrett_lo();
  u128 p00 = static_cast<u128>(lo) * r0;
  u128 p01 = static_cast<u128>(lo) * r1;
  u128 p10 = static_cast<u128>(hi) * r0;
  u128 mid = (p00 >> 64) + static_cast<uint64_t>(p01) + static_cast<uint64_t>(p10);
  uint64_t quot = hi * r1 + static_cast<uint64_t>(p01 >> 64) + static_cast<uint64_t>(p10 >> 64) +
                  static_cast<uint64_t>(mid >> 64);
  // The true remainder is < 2q < 2^62, so computing it modulo 2^64 is exact.
  return csub(lo - quot * q.value(), q.value());
}

/// a mod q for any 64-bit a (Barrett with floor(2^64/q); estimate off by at most 1).
inline uint64_t reduce(uint64_t a, const Modulus& q) {
  uint64_t quot = static_cast<uint64_t>((static_cast<unsigned __int128>(a) * q.barrett_hi()) >> 64);
  return csub(a - quot * q.value(), q.value());
}

/// (a * b) mod q for a, b < 2^64 (typically in [0, q)).
inline uint64_t mul_mod(uint64_t a, uint64_t b, const Modulus& q) {
  unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return reduce_u128(static_cast<uint64_t>(p >> 64), static_cast<uint64_t>(p), q);
}

/// a^e mod q (square and multiply; e is treated as public).
uint64_t pow_mod(uint64_t a, uint64_t e, const Modulus& q);

/// a^-1 mod q for prime q (Fermat); returns 0 for a ≡ 0.
uint64_t inv_mod(uint64_t a, const Modulus& q);

/// Shoup constant floor(w * 2^64 / q) for a fixed multiplicand w in [0, q).
inline uint64_t shoup_precompute(uint64_t w, const Modulus& q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(w) << 64) / q.value());
}

/// a * w mod q in [0, 2q) for ANY a < 2^64, given w in [0, q) and w_shoup = shoup_precompute(w).
inline uint64_t mul_shoup_lazy(uint64_t a, uint64_t w, uint64_t w_shoup, uint64_t q) {
  uint64_t quot = static_cast<uint64_t>((static_cast<unsigned __int128>(a) * w_shoup) >> 64);
  return a * w - quot * q;
}
inline uint64_t mul_shoup_lazy(uint64_t a, uint64_t w, uint64_t w_shoup, const Modulus& q) {
  return mul_shoup_lazy(a, w, w_shoup, q.value());
}

/// a * w mod q in [0, q) (see mul_shoup_lazy).
inline uint64_t mul_shoup(uint64_t a, uint64_t w, uint64_t w_shoup, uint64_t q) {
  return csub(mul_shoup_lazy(a, w, w_shoup, q), q);
}
inline uint64_t mul_shoup(uint64_t a, uint64_t w, uint64_t w_shoup, const Modulus& q) {
  return mul_shoup(a, w, w_shoup, q.value());
}

}  // namespace v100::math
