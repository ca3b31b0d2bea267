// AVX-512 IFMA negacyclic NTT kernels (q < 2^50, 52-bit lanes). Same Harvey butterflies and value
// ranges as the portable kernels in ntt.cc, with 52-bit Shoup constants floor(w * 2^52 / q):
// for a < 2^52, quot = hi52(a * w') and a*w - quot*q (mod 2^52) lies in [0, 2q).
// Conditional subtractions use unsigned min(x, x - c): when x < c the difference wraps to a huge
// value, so the min picks x; no branch and no mask register.
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own `__Y = __Y` placeholder
// (_mm512_undefined_epi32); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "math/ifma_ops.h"
#include "math/ntt_internal.h"

namespace v100::math::detail {
namespace {

struct Consts {
  __m512i q, two_q, neg_q, mask52, zero;
  explicit Consts(uint64_t qv)
      : q(_mm512_set1_epi64(static_cast<long long>(qv))),
        two_q(_mm512_set1_epi64(static_cast<long long>(2 * qv))),
        neg_q(_mm512_set1_epi64(static_cast<long long>((uint64_t{1} << 52) - qv))),
        mask52(_mm512_set1_epi64((1LL << 52) - 1)),
        zero(_mm512_setzero_si512()) {}
};

using ifma::csub;

// a * w mod q in [0, 2q) for a < 2^52 (Shoup, 52-bit). The subtraction of quot*q is folded into
// the third multiply-add: lo52(quot * (2^52 - q)) = -quot*q mod 2^52.
inline __m512i mul_shoup_lazy(__m512i a, __m512i w, __m512i ws, const Consts& k) {
  __m512i quot = _mm512_madd52hi_epu64(k.zero, a, ws);
  __m512i aw = _mm512_madd52lo_epu64(k.zero, a, w);
  return _mm512_and_si512(_mm512_madd52lo_epu64(aw, quot, k.neg_q), k.mask52);
}

// Forward CT butterfly, inputs [0,4q), outputs [0,4q).
inline void fwd_bf(__m512i& x, __m512i& y, __m512i w, __m512i ws, const Consts& k) {
  __m512i u = csub(x, k.two_q);
  __m512i v = mul_shoup_lazy(y, w, ws, k);
  x = _mm512_add_epi64(u, v);
  y = _mm512_add_epi64(_mm512_sub_epi64(u, v), k.two_q);
}

// Inverse GS butterfly, inputs [0,2q), outputs [0,2q).
inline void inv_bf(__m512i& x, __m512i& y, __m512i w, __m512i ws, const Consts& k) {
  __m512i u = x, v = y;
  x = csub(_mm512_add_epi64(u, v), k.two_q);
  y = mul_shoup_lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), k.two_q), w, ws, k);
}

// Broadcast twiddles of a forward radix-4 group: layer m (group i) and layer 2m (its two halves).
struct Radix4Twiddles {
  __m512i w1, ws1, w2, ws2, w3, ws3;
  Radix4Twiddles(const uint64_t* w, const uint64_t* ws, size_t m, size_t i)
      : w1(bcast(w[m + i])),
        ws1(bcast(ws[m + i])),
        w2(bcast(w[2 * m + 2 * i])),
        ws2(bcast(ws[2 * m + 2 * i])),
        w3(bcast(w[2 * m + 2 * i + 1])),
        ws3(bcast(ws[2 * m + 2 * i + 1])) {}
  static __m512i bcast(uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
};

inline __m512i load(const uint64_t* p) {
  return _mm512_loadu_si512(reinterpret_cast<const void*>(p));
}
inline void store(uint64_t* p, __m512i v) {
  _mm512_storeu_si512(reinterpret_cast<void*>(p), v);
}

// Index vectors for the two full cross-register permutes of the fused inner block (see below).
// The other shuffles are cheap fixed-pattern ones (shuffle_i64x2, unpacklo/hi).
struct Perms {
  __m512i x1, y1, out_lo, out_hi, x4, y4;
  Perms()
      : x1(_mm512_setr_epi64(0, 2, 8, 10, 4, 6, 12, 14)),
        y1(_mm512_setr_epi64(1, 3, 9, 11, 5, 7, 13, 15)),
        out_lo(_mm512_setr_epi64(0, 8, 1, 9, 4, 12, 5, 13)),
        out_hi(_mm512_setr_epi64(2, 10, 3, 11, 6, 14, 7, 15)),
        x4(_mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11)),
        y4(_mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15)) {}
};

}  // namespace

