// AVX-512 IFMA base conversion (every modulus < 2^50), 8 coefficients per step. Each term
// y_i * (q/q_i mod p_j) is a 52-bit Shoup product with the fixed matrix entry, lazily in [0, 2p);
// k (+1) such terms sum below 2(k+1)p and a branch-free halving ladder of min(x, x - 2^s p)
// reduces that to [0, p). The same rounding of v as the scalar kernel: floor(s + 0.5) with s
// summed in the same order with separate multiply and add (no FMA), so both paths agree bit for bit.
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own `__Y = __Y` placeholder.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "math/ntt_internal.h"

namespace v100::math::detail {
namespace {

inline __m512i bcast(uint64_t v) {
  return _mm512_set1_epi64(static_cast<long long>(v));
}
inline __m512i csub(__m512i x, __m512i c) {
  return _mm512_min_epu64(x, _mm512_sub_epi64(x, c));
}

// a * w mod p in [0, 2p) for a < 2^52, w < p < 2^50, ws = floor(w 2^52 / p).
inline __m512i mul_shoup_lazy(__m512i a, __m512i w, __m512i ws, __m512i neg_p, __m512i mask52) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i quot = _mm512_madd52hi_epu64(zero, a, ws);
  __m512i aw = _mm512_madd52lo_epu64(zero, a, w);
  return _mm512_and_si512(_mm512_madd52lo_epu64(aw, quot, neg_p), mask52);
}

}  // namespace

void base_convert_ifma(uint64_t* out, const uint64_t* in, size_t n, size_t count, size_t k, size_t l,
                       const uint64_t* q, const uint64_t* inv, const uint64_t* inv_s52, const double* inv_q,
                       const uint64_t* p, const uint64_t* m, const uint64_t* m_s52, const uint64_t* c,
                       const uint64_t* c_s52, bool exact) {
  const __m512i mask52 = bcast((uint64_t{1} << 52) - 1);
  const __m512d half = _mm512_set1_pd(0.5);
  // Ladder depth: terms < 2p each, (k + exact) terms -> sum < 2^(top+1) p.
  int top = 0;
  while ((size_t{1} << top) < k + (exact ? 1 : 0)) ++top;
  __m512i y[64];
  for (size_t c0 = 0; c0 < count; c0 += 8) {
    __m512d s = _mm512_setzero_pd();
    for (size_t i = 0; i < k; ++i) {
      const __m512i qi = bcast(q[i]);
      __m512i x = _mm512_loadu_si512(reinterpret_cast<const void*>(in + i * n + c0));
      y[i] = csub(
          mul_shoup_lazy(x, bcast(inv[i]), bcast(inv_s52[i]), bcast((uint64_t{1} << 52) - q[i]), mask52), qi);
      if (exact) s = _mm512_add_pd(s, _mm512_mul_pd(_mm512_cvtepu64_pd(y[i]), _mm512_set1_pd(inv_q[i])));
    }
    __m512i v = _mm512_setzero_si512();
    if (exact)
      v = _mm512_cvt_roundpd_epu64(_mm512_add_pd(s, half), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    for (size_t j = 0; j < l; ++j) {
      const uint64_t pj = p[j];
      const __m512i neg_p = bcast((uint64_t{1} << 52) - pj);
      __m512i acc = _mm512_setzero_si512();
      const uint64_t* row = m + j * k;
      const uint64_t* row_s = m_s52 + j * k;
      for (size_t i = 0; i < k; ++i)
        acc = _mm512_add_epi64(acc, mul_shoup_lazy(y[i], bcast(row[i]), bcast(row_s[i]), neg_p, mask52));
      if (exact) acc = _mm512_add_epi64(acc, mul_shoup_lazy(v, bcast(c[j]), bcast(c_s52[j]), neg_p, mask52));
      for (int sft = top; sft >= 0; --sft) acc = csub(acc, bcast(pj << sft));
      _mm512_storeu_si512(reinterpret_cast<void*>(out + j * n + c0), acc);
    }
  }
}

}  // namespace v100::math::detail
