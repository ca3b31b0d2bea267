#include "fhe/ckks/encoder.h"

#include <cmath>
#include <stdexcept>

#include "math/ntt.h"

namespace v100::fhe::ckks {

namespace {

// out[i] = round-half-even(in[i]) for |in[i]| < 2^51: adding and subtracting 1.5 * 2^52 leaves the
// nearest integer (the FPU rounds to nearest even). Same IEEE operations in both clones.
__attribute__((target_clones("avx2", "default")))
void round_all(int64_t* out, const double* in, size_t n) {
  const double kMagic = 0x1.8p52;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>((in[i] + kMagic) - kMagic);
}

// out[i] = v[i] mod q for |v[i]| < q: add q to negative values, branch-free.
__attribute__((target_clones("avx2", "default")))
void lift_signed(uint64_t* out, const int64_t* v, size_t n, uint64_t q) {
  for (size_t i = 0; i < n; ++i) {
    const uint64_t u = static_cast<uint64_t>(v[i]);
    out[i] = u + (q & (0 - (u >> 63)));
  }
}

}  // namespace

CkksEncoder::CkksEncoder(ContextPtr ctx) : ctx_(std::move(ctx)) {
  if (!ctx_) throw std::invalid_argument("CkksEncoder: null context");
}

uint64_t round_to_residue(double x, const math::Modulus& q) {
  double r = std::nearbyint(x);  // round half to even; the encoder's rounding error is <= 1/2
  const uint64_t neg_mask = 0 - static_cast<uint64_t>(r < 0);
  double a = std::fabs(r);
  uint64_t res;
  if (a < 9.2e18) {
    res = math::reduce(static_cast<uint64_t>(a), q);
  } else {
    // a = mant * 2^e exactly with a 53-bit integer mantissa.
    int e = 0;
    double f = std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
    uint64_t mant = static_cast<uint64_t>(std::ldexp(f, 53));
    res = math::mul_mod(math::reduce(mant, q), math::pow_mod(2, static_cast<uint64_t>(e - 53), q), q);
  }
  uint64_t neg = math::neg_mod(res, q);
  return (neg & neg_mask) | (res & ~neg_mask);
}

Plaintext CkksEncoder::from_coefficients(std::span<const double> coeffs, double scale,
                                         size_t level) const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n();
  if (level > c.max_level()) throw std::invalid_argument("CKKS encode: level above the top level");
  if (coeffs.size() != n) throw std::invalid_argument("CKKS encode: need N coefficients");
  // |coefficient| must stay below Q_level / 2 so that it decodes to itself.
  const double limit = std::ldexp(1.0, static_cast<int>(std::floor(c.log_q(level))) - 1);
  double max_abs = 0;
  bool finite = true;
  for (double v : coeffs) {
    finite &= std::isfinite(v);
    max_abs = std::max(max_abs, std::fabs(v));
  }
  if (!finite) throw std::invalid_argument("CKKS encode: value is not finite");
  if (max_abs >= limit) {
    throw std::invalid_argument("CKKS encode: value * scale does not fit in the modulus at this level");
  }
  Plaintext pt;
  pt.n = n;
  pt.level = level;
  pt.scale = scale;
  pt.data.resize((level + 1) * n);
  // Fast path (the usual case): every coefficient below 2^51 in magnitude, rounded with the
  // 1.5 * 2^52 trick (exact round-half-even, vectorizable), then per prime either a branch-free
  // "add q if negative" (when max |v| < q_j) or a Barrett reduction of |v|.
  if (max_abs < 0x1p51) {
    std::vector<int64_t> v(n);
    round_all(v.data(), coeffs.data(), n);
    uint64_t max_int = static_cast<uint64_t>(max_abs) + 1;
    for (size_t j = 0; j <= level; ++j) {
      uint64_t* r = pt.residue(j);
      const math::Modulus& q = c.modulus(j);
      if (max_int < q.value()) {
        lift_signed(r, v.data(), n, q.value());
      } else {
        for (size_t i = 0; i < n; ++i) {
          const uint64_t neg = 0 - (static_cast<uint64_t>(v[i]) >> 63);
          const uint64_t mag = (static_cast<uint64_t>(v[i]) ^ neg) - neg;
          const uint64_t x = math::reduce(mag, q);
          r[i] = (math::neg_mod(x, q) & neg) | (x & ~neg);
        }
      }
      math::ntt_forward(r, c.ntt(j));
    }
    return pt;
  }
  for (size_t j = 0; j <= level; ++j) {
    uint64_t* r = pt.residue(j);
    const math::Modulus& q = c.modulus(j);
    for (size_t i = 0; i < n; ++i) r[i] = round_to_residue(coeffs[i], q);
    math::ntt_forward(r, c.ntt(j));
  }
  return pt;
}