namespace {

// The forward transform into `a`. The first pass reads its input through first_load(idx) (the 8
// coefficients idx .. idx+7, each below 4q); later passes work in `a`; the final pass hands each
// 8 outputs (positions idx .. idx+7, in [0, q) unless lazy, else [0, 4q)) to final_store(idx, v).
// Plain transforms load from the input array and store into `a`; fused callers compute the input
// on the fly and post-process the output without writing either to memory.
template <class FirstLoad, class FinalStore>
void forward_core(uint64_t* a, const NttTables& tb, bool lazy, const FirstLoad& first_load,
                  const FinalStore& final_store, const char* pf, size_t pf_bytes) {
  const size_t n = tb.n();
  const Consts k(tb.modulus().value());
  const uint64_t* w = tb.root_pows();
  const uint64_t* ws = tb.root_pows_shoup52();
  const auto from_a = [a](size_t idx) { return load(a + idx); };
  // Layers with half-size t >= 16, two at a time (radix-4 passes halve the loads and stores);
  // a single radix-2 pass first when their number is odd. One broadcast twiddle per group.
  size_t t = n;
  size_t m = 1;
  bool first = true;
  int generic_layers = 0;
  for (size_t tt = n / 2; tt >= 16; tt >>= 1) ++generic_layers;
  if (generic_layers & 1) {
    t >>= 1;
    const __m512i wi = _mm512_set1_epi64(static_cast<long long>(w[1]));
    const __m512i wsi = _mm512_set1_epi64(static_cast<long long>(ws[1]));
    for (size_t j = 0; j < t; j += 8) {
      __m512i vx = first_load(j), vy = first_load(t + j);
      fwd_bf(vx, vy, wi, wsi, k);
      store(a + j, vx);
      store(a + t + j, vy);
    }
    m = 2;
    first = false;
  }
  // Layer m (half-size t/2) then layer 2m (half-size t/4) over groups of 2t coefficients.
  const auto radix4 = [&](size_t t2, const auto& ld) {
    const size_t h = t2 / 2;
    for (size_t i = 0; i < m; ++i) {
      const Radix4Twiddles tw(w, ws, m, i);
      const size_t base = 2 * i * t2;
      for (size_t j = 0; j < h; j += 8) {
        __m512i x0 = ld(base + j), x1 = ld(base + h + j), x2 = ld(base + t2 + j), x3 = ld(base + t2 + h + j);
        fwd_bf(x0, x2, tw.w1, tw.ws1, k);
        fwd_bf(x1, x3, tw.w1, tw.ws1, k);
        fwd_bf(x0, x1, tw.w2, tw.ws2, k);
        fwd_bf(x2, x3, tw.w3, tw.ws3, k);
        store(a + base + j, x0);
        store(a + base + h + j, x1);
        store(a + base + t2 + j, x2);
        store(a + base + t2 + h + j, x3);
      }
    }
  };
  // The last pair of generic layers (half-sizes 32 and 16, m = n / 64) is fused with the tail below.
  for (; m < n / 64; m <<= 2) {
    t >>= 1;
    if (first) {
      radix4(t, first_load);
      first = false;
    } else {
      radix4(t, from_a);
    }
    t >>= 1;
  }
  // Final pass, one 64-coefficient group at a time, all in registers: layers with half-sizes 32 and
  // 16 (one broadcast twiddle each per group), then layers t = 8, 4, 2, 1 for the group's four
  // 16-coefficient blocks (lo = coefficients 0..7, hi = 8..15 of a block).
  // Register layouts (coefficient indices within the block) as the shuffles produce them:
  //   t=4: X = {0,1,2,3,8,9,10,11}  Y = {4,5,6,7,12,13,14,15}   (shuffle_i64x2 0x44 / 0xEE)
  //   t=2: X = {0,1,8,9,4,5,12,13}  Y = {2,3,10,11,6,7,14,15}   (shuffle_i64x2 0x88 / 0xDD)
  //   t=1: X = {0,2,8,10,4,6,12,14} Y = {1,3,9,11,5,7,13,15}    (unpacklo / unpackhi)
  // and the lane-expanded twiddle tables follow the same lane order.
  static const Perms perms;
  const uint64_t* ew[3] = {tb.fwd_expanded(0), tb.fwd_expanded(1), tb.fwd_expanded(2)};
  const uint64_t* ews[3] = {tb.fwd_expanded_shoup52(0), tb.fwd_expanded_shoup52(1),
                            tb.fwd_expanded_shoup52(2)};
  // The four blocks go through their four layers in lockstep: one block's layers form a dependent
  // chain (about 50 cycles of multiply-add and shuffle latency) that the out-of-order window cannot
  // overlap well with the next block's; four independent chains side by side keep the multiply
  // units busy (the tail ran about 1.3x faster this way on the Zen 4 machine).
  constexpr int kBlocks = 4;
  const size_t m8 = n / 16, m64 = n / 64;
  // The caller's prefetch range is spread over the groups (whole cache lines).
  const size_t pf_lines = (pf_bytes + 63) / 64;
  const size_t pf_per_iter = (pf_lines + m64 - 1) / m64;
  size_t pf_next = 0;
  const auto final_pass = [&](const auto& ld) {
    for (size_t g = 0; g < m64; ++g) {
      for (size_t p = 0; p < pf_per_iter && pf_next < pf_lines; ++p, ++pf_next) {
        _mm_prefetch(pf + 64 * pf_next, _MM_HINT_T2);
      }
      const size_t b0 = kBlocks * g;
      __m512i x[kBlocks], y[kBlocks], u[kBlocks], v[kBlocks];
      {
        // Half-size 32: coefficient c pairs with c + 32; half-size 16: c with c + 16 in each half.
        const Radix4Twiddles tw(w, ws, m64, g);
        // Block q of the group is (x[q], y[q]) = coefficients 16q .. 16q + 15.
        for (int q = 0; q < kBlocks; ++q) {
          x[q] = ld(64 * g + 16 * q);
          y[q] = ld(64 * g + 16 * q + 8);
        }
        fwd_bf(x[0], x[2], tw.w1, tw.ws1, k);
        fwd_bf(y[0], y[2], tw.w1, tw.ws1, k);
        fwd_bf(x[1], x[3], tw.w1, tw.ws1, k);
        fwd_bf(y[1], y[3], tw.w1, tw.ws1, k);
        fwd_bf(x[0], x[1], tw.w2, tw.ws2, k);
        fwd_bf(y[0], y[1], tw.w2, tw.ws2, k);
        fwd_bf(x[2], x[3], tw.w3, tw.ws3, k);
        fwd_bf(y[2], y[3], tw.w3, tw.ws3, k);
      }
      for (int i = 0; i < kBlocks; ++i) {
        fwd_bf(x[i], y[i], _mm512_set1_epi64(static_cast<long long>(w[m8 + b0 + i])),
               _mm512_set1_epi64(static_cast<long long>(ws[m8 + b0 + i])), k);
      }
      for (int i = 0; i < kBlocks; ++i) {
        u[i] = _mm512_shuffle_i64x2(x[i], y[i], 0x44);
        v[i] = _mm512_shuffle_i64x2(x[i], y[i], 0xEE);
        fwd_bf(u[i], v[i], load(ew[0] + 8 * (b0 + i)), load(ews[0] + 8 * (b0 + i)), k);
      }
      for (int i = 0; i < kBlocks; ++i) {
        x[i] = _mm512_shuffle_i64x2(u[i], v[i], 0x88);
        y[i] = _mm512_shuffle_i64x2(u[i], v[i], 0xDD);
        fwd_bf(x[i], y[i], load(ew[1] + 8 * (b0 + i)), load(ews[1] + 8 * (b0 + i)), k);
      }
      for (int i = 0; i < kBlocks; ++i) {
        u[i] = _mm512_unpacklo_epi64(x[i], y[i]);
        v[i] = _mm512_unpackhi_epi64(x[i], y[i]);
        fwd_bf(u[i], v[i], load(ew[2] + 8 * (b0 + i)), load(ews[2] + 8 * (b0 + i)), k);
        if (!lazy) {
          u[i] = csub(csub(u[i], k.two_q), k.q);
          v[i] = csub(csub(v[i], k.two_q), k.q);
        }
        final_store(16 * (b0 + i), _mm512_permutex2var_epi64(u[i], perms.out_lo, v[i]));
        final_store(16 * (b0 + i) + 8, _mm512_permutex2var_epi64(u[i], perms.out_hi, v[i]));
      }
    }
  };
  if (first) {
    final_pass(first_load);
  } else {
    final_pass(from_a);
  }
}

// Plain transforms: out of place reads `src` in the first pass; in place reads `a` itself.
void forward_plain(uint64_t* a, const NttTables& tb, bool lazy, const uint64_t* src, const char* pf,
                   size_t pf_bytes) {
  const uint64_t* in = src ? src : a;
  forward_core(
      a, tb, lazy, [in](size_t idx) { return load(in + idx); },
      [a](size_t idx, __m512i v) { store(a + idx, v); }, pf, pf_bytes);
}

template <bool kOutOfPlace>
void inverse_impl(uint64_t* a, const NttTables& tb, bool lazy, const uint64_t* src) {
  // The input when out of place is read by the first (fused) pass only.
  const uint64_t* in = kOutOfPlace ? src : a;
  const size_t n = tb.n();
  const Consts k(tb.modulus().value());
  static const Perms perms;
  // Layers t = 1, 2, 4, 8 fused per 16-coefficient block, the forward shuffles run backwards
  // (n >= 64, so the t = 8 layer is never the last one).
  const uint64_t* ew[3] = {tb.inv_expanded(0), tb.inv_expanded(1), tb.inv_expanded(2)};
  const uint64_t* ews[3] = {tb.inv_expanded_shoup52(0), tb.inv_expanded_shoup52(1),
                            tb.inv_expanded_shoup52(2)};
  const uint64_t* w = tb.inv_root_pows();
  const uint64_t* ws = tb.inv_root_pows_shoup52();
  // Four blocks in lockstep, as in the forward tail.
  constexpr int kBlocks = 4;
  const size_t m8 = n / 16;
  for (size_t b0 = 0; b0 < n / 16; b0 += kBlocks) {
    __m512i x[kBlocks], y[kBlocks], u[kBlocks], v[kBlocks];
    for (int i = 0; i < kBlocks; ++i) {
      const __m512i lo = load(in + 16 * (b0 + i)), hi = load(in + 16 * (b0 + i) + 8);
      x[i] = _mm512_permutex2var_epi64(lo, perms.x1, hi);
      y[i] = _mm512_permutex2var_epi64(lo, perms.y1, hi);
      inv_bf(x[i], y[i], load(ew[2] + 8 * (b0 + i)), load(ews[2] + 8 * (b0 + i)), k);
    }
    for (int i = 0; i < kBlocks; ++i) {
      u[i] = _mm512_unpacklo_epi64(x[i], y[i]);
      v[i] = _mm512_unpackhi_epi64(x[i], y[i]);
      inv_bf(u[i], v[i], load(ew[1] + 8 * (b0 + i)), load(ews[1] + 8 * (b0 + i)), k);
    }
    for (int i = 0; i < kBlocks; ++i) {
      x[i] = _mm512_permutex2var_epi64(u[i], perms.x4, v[i]);
      y[i] = _mm512_permutex2var_epi64(u[i], perms.y4, v[i]);
      inv_bf(x[i], y[i], load(ew[0] + 8 * (b0 + i)), load(ews[0] + 8 * (b0 + i)), k);
    }
    for (int i = 0; i < kBlocks; ++i) {
      u[i] = _mm512_shuffle_i64x2(x[i], y[i], 0x44);
      v[i] = _mm512_shuffle_i64x2(x[i], y[i], 0xEE);
      inv_bf(u[i], v[i], _mm512_set1_epi64(static_cast<long long>(w[m8 + b0 + i])),
             _mm512_set1_epi64(static_cast<long long>(ws[m8 + b0 + i])), k);
      store(a + 16 * (b0 + i), u[i]);
      store(a + 16 * (b0 + i) + 8, v[i]);
    }
  }
  // Layers t = 16 .. n/4 (m = n/32 .. 2), two at a time, then one radix-2 pass if their number is odd.
  size_t t = 16;
  size_t m = n / 32;
  for (; m >= 4; m >>= 2) {
    // Layer m (half-size t) then layer m/2 (half-size 2t) over groups of 4t coefficients.
    for (size_t i = 0; i < m / 2; ++i) {
      const __m512i w1 = _mm512_set1_epi64(static_cast<long long>(w[m + 2 * i]));
      const __m512i ws1 = _mm512_set1_epi64(static_cast<long long>(ws[m + 2 * i]));
      const __m512i w2 = _mm512_set1_epi64(static_cast<long long>(w[m + 2 * i + 1]));
      const __m512i ws2 = _mm512_set1_epi64(static_cast<long long>(ws[m + 2 * i + 1]));
      const __m512i w3 = _mm512_set1_epi64(static_cast<long long>(w[m / 2 + i]));
      const __m512i ws3 = _mm512_set1_epi64(static_cast<long long>(ws[m / 2 + i]));
      uint64_t* base = a + 4 * i * t;
      for (size_t j = 0; j < t; j += 8) {
        __m512i x0 = load(base + j), x1 = load(base + t + j), x2 = load(base + 2 * t + j),
                x3 = load(base + 3 * t + j);
        inv_bf(x0, x1, w1, ws1, k);
        inv_bf(x2, x3, w2, ws2, k);
        inv_bf(x0, x2, w3, ws3, k);
        inv_bf(x1, x3, w3, ws3, k);
        store(base + j, x0);
        store(base + t + j, x1);
        store(base + 2 * t + j, x2);
        store(base + 3 * t + j, x3);
      }
    }
    t <<= 2;
  }
  if (m == 2) {
    for (size_t i = 0; i < 2; ++i) {
      const __m512i wi = _mm512_set1_epi64(static_cast<long long>(w[2 + i]));
      const __m512i wsi = _mm512_set1_epi64(static_cast<long long>(ws[2 + i]));
      uint64_t* x = a + 2 * i * t;
      uint64_t* y = x + t;
      for (size_t j = 0; j < t; j += 8) {
        __m512i vx = load(x + j), vy = load(y + j);
        inv_bf(vx, vy, wi, wsi, k);
        store(x + j, vx);
        store(y + j, vy);
      }
    }
    t <<= 1;
  }
  // Last layer with n^-1 folded in (as in the portable kernel).
  const __m512i ni = _mm512_set1_epi64(static_cast<long long>(tb.n_inv()));
  const __m512i nis = _mm512_set1_epi64(static_cast<long long>(tb.n_inv_shoup52()));
  const __m512i nw = _mm512_set1_epi64(static_cast<long long>(tb.n_inv_w()));
  const __m512i nws = _mm512_set1_epi64(static_cast<long long>(tb.n_inv_w_shoup52()));
  uint64_t* x = a;
  uint64_t* y = a + t;
  for (size_t j = 0; j < t; j += 8) {
    __m512i u = load(x + j), v = load(y + j);
    // u + v < 4q < 2^52: valid Shoup input.
    __m512i rx = mul_shoup_lazy(_mm512_add_epi64(u, v), ni, nis, k);
    __m512i ry = mul_shoup_lazy(_mm512_add_epi64(_mm512_sub_epi64(u, v), k.two_q), nw, nws, k);
    if (!lazy) {
      rx = csub(rx, k.q);
      ry = csub(ry, k.q);
    }
    store(x + j, rx);
    store(y + j, ry);
  }
}

}  // namespace

