// AVX-512 IFMA element-wise kernels for q < 2^50. Results are fully reduced, hence bit-identical to
// the portable kernels in poly.cc. Tails (n not a multiple of 8) use masked loads and stores.
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own `__Y = __Y` placeholder
// (_mm512_undefined_epi32); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "math/ifma_ops.h"
#include "math/ntt_internal.h"

namespace v100::math::detail {
namespace {

using ifma::csub;
using ifma::mul_const;
using ifma::reduce52;

inline __m512i load(const uint64_t* p, __mmask8 m) {
  return _mm512_maskz_loadu_epi64(m, p);
}
inline void store(uint64_t* p, __m512i v, __mmask8 m) {
  _mm512_mask_storeu_epi64(p, m, v);
}
inline __mmask8 tail_mask(size_t rem) {
  return rem >= 8 ? __mmask8(0xff) : __mmask8((1u << rem) - 1);
}

}  // namespace

void poly_add_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    store(out + i, csub(_mm512_add_epi64(load(a + i, m), load(b + i, m)), vq), m);
  }
}

void poly_add_scalar_ifma(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i vs = _mm512_set1_epi64(static_cast<long long>(s));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    store(out + i, csub(_mm512_add_epi64(load(a + i, m), vs), vq), m);
  }
}

void poly_sub_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    __m512i d = _mm512_add_epi64(_mm512_sub_epi64(load(a + i, m), load(b + i, m)), vq);
    store(out + i, csub(d, vq), m);
  }
}

void poly_neg_ifma(uint64_t* out, const uint64_t* a, size_t n, uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    // q - a lies in (0, q]; the min-correction maps q (from a = 0) to 0.
    store(out + i, csub(_mm512_sub_epi64(vq, load(a + i, m)), vq), m);
  }
}

// a * b mod q for a, b in [0, q), q < 2^50. The quotient comes from double precision:
// e = fl(fl(a*b) * fl(1/q)) is within 3 * 2^-53 * ab/q < 3/8 of ab/q, so quot = trunc(e) is
// floor(ab/q) - 1, + 0 or + 1 and v = ab - quot*q lies in [-q, 2q). v + q is then computed exactly
// in 52-bit arithmetic (q + lo52(ab) + lo52(quot * (2^52 - q)), masked) and corrected twice.
void poly_mul_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q,
                   bool accumulate) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * q));
  const __m512i neg_q = _mm512_set1_epi64(static_cast<long long>((uint64_t{1} << 52) - q));
  const __m512i mask52 = _mm512_set1_epi64((1LL << 52) - 1);
  const __m512d inv_q = _mm512_set1_pd(1.0 / static_cast<double>(q));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    __m512i va = load(a + i, m), vb = load(b + i, m);
    __m512d e = _mm512_mul_pd(_mm512_mul_pd(_mm512_cvtepu64_pd(va), _mm512_cvtepu64_pd(vb)), inv_q);
    __m512i quot = _mm512_cvttpd_epi64(e);
    __m512i r = _mm512_madd52lo_epu64(vq, va, vb);
    r = _mm512_and_si512(_mm512_madd52lo_epu64(r, quot, neg_q), mask52);  // v + q in [0, 3q)
    r = csub(csub(r, two_q), vq);
    if (accumulate) r = csub(_mm512_add_epi64(r, load(out + i, m)), vq);
    store(out + i, r, m);
  }
}

void poly_mul_scalar_add_ifma(uint64_t* out, const uint64_t* a, uint64_t s, uint64_t s_shoup52, size_t n,
                              uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i w = _mm512_set1_epi64(static_cast<long long>(s));
  const __m512i ws = _mm512_set1_epi64(static_cast<long long>(s_shoup52));
  const __m512i mask52 = _mm512_set1_epi64((1LL << 52) - 1);
  const __m512i zero = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    __m512i va = load(a + i, m);
    __m512i quot = _mm512_madd52hi_epu64(zero, va, ws);
    __m512i r = _mm512_and_si512(
        _mm512_sub_epi64(_mm512_madd52lo_epu64(zero, va, w), _mm512_madd52lo_epu64(zero, quot, vq)), mask52);
    r = csub(r, vq);
    store(out + i, csub(_mm512_add_epi64(r, load(out + i, m)), vq), m);
  }
}

