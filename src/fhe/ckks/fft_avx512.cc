// AVX-512 special FFT kernels (fft.h), 8 complex values per register as separate re/im vectors.
// Every butterfly is the portable one (fft.cc) with the same multiplies, adds and subtracts in the
// same order and no FMA (this file is compiled with -ffp-contract=off), so the values
// are bit-identical; only the traversal differs:
//  - stages with half-length h >= 64 run on contiguous vectors, two stages per pass where possible
//    (the radix-4 grouping of two radix-2 stages; each value still sees the same two butterflies);
//  - the six stages with h <= 32 run on 64-value blocks held in 8 registers: h = 32, 16, 8 between
//    rows of 8 values, then h = 4, 2, 1 after an 8 x 8 transpose (register r holds value r of every
//    row), where every butterfly is between two registers with a broadcast twiddle. The transposed
//    block is left in place: the slot gather/scatter tables (fft.cc, vector layout) point into it;
//  - stages that pair values less than 1024 apart run block by block (cache blocking).
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

// Transposes an 8 x 8 block of complex values (real and imaginary parts separately).
inline void transpose8(Cvec v[8]) {
  __m512d xr[8], xi[8];
  for (int r = 0; r < 8; ++r) {
    xr[r] = v[r].re;
    xi[r] = v[r].im;
  }
  transpose8(xr);
  transpose8(xi);
  for (int r = 0; r < 8; ++r) v[r] = {xr[r], xi[r]};
}

inline __m512d bc(double x) {
  return _mm512_set1_pd(x);
}

// One stage of half-length h >= 8 over len values (a multiple of 2h) from re/im; the twiddle of
// the pair (s + j, s + j + h) is tw[h + j] wherever the segment starts (its start is a multiple
// of 2h).
template <class Butterfly>
void stage(double* re, double* im, size_t len, size_t h, const double* tw_re, const double* tw_im,
           Butterfly bf) {
  for (size_t s = 0; s < len; s += 2 * h) {
    for (size_t j = 0; j < h; j += 8) {
      Cvec a = load(re, im, s + j), b = load(re, im, s + j + h);
      bf(a, b, _mm512_loadu_pd(tw_re + h + j), _mm512_loadu_pd(tw_im + h + j));
      store(re, im, s + j, a);
      store(re, im, s + j + h, b);
    }
  }
}