void ntt_forward_ifma(uint64_t* a, const NttTables& tb, bool lazy, const uint64_t* src, const void* prefetch,
                      size_t prefetch_bytes) {
  forward_plain(a, tb, lazy, src, static_cast<const char*>(prefetch), prefetch_bytes);
}

void ntt_lift_sub_mul_ifma(uint64_t* out, const uint64_t* x, const uint64_t* a, const uint64_t* b, uint64_t c,
                           uint64_t c_shoup52, uint64_t e, uint64_t s, uint64_t s_shoup52,
                           const NttTables& tb, uint64_t ratio, uint64_t* scratch) {
  const __m512i vq = _mm512_set1_epi64(static_cast<long long>(tb.modulus().value()));
  const __m512i vr = _mm512_set1_epi64(static_cast<long long>(ratio));
  const __m512i vc = _mm512_set1_epi64(static_cast<long long>(c));
  const __m512i vcs = _mm512_set1_epi64(static_cast<long long>(c_shoup52));
  const __m512i ve = _mm512_set1_epi64(static_cast<long long>(e));
  const __m512i vs = _mm512_set1_epi64(static_cast<long long>(s));
  const __m512i vss = _mm512_set1_epi64(static_cast<long long>(s_shoup52));
  // v = (a + b c + e) mod q, computed where the first pass reads it.
  const auto lift = [&](size_t idx) {
    const __m512i vb = b ? load(b + idx) : vq;
    return ifma::lift_combine(load(a + idx), b ? &vb : nullptr, vc, vcs, ve, vr, vq);
  };
  // out = (x - V) s, where the final pass produces V (fully reduced).
  const auto sub_mul = [&](size_t idx, __m512i v) {
    store(out + idx, ifma::sub_mul(load(x + idx), v, vs, vss, vq));
  };
  forward_core(scratch, tb, false, lift, sub_mul, nullptr, 0);
}

void ntt_inverse_ifma(uint64_t* a, const NttTables& tb, bool lazy, const uint64_t* src) {
  if (src) {
    inverse_impl<true>(a, tb, lazy, src);
  } else {
    inverse_impl<false>(a, tb, lazy, nullptr);
  }
}

}  // namespace v100::math::detail
