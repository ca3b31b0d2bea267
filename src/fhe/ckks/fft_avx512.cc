// AVX-512 special FFT kernels (fft.h), 8 complex values per register as separate re/im vectors.
// Every butterfly is the portable one (fft.cc) with the same multiplies, adds and subtracts in the
// same order and no FMA (this file is compiled with -ffp-contract=off), so the values
// are bit-identical; only the traversal differs:
//  - stages with half-length h >= 8 run on contiguous vectors, two stages per pass where possible
//    (the radix-4 grouping of two radix-2 stages; each value still sees the same two butterflies);
//  - the three stages with h = 4, 2, 1 run on 64-value blocks transposed as 8 x 8 (register r holds
//    value r of 8 consecutive groups of 8), where every butterfly is between two registers with a
//    broadcast twiddle. The transposed block is left in place: the slot gather/scatter tables
//    (fft.cc, vector layout) already point into it.
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own `__Y = __Y` placeholder.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "fhe/ckks/encoder_internal.h"

namespace v100::fhe::ckks::detail {
namespace {

struct Cvec {
  __m512d re, im;
};

inline Cvec load(const double* re, const double* im, size_t i) {
  return {_mm512_loadu_pd(re + i), _mm512_loadu_pd(im + i)};
}
inline void store(double* re, double* im, size_t i, const Cvec& v) {
  _mm512_storeu_pd(re + i, v.re);
  _mm512_storeu_pd(im + i, v.im);
}

// DIF butterfly: (u, v) -> (u + v, (u - v) * w).
inline void dif(Cvec& u, Cvec& v, __m512d wr, __m512d wi) {
  const __m512d dr = _mm512_sub_pd(u.re, v.re), di = _mm512_sub_pd(u.im, v.im);
  u.re = _mm512_add_pd(u.re, v.re);
  u.im = _mm512_add_pd(u.im, v.im);
  v.re = _mm512_sub_pd(_mm512_mul_pd(dr, wr), _mm512_mul_pd(di, wi));
  v.im = _mm512_add_pd(_mm512_mul_pd(dr, wi), _mm512_mul_pd(di, wr));
}

// DIT butterfly with the conjugate twiddle: (p, q) -> (p + q * conj(w), p - q * conj(w)).
inline void dit(Cvec& p, Cvec& q, __m512d wr, __m512d wi) {
  const __m512d qr = _mm512_add_pd(_mm512_mul_pd(q.re, wr), _mm512_mul_pd(q.im, wi));
  const __m512d qi = _mm512_sub_pd(_mm512_mul_pd(q.im, wr), _mm512_mul_pd(q.re, wi));
  q.re = _mm512_sub_pd(p.re, qr);
  q.im = _mm512_sub_pd(p.im, qi);
  p.re = _mm512_add_pd(p.re, qr);
  p.im = _mm512_add_pd(p.im, qi);
}

// In-register transpose of an 8 x 8 block of doubles (r[i][j] -> r[j][i]).
inline void transpose8(__m512d r[8]) {
  __m512d t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
  }
  u[0] = _mm512_shuffle_f64x2(t[0], t[2], 0x88);
  u[1] = _mm512_shuffle_f64x2(t[0], t[2], 0xdd);
  u[2] = _mm512_shuffle_f64x2(t[1], t[3], 0x88);
  u[3] = _mm512_shuffle_f64x2(t[1], t[3], 0xdd);
  u[4] = _mm512_shuffle_f64x2(t[4], t[6], 0x88);
  u[5] = _mm512_shuffle_f64x2(t[4], t[6], 0xdd);
  u[6] = _mm512_shuffle_f64x2(t[5], t[7], 0x88);
  u[7] = _mm512_shuffle_f64x2(t[5], t[7], 0xdd);
  r[0] = _mm512_shuffle_f64x2(u[0], u[4], 0x88);
  r[4] = _mm512_shuffle_f64x2(u[0], u[4], 0xdd);
  r[2] = _mm512_shuffle_f64x2(u[1], u[5], 0x88);
  r[6] = _mm512_shuffle_f64x2(u[1], u[5], 0xdd);
  r[1] = _mm512_shuffle_f64x2(u[2], u[6], 0x88);
  r[5] = _mm512_shuffle_f64x2(u[2], u[6], 0xdd);
  r[3] = _mm512_shuffle_f64x2(u[3], u[7], 0x88);
  r[7] = _mm512_shuffle_f64x2(u[3], u[7], 0xdd);
}

inline __m512d bc(double x) { return _mm512_set1_pd(x); }

// The single stage h = 8 (when the stages h >= 8 are odd in number): one vector pair per block.
template <class Butterfly>
void stage8(double* re, double* im, size_t n, const double* tw_re, const double* tw_im, Butterfly bf) {
  const __m512d wr = _mm512_loadu_pd(tw_re + 8), wi = _mm512_loadu_pd(tw_im + 8);
  for (size_t s = 0; s < n; s += 16) {
    Cvec a = load(re, im, s), b = load(re, im, s + 8);
    bf(a, b, wr, wi);
    store(re, im, s, a);
    store(re, im, s + 8, b);
  }
}

}  // namespace

