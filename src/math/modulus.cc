#include "math/modulus.h"

#include <stdexcept>

namespace v100::math {

Modulus::Modulus(uint64_t q) : value_(q) {
  if (q <= 2 || (q & 1) == 0 || (q >> kMaxModulusBits) != 0)
    throw std::invalid_argument("Modulus: q must be odd, > 2 and < 2^61");
  // q odd never divides 2^128, so floor((2^128 - 1) / q) == floor(2^128 / q).
  unsigned __int128 ratio = ~static_cast<unsigned __int128>(0) / q;
  ratio_hi_ = static_cast<uint64_t>(ratio >> 64);
  ratio_lo_ = static_cast<uint64_t>(ratio);
  bit_count_ = 64 - __builtin_clzll(q);
}

uint64_t pow_mod(uint64_t a, uint64_t e, const Modulus& q) {
  uint64_t base = reduce(a, q);
  uint64_t result = 1;
  while (e != 0) {
    if (e & 1) result = mul_mod(result, base, q);
    base = mul_mod(base, base, q);
    e >>= 1;
  }
  return result;
}

uint64_t inv_mod(uint64_t a, const Modulus& q) {
  return pow_mod(a, q.value() - 2, q);
}

}  // namespace v100::math
