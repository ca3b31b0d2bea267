#include "fhe/ckks/encoder.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/cpu.h"
#include "fhe/ckks/encoder_internal.h"
#include "math/ntt.h"

namespace v100::fhe::ckks {

namespace {

// std::bit_cast, which libstdc++ implements with this builtin; emscripten 3.1.6's libc++ has no
// std::bit_cast yet.
template <class To, class From>
constexpr To bit_cast(const From& from) noexcept {
  return __builtin_bit_cast(To, from);
}

// out[i] = round-half-even(in[i]) for |in[i]| < 2^51: adding and subtracting 1.5 * 2^52 leaves the
// nearest integer (the FPU rounds to nearest even). Same IEEE operations in every clone.
V100_CLONES_X86
void round_all(int64_t* out, const double* in, size_t n) {
  const double kMagic = 0x1.8p52;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>((in[i] + kMagic) - kMagic);
}

// out[i] = v[i] mod q for |v[i]| < q: add q to negative values, branch-free.
V100_CLONES_X86
void lift_signed(uint64_t* out, const int64_t* v, size_t n, uint64_t q) {
  for (size_t i = 0; i < n; ++i) {
    const uint64_t u = static_cast<uint64_t>(v[i]);
    out[i] = u + (q & (0 - (u >> 63)));
  }
}

constexpr uint64_t kAbsMask = ~(uint64_t{1} << 63);
constexpr uint64_t kInfBits = 0x7ff0000000000000;  // +infinity; NaNs lie above it

// max_i |in[i]| as IEEE-754 bits: with the sign cleared, the bit patterns of finite doubles order
// like their values, and an infinity or NaN gives a result >= kInfBits. An integer max reduction
// vectorizes where a floating-point one (with NaN semantics) does not.
V100_CLONES_X86
uint64_t max_abs_bits(const double* in, size_t n) {
  uint64_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t b = bit_cast<uint64_t>(in[i]) & kAbsMask;
    m = b > m ? b : m;
  }
  return m;
}

void check_encode_args(const CkksContext& c, size_t count, double scale, size_t level) {
  if (count > c.slot_count()) throw std::invalid_argument("CKKS encode: more values than slots (N/2)");
  if (level > c.max_level()) throw std::invalid_argument("CKKS encode: level above the top level");
  if (!(scale >= 1.0) || !std::isfinite(scale) || std::log2(scale) >= c.log_q(level) - 1) {
    throw std::invalid_argument("CKKS encode: scale must be in [1, Q_level / 2)");
  }
}

// Iterates over [v[i] mod q] for |v[i]| < q ("add q if negative", as lift_signed) so that
// std::vector::insert writes each residue once, with no zero-fill pass before it.
class LiftIterator {
 public:
  using iterator_category = std::random_access_iterator_tag;
  using value_type = uint64_t;
  using difference_type = std::ptrdiff_t;
  using pointer = const uint64_t*;
  using reference = uint64_t;

  LiftIterator(const int64_t* v, uint64_t q) : v_(v), q_(q) {}
  uint64_t operator*() const {
    const uint64_t u = static_cast<uint64_t>(*v_);
    return u + (q_ & (0 - (u >> 63)));
  }
  LiftIterator& operator++() {
    ++v_;
    return *this;
  }
  LiftIterator operator++(int) {
    LiftIterator t = *this;
    ++v_;
    return t;
  }
  LiftIterator& operator--() {
    --v_;
    return *this;
  }
  LiftIterator& operator+=(difference_type d) {
    v_ += d;
    return *this;
  }
  LiftIterator& operator-=(difference_type d) {
    v_ -= d;
    return *this;
  }
  LiftIterator operator+(difference_type d) const { return LiftIterator(v_ + d, q_); }
  difference_type operator-(const LiftIterator& o) const { return v_ - o.v_; }
  bool operator==(const LiftIterator& o) const { return v_ == o.v_; }

