#include "fhe/ckks/fft.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "core/cpu.h"
#include "fhe/ckks/encoder_internal.h"
#include "fhe/ckks/unit_root.h"

namespace v100::fhe::ckks {

namespace {

size_t bitrev(size_t x, int bits) {
  size_t r = 0;
  for (int i = 0; i < bits; ++i) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

}  // namespace

SpecialFft::SpecialFft(size_t ring_degree) {
  if (ring_degree < 4 || ring_degree > 65536 || (ring_degree & (ring_degree - 1)) != 0) {
    throw std::invalid_argument("SpecialFft: ring degree must be a power of two in [4, 65536]");
  }
  n_ = ring_degree / 2;
  int log_n = 0;
  while ((size_t{1} << log_n) < n_) ++log_n;
  const size_t m = 2 * ring_degree;  // cyclotomic index 2N
  root_index_.resize(n_);
  perm_.resize(n_);
  size_t g = 1;
  perm_blocked_.resize(n_);
  for (size_t j = 0; j < n_; ++j) {
    root_index_[j] = (g - 1) / 4;  // g = 1 (mod 4) always
    const size_t p = bitrev(root_index_[j], log_n);
    perm_[j] = static_cast<uint32_t>(p);
    // The AVX-512 kernels keep each 64-value block transposed as 8 x 8 (fft_avx512.cc).
    perm_blocked_[j] = static_cast<uint32_t>((p & ~size_t{63}) | ((p & 7) << 3) | ((p >> 3) & 7));
    g = (g * 5) % m;
  }
  tw_re_.assign(n_, 0.0);
  tw_im_.assign(n_, 0.0);
  for (size_t h = 1; h < n_; h *= 2) {
    for (size_t j = 0; j < h; ++j) unit_root(j, 2 * h, tw_re_[h + j], tw_im_[h + j]);
  }
  twist_re_.resize(n_);
  twist_im_.resize(n_);
  for (size_t k = 0; k < n_; ++k) unit_root(k, m, twist_re_[k], twist_im_[k]);
}

// The butterflies are independent per j, so the compiler vectorizes them; target_clones adds an
// AVX2 copy chosen at load time (ifunc). This file is compiled with -ffp-contract=off (and AVX2
// alone has no FMA anyway): every copy performs the same IEEE operations, bit-identical results.
V100_CLONES_AVX2
void SpecialFft::forward(double* re, double* im) const {
  // DIF: block length len = 2h from n down to 2; (u, v) -> (u + v, (u - v) * w_h^j).
  for (size_t h = n_ / 2; h >= 1; h /= 2) {
    const double* wr = &tw_re_[h];
    const double* wi = &tw_im_[h];
    for (size_t s = 0; s < n_; s += 2 * h) {
      double* ar = re + s;
      double* ai = im + s;
      double* br = re + s + h;
      double* bi = im + s + h;
      for (size_t j = 0; j < h; ++j) {
        double ur = ar[j], ui = ai[j], vr = br[j], vi = bi[j];
        double dr = ur - vr, di = ui - vi;
        ar[j] = ur + vr;
        ai[j] = ui + vi;
        br[j] = dr * wr[j] - di * wi[j];
        bi[j] = dr * wi[j] + di * wr[j];
      }
    }
    if (h == 1) break;
  }
}

V100_CLONES_AVX2
void SpecialFft::inverse(double* re, double* im) const {
  // DIT with conjugate twiddles, stages in reverse order: (p, q) -> (p + q*conj(w), p - q*conj(w)),
  // which undoes one DIF stage up to a factor 2 (hence the final 1/n).
  for (size_t h = 1; h < n_; h *= 2) {
    const double* wr = &tw_re_[h];
    const double* wi = &tw_im_[h];
    for (size_t s = 0; s < n_; s += 2 * h) {
      double* ar = re + s;
      double* ai = im + s;
      double* br = re + s + h;
      double* bi = im + s + h;
      for (size_t j = 0; j < h; ++j) {
        double qr = br[j] * wr[j] + bi[j] * wi[j];
        double qi = bi[j] * wr[j] - br[j] * wi[j];
        double pr = ar[j], pi = ai[j];
        ar[j] = pr + qr;
        ai[j] = pi + qi;
        br[j] = pr - qr;
        bi[j] = pi - qi;
      }
    }
  }
}

namespace {

bool use_avx512(size_t n) {
  const auto& f = cpu::active();
  return f.avx512f && f.avx512dq && n >= 64;
}

// re + i*im = (a + i*b) * zeta^k with a = coeffs[k] * m, b = coeffs[k + n] * m.
V100_CLONES_X86
void twist_in(double* re, double* im, const double* coeffs, size_t n, const double* tr, const double* ti,
              double m) {
  for (size_t k = 0; k < n; ++k) {
    const double a = coeffs[k] * m, b = coeffs[k + n] * m;
    re[k] = a * tr[k] - b * ti[k];
    im[k] = a * ti[k] + b * tr[k];
  }
}

// coeffs[k] + i*coeffs[k + n] = (re + i*im) * conj(zeta^k) / n * m.
V100_CLONES_X86
void twist_out(double* coeffs, const double* re, const double* im, size_t n, const double* tr,
               const double* ti, double m) {
  const double inv_n = 1.0 / static_cast<double>(n);
  for (size_t k = 0; k < n; ++k) {
    const double r = re[k], i = im[k];
    coeffs[k] = ((r * tr[k] + i * ti[k]) * inv_n) * m;
    coeffs[k + n] = ((i * tr[k] - r * ti[k]) * inv_n) * m;
  }
}

}  // namespace

void SpecialFft::coeffs_to_slots(std::complex<double>* slots, const double* coeffs, double multiplier) const {
  std::unique_ptr<double[]> buf(new double[2 * n_]);  // every entry written by twist_in
  double* re = buf.get();
  double* im = re + n_;
  twist_in(re, im, coeffs, n_, twist_re_.data(), twist_im_.data(), multiplier);
  const uint32_t* pos = perm_.data();
  if (use_avx512(n_)) {
    detail::fft_forward_avx512(re, im, n_, tw_re_.data(), tw_im_.data());
    pos = perm_blocked_.data();
  } else {
    forward(re, im);
  }
  for (size_t j = 0; j < n_; ++j) slots[j] = {re[pos[j]], im[pos[j]]};
}

const uint32_t* SpecialFft::scatter_positions() const {
  return use_avx512(n_) ? perm_blocked_.data() : perm_.data();
}

void SpecialFft::finish_slots_to_coeffs(double* coeffs, double* re, double* im, double multiplier) const {
  if (use_avx512(n_)) {
    detail::fft_inverse_avx512(re, im, n_, tw_re_.data(), tw_im_.data());
  } else {
    inverse(re, im);
  }
  twist_out(coeffs, re, im, n_, twist_re_.data(), twist_im_.data(), multiplier);
}

void SpecialFft::slots_to_coeffs(double* coeffs, const std::complex<double>* slots, double multiplier) const {
  slots_to_coeffs(coeffs, std::span<const std::complex<double>>(slots, n_), multiplier);
}

void SpecialFft::slots_to_coeffs(double* coeffs, std::span<const std::complex<double>> slots,
                                 double multiplier) const {
  if (slots.size() > n_) throw std::invalid_argument("SpecialFft: more than N/2 slots");
  std::unique_ptr<double[]> buf(new double[2 * n_]);
  double* re = buf.get();
  double* im = re + n_;
  if (slots.size() < n_) std::fill_n(buf.get(), 2 * n_, 0.0);
  const uint32_t* pos = scatter_positions();
  for (size_t j = 0; j < slots.size(); ++j) {
    re[pos[j]] = slots[j].real();
    im[pos[j]] = slots[j].imag();
  }
  finish_slots_to_coeffs(coeffs, re, im, multiplier);
}

void SpecialFft::real_slots_to_coeffs(double* coeffs, std::span<const double> values,
                                      double multiplier) const {
  if (values.size() > n_) throw std::invalid_argument("SpecialFft: more than N/2 slots");
  std::unique_ptr<double[]> buf(new double[2 * n_]);
  double* re = buf.get();
  double* im = re + n_;
  std::fill_n(values.size() < n_ ? re : im, values.size() < n_ ? 2 * n_ : n_, 0.0);
  const uint32_t* pos = scatter_positions();
  for (size_t j = 0; j < values.size(); ++j) re[pos[j]] = values[j];
  finish_slots_to_coeffs(coeffs, re, im, multiplier);
}

}  // namespace v100::fhe::ckks