// x mod q for any 64-bit x: x = H 2^52 + L with H < 2^12; REDC gives x R^-1 mod q below
// 2^12 + q + 1 < 2^52, a second REDC of that times R^2 mod q gives x mod q below 2q.
void poly_reduce_ifma(uint64_t* out, const uint64_t* in, size_t n, uint64_t q, uint64_t q_neg_inv,
                      uint64_t r2) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i qp = _mm512_set1_epi64(static_cast<long long>(q_neg_inv));
  const __m512i vr2 = _mm512_set1_epi64(static_cast<long long>(r2));
  const __m512i mask52 = _mm512_set1_epi64((1LL << 52) - 1);
  const __m512i one = _mm512_set1_epi64(1);
  const __m512i zero = _mm512_setzero_si512();
  auto redc = [&](__m512i hi, __m512i lo) {
    __m512i m = _mm512_madd52lo_epu64(zero, lo, qp);
    __m512i r = _mm512_madd52hi_epu64(hi, m, vq);
    return _mm512_mask_add_epi64(r, _mm512_test_epi64_mask(lo, lo), r, one);
  };
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 msk = tail_mask(n - i);
    __m512i x = load(in + i, msk);
    __m512i r = redc(_mm512_srli_epi64(x, 52), _mm512_and_si512(x, mask52));
    __m512i plo = _mm512_madd52lo_epu64(zero, r, vr2);
    __m512i phi = _mm512_madd52hi_epu64(zero, r, vr2);
    store(out + i, csub(redc(phi, plo), vq), msk);
  }
}

void poly_mul_scalar_ifma(uint64_t* out, const uint64_t* a, uint64_t s, uint64_t s_shoup52, size_t n,
                          uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i w = _mm512_set1_epi64(static_cast<long long>(s));
  const __m512i ws = _mm512_set1_epi64(static_cast<long long>(s_shoup52));
  const __m512i mask52 = _mm512_set1_epi64((1LL << 52) - 1);
  const __m512i zero = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    __m512i va = load(a + i, m);
    __m512i quot = _mm512_madd52hi_epu64(zero, va, ws);
    __m512i r = _mm512_and_si512(
        _mm512_sub_epi64(_mm512_madd52lo_epu64(zero, va, w), _mm512_madd52lo_epu64(zero, quot, vq)), mask52);
    store(out + i, csub(r, vq), m);
  }
}