void fft_forward_avx512(double* re, double* im, size_t n, const double* tw_re, const double* tw_im) {
  size_t h = n / 2;
  // Two stages (h, h/2) per pass: values j, j + h/2, j + h, j + 3h/2 of each 2h-block.
  for (; h >= 16; h /= 4) {
    const size_t g = h / 2;
    for (size_t s = 0; s < n; s += 2 * h) {
      for (size_t j = 0; j < g; j += 8) {
        Cvec a0 = load(re, im, s + j), a1 = load(re, im, s + j + g);
        Cvec a2 = load(re, im, s + j + h), a3 = load(re, im, s + j + h + g);
        dif(a0, a2, _mm512_loadu_pd(tw_re + h + j), _mm512_loadu_pd(tw_im + h + j));
        dif(a1, a3, _mm512_loadu_pd(tw_re + h + g + j), _mm512_loadu_pd(tw_im + h + g + j));
        const __m512d wr = _mm512_loadu_pd(tw_re + g + j), wi = _mm512_loadu_pd(tw_im + g + j);
        dif(a0, a1, wr, wi);
        dif(a2, a3, wr, wi);
        store(re, im, s + j, a0);
        store(re, im, s + j + g, a1);
        store(re, im, s + j + h, a2);
        store(re, im, s + j + h + g, a3);
      }
    }
  }
  if (h == 8) stage8(re, im, n, tw_re, tw_im, dif);
  // h = 4, 2, 1 on transposed 64-value blocks.
  for (size_t s = 0; s < n; s += 64) {
    __m512d xr[8], xi[8];
    for (int r = 0; r < 8; ++r) {
      xr[r] = _mm512_loadu_pd(re + s + 8 * r);
      xi[r] = _mm512_loadu_pd(im + s + 8 * r);
    }
    transpose8(xr);
    transpose8(xi);
    Cvec v[8];
    for (int r = 0; r < 8; ++r) v[r] = {xr[r], xi[r]};
    for (int r = 0; r < 4; ++r) dif(v[r], v[r + 4], bc(tw_re[4 + r]), bc(tw_im[4 + r]));
    for (int r : {0, 1, 4, 5}) dif(v[r], v[r + 2], bc(tw_re[2 + (r & 1)]), bc(tw_im[2 + (r & 1)]));
    for (int r = 0; r < 8; r += 2) dif(v[r], v[r + 1], bc(tw_re[1]), bc(tw_im[1]));
    for (int r = 0; r < 8; ++r) store(re, im, s + 8 * r, v[r]);
  }
}

void fft_inverse_avx512(double* re, double* im, size_t n, const double* tw_re, const double* tw_im) {
  // h = 1, 2, 4 on transposed 64-value blocks (the scatter left them transposed), then back.
  for (size_t s = 0; s < n; s += 64) {
    Cvec v[8];
    for (int r = 0; r < 8; ++r) v[r] = load(re, im, s + 8 * r);
    for (int r = 0; r < 8; r += 2) dit(v[r], v[r + 1], bc(tw_re[1]), bc(tw_im[1]));
    for (int r : {0, 1, 4, 5}) dit(v[r], v[r + 2], bc(tw_re[2 + (r & 1)]), bc(tw_im[2 + (r & 1)]));
    for (int r = 0; r < 4; ++r) dit(v[r], v[r + 4], bc(tw_re[4 + r]), bc(tw_im[4 + r]));
    __m512d xr[8], xi[8];
    for (int r = 0; r < 8; ++r) {
      xr[r] = v[r].re;
      xi[r] = v[r].im;
    }
    transpose8(xr);
    transpose8(xi);
    for (int r = 0; r < 8; ++r) {
      _mm512_storeu_pd(re + s + 8 * r, xr[r]);
      _mm512_storeu_pd(im + s + 8 * r, xi[r]);
    }
  }
  size_t h = 8;
  // An odd number of stages h >= 8 starts with a single one, then pairs (h, 2h).
  size_t stages = 0;
  for (size_t t = 8; t < n; t *= 2) ++stages;
  if (stages % 2 == 1) {
    stage8(re, im, n, tw_re, tw_im, dit);
    h = 16;
  }
  for (; h < n; h *= 4) {
    // Stages h and 2h: values j, j + h, j + 2h, j + 3h of each 4h-block.
    for (size_t s = 0; s < n; s += 4 * h) {
      for (size_t j = 0; j < h; j += 8) {
        Cvec a0 = load(re, im, s + j), a1 = load(re, im, s + j + h);
        Cvec a2 = load(re, im, s + j + 2 * h), a3 = load(re, im, s + j + 3 * h);
        const __m512d wr = _mm512_loadu_pd(tw_re + h + j), wi = _mm512_loadu_pd(tw_im + h + j);
        dit(a0, a1, wr, wi);
        dit(a2, a3, wr, wi);
        dit(a0, a2, _mm512_loadu_pd(tw_re + 2 * h + j), _mm512_loadu_pd(tw_im + 2 * h + j));
        dit(a1, a3, _mm512_loadu_pd(tw_re + 3 * h + j), _mm512_loadu_pd(tw_im + 3 * h + j));
        store(re, im, s + j, a0);
        store(re, im, s + j + h, a1);
        store(re, im, s + j + 2 * h, a2);
        store(re, im, s + j + 3 * h, a3);
      }
    }
  }
}

}  // namespace v100::fhe::ckks::detail
