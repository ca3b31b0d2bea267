#include "fhe/ckks/unit_root.h"

#include <cassert>

namespace v100::fhe::ckks {

namespace {

// Double-double arithmetic (Dekker; Knuth's TwoSum): a value is hi + lo with |lo| <= ulp(hi)/2.
// Only IEEE double +, -, *: this file is compiled with -ffp-contract=off so no step becomes an FMA.
struct Dd {
  double hi;
  double lo;
};

Dd two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

Dd quick_two_sum(double a, double b) {  // |a| >= |b|
  const double s = a + b;
  return {s, b - (s - a)};
}

void split(double a, double& hi, double& lo) {
  const double t = 134217729.0 * a;  // 2^27 + 1
  hi = t - (t - a);
  lo = a - hi;
}

Dd two_prod(double a, double b) {
  const double p = a * b;
  double ah = 0, al = 0, bh = 0, bl = 0;
  split(a, ah, al);
  split(b, bh, bl);
  return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
}

Dd add(Dd x, Dd y) {
  Dd s = two_sum(x.hi, y.hi);
  s.lo += x.lo + y.lo;
  return quick_two_sum(s.hi, s.lo);
}

Dd mul(Dd x, Dd y) {
  Dd p = two_prod(x.hi, y.hi);
  p.lo += x.hi * y.lo + x.lo * y.hi;
  return quick_two_sum(p.hi, p.lo);
}

Dd div(Dd x, double d) {  // d an integer below 2^53 (exact)
  const double q1 = x.hi / d;
  const Dd p = two_prod(q1, d);
  Dd s = two_sum(x.hi, -p.hi);
  s.lo -= p.lo;
  s.lo += x.lo;
  const double q2 = (s.hi + s.lo) / d;
  return quick_two_sum(q1, q2);
}

// pi / 4 as a double-double (pi's double-double digits divided by 4, exactly).
constexpr Dd kQuarterPi = {0x1.921fb54442d18p-1, 0x1.1a62633145c07p-55};

// cos and sin of x = (r / den) * pi / 4, 0 <= r <= den: Taylor series in double-double. For
// x <= pi/4 the terms fall below 2^-115 by the 30th power; rounding to double takes hi (the pair is
// normalized, hi = fl(hi + lo)).
void octant_cos_sin(uint64_t r, uint64_t den, double& c, double& s) {
  if (r == 0) {
    c = 1.0;
    s = 0.0;
    return;
  }
  // x = pi/4 * r / den: r and den are below 2^53, r/den in [0, 1]; the product then the quotient.
  Dd x = mul(kQuarterPi, Dd{static_cast<double>(r), 0.0});
  x = div(x, static_cast<double>(den));
  const Dd x2 = mul(x, x);
  Dd cos_sum{1.0, 0.0}, sin_sum = x;
  Dd cos_term{1.0, 0.0}, sin_term = x;
  for (int k = 1; k <= 16; ++k) {
    // cos_term *= -x^2 / ((2k - 1) 2k); sin_term *= -x^2 / (2k (2k + 1)).
    cos_term = div(mul(cos_term, x2), static_cast<double>((2 * k - 1) * (2 * k)));
    sin_term = div(mul(sin_term, x2), static_cast<double>((2 * k) * (2 * k + 1)));
    const bool minus = (k & 1) != 0;
    cos_sum = add(cos_sum, minus ? Dd{-cos_term.hi, -cos_term.lo} : cos_term);
    sin_sum = add(sin_sum, minus ? Dd{-sin_term.hi, -sin_term.lo} : sin_term);
  }
  c = cos_sum.hi;
  s = sin_sum.hi;
}

}  // namespace

void unit_root(uint64_t num, uint64_t den, double& re, double& im) {
  assert(den >= 1 && den <= (uint64_t{1} << 40));
  num %= den;
  // 2 pi num / den = o * pi/4 + (r / den) * pi/4 with o = floor(8 num / den) (exact: 8 num < 2^44).
  const uint64_t o = (8 * num) / den;
  const uint64_t r = 8 * num - o * den;
  double c = 0, s = 0;
  if ((o & 1) == 0) {
    octant_cos_sin(r, den, c, s);  // phi = r/den * pi/4 within the quadrant
  } else {
    // phi = pi/4 + r/den * pi/4 = pi/2 - (den - r)/den * pi/4: cos phi = sin a', sin phi = cos a'.
    octant_cos_sin(den - r, den, s, c);
  }
  // The quadrant o / 2 rotates (c, s) by multiples of pi/2 (exact sign changes and swaps).
  switch (o / 2) {
    case 0:
      re = c, im = s;
      break;
    case 1:
      re = -s, im = c;
      break;
    case 2:
      re = -c, im = -s;
      break;
    default:
      re = s, im = -c;
      break;
  }
  re += 0.0;  // -0 -> +0
  im += 0.0;
}

}  // namespace v100::fhe::ckks