namespace {
// Montgomery reduction with R = 2^52 of split sums of 52x52-bit products (lo = sum of low halves,
// hi = sum of high halves, V = hi * 2^52 + lo < 8 q^2): REDC(V) = V R^-1 (< 2^52 for q < 2^50),
// then REDC(that * (R^2 mod q)) = V below 2q, and one correction. REDC(x = H R + L) =
// H + hi52(m q) + [L != 0] with m = lo52(L q'): L + lo52(m q) is 0 or exactly 2^52.
struct SplitReducer {
  __m512i vq, qp, vr2, mask52, one, zero;
  SplitReducer(uint64_t q, uint64_t q_neg_inv, uint64_t r2)
      : vq(_mm512_set1_epi64(static_cast<long long>(q))),
        qp(_mm512_set1_epi64(static_cast<long long>(q_neg_inv))),
        vr2(_mm512_set1_epi64(static_cast<long long>(r2))),
        mask52(_mm512_set1_epi64((1LL << 52) - 1)),
        one(_mm512_set1_epi64(1)),
        zero(_mm512_setzero_si512()) {}
  __m512i redc(__m512i hi, __m512i lo) const {
    __m512i m = _mm512_madd52lo_epu64(zero, lo, qp);
    __m512i r = _mm512_madd52hi_epu64(hi, m, vq);
    return _mm512_mask_add_epi64(r, _mm512_test_epi64_mask(lo, lo), r, one);
  }
  /// V R^-1 mod q, below 2q (< 2^52): a valid input for mul_const.
  __m512i montgomery(__m512i lo, __m512i hi) const {
    return redc(_mm512_add_epi64(hi, _mm512_srli_epi64(lo, 52)), _mm512_and_si512(lo, mask52));
  }
  /// V mod q in [0, q).
  __m512i value(__m512i lo, __m512i hi) const {
    __m512i r = montgomery(lo, hi);
    __m512i plo = _mm512_madd52lo_epu64(zero, r, vr2);
    __m512i phi = _mm512_madd52hi_epu64(zero, r, vr2);
    return csub(redc(phi, plo), vq);
  }
};

// Sum of products, up to 8 per chunk in split 52-bit accumulators reduced by SplitReducer.
// kScaleAdd: out += s * sum (s < q, ss its 52-bit Shoup constant); else out = sum.
template <bool kScaleAdd>
void dot_kernel(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count, size_t n,
                uint64_t q, uint64_t q_neg_inv, uint64_t r2, uint64_t s = 0, uint64_t ss = 0) {
  const SplitReducer red(q, q_neg_inv, r2);
  const __m512i vs = _mm512_set1_epi64(static_cast<long long>(s));
  const __m512i vss = _mm512_set1_epi64(static_cast<long long>(ss));
  const __m512i vq = red.vq, zero = red.zero;
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 msk = tail_mask(n - i);
    __m512i total = zero;
    for (size_t d0 = 0; d0 < count; d0 += 8) {
      const size_t d1 = count < d0 + 8 ? count : d0 + 8;
      __m512i lo = zero, hi = zero;
      for (size_t d = d0; d < d1; ++d) {
        __m512i va = load(a[d] + i, msk), vb = load(b[d] + i, msk);
        lo = _mm512_madd52lo_epu64(lo, va, vb);
        hi = _mm512_madd52hi_epu64(hi, va, vb);
      }
      total = csub(_mm512_add_epi64(total, red.value(lo, hi)), vq);
    }
    if constexpr (kScaleAdd)
      total = csub(_mm512_add_epi64(load(out + i, msk), mul_const(total, vs, vss, vq)), vq);
    store(out + i, total, msk);
  }
}
}  // namespace

void poly_dot_ifma(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count, size_t n,
                   uint64_t q, uint64_t q_neg_inv, uint64_t r2) {
  dot_kernel<false>(out, a, b, count, n, q, q_neg_inv, r2);
}

void poly_dot_scalar_add_ifma(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count,
                              uint64_t s, uint64_t s_shoup52, size_t n, uint64_t q, uint64_t q_neg_inv,
                              uint64_t r2) {
  dot_kernel<true>(out, a, b, count, n, q, q_neg_inv, r2, s, s_shoup52);
}

