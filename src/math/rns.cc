#include "math/rns.h"

#include <cmath>
#include <numeric>
#include <stdexcept>

#include "math/ntt_internal.h"

namespace v100::math {
namespace {

using u128 = unsigned __int128;

// out[0..len] = a[0..len) * m (len + 1 words).
void mul_words(uint64_t* out, const uint64_t* a, size_t len, uint64_t m) {
  uint64_t carry = 0;
  for (size_t i = 0; i < len; ++i) {
    u128 p = static_cast<u128>(a[i]) * m + carry;
    out[i] = static_cast<uint64_t>(p);
    carry = static_cast<uint64_t>(p >> 64);
  }
  out[len] = carry;
}

// acc[0..len) += a[0..len); returns carry.
uint64_t add_words(uint64_t* acc, const uint64_t* a, size_t len) {
  uint64_t carry = 0;
  for (size_t i = 0; i < len; ++i) {
    u128 s = static_cast<u128>(acc[i]) + a[i] + carry;
    acc[i] = static_cast<uint64_t>(s);
    carry = static_cast<uint64_t>(s >> 64);
  }
  return carry;
}

// a >= b over len words (a may have an extra top word `a_top`).
bool geq_words(const uint64_t* a, uint64_t a_top, const uint64_t* b, size_t len) {
  if (a_top != 0) return true;
  for (size_t i = len; i-- > 0;) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

// a -= b over len words, with borrow taken from a_top.
void sub_words(uint64_t* a, uint64_t& a_top, const uint64_t* b, size_t len) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < len; ++i) {
    u128 d = static_cast<u128>(a[i]) - b[i] - borrow;
    a[i] = static_cast<uint64_t>(d);
    borrow = static_cast<uint64_t>(d >> 64) & 1;
  }
  a_top -= borrow;
}

uint64_t words_mod(const uint64_t* w, size_t len, const Modulus& m) {
  uint64_t r = 0;
  for (size_t i = len; i-- > 0;) r = reduce_u128(r, w[i], m);
  return r;
}

}  // namespace

RnsBase::RnsBase(std::vector<Modulus> moduli) : moduli_(std::move(moduli)) {
  const size_t k = moduli_.size();
  if (k == 0 || k > 64) throw std::invalid_argument("RnsBase: need 1..64 moduli");
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i + 1; j < k; ++j)
      if (std::gcd(moduli_[i].value(), moduli_[j].value()) != 1)
        throw std::invalid_argument("RnsBase: moduli must be pairwise coprime");

  product_.assign(k, 0);
  product_[0] = 1;
  std::vector<uint64_t> tmp(k + 1);
  for (size_t i = 0; i < k; ++i) {
    mul_words(tmp.data(), product_.data(), k, moduli_[i].value());
    std::copy(tmp.begin(), tmp.begin() + static_cast<ptrdiff_t>(k), product_.begin());
  }
  punctured_.assign(k * k, 0);
  inv_punctured_.resize(k);
  inv_punctured_shoup_.resize(k);
  punctured_mod_.resize(k * k);
  for (size_t i = 0; i < k; ++i) {
    uint64_t* p = punctured_.data() + i * k;
    p[0] = 1;
    for (size_t j = 0; j < k; ++j) {
      if (j == i) continue;
      mul_words(tmp.data(), p, k, moduli_[j].value());
      std::copy(tmp.begin(), tmp.begin() + static_cast<ptrdiff_t>(k), p);
    }
    for (size_t j = 0; j < k; ++j) punctured_mod_[i * k + j] = words_mod(p, k, moduli_[j]);
    // q_i is coprime to the others but need not be prime: invert via extended Euclid.
    uint64_t a = punctured_mod_[i * k + i], m = moduli_[i].value();
    __int128 t0 = 0, t1 = 1;
    __int128 r0 = m, r1 = a;
    while (r1 != 0) {
      __int128 qq = r0 / r1;
      __int128 tt = t0 - qq * t1;
      t0 = t1;
      t1 = tt;
      __int128 rr = r0 - qq * r1;
      r0 = r1;
      r1 = rr;
    }
    if (t0 < 0) t0 += m;
    inv_punctured_[i] = static_cast<uint64_t>(t0);
    inv_punctured_shoup_[i] = shoup_precompute(inv_punctured_[i], moduli_[i]);
  }
}

void RnsBase::compose(uint64_t* out, const uint64_t* residues) const {
  const size_t k = size();
  std::vector<uint64_t> acc(k, 0), tmp(k + 1);
  uint64_t top = 0;
  for (size_t i = 0; i < k; ++i) {
    uint64_t y = mul_shoup(residues[i], inv_punctured_[i], inv_punctured_shoup_[i], moduli_[i]);
    mul_words(tmp.data(), punctured_product(i), k, y);
    top += tmp[k] + add_words(acc.data(), tmp.data(), k);
  }
  // acc < k * q: subtract q until below.
  while (geq_words(acc.data(), top, product_.data(), k)) sub_words(acc.data(), top, product_.data(), k);
  std::copy(acc.begin(), acc.end(), out);
}

void RnsBase::decompose(uint64_t* residues, const uint64_t* words, size_t num_words) const {
  for (size_t i = 0; i < size(); ++i) residues[i] = words_mod(words, num_words, moduli_[i]);
}

void RnsBase::compose_array(uint64_t* out, const uint64_t* in, size_t n) const {
  const size_t k = size();
  std::vector<uint64_t> r(k);
  for (size_t c = 0; c < n; ++c) {
    for (size_t j = 0; j < k; ++j) r[j] = in[j * n + c];
    compose(out + c * k, r.data());
  }
}