 private:
  const int64_t* v_;
  uint64_t q_;
};

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

Plaintext CkksEncoder::from_coefficients(std::span<const double> coeffs, double scale, size_t level) const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n();
  if (level > c.max_level()) throw std::invalid_argument("CKKS encode: level above the top level");
  if (coeffs.size() != n) throw std::invalid_argument("CKKS encode: need N coefficients");
  // |coefficient| must stay below Q_level / 2 so that it decodes to itself.
  const double limit = std::ldexp(1.0, static_cast<int>(std::floor(c.log_q(level))) - 1);
  const uint64_t max_bits = max_abs_bits(coeffs.data(), n);
  if (max_bits >= kInfBits) throw std::invalid_argument("CKKS encode: value is not finite");
  const double max_abs = bit_cast<double>(max_bits);
  if (max_abs >= limit) {
    throw std::invalid_argument("CKKS encode: value * scale does not fit in the modulus at this level");
  }
  Plaintext pt;
  pt.n = n;
  pt.level = level;
  pt.scale = scale;
  // Fast path (the usual case): every coefficient below 2^51 in magnitude, rounded with the
  // 1.5 * 2^52 trick (exact round-half-even, vectorizable), then per prime either a branch-free
  // "add q if negative" (when max |v| < q_j) or a Barrett reduction of |v|.
  if (max_abs < 0x1p51) {
    std::unique_ptr<int64_t[]> v(new int64_t[n]);
    round_all(v.get(), coeffs.data(), n);
    const uint64_t max_int = static_cast<uint64_t>(max_abs) + 1;
    uint64_t min_q = c.modulus(0).value();
    for (size_t j = 1; j <= level; ++j) min_q = std::min(min_q, c.modulus(j).value());
    if (max_int < min_q) {
      // Every residue is a lift: written once by insert (no zero-fill), transformed while in cache.
      pt.data.reserve((level + 1) * n);
      for (size_t j = 0; j <= level; ++j) {
        const LiftIterator first(v.get(), c.modulus(j).value());
        pt.data.insert(pt.data.end(), first, first + static_cast<std::ptrdiff_t>(n));
        math::ntt_forward(pt.residue(j), c.ntt(j));
      }
      return pt;
    }
    pt.data.resize((level + 1) * n);
    for (size_t j = 0; j <= level; ++j) {
      uint64_t* r = pt.residue(j);
      const math::Modulus& q = c.modulus(j);
      if (max_int < q.value()) {
        lift_signed(r, v.get(), n, q.value());
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
  pt.data.resize((level + 1) * n);
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
  check_encode_args(c, values.size(), scale, level);
  // std::complex<double> is an array of two doubles (re, im).
  if (max_abs_bits(reinterpret_cast<const double*>(values.data()), 2 * values.size()) >= kInfBits) {
    throw std::invalid_argument("CKKS encode: value is not finite");
  }
  std::unique_ptr<double[]> coeffs(new double[c.n()]);
  c.fft().slots_to_coeffs(coeffs.get(), values, scale);
  return from_coefficients(std::span<const double>(coeffs.get(), c.n()), scale, level);
}

Plaintext CkksEncoder::encode(std::span<const double> values, double scale, size_t level) const {
  const CkksContext& c = *ctx_;
  check_encode_args(c, values.size(), scale, level);
  if (max_abs_bits(values.data(), values.size()) >= kInfBits) {
    throw std::invalid_argument("CKKS encode: value is not finite");
  }
  std::unique_ptr<double[]> coeffs(new double[c.n()]);
  c.fft().real_slots_to_coeffs(coeffs.get(), values, scale);
  return from_coefficients(std::span<const double>(coeffs.get(), c.n()), scale, level);
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

namespace detail {

namespace {

// The 64-bit CRT of DecodeCrt on residues r_i (any representatives below 2^52): X, and whether it
// is certified.
uint64_t crt64(const DecodeCrt& t, const uint64_t* r, bool* ok) {
  uint64_t f = 0, acc = 0;
  for (size_t i = 0; i < t.k; ++i) {
    const uint64_t y = math::mul_shoup(r[i], t.ih[i], t.ih_shoup[i], t.q[i]);
    f += static_cast<uint64_t>((static_cast<unsigned __int128>(y) * t.frac[i]) >> 52);
    acc += y * t.hat[i];
  }
  const uint64_t kappa = (f + (uint64_t{1} << (t.frac_bits - 1))) >> t.frac_bits;
  const uint64_t x = acc - kappa * t.q_all;
  bool good = x + (uint64_t{1} << 62) <= (uint64_t{1} << 63);
  for (size_t i = 0; i < t.k; ++i) {
    const uint64_t quo = (x - r[i]) * t.q_inv[i];
    good &= quo + t.bound[i] <= 2 * t.bound[i];
  }
  *ok = good;
  return x;
}

}  // namespace

double balanced_sum(const uint64_t* words, int top) {
  int64_t balanced[kMaxHighTiers + 1];
  uint64_t carry = 0;
  for (int s = 0; s < top; ++s) {
    const uint64_t v = words[s] + carry;  // wraps only for 2^64 - 1 + 1, which carries too
    balanced[s] = static_cast<int64_t>(v);
    carry = (v >> 63) | (carry & (v == 0 ? 1 : 0));
  }
  balanced[top] = static_cast<int64_t>(words[top] + carry);
  double x = static_cast<double>(balanced[top]);
  for (int s = top; s-- > 0;) x = x * 0x1p64 + static_cast<double>(balanced[s]);
  return x;
}

bool crt_fast_one(const DecodeCrt& t, const uint64_t* coef, size_t n, size_t idx, double* out) {
  uint64_t m[64];  // k <= 64 (make_decode_crt)
  for (size_t i = 0; i < t.k; ++i) m[i] = coef[i * n + idx];
  uint64_t words[kMaxHighTiers + 1];
  bool ok = false;
  words[0] = crt64(t, m, &ok);
  if (ok) {
    *out = static_cast<double>(static_cast<int64_t>(words[0]));
    return true;
  }
  for (int j = 1; j <= t.high_tiers; ++j) {
    for (size_t i = 0; i < t.k; ++i) {
      const math::Modulus& q = t.moduli[i];
      m[i] = math::mul_mod(math::sub_mod(m[i], math::reduce(words[j - 1], q), q), t.inv64[i], q);
    }
    words[j] = crt64(t, m, &ok);
    if (ok) {
      *out = balanced_sum(words, j);
      return true;
    }
  }
  return false;
}

}  // namespace detail

namespace {

bool use_avx512_ifma() {
  const auto& f = cpu::active();
  return f.avx512f && f.avx512dq && f.avx512vl && f.avx512ifma;
}

// x^-1 mod 2^64 for odd x: Newton's iteration doubles the correct low bits (x * x = 1 mod 8).
uint64_t inverse_mod_2_64(uint64_t x) {
  uint64_t inv = x;
  for (int i = 0; i < 5; ++i) inv *= 2 - x * inv;
  return inv;
}

detail::DecodeCrt make_decode_crt(const CkksContext& c, size_t l) {
  detail::DecodeCrt t;
  t.k = l + 1;
  t.ifma_ok = true;
  t.q_all = 1;
  for (size_t i = 0; i <= l; ++i) t.q_all *= c.modulus(i).value();
  for (size_t i = 0; i <= l; ++i) {
    const math::Modulus& qi = c.modulus(i);
    // (Q/q_i)^-1 = (q_0 ... q_(i-1))^-1 * prod_(j > i) q_j^-1 (mod q_i), from the context's Garner
    // and rescale constants.
    uint64_t ih = i == 0 ? 1 : c.garner_inv(i);
    uint64_t hat = 1;
    for (size_t j = i + 1; j <= l; ++j) ih = math::mul_mod(ih, c.inv_q_mod(j, i), qi);
    for (size_t j = 0; j <= l; ++j) hat *= j == i ? 1 : c.modulus(j).value();
    t.q.push_back(qi.value());
    t.ih.push_back(ih);
    t.ih_shoup.push_back(math::shoup_precompute(ih, qi));
    t.ih_shoup52.push_back(static_cast<uint64_t>((static_cast<unsigned __int128>(ih) << 52) / qi.value()));
    t.hat.push_back(hat);
    t.q_inv.push_back(inverse_mod_2_64(qi.value()));
    t.bound.push_back(((uint64_t{1} << 63) - 1) / qi.value());
    t.ifma_ok &= qi.value() < (uint64_t{1} << 50);
    t.moduli.push_back(qi);
    const uint64_t inv64 = math::inv_mod(math::reduce_u128(1, 0, qi), qi);  // (2^64 mod q_i)^-1
    const uint64_t r52inv = math::mul_mod(math::reduce(uint64_t{1} << 52, qi), inv64, qi);
    t.inv64.push_back(inv64);
    t.inv64_shoup52.push_back(
        static_cast<uint64_t>((static_cast<unsigned __int128>(inv64) << 52) / qi.value()));
    t.r52inv.push_back(r52inv);
    t.r52inv_shoup52.push_back(
        static_cast<uint64_t>((static_cast<unsigned __int128>(r52inv) << 52) / qi.value()));
  }
  while (t.high_tiers < detail::kMaxHighTiers && 64.0 * (t.high_tiers + 1) + 66 < c.log_q(l)) ++t.high_tiers;
  const uint64_t min_q = *std::min_element(t.q.begin(), t.q.end());
  // t = min(floor(log2 min q_i), 40): 2^t <= every q_i keeps c_i below 2^52, and t <= 40 keeps the
  // sum (below k * 2^(t+1) with lazy y_i < 2 q_i) far from 2^64; the fixed-point error 1.5 k / 2^t
  // is then negligible for any realistic prime size.
  while (t.frac_bits < 40 && (uint64_t{2} << t.frac_bits) <= min_q) ++t.frac_bits;
  for (uint64_t q : t.q) {
    t.frac.push_back(static_cast<uint64_t>((static_cast<unsigned __int128>(1) << (52 + t.frac_bits)) / q));
  }
  return t;
}

// The exact centered CRT for coefficients the fast path rejects: Garner mixed radix, with an O(l)
// direct CRT modulo 2^128 in front when Q > 2^129.
class WideCrt {
 public:
  WideCrt(const CkksContext& c, size_t l, const uint64_t* coef) : c_(c), l_(l), n_(c.n()), coef_(coef) {
    v_.resize(l + 1);
    digits_.resize(l + 1);
    radix_.resize(l + 1);
    radix_[0] = 1.0;
    for (size_t i = 1; i <= l; ++i) radix_[i] = radix_[i - 1] * static_cast<double>(c.modulus(i - 1).value());
    use_u128_ = c.log_q(l) >= 130;  // the 2^128 path needs Q > 2^129
    if (!use_u128_) return;
    ih_.resize(l + 1);
    ihs_.resize(l + 1);
    hat_.resize(l + 1);
    inv_q_.resize(l + 1);
    q_all_ = 1;
    for (size_t i = 0; i <= l; ++i) q_all_ *= c.modulus(i).value();
    for (size_t i = 0; i <= l; ++i) {
      const math::Modulus& qi = c.modulus(i);
      uint64_t prod = 1;
      u128 h = 1;
      for (size_t j = 0; j <= l; ++j) {
        if (j == i) continue;
        prod = math::mul_mod(prod, c.modulus(j).value() % qi.value(), qi);
        h *= c.modulus(j).value();
      }
      ih_[i] = math::inv_mod(prod, qi);
      ihs_[i] = math::shoup_precompute(ih_[i], qi);
      hat_[i] = h;
      inv_q_[i] = 1.0 / static_cast<double>(qi.value());
    }
  }

  double value(size_t k) { return use_u128_ ? direct(k) : garner(k); }

 private:
  using u128 = unsigned __int128;

  // Garner: mixed-radix digits v_0..v_l of x in [0, Q), x = sum v_i * (q_0...q_(i-1)); then made
  // balanced (|v_i| <= q_i / 2, carrying upward; the final carry is dropped = subtract Q), so the
  // centered value is sum v_i' * prod, evaluated from the top digit down without cancellation.
  double garner(size_t k) {
    for (size_t i = 0; i <= l_; ++i) {
      const math::Modulus& qi = c_.modulus(i);
      const uint64_t qv = qi.value();
      uint64_t x = coef_[i * n_ + k];
      if (i > 0) {
        // t = v_0 + v_1 q_0 + ... + v_(i-1) q_0..q_(i-2)  (mod q_i), by Horner. Digits v_m < q_m
        // may exceed q_i (q_0 is the largest prime): mul_shoup accepts any 64-bit input.
        uint64_t t = math::reduce(v_[i - 1], qi);
        for (size_t m = i - 1; m-- > 0;) {
          t = math::mul_shoup(t, c_.q_mod(m, i), c_.q_mod_shoup(m, i), qv);
          t = math::add_mod(t, math::reduce(v_[m], qi), qi);
        }
        x = math::mul_shoup(math::sub_mod(x, t, qi), c_.garner_inv(i), c_.garner_inv_shoup(i), qv);
      }
      v_[i] = x;
    }
    // With balanced digits the top nonzero digit fixes the magnitude, so summing from the top in
    // double loses nothing beyond double rounding (no cancellation).
    double acc = 0;
    int64_t carry = 0;
    for (size_t i = 0; i <= l_; ++i) {
      const uint64_t qi = c_.modulus(i).value();
      int64_t d = static_cast<int64_t>(v_[i]) + carry;  // in [0, q_i]
      const int64_t big = d > static_cast<int64_t>(qi / 2);
      d -= big * static_cast<int64_t>(qi);
      carry = big;
      digits_[i] = static_cast<double>(d);
    }
    for (size_t i = l_ + 1; i-- > 0;) acc += digits_[i] * radix_[i];
    return acc;
  }

  // The direct CRT x = sum_i y_i (Q/q_i) - kappa Q with y_i = [x_i (Q/q_i)^-1]_(q_i) and
  // kappa = round(sum_i y_i / q_i), evaluated modulo 2^128 (exact integer wrap-around). The result
  // is x itself whenever |x| < 2^127, which is certified by checking it against every residue
  // (then X = x mod Q and both lie in (-Q/2, Q/2)); otherwise Garner.
  double direct(size_t k) {
    double f = 0;
    u128 acc = 0;
    for (size_t i = 0; i <= l_; ++i) {
      const uint64_t y = math::mul_shoup(coef_[i * n_ + k], ih_[i], ihs_[i], c_.modulus(i).value());
      f += static_cast<double>(y) * inv_q_[i];
      acc += static_cast<u128>(y) * hat_[i];
    }
    acc -= static_cast<u128>(static_cast<uint64_t>(f + 0.5)) * q_all_;
    const bool negative = static_cast<__int128>(acc) < 0;
    const u128 mag = negative ? (0 - acc) : acc;
    bool ok = true;
    const uint64_t hi = static_cast<uint64_t>(mag >> 64), lo = static_cast<uint64_t>(mag);
    for (size_t i = 0; i <= l_; ++i) {
      const math::Modulus& qi = c_.modulus(i);
      uint64_t r = hi == 0 ? math::reduce(lo, qi) : math::reduce_u128(hi, lo, qi);
      if (negative) r = math::neg_mod(r, qi);
      ok &= (r == coef_[i * n_ + k]);
    }
    if (!ok) return garner(k);
    const double m = static_cast<double>(mag);
    return negative ? -m : m;
  }

  const CkksContext& c_;
  size_t l_, n_;
  const uint64_t* coef_;
  bool use_u128_ = false;
  std::vector<uint64_t> v_, ih_, ihs_;
  std::vector<double> digits_, radix_, inv_q_;
  std::vector<u128> hat_;
  u128 q_all_ = 0;
};

// CkksEncoder::to_coefficients into out[0..N).
void to_coefficients_into(const CkksContext& c, const Plaintext& pt, double* out) {
  const size_t n = c.n();
  const size_t l = pt.level;
  if (pt.n != n || l > c.max_level() || pt.data.size() != (l + 1) * n) {
    throw std::invalid_argument("CKKS decode: plaintext does not match the context");
  }
  // Out-of-place inverse NTTs read the plaintext directly (no copy). No zero-fill: every word is
  // written by the transform.
  std::unique_ptr<uint64_t[]> coef_buf(new uint64_t[(l + 1) * n]);
  uint64_t* const coef = coef_buf.get();
  for (size_t j = 0; j <= l; ++j) math::ntt_inverse_from(coef + j * n, pt.residue(j), c.ntt(j));
  const bool vector = use_avx512_ifma() && n % 8 == 0;
  if (l == 0) {
    const uint64_t q0 = c.modulus(0).value(), half = q0 >> 1;
    if (vector) {
      detail::center_lift_avx512(out, coef, n, q0);
      return;
    }
    for (size_t k = 0; k < n; ++k) {
      uint64_t x = coef[k];
      out[k] = x > half ? -static_cast<double>(q0 - x) : static_cast<double>(x);
    }
    return;
  }
  std::optional<WideCrt> wide;  // built on the first coefficient the fast path rejects
  auto wide_value = [&](size_t k) {
    if (!wide) wide.emplace(c, l, coef);
    return wide->value(k);
  };
  if (c.log_q(l) < 64 || l >= 64) {  // the fast path needs Q > 2^63 (and at most 64 primes)
    for (size_t k = 0; k < n; ++k) out[k] = wide_value(k);
    return;
  }
  const detail::DecodeCrt t = make_decode_crt(c, l);
  if (vector && t.ifma_ok) {
    std::unique_ptr<uint32_t[]> rejected(new uint32_t[n]);  // written before read: no zero-fill
    const size_t num = detail::crt_decode_ifma(out, rejected.get(), coef, n, t);
    for (size_t r = 0; r < num; ++r) out[rejected[r]] = wide_value(rejected[r]);
    return;
  }
  for (size_t k = 0; k < n; ++k) {
    if (!detail::crt_fast_one(t, coef, n, k, &out[k])) out[k] = wide_value(k);
  }
}

}  // namespace

std::vector<double> CkksEncoder::to_coefficients(const Plaintext& pt) const {
  std::vector<double> out(ctx_->n());
  to_coefficients_into(*ctx_, pt, out.data());
  return out;
}

std::vector<std::complex<double>> CkksEncoder::coefficients_to_slots(std::span<const double> coeffs,
                                                                     double scale) const {
  const CkksContext& c = *ctx_;
  if (coeffs.size() != c.n()) throw std::invalid_argument("CKKS decode: need N coefficients");
  std::vector<std::complex<double>> z(c.slot_count());
  c.fft().coeffs_to_slots(z.data(), coeffs.data(), 1.0 / scale);
  return z;
}

std::vector<std::complex<double>> CkksEncoder::decode(const Plaintext& pt) const {
  if (!(pt.scale > 0) || !std::isfinite(pt.scale)) throw std::invalid_argument("CKKS decode: bad scale");
  std::unique_ptr<double[]> coeffs(new double[ctx_->n()]);  // every entry written: no zero-fill
  to_coefficients_into(*ctx_, pt, coeffs.get());
  return coefficients_to_slots(std::span<const double>(coeffs.get(), ctx_->n()), pt.scale);
}

std::vector<double> CkksEncoder::decode_real(const Plaintext& pt, size_t count) const {
  if (count > ctx_->slot_count()) throw std::invalid_argument("CKKS decode: count exceeds N/2");
  auto z = decode(pt);
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i) out[i] = z[i].real();
  return out;
}

}  // namespace v100::fhe::ckks