// out[i] = in[perm[i]]. The Galois permutations of bit-reversed NTT slots map each aligned block of
// 8 slots onto one aligned block (slot 8m + t comes from block m' = f(m), lane t' = a permutation
// of t), so such a block is one load, one lane permute and one store; blocks that do not have this
// shape (any other permutation) take the scalar loop. (AVX-512 gathers were 8x slower than scalar.)
namespace {
// out[i] = in[perm[i]], or with kAdd (x[i] + in[perm[i]]) mod q (x, in below q < 2^63).
template <bool kAdd>
void permute_impl(uint64_t* out, const uint64_t* x, const uint64_t* in, const uint32_t* perm, size_t n,
                  uint64_t q) {
  // The source blocks come in scattered order, which the hardware prefetcher cannot predict: fetch
  // the block needed kAhead blocks later (an input in L3 or DRAM otherwise stalls every block).
  constexpr size_t kAhead = 16;
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const auto scalar = [&](size_t t) {
    if constexpr (kAdd) {
      const uint64_t sum = x[t] + in[perm[t]];
      out[t] = sum >= q ? sum - q : sum;
    } else {
      out[t] = in[perm[t]];
    }
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (i + 8 * kAhead < n)
      _mm_prefetch(reinterpret_cast<const char*>(in + perm[i + 8 * kAhead]), _MM_HINT_T0);
    const __m512i p = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(perm + i)));
    const uint32_t base = perm[i] & ~7u;
    const __m512i block = _mm512_set1_epi64(static_cast<long long>(base >> 3));
    if (_mm512_cmpneq_epu64_mask(_mm512_srli_epi64(p, 3), block) == 0) {
      __m512i v = _mm512_permutexvar_epi64(p, _mm512_loadu_si512(in + base));
      if constexpr (kAdd) v = ifma::csub(_mm512_add_epi64(v, _mm512_loadu_si512(x + i)), vq);
      _mm512_storeu_si512(out + i, v);
    } else {
      for (size_t t = i; t < i + 8; ++t) scalar(t);
    }
  }
  for (; i < n; ++i) scalar(i);
}
}  // namespace

void permute_ifma(uint64_t* out, const uint64_t* in, const uint32_t* perm, size_t n) {
  permute_impl<false>(out, nullptr, in, perm, n, 0);
}

void permute_add_ifma(uint64_t* out, const uint64_t* x, const uint64_t* in, const uint32_t* perm, size_t n,
                      uint64_t q) {
  permute_impl<true>(out, x, in, perm, n, q);
}

namespace {
// Key block layouts as in poly.h. Plain: block j (8 coefficients), digit d at word (j * stride + d)
// * 16: eight words of b0 then eight of b1. Packed (kPacked): the same at byte (j * stride + d) * 80,
// 5-byte words; one byte permute (AVX-512 VBMI) spreads eight of them into 64-bit lanes.
// Key words in Montgomery form. Up to 8 products per chunk in split 52-bit accumulators, as
// dot_kernel.
template <bool kPacked>
void dot2_interleaved(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const uint8_t* key,
                      size_t count, size_t stride, size_t n, uint64_t q, uint64_t q_neg_inv, uint64_t r2,
                      bool accumulate) {
  const SplitReducer red(q, q_neg_inv, r2);
  const __m512i vq = red.vq, zero = red.zero;
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * q));
  const __mmask8 all = 0xff;
  // Byte k < 5 of lane l takes key byte 5 l + k; bytes 5..7 are zeroed by the mask.
  const __m512i spread = _mm512_set_epi64(0x0000002726252423LL, 0x0000002221201f1eLL, 0x0000001d1c1b1a19LL,
                                          0x0000001817161514LL, 0x000000131211100fLL, 0x0000000e0d0c0b0aLL,
                                          0x0000000908070605LL, 0x0000000403020100LL);
  constexpr __mmask64 kLow5 = 0x1F1F1F1F1F1F1F1FULL;
  const auto key_words = [&](const uint8_t* p) {
    if constexpr (kPacked) {
      return _mm512_maskz_permutexvar_epi8(kLow5, spread, _mm512_loadu_si512(p));
    } else {
      return _mm512_loadu_si512(p);
    }
  };
  constexpr size_t kDigitBytes = kPacked ? 80 : 128, kHalf = kDigitBytes / 2;
  // The key is one stream, but the hardware prefetcher stops at 4 KB pages: read from DRAM with
  // nothing to hide the transfer (hoisted rotations apply one key after another) it stalls at
  // every page. Prefetch 4 blocks ahead (2 and 8+ measured slower).
  constexpr size_t kAhead = 4;
  const size_t blk_bytes = stride * kDigitBytes;
  for (size_t i = 0; i < n; i += 8) {
    const uint8_t* blk = key + (i / 8) * blk_bytes;
    if (i + 8 * kAhead < n) {
      const uint8_t* ahead = blk + kAhead * blk_bytes;
      for (size_t line = 0; line < blk_bytes; line += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(ahead + line), _MM_HINT_T0);
      }
    }
    __m512i total0 = accumulate ? load(out0 + i, all) : zero;
    __m512i total1 = accumulate ? load(out1 + i, all) : zero;
    for (size_t d0 = 0; d0 < count; d0 += 8) {
      const size_t d1 = count < d0 + 8 ? count : d0 + 8;
      __m512i lo0 = zero, hi0 = zero, lo1 = zero, hi1 = zero;
      for (size_t d = d0; d < d1; ++d) {
        const __m512i va = load(a[d] + i, all);
        const __m512i vb0 = key_words(blk + d * kDigitBytes), vb1 = key_words(blk + d * kDigitBytes + kHalf);
        lo0 = _mm512_madd52lo_epu64(lo0, va, vb0);
        hi0 = _mm512_madd52hi_epu64(hi0, va, vb0);
        lo1 = _mm512_madd52lo_epu64(lo1, va, vb1);
        hi1 = _mm512_madd52hi_epu64(hi1, va, vb1);
      }
      // Key words carry the factor 2^52: one Montgomery reduction gives the sum itself, below 3q
      // (sum < 8 q^2, so sum / 2^52 < 2q for q < 2^50); with the running total (< q), below 4q.
      total0 = csub(csub(_mm512_add_epi64(total0, red.montgomery(lo0, hi0)), two_q), vq);
      total1 = csub(csub(_mm512_add_epi64(total1, red.montgomery(lo1, hi1)), two_q), vq);
    }
    store(out0 + i, total0, all);
    store(out1 + i, total1, all);
  }
}
}  // namespace

