// Internal: AVX-512 IFMA helpers shared by the kernel translation units (ntt_avx512.cc,
// poly_avx512.cc), which are compiled with -mavx512f/-mavx512ifma. Include nowhere else.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace v100::math::detail::ifma {

// x - c if x >= c, else x (x < 2c): unsigned min(x, x - c); when x < c the difference wraps to a huge
// value, so the min picks x. No branch, no mask register.
inline __m512i csub(__m512i x, __m512i c) {
  return _mm512_min_epu64(x, _mm512_sub_epi64(x, c));
}

// x * w mod q in [0, q) for x < 2^52, w < q, ws = floor(w * 2^52 / q) (52-bit Shoup).
inline __m512i mul_const(__m512i x, __m512i w, __m512i ws, __m512i vq) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i mask52 = _mm512_set1_epi64((1LL << 52) - 1);
  __m512i quot = _mm512_madd52hi_epu64(zero, x, ws);
  __m512i r = _mm512_and_si512(
      _mm512_sub_epi64(_mm512_madd52lo_epu64(zero, x, w), _mm512_madd52lo_epu64(zero, quot, vq)), mask52);
  return csub(r, vq);
}

// x mod q for x < 2^52 (ratio = floor(2^52 / q)): hi52(x * ratio) is x / q minus less than 2, and
// quot * q <= x < 2^52, so x - lo52(quot * q) is exact and below 2q.
inline __m512i reduce52(__m512i x, __m512i ratio, __m512i vq) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i quot = _mm512_madd52hi_epu64(zero, x, ratio);
  return csub(_mm512_sub_epi64(x, _mm512_madd52lo_epu64(zero, quot, vq)), vq);
}

// (a + b c + e) mod q for a, b < 2^52 (c, e < q; cs the Shoup constant of c): the lift step of a
// modulus-down. Without b: (a + e) mod q.
inline __m512i lift_combine(__m512i a, const __m512i* b, __m512i c, __m512i cs, __m512i e, __m512i ratio,
                            __m512i vq) {
  __m512i r = csub(_mm512_add_epi64(reduce52(a, ratio, vq), e), vq);
  if (b) r = csub(_mm512_add_epi64(r, mul_const(reduce52(*b, ratio, vq), c, cs, vq)), vq);
  return r;
}

// (x - v) s mod q for x, v < q (s < q, ss its Shoup constant).
inline __m512i sub_mul(__m512i x, __m512i v, __m512i s, __m512i ss, __m512i vq) {
  return mul_const(csub(_mm512_add_epi64(_mm512_sub_epi64(x, v), vq), vq), s, ss, vq);
}

}  // namespace v100::math::detail::ifma