// Forward stages h = h_hi, h_hi / 2, ..., h_lo (h_lo >= 8) on one segment, two per pass where
// possible: stages (h, h/2) on values j, j + h/2, j + h, j + 3h/2 of each 2h-block.
void forward_stages(double* re, double* im, size_t len, size_t h_hi, size_t h_lo, const double* tw_re,
                    const double* tw_im) {
  size_t h = h_hi;
  for (; h >= 2 * h_lo; h /= 4) {
    const size_t g = h / 2;
    for (size_t s = 0; s < len; s += 2 * h) {
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
  if (h == h_lo) stage(re, im, len, h, tw_re, tw_im, dif);
}

// Inverse stages h = h_lo, 2 h_lo, ..., h_hi (h_lo >= 8), two per pass where possible: stages
// (h, 2h) on values j, j + h, j + 2h, j + 3h of each 4h-block.
void inverse_stages(double* re, double* im, size_t len, size_t h_lo, size_t h_hi, const double* tw_re,
                    const double* tw_im) {
  size_t h = h_lo;
  for (; 2 * h <= h_hi; h *= 4) {
    for (size_t s = 0; s < len; s += 4 * h) {
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
  if (h == h_hi) stage(re, im, len, h, tw_re, tw_im, dit);
}

// Cache blocking: stages with h < kBlock / 2 never pair values of different kBlock-blocks, so they
// run block by block while the block (16 KiB of re + im) stays in L1; only the larger stages are
// passes over the whole array.
constexpr size_t kBlock = 1024;

}  // namespace

void fft_forward_avx512(double* re, double* im, size_t n, const double* tw_re, const double* tw_im) {
  const size_t block = n < kBlock ? n : kBlock;
  if (n > block) forward_stages(re, im, n, n / 2, block, tw_re, tw_im);
  for (size_t b = 0; b < n; b += block) {
    double* bre = re + b;
    double* bim = im + b;
    if (block >= 128) forward_stages(bre, bim, block, block / 2, 64, tw_re, tw_im);
    // The last six stages on 64-value blocks in registers: h = 32, 16, 8 between rows (row g holds
    // values 8g..8g+7), then h = 4, 2, 1 after an 8 x 8 transpose (register r holds value r of
    // every row), left transposed in memory.
    for (size_t s = 0; s < block; s += 64) {
      Cvec v[8];
      for (int g = 0; g < 8; ++g) v[g] = load(bre, bim, s + 8 * g);
      for (int g = 0; g < 4; ++g)
        dif(v[g], v[g + 4], _mm512_loadu_pd(tw_re + 32 + 8 * g), _mm512_loadu_pd(tw_im + 32 + 8 * g));
      for (int g : {0, 1, 4, 5}) {
        dif(v[g], v[g + 2], _mm512_loadu_pd(tw_re + 16 + 8 * (g & 1)),
            _mm512_loadu_pd(tw_im + 16 + 8 * (g & 1)));
      }
      for (int g = 0; g < 8; g += 2)
        dif(v[g], v[g + 1], _mm512_loadu_pd(tw_re + 8), _mm512_loadu_pd(tw_im + 8));
      transpose8(v);
      for (int r = 0; r < 4; ++r) dif(v[r], v[r + 4], bc(tw_re[4 + r]), bc(tw_im[4 + r]));
      for (int r : {0, 1, 4, 5}) dif(v[r], v[r + 2], bc(tw_re[2 + (r & 1)]), bc(tw_im[2 + (r & 1)]));
      for (int r = 0; r < 8; r += 2) dif(v[r], v[r + 1], bc(tw_re[1]), bc(tw_im[1]));
      for (int r = 0; r < 8; ++r) store(bre, bim, s + 8 * r, v[r]);
    }
  }
}

void fft_inverse_avx512(double* re, double* im, size_t n, const double* tw_re, const double* tw_im) {
  const size_t block = n < kBlock ? n : kBlock;
  for (size_t b = 0; b < n; b += block) {
    double* bre = re + b;
    double* bim = im + b;
    // The first six stages on 64-value blocks in registers: h = 1, 2, 4 on the transposed block
    // (as the scatter left it), transpose back, then h = 8, 16, 32 between rows.
    for (size_t s = 0; s < block; s += 64) {
      Cvec v[8];
      for (int r = 0; r < 8; ++r) v[r] = load(bre, bim, s + 8 * r);
      for (int r = 0; r < 8; r += 2) dit(v[r], v[r + 1], bc(tw_re[1]), bc(tw_im[1]));
      for (int r : {0, 1, 4, 5}) dit(v[r], v[r + 2], bc(tw_re[2 + (r & 1)]), bc(tw_im[2 + (r & 1)]));
      for (int r = 0; r < 4; ++r) dit(v[r], v[r + 4], bc(tw_re[4 + r]), bc(tw_im[4 + r]));
      transpose8(v);
      for (int g = 0; g < 8; g += 2)
        dit(v[g], v[g + 1], _mm512_loadu_pd(tw_re + 8), _mm512_loadu_pd(tw_im + 8));
      for (int g : {0, 1, 4, 5}) {
        dit(v[g], v[g + 2], _mm512_loadu_pd(tw_re + 16 + 8 * (g & 1)),
            _mm512_loadu_pd(tw_im + 16 + 8 * (g & 1)));
      }
      for (int g = 0; g < 4; ++g)
        dit(v[g], v[g + 4], _mm512_loadu_pd(tw_re + 32 + 8 * g), _mm512_loadu_pd(tw_im + 32 + 8 * g));
      for (int g = 0; g < 8; ++g) store(bre, bim, s + 8 * g, v[g]);
    }
    if (block >= 128) inverse_stages(bre, bim, block, 64, block / 2, tw_re, tw_im);
  }
  if (n > block) inverse_stages(re, im, n, block, n / 2, tw_re, tw_im);
}

}  // namespace v100::fhe::ckks::detail
