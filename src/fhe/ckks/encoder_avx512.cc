// AVX-512 (F, DQ, IFMA) decode kernels, 8 coefficients per step; the portable model is
// crt_fast_one in encoder.cc and the level-0 loop in CkksEncoder::to_coefficients. y_i is a lazy
// 52-bit Shoup product (every q_i < 2^50), kappa a fixed-point sum of 52-bit high products, and X
// and the divisibility checks exact 64-bit integer arithmetic; an accepted X is the centered value
// itself whatever representatives were used (DecodeCrt), so both paths agree bit for bit; so do
// the high-word tiers.
// GCC 12's AVX-512 headers trip -W(maybe-)uninitialized on their own `__Y = __Y` placeholder.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "fhe/ckks/encoder_internal.h"

namespace v100::fhe::ckks::detail {
namespace {

inline __m512i bcast(uint64_t v) {
  return _mm512_set1_epi64(static_cast<long long>(v));
}
inline __m512i load(const uint64_t* p) {
  return _mm512_loadu_si512(reinterpret_cast<const void*>(p));
}

}  // namespace

namespace {

constexpr uint64_t kMask52 = (uint64_t{1} << 52) - 1;

// a * w mod q in [0, 2q) for a < 2^52 (52-bit Shoup, ws = floor(w 2^52 / q), q < 2^50).
inline __m512i mul_shoup_lazy(__m512i a, uint64_t w, uint64_t ws, uint64_t q) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i quot = _mm512_madd52hi_epu64(zero, a, bcast(ws));
  const __m512i lo = _mm512_madd52lo_epu64(zero, a, bcast(w));
  return _mm512_and_si512(_mm512_madd52lo_epu64(lo, quot, bcast((uint64_t{1} << 52) - q)), bcast(kMask52));
}

// The 64-bit CRT of DecodeCrt on one block of residue vectors r[0..k) (each below 2^52): X, and
// the lanes that fail the certification.
inline __m512i crt64(const DecodeCrt& t, const __m512i* r, __mmask8* bad) {
  __m512i f = _mm512_setzero_si512(), acc = _mm512_setzero_si512();
  for (size_t i = 0; i < t.k; ++i) {
    const __m512i y = mul_shoup_lazy(r[i], t.ih[i], t.ih_shoup52[i], t.q[i]);
    f = _mm512_madd52hi_epu64(f, y, bcast(t.frac[i]));
    acc = _mm512_add_epi64(acc, _mm512_mullo_epi64(y, bcast(t.hat[i])));
  }
  const __m512i kappa = _mm512_srli_epi64(_mm512_add_epi64(f, bcast(uint64_t{1} << (t.frac_bits - 1))),
                                          static_cast<unsigned>(t.frac_bits));
  const __m512i x = _mm512_sub_epi64(acc, _mm512_mullo_epi64(kappa, bcast(t.q_all)));
  __mmask8 b =
      _mm512_cmpgt_epu64_mask(_mm512_add_epi64(x, bcast(uint64_t{1} << 62)), bcast(uint64_t{1} << 63));
  for (size_t i = 0; i < t.k; ++i) {
    const __m512i quo = _mm512_mullo_epi64(_mm512_sub_epi64(x, r[i]), bcast(t.q_inv[i]));
    b |= _mm512_cmpgt_epu64_mask(_mm512_add_epi64(quo, bcast(t.bound[i])), bcast(2 * t.bound[i]));
  }
  *bad = b;
  return x;
}

// balanced_sum on 8 lanes: the same integer and double operations in the same order.
inline __m512d balanced_sum(const __m512i* words, int top) {
  __m512i balanced[kMaxHighTiers + 1];
  __m512i carry = _mm512_setzero_si512();
  const __m512i one = bcast(1);
  for (int s = 0; s < top; ++s) {
    const __m512i v = _mm512_add_epi64(words[s], carry);
    balanced[s] = v;
    const __m512i wrapped = _mm512_maskz_mov_epi64(_mm512_cmpeq_epi64_mask(v, _mm512_setzero_si512()), carry);
    carry = _mm512_or_si512(_mm512_srli_epi64(v, 63), _mm512_and_si512(wrapped, one));
  }
  balanced[top] = _mm512_add_epi64(words[top], carry);
  __m512d x = _mm512_cvtepi64_pd(balanced[top]);
  for (int s = top; s-- > 0;)
    x = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(0x1p64)), _mm512_cvtepi64_pd(balanced[s]));
  return x;
}

// The high-word tiers (DecodeCrt) for the `bad` lanes of the block at c, whose low word is x_lo:
// writes the lanes they accept and returns those that every tier rejects.
__mmask8 high_tiers(double* out, const uint64_t* coef, size_t n, size_t c, __m512i x_lo, __mmask8 bad,
                    const DecodeCrt& t) {
  __m512i m[64];  // k <= 64 (make_decode_crt)
  __m512i words[kMaxHighTiers + 1];
  words[0] = x_lo;
  for (int j = 1; j <= t.high_tiers && bad; ++j) {
    // m_i <- (m_i - X) * 2^-64 = m_i * 2^-64 - lo52(X) * 2^-64 - hi12(X) * 2^52 * 2^-64 (mod q_i).
    const __m512i x = words[j - 1];
    const __m512i hi12 = _mm512_srli_epi64(x, 52), lo52 = _mm512_and_si512(x, bcast(kMask52));
    for (size_t i = 0; i < t.k; ++i) {
      const uint64_t q = t.q[i];
      const __m512i w =
          mul_shoup_lazy(j == 1 ? load(coef + i * n + c) : m[i], t.inv64[i], t.inv64_shoup52[i], q);
      const __m512i u = mul_shoup_lazy(lo52, t.inv64[i], t.inv64_shoup52[i], q);
      const __m512i v = mul_shoup_lazy(hi12, t.r52inv[i], t.r52inv_shoup52[i], q);
      const __m512i mi =
          _mm512_sub_epi64(_mm512_sub_epi64(_mm512_add_epi64(w, bcast(4 * q)), u), v);  // (0, 6q)
      m[i] = _mm512_min_epu64(mi, _mm512_sub_epi64(mi, bcast(4 * q)));                  // [0, 4q)
    }
    __mmask8 rejected = 0;
    words[j] = crt64(t, m, &rejected);
    _mm512_mask_storeu_pd(out + c, static_cast<__mmask8>(bad & ~rejected), balanced_sum(words, j));
    bad = static_cast<__mmask8>(bad & rejected);
  }
  return bad;
}

// crt_fast_one on kBlocks * 8 coefficients from c: independent blocks interleaved so that the
// dependency chains (Shoup product -> conversion -> sum -> kappa -> X -> checks) overlap.
template <int kBlocks>
size_t crt_blocks(double* out, uint32_t* rejected, const uint64_t* coef, size_t n, size_t c,
                  const DecodeCrt& t) {
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
    const __m512i kappa =
        _mm512_srli_epi64(_mm512_add_epi64(f[b], round), static_cast<unsigned>(t.frac_bits));
    xv[b] = _mm512_sub_epi64(acc[b], _mm512_mullo_epi64(kappa, bcast(t.q_all)));
    bad[b] =
        _mm512_cmpgt_epu64_mask(_mm512_add_epi64(xv[b], bcast(uint64_t{1} << 62)), bcast(uint64_t{1} << 63));
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
    if (bad[b] && t.high_tiers > 0) bad[b] = high_tiers(out, coef, n, c + 8 * b, xv[b], bad[b], t);
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