void poly_dot2_interleaved_ifma(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const uint64_t* key,
                                size_t count, size_t stride, size_t n, uint64_t q, uint64_t q_neg_inv,
                                uint64_t r2, bool accumulate) {
  dot2_interleaved<false>(out0, out1, a, reinterpret_cast<const uint8_t*>(key), count, stride, n, q,
                          q_neg_inv, r2, accumulate);
}

void poly_dot2_interleaved_packed40_ifma(uint64_t* out0, uint64_t* out1, const uint64_t* const* a,
                                         const uint8_t* key, size_t count, size_t stride, size_t n,
                                         uint64_t q, uint64_t q_neg_inv, uint64_t r2, bool accumulate) {
  dot2_interleaved<true>(out0, out1, a, key, count, stride, n, q, q_neg_inv, r2, accumulate);
}

// The tensor of (a0, a1) x (b0, b1): d2 = a1 b1, f0 = s a0 b0, f1 = s (a0 b1 + a1 b0), one pass.
// The caller passes s = s' R mod q (R = 2^52): f0 and f1 are then one Montgomery reduction and one
// Shoup product each, (V R^-1)(s' R) = s' V, instead of an exact reduction and a product.
void poly_tensor_fold_ifma(uint64_t* d2, uint64_t* f0, uint64_t* f1, const uint64_t* a0, const uint64_t* a1,
                           const uint64_t* b0, const uint64_t* b1, uint64_t s, uint64_t s_shoup52, size_t n,
                           uint64_t q, uint64_t q_neg_inv, uint64_t r2) {
  const SplitReducer red(q, q_neg_inv, r2);
  const __m512i vs = _mm512_set1_epi64(static_cast<long long>(s));
  const __m512i vss = _mm512_set1_epi64(static_cast<long long>(s_shoup52));
  const __m512i vq = red.vq, zero = red.zero;
  auto finish = [&](__m512i lo, __m512i hi) { return red.value(lo, hi); };
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 msk = tail_mask(n - i);
    __m512i x0 = load(a0 + i, msk), x1 = load(a1 + i, msk), y0 = load(b0 + i, msk), y1 = load(b1 + i, msk);
    __m512i v11 = finish(_mm512_madd52lo_epu64(zero, x1, y1), _mm512_madd52hi_epu64(zero, x1, y1));
    __m512i v00 = red.montgomery(_mm512_madd52lo_epu64(zero, x0, y0), _mm512_madd52hi_epu64(zero, x0, y0));
    __m512i clo = _mm512_madd52lo_epu64(_mm512_madd52lo_epu64(zero, x0, y1), x1, y0);
    __m512i chi = _mm512_madd52hi_epu64(_mm512_madd52hi_epu64(zero, x0, y1), x1, y0);
    __m512i vx = red.montgomery(clo, chi);
    store(d2 + i, v11, msk);
    store(f0 + i, mul_const(v00, vs, vss, vq), msk);
    store(f1 + i, mul_const(vx, vs, vss, vq), msk);
  }
}

