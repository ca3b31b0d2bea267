// Modular arithmetic against the compiler's unsigned __int128 % on random and edge inputs.
#include "math/modulus.h"

#include <gtest/gtest.h>

#include <vector>

#include "math/test_rng.h"

namespace v100::math {
namespace {

using testing::TestRng;
using u128 = unsigned __int128;

std::vector<uint64_t> test_moduli() {
  return {3,
          5,
          97,
          65537,
          1073479681ULL /* 30-bit */,
          (1ULL << 36) - 5,
          1125899906826241ULL /* ~2^50 */,
          (1ULL << 55) - 55,
          (1ULL << 60) - 93,
          (1ULL << 61) - 1 /* Mersenne prime, largest allowed */,
          (1ULL << 61) - 3};
}

std::vector<uint64_t> edge_values(uint64_t q) {
  return {0, 1, 2, q / 2, q - 2, q - 1};
}

TEST(Modulus, Construction) {
  EXPECT_THROW(Modulus(0), std::invalid_argument);
  EXPECT_THROW(Modulus(2), std::invalid_argument);
  EXPECT_THROW(Modulus(100), std::invalid_argument);
  EXPECT_THROW(Modulus((1ULL << 61) + 1), std::invalid_argument);
  Modulus q(97);
  EXPECT_EQ(q.value(), 97u);
  EXPECT_EQ(q.bit_count(), 7);
  EXPECT_EQ(Modulus((1ULL << 61) - 1).bit_count(), 61);
  EXPECT_EQ(Modulus(1ULL << 40 | 1).bit_count(), 41);
}

TEST(Modulus, AddSubNegMulAgainstInt128) {
  TestRng rng("modulus-ops");
  for (uint64_t qv : test_moduli()) {
    Modulus q(qv);
    std::vector<uint64_t> vals = edge_values(qv);
    for (int i = 0; i < 2000; ++i) vals.push_back(rng.below(qv));
    for (size_t i = 0; i < vals.size(); ++i) {
      uint64_t a = vals[i], b = vals[(i * 7 + 3) % vals.size()];
      ASSERT_EQ(add_mod(a, b, q), static_cast<uint64_t>((u128(a) + b) % qv));
      ASSERT_EQ(sub_mod(a, b, q), static_cast<uint64_t>((u128(a) + qv - b) % qv));
      ASSERT_EQ(neg_mod(a, q), static_cast<uint64_t>((qv - a) % qv));
      ASSERT_EQ(mul_mod(a, b, q), static_cast<uint64_t>(u128(a) * b % qv)) << qv << " " << a << " " << b;
    }
    for (uint64_t a : edge_values(qv))
      for (uint64_t b : edge_values(qv)) ASSERT_EQ(mul_mod(a, b, q), static_cast<uint64_t>(u128(a) * b % qv));
  }
}

TEST(Modulus, ReduceAnyWord) {
  TestRng rng("modulus-reduce");
  for (uint64_t qv : test_moduli()) {
    Modulus q(qv);
    std::vector<uint64_t> vals = {0, 1, qv - 1, qv, qv + 1, 2 * qv - 1, 2 * qv, ~0ULL, ~0ULL - 1, 1ULL << 63};
    for (int i = 0; i < 2000; ++i) vals.push_back(rng.u64());
    for (uint64_t a : vals) ASSERT_EQ(reduce(a, q), a % qv) << qv << " " << a;
    std::vector<uint64_t> hs = {0, 1, qv - 1, ~0ULL, 1ULL << 63};
    for (int i = 0; i < 500; ++i) hs.push_back(rng.u64());
    for (uint64_t hi : hs) {
      for (uint64_t lo : std::vector<uint64_t>{0, ~0ULL, rng.u64(), rng.u64()}) {
        u128 x = (u128(hi) << 64) | lo;
        ASSERT_EQ(reduce_u128(hi, lo, q), static_cast<uint64_t>(x % qv)) << qv << " " << hi << " " << lo;
      }
    }
  }
}

TEST(Modulus, PowAndInverse) {
  TestRng rng("modulus-pow");
  for (uint64_t qv : {97ULL, 65537ULL, 1073479681ULL, (1ULL << 61) - 1}) {
    Modulus q(qv);
    EXPECT_EQ(pow_mod(5, 0, q), 1u);
    EXPECT_EQ(pow_mod(0, 5, q), 0u);
    for (int i = 0; i < 200; ++i) {
      uint64_t a = rng.below(qv), e = rng.u64() % 1000;
      u128 r = 1;
      for (uint64_t k = 0; k < e; ++k) r = r * a % qv;
      ASSERT_EQ(pow_mod(a, e, q), static_cast<uint64_t>(r));
      if (a != 0) {
        ASSERT_EQ(u128(inv_mod(a, q)) * a % qv, 1u);
      }
    }
    EXPECT_EQ(inv_mod(0, q), 0u);
  }
}

TEST(Modulus, Shoup) {
  TestRng rng("modulus-shoup");
  for (uint64_t qv : test_moduli()) {
    Modulus q(qv);
    std::vector<uint64_t> ws = edge_values(qv);
    for (int i = 0; i < 50; ++i) ws.push_back(rng.below(qv));
    for (uint64_t w : ws) {
      uint64_t wsh = shoup_precompute(w, q);
      ASSERT_EQ(wsh, static_cast<uint64_t>((u128(w) << 64) / qv));
      std::vector<uint64_t> as = {0, 1, qv - 1, 4 * qv - 1, ~0ULL};
      for (int i = 0; i < 50; ++i) as.push_back(rng.u64());
      for (uint64_t a : as) {
        uint64_t expect = static_cast<uint64_t>(u128(a) * w % qv);
        uint64_t lazy = mul_shoup_lazy(a, w, wsh, q);
        ASSERT_LT(lazy, 2 * qv);
        ASSERT_EQ(lazy % qv, expect);
        if (a < qv) {
          ASSERT_EQ(mul_shoup(a, w, wsh, q), expect);
        }
      }
    }
  }
}

}  // namespace
}  // namespace v100::math