Plaintext CkksEncoder::encode(std::span<const std::complex<double>> values, double scale,
                              size_t level) const {
  const CkksContext& c = *ctx_;
  const size_t slots = c.slot_count();
  if (values.size() > slots) throw std::invalid_argument("CKKS encode: more values than slots (N/2)");
  if (level > c.max_level()) throw std::invalid_argument("CKKS encode: level above the top level");
  if (!(scale >= 1.0) || !std::isfinite(scale) || std::log2(scale) >= c.log_q(level) - 1) {
    throw std::invalid_argument("CKKS encode: scale must be in [1, Q_level / 2)");
  }
  std::vector<std::complex<double>> z(slots);
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i].real()) || !std::isfinite(values[i].imag())) {
      throw std::invalid_argument("CKKS encode: value is not finite");
    }
    z[i] = values[i];
  }
  std::vector<double> coeffs(c.n());
  c.fft().slots_to_coeffs(coeffs.data(), z.data());
  for (double& v : coeffs) v *= scale;
  return from_coefficients(coeffs, scale, level);
}

Plaintext CkksEncoder::encode(std::span<const double> values, double scale, size_t level) const {
  std::vector<std::complex<double>> z(values.begin(), values.end());
  return encode(z, scale, level);
}

Plaintext CkksEncoder::encode(std::span<const double> values) const {
  return encode(values, ctx_->params().default_scale(), ctx_->max_level());
}

Plaintext CkksEncoder::encode_constant(double value, double scale, size_t level) const {
  const CkksContext& c = *ctx_;
  if (level > c.max_level()) throw std::invalid_argument("CKKS encode: level above the top level");
  double v = value * scale;
  if (!std::isfinite(v) || std::log2(std::fabs(v) + 1) >= c.log_q(level) - 1) {
    throw std::invalid_argument("CKKS encode_constant: value * scale does not fit at this level");
  }
  // A constant polynomial has the same value at every NTT point.
  Plaintext pt;
  pt.n = c.n();
  pt.level = level;
  pt.scale = scale;
  pt.data.resize((level + 1) * c.n());
  for (size_t j = 0; j <= level; ++j) {
    uint64_t r = round_to_residue(v, c.modulus(j));
    uint64_t* p = pt.residue(j);
    for (size_t i = 0; i < c.n(); ++i) p[i] = r;
  }
  return pt;
}

