// AVX-512 (F, DQ, IFMA) decode kernels, 8 coefficients per step; the portable model is
// crt_fast_one in encoder.cc and the level-0 loop in CkksEncoder::to_coefficients. y_i is a lazy
// 52-bit Shoup product (every q_i < 2^50), kappa a fixed-point sum of 52-bit high products, and X
// and the divisibility checks exact 64-bit integer arithmetic; an accepted X is the centered value
// itself whatever representatives were used (DecodeCrt), so both paths agree bit for bit.
// GCC 12's AVX-512 headers trip -W(maybe-)uninitialized on their own `__Y = __Y` placeholder.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "fhe/ckks/encoder_internal.h"

namespace v100::fhe::ckks::detail {
namespace {

inline __m512i bcast(uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
inline __m512i load(const uint64_t* p) { return _mm512_loadu_si512(reinterpret_cast<const void*>(p)); }

}  // namespace

namespace {

// crt_fast_one on kBlocks * 8 coefficients from c: independent blocks interleaved so that the
// dependency chains (Shoup product -> conversion -> sum -> kappa -> X -> checks) overlap.
template <int kBlocks>
size_t crt_blocks(double* out, uint32_t* rejected, const uint64_t* coef, size_t n, size_t c, const DecodeCrt& t) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i mask52 = bcast((uint64_t{1} << 52) - 1);
  __m512i f[kBlocks], acc[kBlocks];
  for (int b = 0; b < kBlocks; ++b) f[b] = acc[b] = zero;
  for (size_t i = 0; i < t.k; ++i) {
    const __m512i ih = bcast(t.ih[i]), ihs = bcast(t.ih_shoup52[i]), frac = bcast(t.frac[i]);
    const __m512i neg_q = bcast((uint64_t{1} << 52) - t.q[i]), hat = bcast(t.hat[i]);
    for (int b = 0; b < kBlocks; ++b) {
      const __m512i x = load(coef + i * n + c + 8 * b);
      // y = x * ih mod q, left in [0, 2q): quot = hi52(x * ih'), then x * ih - quot * q (mod 2^52).
      // (The representative moves kappa, not X: see DecodeCrt.)
      const __m512i quot = _mm512_madd52hi_epu64(zero, x, ihs);
      const __m512i lo = _mm512_madd52lo_epu64(zero, x, ih);
      const __m512i y = _mm512_and_si512(_mm512_madd52lo_epu64(lo, quot, neg_q), mask52);
      f[b] = _mm512_madd52hi_epu64(f[b], y, frac);
      acc[b] = _mm512_add_epi64(acc[b], _mm512_mullo_epi64(y, hat));
    }
  }
  __m512i xv[kBlocks];
  __mmask8 bad[kBlocks];
  const __m512i round = bcast(uint64_t{1} << (t.frac_bits - 1));
  for (int b = 0; b < kBlocks; ++b) {
    const __m512i kappa = _mm512_srli_epi64(_mm512_add_epi64(f[b], round), static_cast<unsigned>(t.frac_bits));
    xv[b] = _mm512_sub_epi64(acc[b], _mm512_mullo_epi64(kappa, bcast(t.q_all)));
    bad[b] = _mm512_cmpgt_epu64_mask(_mm512_add_epi64(xv[b], bcast(uint64_t{1} << 62)), bcast(uint64_t{1} << 63));
  }
  // Rejections are OR-ed (independent compares) rather than AND-ed into a running mask, which
  // the compiler would turn into a latency chain of masked compares.
  for (size_t i = 0; i < t.k; ++i) {
    const __m512i q_inv = bcast(t.q_inv[i]), bound = bcast(t.bound[i]), bound2 = bcast(2 * t.bound[i]);
    for (int b = 0; b < kBlocks; ++b) {
      const __m512i quo = _mm512_mullo_epi64(_mm512_sub_epi64(xv[b], load(coef + i * n + c + 8 * b)), q_inv);
      bad[b] |= _mm512_cmpgt_epu64_mask(_mm512_add_epi64(quo, bound), bound2);
    }
  }
  size_t num_rejected = 0;
  for (int b = 0; b < kBlocks; ++b) {
    _mm512_storeu_pd(out + c + 8 * b, _mm512_cvtepi64_pd(xv[b]));
    for (unsigned lane = 0; bad[b] && lane < 8; ++lane) {
      if ((bad[b] >> lane) & 1) rejected[num_rejected++] = static_cast<uint32_t>(c + 8 * b + lane);
    }
  }
  return num_rejected;
}

}  // namespace

size_t crt_decode_ifma(double* out, uint32_t* rejected, const uint64_t* coef, size_t n, const DecodeCrt& t) {
  size_t num_rejected = 0, c = 0;
  for (; c + 32 <= n; c += 32) num_rejected += crt_blocks<4>(out, rejected + num_rejected, coef, n, c, t);
  for (; c < n; c += 8) num_rejected += crt_blocks<1>(out, rejected + num_rejected, coef, n, c, t);
  return num_rejected;
}

void center_lift_avx512(double* out, const uint64_t* coef, size_t n, uint64_t q) {
  const __m512i qv = bcast(q), half = bcast(q >> 1);
  for (size_t c = 0; c < n; c += 8) {
    const __m512i x = load(coef + c);
    const __mmask8 big = _mm512_cmpgt_epu64_mask(x, half);
    const __m512d pos = _mm512_cvtepu64_pd(x);
    const __m512d neg = _mm512_sub_pd(_mm512_setzero_pd(), _mm512_cvtepu64_pd(_mm512_sub_epi64(qv, x)));
    _mm512_storeu_pd(out + c, _mm512_mask_blend_pd(big, pos, neg));
  }
}

}  // namespace v100::fhe::ckks::detail
