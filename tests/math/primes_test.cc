// Primality against trial division (small) and GMP (large); NTT prime generation properties.
#include "math/primes.h"

#include <gmp.h>
#include <gtest/gtest.h>

#include <set>

namespace v100::math {
namespace {

bool trial_division(uint64_t x) {
  if (x < 2) return false;
  for (uint64_t d = 2; d * d <= x; ++d)
    if (x % d == 0) return false;
  return true;
}

bool gmp_prime(uint64_t x) {
  mpz_t z;
  mpz_init_set_ui(z, x);
  int r = mpz_probab_prime_p(z, 40);
  mpz_clear(z);
  return r != 0;
}

TEST(Primes, SmallAgainstTrialDivision) {
  for (uint64_t x = 0; x < 200000; ++x) ASSERT_EQ(is_prime(x), trial_division(x)) << x;
}

TEST(Primes, HardCases) {
  EXPECT_TRUE(is_prime((1ULL << 61) - 1));
  EXPECT_TRUE(is_prime(18446744073709551557ULL));  // largest 64-bit prime
  EXPECT_FALSE(is_prime(18446744073709551615ULL));
  EXPECT_FALSE(is_prime(561));                     // Carmichael
  EXPECT_FALSE(is_prime(3215031751ULL));           // strong pseudoprime to bases 2, 3, 5, 7
  EXPECT_FALSE(is_prime(3825123056546413051ULL));  // strong pseudoprime to bases 2..23
  EXPECT_FALSE(is_prime(4294967297ULL));           // 641 * 6700417
  // Random 62..64-bit odd numbers against GMP.
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 3000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // LCG only to spread test inputs
    uint64_t c = x | 1;
    ASSERT_EQ(is_prime(c), gmp_prime(c)) << c;
  }
}

TEST(Primes, GenerateNttPrimes) {
  for (int bits : {20, 30, 36, 40, 50, 55, 60, 61}) {
    for (size_t n : {8u, 1024u, 4096u, 8192u, 32768u}) {
      if (bits == 20 && n > 1024) continue;  // few such primes exist
      auto ps = generate_ntt_primes(bits, n, 4);
      ASSERT_EQ(ps.size(), 4u);
      std::set<uint64_t> seen;
      for (size_t i = 0; i < ps.size(); ++i) {
        uint64_t p = ps[i];
        EXPECT_EQ(64 - __builtin_clzll(p), bits) << p;
        EXPECT_EQ(p % (2 * n), 1u) << p;
        EXPECT_TRUE(gmp_prime(p)) << p;
        if (i > 0) {
          EXPECT_LT(p, ps[i - 1]);
        }
        seen.insert(p);
      }
      EXPECT_EQ(seen.size(), ps.size());
      // Largest first: nothing between the first prime and 2^bits qualifies.
      for (uint64_t c = ps[0] + 2 * n; c < (1ULL << bits); c += 2 * n) {
        ASSERT_FALSE(gmp_prime(c)) << c;
      }
      EXPECT_EQ(generate_ntt_primes(bits, n, 4), ps);  // deterministic
    }
  }
  EXPECT_THROW(generate_ntt_primes(62, 8, 1), std::invalid_argument);
  EXPECT_THROW(generate_ntt_primes(30, 12, 1), std::invalid_argument);
  EXPECT_THROW(generate_ntt_primes(10, 1024, 1), std::invalid_argument);
  EXPECT_THROW(generate_ntt_primes(14, 1024, 50), std::invalid_argument);
}

}  // namespace
}  // namespace v100::math