std::vector<double> CkksEncoder::to_coefficients(const Plaintext& pt) const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n();
  const size_t l = pt.level;
  if (pt.n != n || l > c.max_level() || pt.data.size() != (l + 1) * n) {
    throw std::invalid_argument("CKKS decode: plaintext does not match the context");
  }
  std::vector<uint64_t> coef(pt.data);
  for (size_t j = 0; j <= l; ++j) math::ntt_inverse(coef.data() + j * n, c.ntt(j));
  std::vector<double> out(n);
  // Garner: mixed-radix digits v_0..v_l of x in [0, Q), x = sum v_i * (q_0...q_(i-1)); then made
  // balanced (|v_i| <= q_i / 2, carrying upward; the final carry is dropped = subtract Q), so the
  // centered value is sum v_i' * prod, evaluated from the top digit down in long double without
  // cancellation.
  // Garner digits in [0, q_i); Horner steps use Shoup products with precomputed constants.
  std::vector<uint64_t> v(l + 1);
  std::vector<double> radix(l + 1), digits(l + 1);
  radix[0] = 1.0;
  for (size_t i = 1; i <= l; ++i) radix[i] = radix[i - 1] * static_cast<double>(c.modulus(i - 1).value());
  if (l == 0) {
    const uint64_t q0 = c.modulus(0).value(), half = q0 >> 1;
    for (size_t k = 0; k < n; ++k) {
      uint64_t x = coef[k];
      out[k] = x > half ? -static_cast<double>(q0 - x) : static_cast<double>(x);
    }
    return out;
  }
  auto garner = [&](size_t k) -> double {
    for (size_t i = 0; i <= l; ++i) {
      const math::Modulus& qi = c.modulus(i);
      const uint64_t qv = qi.value();
      uint64_t x = coef[i * n + k];
      if (i > 0) {
        // t = v_0 + v_1 q_0 + ... + v_(i-1) q_0..q_(i-2)  (mod q_i), by Horner. Digits v_m < q_m
        // may exceed q_i (q_0 is the largest prime): mul_shoup accepts any 64-bit input.
        uint64_t t = math::reduce(v[i - 1], qi);
        for (size_t m = i - 1; m-- > 0;) {
          t = math::mul_shoup(t, c.q_mod(m, i), c.q_mod_shoup(m, i), qv);
          t = math::add_mod(t, math::reduce(v[m], qi), qi);
        }
        x = math::mul_shoup(math::sub_mod(x, t, qi), c.garner_inv(i), c.garner_inv_shoup(i), qv);
      }
      v[i] = x;
    }
    // Balanced digits (|d_i| <= q_i / 2), carrying upward; the final carry is dropped (= minus Q).
    // With balanced digits the top nonzero digit fixes the magnitude, so summing from the top in
    // double loses nothing beyond double rounding (no cancellation).
    double acc = 0;
    int64_t carry = 0;
    for (size_t i = 0; i <= l; ++i) {
      const uint64_t qi = c.modulus(i).value();
      int64_t d = static_cast<int64_t>(v[i]) + carry;  // in [0, q_i]
      const int64_t big = d > static_cast<int64_t>(qi / 2);
      d -= big * static_cast<int64_t>(qi);
      carry = big;
      digits[i] = static_cast<double>(d);
    }
    for (size_t i = l + 1; i-- > 0;) acc += digits[i] * radix[i];
    return acc;
  };
  if (c.log_q(l) < 130) {  // the 2^128 path below needs Q > 2^129
    for (size_t k = 0; k < n; ++k) out[k] = garner(k);
    return out;
  }
  // Enough primes: the direct CRT x = sum_i y_i (Q/q_i) - kappa Q with y_i = [x_i (Q/q_i)^-1]_(q_i)
  // and kappa = round(sum_i y_i / q_i), evaluated modulo 2^128 (exact integer wrap-around). The
  // result is x itself whenever |x| < 2^127, which is certified by checking it against every
  // residue (then X ≡ x mod Q and both lie in (-Q/2, Q/2)); otherwise Garner. O(l) per
  // coefficient instead of O(l^2).
  using u128 = unsigned __int128;
  std::vector<uint64_t> ih(l + 1), ihs(l + 1);
  std::vector<u128> hat(l + 1);
  std::vector<double> inv_q(l + 1);
  u128 q_all = 1;
  for (size_t i = 0; i <= l; ++i) q_all *= c.modulus(i).value();
  for (size_t i = 0; i <= l; ++i) {
    const math::Modulus& qi = c.modulus(i);
    uint64_t prod = 1;
    u128 h = 1;
    for (size_t j = 0; j <= l; ++j) {
      if (j == i) continue;
      prod = math::mul_mod(prod, c.modulus(j).value() % qi.value(), qi);
      h *= c.modulus(j).value();
    }
    ih[i] = math::inv_mod(prod, qi);
    ihs[i] = math::shoup_precompute(ih[i], qi);
    hat[i] = h;
    inv_q[i] = 1.0 / static_cast<double>(qi.value());
  }
  for (size_t k = 0; k < n; ++k) {
    double f = 0;
    u128 acc = 0;
    for (size_t i = 0; i <= l; ++i) {
      const uint64_t y = math::mul_shoup(coef[i * n + k], ih[i], ihs[i], c.modulus(i).value());
      f += static_cast<double>(y) * inv_q[i];
      acc += static_cast<u128>(y) * hat[i];
    }
    acc -= static_cast<u128>(static_cast<uint64_t>(std::nearbyint(f))) * q_all;
    const bool negative = static_cast<__int128>(acc) < 0;
    const u128 mag = negative ? (0 - acc) : acc;
    bool ok = true;
    const uint64_t hi = static_cast<uint64_t>(mag >> 64), lo = static_cast<uint64_t>(mag);
    for (size_t i = 0; i <= l; ++i) {
      const math::Modulus& qi = c.modulus(i);
      // Decoded values are usually below 2^64: one Barrett step then (public-parameter branch on
      // the key holder's own plaintext; decoding is not claimed constant time).
      uint64_t r = hi == 0 ? math::reduce(lo, qi) : math::reduce_u128(hi, lo, qi);
      if (negative) r = math::neg_mod(r, qi);
      ok &= (r == coef[i * n + k]);
    }
    out[k] = ok ? (negative ? -static_cast<double>(mag) : static_cast<double>(mag)) : garner(k);
  }
  return out;
}

std::vector<std::complex<double>> CkksEncoder::coefficients_to_slots(std::span<const double> coeffs,
                                                                     double scale) const {
  const CkksContext& c = *ctx_;
  if (coeffs.size() != c.n()) throw std::invalid_argument("CKKS decode: need N coefficients");
  std::vector<double> scaled(coeffs.begin(), coeffs.end());
  const double inv = 1.0 / scale;
  for (double& x : scaled) x *= inv;
  std::vector<std::complex<double>> z(c.slot_count());
  c.fft().coeffs_to_slots(z.data(), scaled.data());
  return z;
}

std::vector<std::complex<double>> CkksEncoder::decode(const Plaintext& pt) const {
  if (!(pt.scale > 0) || !std::isfinite(pt.scale)) throw std::invalid_argument("CKKS decode: bad scale");
  std::vector<double> coeffs = to_coefficients(pt);
  return coefficients_to_slots(coeffs, pt.scale);
}

std::vector<double> CkksEncoder::decode_real(const Plaintext& pt, size_t count) const {
  if (count > ctx_->slot_count()) throw std::invalid_argument("CKKS decode: count exceeds N/2");
  auto z = decode(pt);
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i) out[i] = z[i].real();
  return out;
}

}  // namespace v100::fhe::ckks