void poly_reduce52_ifma(uint64_t* out, const uint64_t* in, size_t n, uint64_t q, uint64_t ratio) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i vr = _mm512_set1_epi64(static_cast<long long>(ratio));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 msk = tail_mask(n - i);
    store(out + i, reduce52(load(in + i, msk), vr, vq), msk);
  }
}

void poly_sub_mul_scalar_ifma(uint64_t* out, const uint64_t* x, const uint64_t* v, uint64_t s,
                              uint64_t s_shoup52, size_t n, uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i w = _mm512_set1_epi64(static_cast<long long>(s));
  const __m512i ws = _mm512_set1_epi64(static_cast<long long>(s_shoup52));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    store(out + i, ifma::sub_mul(load(x + i, m), load(v + i, m), w, ws, vq), m);
  }
}

void poly_drop_prime_ifma(uint64_t* out, const uint64_t* x, const uint64_t* c, uint64_t ql, uint64_t ql_mod,
                          uint64_t inv, uint64_t inv_shoup52, size_t n, uint64_t q) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i vhalf = _mm512_set1_epi64(static_cast<long long>(ql / 2));
  const __m512i vqlm = _mm512_set1_epi64(static_cast<long long>(ql_mod));
  const __m512i w = _mm512_set1_epi64(static_cast<long long>(inv));
  const __m512i ws = _mm512_set1_epi64(static_cast<long long>(inv_shoup52));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    const __m512i vc = load(c + i, m);
    // lift = (c mod q) - (c > q_l/2 ? q_l mod q : 0), mod q: c < q_l < 2q, one subtraction each.
    const __m512i big = _mm512_maskz_mov_epi64(_mm512_cmpgt_epu64_mask(vc, vhalf), vqlm);
    const __m512i lift = ifma::csub(_mm512_add_epi64(_mm512_sub_epi64(ifma::csub(vc, vq), big), vq), vq);
    store(out + i, ifma::sub_mul(load(x + i, m), lift, w, ws, vq), m);
  }
}

void poly_lift_combine_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, uint64_t c,
                            uint64_t c_shoup52, uint64_t e, size_t n, uint64_t q, uint64_t ratio) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(q));
  const __m512i vr = _mm512_set1_epi64(static_cast<long long>(ratio));
  const __m512i vc = _mm512_set1_epi64(static_cast<long long>(c));
  const __m512i vcs = _mm512_set1_epi64(static_cast<long long>(c_shoup52));
  const __m512i ve = _mm512_set1_epi64(static_cast<long long>(e));
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 m = tail_mask(n - i);
    const __m512i vb = b ? load(b + i, m) : vq;
    store(out + i, ifma::lift_combine(load(a + i, m), b ? &vb : nullptr, vc, vcs, ve, vr, vq), m);
  }
}

}  // namespace v100::math::detail
