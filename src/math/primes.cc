#include "math/primes.h"

#include <stdexcept>

namespace v100::math {
namespace {

using u128 = unsigned __int128;

uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<u128>(a) * b % m);
}

uint64_t powmod(uint64_t a, uint64_t e, uint64_t m) {
  uint64_t r = 1 % m;
  a %= m;
  while (e != 0) {
    if (e & 1) r = mulmod(r, a, m);
    a = mulmod(a, a, m);
    e >>= 1;
  }
  return r;
}

}  // namespace

bool is_prime(uint64_t x) {
  static constexpr uint64_t kBases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (x < 2) return false;
  for (uint64_t p : kBases) {
    if (x % p == 0) return x == p;
  }
  uint64_t d = x - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  for (uint64_t a : kBases) {
    uint64_t y = powmod(a, d, x);
    if (y == 1 || y == x - 1) continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      y = mulmod(y, y, x);
      if (y == x - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

std::vector<uint64_t> generate_ntt_primes(int bit_size, size_t n, size_t count) {
  if (bit_size < 2 || bit_size > 61)
    throw std::invalid_argument("generate_ntt_primes: bit_size must be in [2, 61]");
  if (n == 0 || (n & (n - 1)) != 0)
    throw std::invalid_argument("generate_ntt_primes: n must be a power of two");
  const uint64_t step = 2 * static_cast<uint64_t>(n);
  const uint64_t lo = uint64_t{1} << (bit_size - 1);
  const uint64_t hi = (uint64_t{1} << bit_size) - 1;
  std::vector<uint64_t> out;
  if (count == 0) return out;
  if (step > hi) throw std::invalid_argument("generate_ntt_primes: 2n too large for bit_size");
  // Largest candidate c <= hi with c ≡ 1 (mod 2n), then walk down in steps of 2n.
  uint64_t c = ((hi - 1) / step) * step + 1;
  while (c > lo && out.size() < count) {
    if (is_prime(c)) out.push_back(c);
    if (c < step) break;
    c -= step;
  }
  if (out.size() < count) throw std::invalid_argument("generate_ntt_primes: not enough primes of this size");
  return out;
}

}  // namespace v100::math
