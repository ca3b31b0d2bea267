// unit_root (the special FFT's roots of unity, the same doubles in every build) against an
// independent model: cosq/sinq of libquadmath in IEEE binary128 (113-bit significand), rounded once
// to double. Every root of every order 2^j up to 2^17 must be that correctly rounded double; the
// previous long-double (x87, 64-bit significand) twiddles are counted where they were not.
#include "fhe/ckks/unit_root.h"

#include <gtest/gtest.h>
#include <quadmath.h>

#include <cmath>
#include <cstdint>

using v100::fhe::ckks::unit_root;

namespace {

// pi in binary128 (M_PIq needs GNU numeric literals, which -std=c++20 turns off).
const __float128 kPiQ = acosq(static_cast<__float128>(-1));

// The model's error is about 2^-112 absolute, so its zeros (at multiples of pi/2, where pi itself
// is rounded) come out near 1e-34: those are the exact zeros. Every other root of order <= 2^17 is
// at least sin(2 pi / 2^17) ~ 4.8e-5 in magnitude.
double exact_zero(__float128 x) {
  const double d = static_cast<double>(x);
  return std::fabs(d) < 1e-30 ? 0.0 : d;
}
double rounded_cos(uint64_t num, uint64_t den) {
  return exact_zero(cosq(2 * kPiQ * static_cast<__float128>(num) / static_cast<__float128>(den)));
}
double rounded_sin(uint64_t num, uint64_t den) {
  return exact_zero(sinq(2 * kPiQ * static_cast<__float128>(num) / static_cast<__float128>(den)));
}

}  // namespace

TEST(UnitRoot, CorrectlyRoundedForEveryRootUpToOrder2To17) {
  size_t roots = 0, long_double_wrong = 0;
  for (uint64_t den = 1; den <= (uint64_t{1} << 17); den *= 2) {
    for (uint64_t num = 0; num < den; ++num) {
      double re = 0, im = 0;
      unit_root(num, den, re, im);
      const double want_re = rounded_cos(num, den) + 0.0, want_im = rounded_sin(num, den) + 0.0;
      ASSERT_EQ(re, want_re) << "cos 2 pi " << num << "/" << den;
      ASSERT_EQ(im, want_im) << "sin 2 pi " << num << "/" << den;
      ASSERT_FALSE(std::signbit(re) && re == 0);
      ++roots;
      // What the x87 long-double evaluation gave (the former twiddles), for the record.
      const long double a = 6.283185307179586476925286766559005768L * static_cast<long double>(num) /
                            static_cast<long double>(den);
      if (static_cast<double>(cosl(a)) != want_re || static_cast<double>(sinl(a)) != want_im)
        ++long_double_wrong;
    }
  }
  EXPECT_EQ(roots, (size_t{1} << 18) - 1);
  std::printf("unit_root: %zu roots correctly rounded; long double cosl/sinl missed %zu\n", roots,
              long_double_wrong);
}

TEST(UnitRoot, ExactSymmetries) {
  double re = 0, im = 0;
  unit_root(0, 8, re, im);
  EXPECT_EQ(re, 1.0);
  EXPECT_EQ(im, 0.0);
  unit_root(2, 8, re, im);
  EXPECT_EQ(re, 0.0);
  EXPECT_EQ(im, 1.0);
  unit_root(4, 8, re, im);
  EXPECT_EQ(re, -1.0);
  EXPECT_EQ(im, 0.0);
  unit_root(1, 8, re, im);
  EXPECT_EQ(re, im);
  EXPECT_EQ(re, std::sqrt(0.5));  // sqrt is correctly rounded
  unit_root(9, 8, re, im);        // num taken mod den
  EXPECT_EQ(re, std::sqrt(0.5));
  for (uint64_t den : {16u, 1024u, 16384u}) {  // cos(-t) = cos(t), sin(-t) = -sin(t)
    for (uint64_t k = 1; k < den; ++k) {
      double r1 = 0, i1 = 0, r2 = 0, i2 = 0;
      unit_root(k, den, r1, i1);
      unit_root(den - k, den, r2, i2);
      ASSERT_EQ(r1, r2);
      ASSERT_EQ(i1, -i2 + 0.0);
    }
  }
}