void RnsBase::decompose_array(uint64_t* out, const uint64_t* in, size_t n) const {
  const size_t k = size();
  for (size_t c = 0; c < n; ++c)
    for (size_t j = 0; j < k; ++j) out[j * n + c] = words_mod(in + c * k, k, moduli_[j]);
}

BaseConverter::BaseConverter(const RnsBase& from, const RnsBase& to) : from_(from), to_(to) {
  const size_t k = from.size(), l = to.size();
  if (k > 32) throw std::invalid_argument("BaseConverter: at most 32 source moduli");
  matrix_.resize(l * k);
  neg_q_mod_p_.resize(l);
  inv_q_.resize(k);
  ifma_ok_ = true;
  for (size_t j = 0; j < l; ++j) {
    for (size_t i = 0; i < k; ++i) matrix_[j * k + i] = words_mod(from.punctured_product(i), k, to[j]);
    neg_q_mod_p_[j] = neg_mod(words_mod(from.product().data(), k, to[j]), to[j]);
    ifma_ok_ = ifma_ok_ && to[j].value() < (uint64_t{1} << 50);
  }
  for (size_t i = 0; i < k; ++i) {
    inv_q_[i] = 1.0 / static_cast<double>(from[i].value());
    ifma_ok_ = ifma_ok_ && from[i].value() < (uint64_t{1} << 50);
  }
  if (ifma_ok_) {
    auto s52 = [](uint64_t w, uint64_t m) {
      return static_cast<uint64_t>((static_cast<unsigned __int128>(w) << 52) / m);
    };
    for (size_t i = 0; i < k; ++i) {
      from_q_.push_back(from[i].value());
      inv_s52_.push_back(s52(from.inv_punctured(i), from[i].value()));
    }
    for (size_t j = 0; j < l; ++j) {
      to_p_.push_back(to[j].value());
      neg_q_mod_p_s52_.push_back(s52(neg_q_mod_p_[j], to[j].value()));
      for (size_t i = 0; i < k; ++i) matrix_s52_.push_back(s52(matrix_[j * k + i], to[j].value()));
    }
  }
}

// Scalar kernel over coefficients [begin, end) (the IFMA kernel handles whole groups of 8 and
// leaves the tail here; both give identical results).
void BaseConverter::convert_range(uint64_t* out, const uint64_t* in, size_t n, size_t begin, size_t end,
                                  bool exact) const {
  const size_t k = from_.size(), l = to_.size();
  uint64_t y[64];
  for (size_t c = begin; c < end; ++c) {
    for (size_t i = 0; i < k; ++i)
      y[i] = mul_shoup(in[i * n + c], from_.inv_punctured(i), from_.inv_punctured_shoup(i), from_[i]);
    // sum_i y_i (q/q_i) = x + a q with a = sum_i y_i / q_i - x/q. For the centered representative
    // subtract v = round(sum_i y_i / q_i) copies of q (floor(s + 0.5), the same rule and operation
    // order as the IFMA kernel, so both paths agree bit for bit).
    uint64_t v = 0;
    if (exact) {
      double s = 0;
      for (size_t i = 0; i < k; ++i) s += static_cast<double>(y[i]) * inv_q_[i];
      v = static_cast<uint64_t>(std::floor(s + 0.5));
    }
    for (size_t j = 0; j < l; ++j) {
      const uint64_t* row = matrix_.data() + j * k;
      // k <= 64 products of two values < 2^61, plus v * (-q mod p): fits in 128 bits.
      unsigned __int128 acc = static_cast<unsigned __int128>(v) * neg_q_mod_p_[j];
      for (size_t i = 0; i < k; ++i) acc += static_cast<unsigned __int128>(y[i]) * row[i];
      out[j * n + c] = reduce_u128(static_cast<uint64_t>(acc >> 64), static_cast<uint64_t>(acc), to_[j]);
    }
  }
}

void BaseConverter::fast_convert(uint64_t* out, const uint64_t* in, size_t n) const {
  size_t done = 0;
  if (ifma_ok_ && detail::cpu_has_ifma()) {
    done = n & ~size_t{7};
    detail::base_convert_ifma(out, in, n, done, from_.size(), to_.size(), from_q_.data(),
                              from_.inv_punctured_data(), inv_s52_.data(), inv_q_.data(), to_p_.data(),
                              matrix_.data(), matrix_s52_.data(), neg_q_mod_p_.data(),
                              neg_q_mod_p_s52_.data(), false);
  }
  convert_range(out, in, n, done, n, false);
}

void BaseConverter::exact_convert(uint64_t* out, const uint64_t* in, size_t n) const {
  size_t done = 0;
  if (ifma_ok_ && detail::cpu_has_ifma()) {
    done = n & ~size_t{7};
    detail::base_convert_ifma(out, in, n, done, from_.size(), to_.size(), from_q_.data(),
                              from_.inv_punctured_data(), inv_s52_.data(), inv_q_.data(), to_p_.data(),
                              matrix_.data(), matrix_s52_.data(), neg_q_mod_p_.data(),
                              neg_q_mod_p_s52_.data(), true);
  }
  convert_range(out, in, n, done, n, true);
}

void fast_base_convert(uint64_t* out, const uint64_t* in, size_t n, const RnsBase& from, const RnsBase& to) {
  BaseConverter(from, to).fast_convert(out, in, n);
}

}  // namespace v100::math
