#include "fhe/bfv/match.h"

#include "core/cpu.h"

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own `__Y = __Y` placeholder (as in
// math/poly_avx512.cc). Elsewhere than x86 (the WebAssembly build) the vector passes below are left
// out: cpu::active() has no features there, so every dispatch takes the portable path.
#if V100_CPU_X86
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif
#include <string.h>  // explicit_bzero (glibc)

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "core/secure.h"
#include "fhe/common/prg.h"
#include "fhe/common/serialize.h"
#include "math/ntt.h"
#include "math/poly.h"

namespace v100::fhe::bfv::match {

namespace {
void check_layout(const BfvContext& ctx) {
  if (ctx.n() % kValues != 0) throw std::invalid_argument("match: N must be a multiple of 128");
  if (ctx.t() <= 0xFFFF) throw std::invalid_argument("match: t must exceed 2^16 (16-bit values)");
}

// A mask value uniform in [1, t-1] from a 64-bit random word: 1 + floor(word (t-1) / 2^64), each
// value hit by floor or ceil of 2^64 / (t-1) words (statistical distance < t / 2^64 < 2^-47), and
// no division.
uint64_t nonzero_mod_t(uint64_t word, uint64_t t) {
  return 1 + static_cast<uint64_t>((static_cast<unsigned __int128>(word) * (t - 1)) >> 64);
}

// Centered lift of m in [0, t) into Z_q (m > t/2 stands for m - t): keeps |M|_inf <= t/2, which is
// what the noise bounds at the top of match.h assume.
uint64_t lift_centered(uint64_t m, uint64_t t, uint64_t q) {
  return m + ((q - t) & (0 - static_cast<uint64_t>(m > t / 2)));
}

// Flooding noise F uniform in [-2^b, 2^b) from a random word, as a residue mod q (2^(b+1) < q:
// one conditional add of q maps it into [0, q)).
uint64_t flood_residue(uint64_t word, int b, uint64_t q) {
  const int64_t f = static_cast<int64_t>(word & ((uint64_t{2} << b) - 1)) - (int64_t{1} << b);
  return static_cast<uint64_t>(f) + (q & static_cast<uint64_t>(f >> 63));
}

// Switches `count` values held as residues res[j] mod q_j (j < num_q, coefficient form) down to
// q_0: afterwards res[0][i] = round(c_i / (q_1 ... q_{num_q-1})) mod q_0 (the BFV modulus switch;
// it adds at most (1 + |s|_1) / 2 of rounding noise). The caller has added floor(q_{num_q-1} / 2)
// to every residue, which makes the first step a floor, c' = (c - [c]_{q_l}) / q_l with the
// remainder in [0, q_l): two vectorized passes. Further steps (num_q > 2, e.g. bfv-8192) subtract
// the centered remainder. tmp: `count` words.
void switch_to_q0(uint64_t* const* res, size_t num_q, size_t count, const RlweContext& r, uint64_t* tmp) {
  for (size_t l = num_q; l-- > 1;) {
    const uint64_t ql = r.modulus(l).value(), half = ql / 2;
    const uint64_t* last = res[l];
    for (size_t j = 0; j < l; ++j) {
      const math::Modulus& qj = r.modulus(j);
      const uint64_t ql_mod = math::reduce(ql, qj), inv = math::inv_mod(ql_mod, qj);
      const uint64_t* rem = tmp;
      if (l == num_q - 1) {
        if (ql <= qj.value()) {
          rem = last;  // already below q_j
        } else {
          math::poly_reduce_below(tmp, last, ql, count, qj);
        }
      } else {
        for (size_t i = 0; i < count; ++i) {
          tmp[i] = math::sub_mod(math::reduce(last[i], qj),
                                 ql_mod & (0 - static_cast<uint64_t>(last[i] > half)), qj);
        }
      }
      // (c - rem) / q_l = c * inv + rem * (q_j - inv)
      math::poly_mul_scalar(res[j], res[j], inv, count, qj);
      math::poly_mul_scalar_add(res[j], rem, qj.value() - inv, count, qj);
    }
  }
}

// out[i] = (base + e[i]) mod q, or with kAdd out[i] = (out[i] + base + e[i]) mod q, for out[i],
// base < q and small signed e (|e| <= 21 < q). One source compiled twice: the baseline build
// (SSE2) and an AVX-512 clone the compiler vectorizes 8 lanes wide; both are the same integer
// arithmetic, so the results are bit-identical (a test compares them through cpu::force_portable).
template <bool kAdd>
__attribute__((always_inline)) inline void offset_small_body(uint64_t* out, const int8_t* e, size_t n,
                                                             uint64_t base, uint64_t q) {
  for (size_t i = 0; i < n; ++i) {
    const uint64_t x = base + q + static_cast<uint64_t>(static_cast<int64_t>(e[i]));  // in [q - 21, 2q + 21)
    const uint64_t y = math::csub(math::csub(x, q), q);
    out[i] = kAdd ? math::csub(out[i] + y, q) : y;
  }
}
template <bool kAdd>
void offset_small_portable(uint64_t* out, const int8_t* e, size_t n, uint64_t base, uint64_t q) {
  offset_small_body<kAdd>(out, e, n, base, q);
}
#if V100_CPU_X86
#define V100_MATCH_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))
#else
#define V100_MATCH_AVX512
#endif
template <bool kAdd>
V100_MATCH_AVX512 void offset_small_avx512(uint64_t* out, const int8_t* e, size_t n, uint64_t base,
                                           uint64_t q) {
  offset_small_body<kAdd>(out, e, n, base, q);
}
bool use_avx512() {
  const cpu::Features& f = cpu::active();
  return f.avx512f && f.avx512vl && f.avx512bw && f.avx512dq;
}
template <bool kAdd>
void offset_small(uint64_t* out, const int8_t* e, size_t n, uint64_t base, uint64_t q) {
  if (use_avx512()) return offset_small_avx512<kAdd>(out, e, n, base, q);
  offset_small_portable<kAdd>(out, e, n, base, q);
}

// Byte-aligned little-endian values: value i at bytes [i w, i w + w). Writes through 8-byte stores
// (the caller leaves 8 bytes of slack); values are < 2^(8w).
void put_values_portable(uint8_t* p, const uint64_t* v, size_t n, size_t w) {
  for (size_t i = 0; i < n; ++i) std::memcpy(p + i * w, &v[i], 8);
}

// u uniform in {-1, 0, 1}^n, drawn in 64-byte chunks: a byte b < 255 gives b mod 3, mapped
// {0, 1, 2} -> {0, 1, -1} (255 = 3 * 85 values, so b mod 3 is uniform); 255 is rejected (a
// rejection says only that a stream byte was 255, nothing about an accepted value). The
// portable path maps byte by byte; the AVX-512 path maps a chunk without a 255 (78% of them) in one
// go and falls back to the same byte loop otherwise, so both give identical output from one stream.
// (fhe::sample_ternary draws the same distribution byte by byte; this is its vector-friendly twin
// for the look-up's per-block u.)
inline int8_t ternary_of(uint32_t b) {
  const uint32_t r = b - 3 * ((b * 171) >> 9);  // b mod 3 for b < 256
  return static_cast<int8_t>(static_cast<int>(r) - 3 * static_cast<int>(r >> 1));
}
size_t ternary_bytes(int8_t* out, size_t i, size_t n, const uint8_t* chunk) {
  for (size_t k = 0; k < 64 && i < n; ++k) {
    out[i] = ternary_of(chunk[k]);
    i += chunk[k] != 255;
  }
  return i;
}
#if V100_CPU_X86
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))) bool ternary_chunk_avx512(
    int8_t* out, size_t take, const uint8_t* chunk) {
  const __mmask64 live = take == 64 ? ~__mmask64{0} : (__mmask64{1} << take) - 1;
  const __m512i b = _mm512_loadu_si512(chunk);
  if (_mm512_mask_cmpeq_epi8_mask(live, b, _mm512_set1_epi8(-1)) != 0) return false;
  const __m512i k171 = _mm512_set1_epi16(171), three = _mm512_set1_epi16(3);
  for (int half = 0; half < 2; ++half) {
    const __m512i w =
        _mm512_cvtepu8_epi16(half == 0 ? _mm512_castsi512_si256(b) : _mm512_extracti64x4_epi64(b, 1));
    const __m512i r =
        _mm512_sub_epi16(w, _mm512_mullo_epi16(three, _mm512_srli_epi16(_mm512_mullo_epi16(w, k171), 9)));
    const __m512i t = _mm512_sub_epi16(r, _mm512_mullo_epi16(three, _mm512_srli_epi16(r, 1)));
    const __mmask32 m = static_cast<__mmask32>(live >> (32 * half));
    _mm256_mask_storeu_epi8(out + 32 * half, m, _mm512_cvtepi16_epi8(t));
  }
  return true;
}
#else
// Never called (use_avx512() is constantly false here).
bool ternary_chunk_avx512(int8_t*, size_t, const uint8_t*) {
  std::abort();
}
#endif
void ternary_chunked_impl(int8_t* out, size_t n, Prg& prg) {
  alignas(64) uint8_t chunk[64];
  const bool vec = use_avx512();
  for (size_t i = 0; i < n;) {
    prg.fill(chunk);
    const size_t take = std::min<size_t>(64, n - i);
    if (vec && ternary_chunk_avx512(out + i, take, chunk)) {
      i += take;
    } else {
      i = ternary_bytes(out, i, n, chunk);
    }
  }
  secure_wipe(chunk, sizeof chunk);
}

// ---- Fused per-prime passes of score_reply (AVX-512 IFMA, q < 2^50) ----
// The portable path runs poly_sub, poly_dot and (for c0) a group sum, one pass each; these kernels
// do the same arithmetic in ONE pass over roster, query, mask, u and key (about half the memory
// traffic, and c0's products are never stored). The results are fully reduced, hence identical to
// the portable path (tested through cpu::force_portable).
//
// Montgomery with R = 2^52: for x1, y1, y2 < q and x2 < 4q (u straight from the lazy NTT),
// V = x1 y1 + x2 y2 < 5 q^2 is held as hi 2^52 + lo (lo < 2^53); m = (lo mod 2^52)(-q^-1) mod
// 2^52 makes V + m q divisible by 2^52 and t = (V + m q) / 2^52 = hi + hi52(m q) + carry is
// V R^-1 mod q, below q (5q / 2^52 + 1) < 2q for q < 2^49 (use_ifma). A second product by R^2
// (c1), or a final scalar product by R (c0's group sums), removes the R^-1.
struct Mont52Consts {
  uint64_t q = 0, q_neg_inv = 0, r_mod = 0, r2_mod = 0;
  explicit Mont52Consts(const math::Modulus& mod) : q(mod.value()) {
    uint64_t inv = q;  // Newton: q^-1 mod 2^64 (q odd)
    for (int i = 0; i < 6; ++i) inv *= 2 - q * inv;
    q_neg_inv = (0 - inv) & ((uint64_t{1} << 52) - 1);
    r_mod = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << 52) % q);
    r2_mod = math::mul_mod(r_mod, r_mod, mod);
  }
};

#if V100_CPU_X86
#define V100_MATCH_IFMA __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512ifma")))

V100_MATCH_IFMA inline __m512i mont_sum(__m512i x1, __m512i y1, __m512i x2, __m512i y2, __m512i q,
                                        __m512i qinv) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i lo = _mm512_madd52lo_epu64(_mm512_madd52lo_epu64(zero, x1, y1), x2, y2);
  const __m512i hi = _mm512_madd52hi_epu64(_mm512_madd52hi_epu64(zero, x1, y1), x2, y2);
  const __m512i m = _mm512_madd52lo_epu64(zero, lo, qinv);
  const __m512i carry = _mm512_srli_epi64(_mm512_add_epi64(lo, _mm512_madd52lo_epu64(zero, m, q)), 52);
  return _mm512_add_epi64(_mm512_madd52hi_epu64(hi, m, q), carry);
}

V100_MATCH_IFMA inline __m512i mont_mul(__m512i x, __m512i y, __m512i q, __m512i qinv) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i lo = _mm512_madd52lo_epu64(zero, x, y);
  const __m512i hi = _mm512_madd52hi_epu64(zero, x, y);
  const __m512i m = _mm512_madd52lo_epu64(zero, lo, qinv);
  const __m512i carry = _mm512_srli_epi64(_mm512_add_epi64(lo, _mm512_madd52lo_epu64(zero, m, q)), 52);
  return _mm512_add_epi64(_mm512_madd52hi_epu64(hi, m, q), carry);
}

// x mod q for x < 2q; (r - y) mod q for r, y < q.
V100_MATCH_IFMA inline __m512i csub_v(__m512i x, __m512i q) {
  return _mm512_min_epu64(x, _mm512_sub_epi64(x, q));
}
V100_MATCH_IFMA inline __m512i sub_mod_v(__m512i r, __m512i y, __m512i q) {
  const __m512i d = _mm512_sub_epi64(r, y);
  return _mm512_min_epu64(d, _mm512_add_epi64(d, q));
}

// out = (roster - query) * m + u * a mod q (n a multiple of 8).
V100_MATCH_IFMA void fused_c1_ifma(uint64_t* out, const uint64_t* roster, const uint64_t* query,
                                   const uint64_t* m, const uint64_t* u, const uint64_t* a, size_t n,
                                   const Mont52Consts& c) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(c.q));
  const __m512i qinv = _mm512_set1_epi64(static_cast<long long>(c.q_neg_inv));
  const __m512i r2 = _mm512_set1_epi64(static_cast<long long>(c.r2_mod));
  for (size_t i = 0; i < n; i += 8) {
    const __m512i d = sub_mod_v(_mm512_loadu_si512(roster + i), _mm512_loadu_si512(query + i), q);
    const __m512i t =
        mont_sum(d, _mm512_loadu_si512(m + i), _mm512_loadu_si512(u + i), _mm512_loadu_si512(a + i), q, qinv);
    _mm512_storeu_si512(out + i, csub_v(mont_mul(t, r2, q, qinv), q));
  }
}

// sums[g] = sum over i in group g (v consecutive indices, v a multiple of 8) of
// ((roster - query) * mw + u * bw)[i] mod q.
V100_MATCH_IFMA void fused_c0_sums_ifma(uint64_t* sums, const uint64_t* roster, const uint64_t* query,
                                        const uint64_t* mw, const uint64_t* u, const uint64_t* bw,
                                        size_t groups, size_t v, const Mont52Consts& c,
                                        const math::Modulus& mod) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(c.q));
  const __m512i qinv = _mm512_set1_epi64(static_cast<long long>(c.q_neg_inv));
  for (size_t g = 0; g < groups; ++g) {
    __m512i acc = _mm512_setzero_si512();  // v / 8 terms < 2q each per lane
    for (size_t i = g * v; i < g * v + v; i += 8) {
      const __m512i d = sub_mod_v(_mm512_loadu_si512(roster + i), _mm512_loadu_si512(query + i), q);
      acc = _mm512_add_epi64(acc, mont_sum(d, _mm512_loadu_si512(mw + i), _mm512_loadu_si512(u + i),
                                           _mm512_loadu_si512(bw + i), q, qinv));
    }
    const uint64_t total = static_cast<uint64_t>(_mm512_reduce_add_epi64(acc));  // < 2 v q < 2^57
    sums[g] = math::mul_mod(math::reduce(total, mod), c.r_mod, mod);
  }
}

// The end of c1 for two primes (q_1 <= q_0): with h = floor(q_1 / 2) and the error e1,
// out = ((c_0 + h + e) - ((c_1 + h + e) mod q_1)) q_1^-1 mod q_0 — the error, the rounding offset
// and the switch to q_0 of switch_to_q0 in one pass (c_0 is `out` on entry, in place).
V100_MATCH_IFMA void finish_c1_ifma(uint64_t* out, const uint64_t* c1_hi, const int8_t* e, size_t n,
                                    uint64_t h0, uint64_t h1, uint64_t q1v, uint64_t inv_r,
                                    const Mont52Consts& c) {
  const __m512i q0 = _mm512_set1_epi64(static_cast<long long>(c.q));
  const __m512i q1 = _mm512_set1_epi64(static_cast<long long>(q1v));
  const __m512i qinv = _mm512_set1_epi64(static_cast<long long>(c.q_neg_inv));
  const __m512i hq0 = _mm512_set1_epi64(static_cast<long long>(h0 + c.q));
  const __m512i hq1 = _mm512_set1_epi64(static_cast<long long>(h1 + q1v));
  const __m512i k = _mm512_set1_epi64(static_cast<long long>(inv_r));
  for (size_t i = 0; i < n; i += 8) {
    const __m512i ev = _mm512_cvtepi8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(e + i)));
    // h + q + e + c is in [q - 21, 3q + 21): three conditional subtractions of q.
    __m512i x0 = _mm512_add_epi64(_mm512_add_epi64(hq0, ev), _mm512_loadu_si512(out + i));
    __m512i x1 = _mm512_add_epi64(_mm512_add_epi64(hq1, ev), _mm512_loadu_si512(c1_hi + i));
    x0 = csub_v(csub_v(csub_v(x0, q0), q0), q0);
    x1 = csub_v(csub_v(csub_v(x1, q1), q1), q1);
    const __m512i d = sub_mod_v(x0, x1, q0);  // x1 < q_1 <= q_0
    _mm512_storeu_si512(out + i, csub_v(mont_mul(d, k, q0, qinv), q0));
  }
}

#else
// Never called (use_ifma() is constantly false here).
void fused_c1_ifma(uint64_t*, const uint64_t*, const uint64_t*, const uint64_t*, const uint64_t*,
                   const uint64_t*, size_t, const Mont52Consts&) {
  std::abort();
}
void fused_c0_sums_ifma(uint64_t*, const uint64_t*, const uint64_t*, const uint64_t*, const uint64_t*,
                        const uint64_t*, size_t, size_t, const Mont52Consts&, const math::Modulus&) {
  std::abort();
}
void finish_c1_ifma(uint64_t*, const uint64_t*, const int8_t*, size_t, uint64_t, uint64_t, uint64_t, uint64_t,
                    const Mont52Consts&) {
  std::abort();
}
#endif

bool use_ifma(const math::Modulus& q) {
  const cpu::Features& f = cpu::active();
  return use_avx512() && f.avx512ifma && q.value() < (uint64_t{1} << 49);
}

// Errors e from CBD(21) (popcount of 21 random bits minus popcount of 21 more: variance 10.5,
// the distribution of sample_cbd21) with 16 random bytes per 3 samples instead of 8 bytes per
// sample: a block of 16 little-endian words X = w_0..w_7, Y = w_8..w_15 gives 24 samples, in order
// CBD(X_k bits 0-20, bits 21-41), CBD(Y_k bits 0-20, 21-41), CBD(X_k bits 42-62, Y_k bits 42-62)
// for k < 8. Constant time (SWAR popcounts, no table, no branch on the bits).
constexpr uint64_t kMask21 = (uint64_t{1} << 21) - 1;
inline int popcount21(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}
void cbd21_block_portable(int8_t* out, const uint64_t* w) {
  for (size_t k = 0; k < 8; ++k) {
    const uint64_t x = w[k], y = w[8 + k];
    out[k] = static_cast<int8_t>(popcount21(x & kMask21) - popcount21((x >> 21) & kMask21));
    out[8 + k] = static_cast<int8_t>(popcount21(y & kMask21) - popcount21((y >> 21) & kMask21));
    out[16 + k] = static_cast<int8_t>(popcount21((x >> 42) & kMask21) - popcount21((y >> 42) & kMask21));
  }
}
#if V100_CPU_X86
// The header's placeholder also trips -Wuninitialized through _mm512_srli_epi64 here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))) inline __m512i popcount_v(__m512i x) {
  // Byte popcounts by SWAR, then the sum of each qword's 8 bytes (vpsadbw).
  const __m512i m1 = _mm512_set1_epi8(0x55), m2 = _mm512_set1_epi8(0x33), m4 = _mm512_set1_epi8(0x0f);
  x = _mm512_sub_epi64(x, _mm512_and_si512(_mm512_srli_epi64(x, 1), m1));
  x = _mm512_add_epi64(_mm512_and_si512(x, m2), _mm512_and_si512(_mm512_srli_epi64(x, 2), m2));
  x = _mm512_and_si512(_mm512_add_epi64(x, _mm512_srli_epi64(x, 4)), m4);
  return _mm512_sad_epu8(x, _mm512_setzero_si512());
}
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))) inline __m128i cbd21_v(__m512i a, __m512i b) {
  const __m512i m = _mm512_set1_epi64(static_cast<long long>(kMask21));
  return _mm512_cvtepi64_epi8(
      _mm512_sub_epi64(popcount_v(_mm512_and_si512(a, m)), popcount_v(_mm512_and_si512(b, m))));
}
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))) void cbd21_block_avx512(int8_t* out,
                                                                                      const uint64_t* w) {
  const __m512i x = _mm512_loadu_si512(w), y = _mm512_loadu_si512(w + 8);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), cbd21_v(x, _mm512_srli_epi64(x, 21)));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 8), cbd21_v(y, _mm512_srli_epi64(y, 21)));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 16),
                   cbd21_v(_mm512_srli_epi64(x, 42), _mm512_srli_epi64(y, 42)));
}
#pragma GCC diagnostic pop
#else
// Never called (use_avx512() is constantly false here).
void cbd21_block_avx512(int8_t*, const uint64_t*) {
  std::abort();
}
#endif
void cbd21_dense_impl(int8_t* out, size_t n, Prg& prg) {
  alignas(64) uint64_t words[16 * 8];  // 8 blocks per fill
  int8_t last[24];
  const bool vec = use_avx512();
  for (size_t i = 0; i < n;) {
    prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words), sizeof words));
    for (size_t b = 0; b < 8 && i < n; ++b, i += 24) {
      int8_t* dst = i + 24 <= n ? out + i : last;
      if (vec) {
        cbd21_block_avx512(dst, words + 16 * b);
      } else {
        cbd21_block_portable(dst, words + 16 * b);
      }
      if (dst == last) std::copy(last, last + (n - i), out + i);
    }
  }
  secure_wipe(words, sizeof words);
  secure_wipe(last, sizeof last);
}

// Reads n values of w bytes from exactly n * w bytes; false if any is >= q. Same twin scheme as
// offset_small.
__attribute__((always_inline)) inline bool get_values_body(uint64_t* v, const uint8_t* p, size_t n, size_t w,
                                                           uint64_t q) {
  const uint64_t mask = w == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * w)) - 1;
  // Values whose 8-byte load stays inside the input; the last few are read byte by byte.
  const size_t wide = n * w >= 8 ? (n * w - 8) / w + 1 : 0;
  uint64_t bad = 0;
  for (size_t i = 0; i < wide; ++i) {
    uint64_t x;
    std::memcpy(&x, p + i * w, 8);  // little-endian host (x86-64)
    v[i] = x & mask;
    bad |= static_cast<uint64_t>(v[i] >= q);
  }
  for (size_t i = wide; i < n; ++i) {
    uint64_t x = 0;
    for (size_t b = 0; b < w; ++b) x |= static_cast<uint64_t>(p[i * w + b]) << (8 * b);
    v[i] = x;
    bad |= static_cast<uint64_t>(x >= q);
  }
  return bad == 0;
}
bool get_values_portable(uint64_t* v, const uint8_t* p, size_t n, size_t w, uint64_t q) {
  return get_values_body(v, p, n, w, q);
}
V100_MATCH_AVX512 bool get_values_avx512(uint64_t* v, const uint8_t* p, size_t n, size_t w, uint64_t q) {
  return get_values_body(v, p, n, w, q);
}
// 5-byte values (the named sets' 36-bit primes), 8 per step: the 40 bytes are loaded under a byte
// mask (no read past the input), qwords {0,1}, {1,2}, {2,3}, {3,4} go to the four 128-bit lanes
// (lane l then starts at byte 8 floor(10 l / 8)), and a per-lane byte shuffle moves value 2l + h
// (bytes 10 l + 5 h .. + 4) to the low 5 bytes of qword h, zeroing the rest.
#if V100_CPU_X86
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))) bool get_values5_avx512(uint64_t* v,
                                                                                      const uint8_t* p,
                                                                                      size_t n, uint64_t q) {
  alignas(64) static const int8_t kShuffle[64] = {
      0, 1, 2, 3, 4,  -1, -1, -1, 5,  6,  7,  8,  9,  -1, -1, -1,  // lane 0: offset 0
      2, 3, 4, 5, 6,  -1, -1, -1, 7,  8,  9,  10, 11, -1, -1, -1,  // lane 1: offset 2
      4, 5, 6, 7, 8,  -1, -1, -1, 9,  10, 11, 12, 13, -1, -1, -1,  // lane 2: offset 4
      6, 7, 8, 9, 10, -1, -1, -1, 11, 12, 13, 14, 15, -1, -1, -1   // lane 3: offset 6
  };
  alignas(64) static const int64_t kSpread[8] = {0, 1, 1, 2, 2, 3, 3, 4};
  const __m512i shuffle = _mm512_load_si512(kShuffle);
  const __m512i spread = _mm512_load_si512(kSpread);
  const __m512i qv = _mm512_set1_epi64(static_cast<long long>(q));
  __mmask8 bad = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i raw = _mm512_maskz_loadu_epi8(0xFFFFFFFFFFull, p + i * 5);
    const __m512i x = _mm512_shuffle_epi8(_mm512_permutexvar_epi64(spread, raw), shuffle);
    bad |= _mm512_cmpge_epu64_mask(x, qv);
    _mm512_storeu_si512(v + i, x);
  }
  const bool tail_ok = get_values_body(v + i, p + i * 5, n - i, 5, q);
  return bad == 0 && tail_ok;
}

// The inverse of get_values5_avx512: 8 values (< 2^40) to 40 bytes. A per-lane byte shuffle puts
// values 2l, 2l+1 at bytes 10 l - 8 l .. + 9 of lane l (offsets 0, 2, 4, 6), the lanes' low qwords
// go to output qwords 0..3 and their high qwords to 1..4 (OR-ed), and a byte-masked store writes
// exactly 40 bytes.
__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))) void put_values5_avx512(uint8_t* p,
                                                                                      const uint64_t* v,
                                                                                      size_t n) {
  alignas(64) static const int8_t kShuffle[64] = {
      0,  1,  2,  3,  4,  8,  9, 10, 11, 12, -1, -1, -1, -1, -1, -1,  // lane 0: offset 0
      -1, -1, 0,  1,  2,  3,  4, 8,  9,  10, 11, 12, -1, -1, -1, -1,  // lane 1: offset 2
      -1, -1, -1, -1, 0,  1,  2, 3,  4,  8,  9,  10, 11, 12, -1, -1,  // lane 2: offset 4
      -1, -1, -1, -1, -1, -1, 0, 1,  2,  3,  4,  8,  9,  10, 11, 12   // lane 3: offset 6
  };
  alignas(64) static const int64_t kLow[8] = {0, 2, 4, 6, 0, 0, 0, 0};
  alignas(64) static const int64_t kHigh[8] = {0, 1, 3, 5, 7, 0, 0, 0};
  const __m512i shuffle = _mm512_load_si512(kShuffle);
  const __m512i low = _mm512_load_si512(kLow), high = _mm512_load_si512(kHigh);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512i x = _mm512_shuffle_epi8(_mm512_loadu_si512(v + i), shuffle);
    const __m512i packed = _mm512_or_si512(_mm512_maskz_permutexvar_epi64(0x0F, low, x),
                                           _mm512_maskz_permutexvar_epi64(0x1E, high, x));
    _mm512_mask_storeu_epi8(p + i * 5, 0xFFFFFFFFFFull, packed);
  }
  put_values_portable(p + i * 5, v + i, n - i, 5);
}

// Writes through 8-byte stores on the portable path: the caller leaves 8 bytes of slack.
#else
// Never called (use_avx512() is constantly false here).
bool get_values5_avx512(uint64_t*, const uint8_t*, size_t, uint64_t) {
  std::abort();
}
void put_values5_avx512(uint8_t*, const uint64_t*, size_t) {
  std::abort();
}
#endif

void put_values(uint8_t* p, const uint64_t* v, size_t n, size_t w) {
  if (w == 5 && use_avx512()) return put_values5_avx512(p, v, n);
  put_values_portable(p, v, n, w);
}

bool get_values(uint64_t* v, const uint8_t* p, size_t n, size_t w, uint64_t q) {
  if (!use_avx512()) return get_values_portable(v, p, n, w, q);
  return w == 5 ? get_values5_avx512(v, p, n, q) : get_values_avx512(v, p, n, w, q);
}

constexpr uint8_t kReplyMagic[4] = {'V', '1', 'M', 'R'};
constexpr uint8_t kQueryMagic[4] = {'V', '1', 'M', 'Q'};
constexpr uint8_t kReplyVersion = 1;
constexpr size_t kWireHeader = 4 + 1 + 8;  // magic, version, parameter id

void put_header(uint8_t* p, const uint8_t (&magic)[4], uint64_t id) {
  std::memcpy(p, magic, 4);
  p[4] = kReplyVersion;
  for (int i = 0; i < 8; ++i) p[5 + i] = static_cast<uint8_t>(id >> (8 * i));
}

Status check_header(ByteReader& r, const uint8_t (&magic)[4], uint64_t id, const char* what) {
  ByteSpan m;
  uint8_t version = 0;
  uint64_t got = 0;
  if (!r.bytes(4, m) || !std::equal(m.begin(), m.end(), magic))
    return Status::error(std::string(what) + ": bad magic");
  if (!r.u8(version) || version != kReplyVersion)
    return Status::error(std::string(what) + ": unsupported version");
  if (!r.u64(got) || got != id) return Status::error(std::string(what) + ": wrong parameter set");
  return Status::ok();
}

size_t value_width(const math::Modulus& q) {
  return static_cast<size_t>(q.bit_count() + 7) / 8;
}
}  // namespace

void detail::sample_ternary_chunked(int8_t* out, size_t n, Prg& prg) {
  ternary_chunked_impl(out, n, prg);
}
void detail::sample_cbd21_dense(int8_t* out, size_t n, Prg& prg) {
  cbd21_dense_impl(out, n, prg);
}

Bytes serialize_score_reply(const BfvContext& ctx, const ScoreReply& reply) {
  const math::Modulus& q0 = ctx.rlwe().modulus(0);
  const size_t w = value_width(q0), n = reply.c1.n(), count = reply.c0.size();
  if (reply.c1.num_q() != 1 || reply.c1.is_ntt() || n != ctx.n() || count > 0xFFFF) {
    throw std::invalid_argument("serialize_score_reply: reply of the wrong shape");
  }
  const size_t c1_at = kWireHeader + 1, c0_at = c1_at + n * w + 2, total = c0_at + count * w;
  Bytes out(total + 8);  // + slack for the last 8-byte store
  uint8_t* p = out.data();
  put_header(p, kReplyMagic, ctx.param_id());
  p[kWireHeader] = static_cast<uint8_t>(w);
  put_values(p + c1_at, reply.c1.residue(0), n, w);
  p[c0_at - 2] = static_cast<uint8_t>(count);
  p[c0_at - 1] = static_cast<uint8_t>(count >> 8);
  put_values(p + c0_at, reply.c0.data(), count, w);
  out.resize(total);
  return out;
}

Result<ScoreReply> deserialize_score_reply(const BfvContext& ctx, ByteSpan in) {
  using R = Result<ScoreReply>;
  ByteReader r(in);
  if (Status st = check_header(r, kReplyMagic, ctx.param_id(), "score reply"); !st) return st;
  const math::Modulus& q0 = ctx.rlwe().modulus(0);
  const size_t w = value_width(q0), n = ctx.n();
  uint8_t width = 0;
  if (!r.u8(width) || width != w) return R::error("score reply: wrong value width");
  ScoreReply out;
  out.c1 = RnsPoly(n, 1, 0, false);
  ByteSpan body;
  if (!r.bytes(n * w, body)) return R::error("score reply: truncated c1");
  if (!get_values(out.c1.residue(0), body.data(), n, w, q0.value()))
    return R::error("score reply: value out of range");
  uint16_t count = 0;
  if (!r.u16(count) || count != kScoresPerUser * (n / kValues))
    return R::error("score reply: wrong score count");
  out.c0.resize(count);
  if (!r.bytes(count * w, body)) return R::error("score reply: truncated scores");
  if (!get_values(out.c0.data(), body.data(), count, w, q0.value()))
    return R::error("score reply: value out of range");
  if (!r.at_end()) return R::error("score reply: trailing bytes");
  return out;
}

Bytes serialize_score_query(const BfvContext& ctx, const Ciphertext& query) {
  const RlweContext& r = ctx.rlwe();
  const size_t n = r.n(), L = r.num_q();
  if (query.size() != 2 || !query.is_ntt() || query.num_q() != L || query.param_id != ctx.param_id()) {
    throw std::invalid_argument("serialize_score_query: need a size-2 full-level NTT-form ciphertext");
  }
  size_t total = kWireHeader;
  for (size_t j = 0; j < L; ++j) total += 2 * n * value_width(r.modulus(j));
  Bytes out(total + 8);
  uint8_t* p = out.data();
  put_header(p, kQueryMagic, ctx.param_id());
  size_t at = kWireHeader;
  for (const RnsPoly& poly : query.polys) {
    for (size_t j = 0; j < L; ++j) {
      const size_t w = value_width(r.modulus(j));
      put_values(p + at, poly.residue(j), n, w);
      at += n * w;
    }
  }
  out.resize(total);
  return out;
}

Status deserialize_score_query_into(const BfvContext& ctx, ByteSpan in, Ciphertext& out) {
  const RlweContext& r = ctx.rlwe();
  const size_t n = r.n(), L = r.num_q();
  ByteReader rd(in);
  if (Status st = check_header(rd, kQueryMagic, ctx.param_id(), "score query"); !st) return st;
  out.param_id = ctx.param_id();
  out.scale = 1.0;
  out.clear_seed();
  out.polys.resize(2);
  for (RnsPoly& poly : out.polys) {
    if (poly.n() != n || poly.num_q() != L || poly.num_special() != 0) poly = RnsPoly(n, L, 0, true);
    poly.set_ntt(true);
    for (size_t j = 0; j < L; ++j) {
      const math::Modulus& q = r.modulus(j);
      const size_t w = value_width(q);
      ByteSpan body;
      if (!rd.bytes(n * w, body)) return Status::error("score query: truncated");
      if (!get_values(poly.residue(j), body.data(), n, w, q.value()))
        return Status::error("score query: value out of range");
    }
  }
  if (!rd.at_end()) return Status::error("score query: trailing bytes");
  return Status::ok();
}

Result<Ciphertext> deserialize_score_query(const BfvContext& ctx, ByteSpan in) {
  Ciphertext ct;
  if (Status st = deserialize_score_query_into(ctx, in, ct); !st) return st;
  return ct;
}

MatchClient::MatchClient(BfvContextPtr ctx, const SecretKey& sk)
    : ctx_(ctx), enc_(ctx), sym_(ctx, sk), dec_(ctx, sk), num_users_(ctx->n() / kValues) {
  check_layout(*ctx_);
}

Ciphertext MatchClient::encrypt_roster(std::span<const uint16_t> values) const {
  if (values.size() != num_users_ * kValues) throw std::invalid_argument("encrypt_roster: need N values");
  std::vector<uint64_t> c(values.begin(), values.end());
  return sym_.encrypt(enc_.encode(c));
}

Ciphertext MatchClient::encrypt_user_block(size_t user, std::span<const uint16_t> values) const {
  if (user >= num_users_ || values.size() != kValues)
    throw std::invalid_argument("encrypt_user_block: bad block");
  std::vector<uint64_t> c(ctx_->n(), 0);
  for (size_t j = 0; j < kValues; ++j) c[user * kValues + j] = values[j];
  return sym_.encrypt(enc_.encode(c));
}

Ciphertext MatchClient::encrypt_query(std::span<const uint16_t> y) const {
  if (y.size() != kValues) throw std::invalid_argument("encrypt_query: need 128 values");
  std::vector<uint64_t> c(ctx_->n());
  for (size_t k = 0; k < num_users_; ++k) {
    for (size_t j = 0; j < kValues; ++j) c[k * kValues + j] = y[j];
  }
  return sym_.encrypt(enc_.encode(c));
}

std::vector<uint64_t> MatchClient::decrypt_scores(const Ciphertext& reply) const {
  Plaintext pt = dec_.decrypt(reply);
  std::vector<uint64_t> out(num_users_);
  for (size_t k = 0; k < num_users_; ++k) out[k] = pt.coeffs[result_index(k)];
  secure_wipe(pt.coeffs);  // the other coefficients are noise, but do not keep them around
  return out;
}

Ciphertext MatchClient::encrypt_token_block(size_t user, std::span<const uint16_t> token) const {
  return encrypt_token_block_impl(user, token, nullptr);
}

Ciphertext MatchClient::encrypt_token_block(size_t user, std::span<const uint16_t> token,
                                            std::span<const uint8_t, 32> randomness) const {
  return encrypt_token_block_impl(user, token, randomness.data());
}

Ciphertext MatchClient::encrypt_token_block_impl(size_t user, std::span<const uint16_t> token,
                                                 const uint8_t* randomness) const {
  if (user >= num_users_ || token.size() != kTokenValues)
    throw std::invalid_argument("encrypt_token_block: bad block");
  std::vector<uint64_t> c(ctx_->n(), 0);
  std::copy(token.begin(), token.end(), c.begin() + static_cast<std::ptrdiff_t>(user * kValues));
  return encrypt_coeffs(c, randomness);
}

Ciphertext MatchClient::encrypt_token_query(std::span<const uint16_t> token) const {
  return encrypt_token_query_impl(token, nullptr);
}

Ciphertext MatchClient::encrypt_token_query(std::span<const uint16_t> token,
                                            std::span<const uint8_t, 32> randomness) const {
  return encrypt_token_query_impl(token, randomness.data());
}

Ciphertext MatchClient::encrypt_token_query_impl(std::span<const uint16_t> token,
                                                 const uint8_t* randomness) const {
  if (token.size() != kTokenValues) throw std::invalid_argument("encrypt_token_query: need 32 values");
  std::vector<uint64_t> c(ctx_->n(), 0);
  for (size_t k = 0; k < num_users_; ++k) {
    std::copy(token.begin(), token.end(), c.begin() + static_cast<std::ptrdiff_t>(k * kValues));
  }
  return encrypt_coeffs(c, randomness);
}

Ciphertext MatchClient::encrypt_coeffs(std::vector<uint64_t>& c, const uint8_t* randomness) const {
  Plaintext pt = enc_.encode(c);
  Ciphertext ct = randomness == nullptr ? sym_.encrypt(pt)
                                        : sym_.encrypt(pt, std::span<const uint8_t, 32>(randomness, 32));
  secure_wipe(c);
  secure_wipe(pt.coeffs);
  return ct;
}

std::vector<std::array<uint64_t, kScoresPerUser>> MatchClient::decrypt_score_reply(
    const ScoreReply& reply) const {
  const size_t n = ctx_->n();
  if (reply.c1.n() != n || reply.c1.num_q() != 1 || reply.c1.num_special() != 0 || reply.c1.is_ntt() ||
      reply.c0.size() != kScoresPerUser * num_users_) {
    throw std::invalid_argument("decrypt_score_reply: reply of the wrong shape");
  }
  // A level-1 ciphertext whose c0 is zero away from the score positions: only those decrypt to
  // anything meaningful, and only those are read.
  Ciphertext ct;
  ct.param_id = ctx_->param_id();
  ct.polys.emplace_back(n, 1, 0, false);
  ct.polys.push_back(reply.c1);
  for (size_t k = 0; k < num_users_; ++k) {
    for (size_t w = 0; w < kScoresPerUser; ++w)
      ct.polys[0].residue(0)[score_index(k, w)] = reply.c0[k * kScoresPerUser + w];
  }
  Plaintext pt = dec_.decrypt(ct);
  std::vector<std::array<uint64_t, kScoresPerUser>> out(num_users_);
  for (size_t k = 0; k < num_users_; ++k) {
    for (size_t w = 0; w < kScoresPerUser; ++w) out[k][w] = pt.coeffs[score_index(k, w)];
  }
  secure_wipe(pt.coeffs);
  return out;
}

MatchServer::MatchServer(BfvContextPtr ctx, PublicKey pk)
    : ctx_(ctx), pk_(std::move(pk)), ev_(ctx), num_users_(ctx->n() / kValues) {
  check_layout(*ctx_);
  if (pk_.param_id != ctx_->param_id())
    throw std::invalid_argument("MatchServer: key for another parameter set");
  if (pk_.b.num_q() != ctx_->num_q() || pk_.a.num_q() != ctx_->num_q() || !pk_.b.is_ntt() ||
      !pk_.a.is_ntt()) {
    throw std::invalid_argument("MatchServer: public key must be full-level NTT form");
  }
  score_tables_ = make_score_tables(*ctx_, pk_);
  // Flooding after the switch to q_0: |F| <= 2^b with b = floor(log2(q_0 / t)) - 3 keeps
  // F + rounding noise below Delta_1 / 2 (the rounding noise of the switch is <= (1 + |s|_1) / 2).
  const double lq0 = std::log2(static_cast<double>(ctx_->rlwe().modulus(0).value()));
  flood_bits_ = static_cast<int>(std::floor(lq0 - std::log2(static_cast<double>(ctx_->t())))) - 3;
  if (flood_bits_ < 4) throw std::invalid_argument("MatchServer: q_0 too small for flooding");
}

PreparedReference MatchServer::prepare_reference(std::span<const uint16_t> y) const {
  if (y.size() != kValues) throw std::invalid_argument("prepare_reference: need 128 values");
  Plaintext pt;
  pt.param_id = ctx_->param_id();
  pt.coeffs.assign(ctx_->n(), 0);
  for (size_t j = 0; j < kValues; ++j) pt.coeffs[kValues - 1 - j] = y[j];
  return PreparedReference{ev_.transform_plain(pt)};
}

Ciphertext MatchServer::finalize(Ciphertext product) const {
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = product.num_q();
  if (product.size() != 2 || L != r.num_q() || product.param_id != ctx_->param_id()) {
    throw std::invalid_argument("match finalize: need a size-2 full-level product");
  }
  Ciphertext ct = std::move(product);
  ev_.to_ntt_inplace(ct);
  Prg prg = Prg::fresh();
  // (2) + (b u, a u + e1), a public-key encryption of zero (its e0 is subsumed by the flooding
  // below): accumulate b u, a u in the NTT domain, then go to coefficients once.
  std::vector<int8_t> small(n);
  sample_ternary(small.data(), n, prg);
  std::vector<uint64_t> u(n);
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    signed_to_mod(u.data(), small.data(), n, q.value());
    math::ntt_forward(u.data(), r.ntt(j));
    math::poly_mul_add(ct.polys[0].residue(j), pk_.b.residue(j), u.data(), n, q);
    math::poly_mul_add(ct.polys[1].residue(j), pk_.a.residue(j), u.data(), n, q);
  }
  ev_.from_ntt_inplace(ct);
  sample_cbd21(small.data(), n, prg);
  for (size_t j = 0; j < L; ++j) {
    signed_to_mod(u.data(), small.data(), n, r.modulus(j).value());
    math::poly_add(ct.polys[1].residue(j), ct.polys[1].residue(j), u.data(), n, r.modulus(j));
  }
  // (4) Shrink the reply to the first prime (divides every noise term above by Q/q_0).
  ev_.mod_switch_to_inplace(ct, 1);
  // (1) + (3) on the one remaining residue: c0 += Delta_1 * U + F, U uniform mod t at the
  // non-result coefficients (0 at the results), F uniform in [-2^b, 2^b).
  const math::Modulus& q0 = r.modulus(0);
  const uint64_t d = ctx_->level(1).delta_mod_q[0], ds = math::shoup_precompute(d, q0);
  std::vector<uint64_t> words(n);
  prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words.data()), words.size() * 8));
  uint64_t* c0 = ct.polys[0].residue(0);
  const uint64_t qv = q0.value();
  for (size_t i = 0; i < n; ++i) {
    const uint64_t w = words[i];
    // Low 32 bits -> U via Lemire's multiply-shift on 32 bits would be biased; use the full word:
    // U = w mod t (bias < t / 2^64 < 2^-47); F from an independent 64-bit word below.
    uint64_t uval =
        math::reduce(w, ctx_->t_modulus()) & (static_cast<uint64_t>(i % kValues == kValues - 1) - 1);
    c0[i] = math::add_mod(c0[i], math::mul_shoup(uval, d, ds, q0), q0);
  }
  prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words.data()), words.size() * 8));
  for (size_t i = 0; i < n; ++i) c0[i] = math::add_mod(c0[i], flood_residue(words[i], flood_bits_, qv), q0);
  secure_wipe(words);
  secure_wipe(small);
  secure_wipe(u);
  return ct;
}

// Per-prime constants of score_reply. The c0 of a reply is needed only at the score positions
// c = v m + v - 1 (v = kTokenValues, m < G = N / v), and those coefficients come out of the NTT
// form without a full inverse transform. With out[i] = a(psi^e_i), e_i = 2 bitrev(i) + 1:
//   a_c = (1/N) sum_i out[i] psi^(-e_i c) = (1/N) sum_g zeta_g^(-m) B_g,
//   B_g = sum_{i in group g} out[i] psi^(-(v-1) e_i),   zeta_g = psi^(v e_i),
// where psi^(v e_i) depends only on e_i mod 2G, i.e. on the top log2(G) bits of i: group g is the
// v consecutive indices g v .. g v + v - 1. The outer sum is a G-point negacyclic inverse NTT
// (its own tables; its psi' generates the same roots, so group g goes to the input index whose
// root psi'^(2 bitrev(j) + 1) equals zeta_g). Cost: one dyadic product, N additions and a 128-point
// transform instead of a 4096-point one.
struct MatchServer::ScoreTables {
  struct Prime {
    std::vector<uint64_t> weight;    // psi^(-(v-1) e_i) * G / N mod q, NTT order
    std::vector<uint64_t> b_weight;  // pk.b * weight (the c0 part of Enc(0), pre-weighted)
    std::vector<uint32_t> slot;      // small-NTT input index of group g
    std::unique_ptr<math::NttTables> small;
  };
  std::vector<Prime> primes;
  std::vector<uint64_t> half;      // floor(q_{L-1} / 2) mod q_j (the rounding offset of the switch)
  std::vector<Mont52Consts> mont;  // per prime, for the fused IFMA passes
  uint64_t q1_inv_r = 0;           // q_1^-1 R mod q_0 (two primes: finish_c1_ifma)
};

namespace {
int log2_exact(size_t x) {
  int l = 0;
  while ((size_t{1} << l) < x) ++l;
  return l;
}
}  // namespace

// A word buffer that grows but never shrinks or zero-fills (every use overwrites what it reads).
class WordBuffer {
 public:
  uint64_t* get(size_t count) {
    if (count > size_) {
      wipe();
      data_.reset(new uint64_t[count]);  // default-initialized: no zero fill
      size_ = count;
    }
    return data_.get();
  }
  const uint64_t* data() const { return data_.get(); }
  // glibc's explicit_bzero: a memset the compiler may not drop, at memset speed. (secure_wipe is
  // OpenSSL's cleanse, one 8-byte store per cycle: 10 us a look-up for these 160 KB.)
  void wipe() {
    if (data_) explicit_bzero(data_.get(), size_ * sizeof(uint64_t));
  }

 private:
  std::unique_ptr<uint64_t[]> data_;
  size_t size_ = 0;
};

struct ScoreScratch::Impl {
  explicit Impl(Prg p) : prg(std::move(p)) {}
  Prg prg;
  WordBuffer u;               // u mod q_j in NTT form, then errors mod q_j (secret: wiped)
  WordBuffer words;           // mask values (draw_mask), then flooding words (secret: wiped)
  WordBuffer p0;              // c0 of product + Enc(0), NTT form, one residue at a time
  WordBuffer p1;              // c1 residues 1..L-1 (residue 0 is computed in the reply)
  WordBuffer c0;              // c0 at the score positions, residue-major
  WordBuffer tmp;             // N words
  std::vector<int8_t> small;  // u ternary, then e1 (N) and e0 (at the score positions) (wiped)
  ~Impl() {
    u.wipe();
    words.wipe();
    secure_wipe(small);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

ScoreScratch::ScoreScratch() : impl_(std::make_unique<Impl>(Prg::fresh())) {}

void ScoreScratch::renew() {
  impl_->u.wipe();
  impl_->words.wipe();
  secure_wipe(impl_->small);
  impl_->prg = Prg::fresh();
}
ScoreScratch::ScoreScratch(std::span<const uint8_t> seed)
    : impl_(std::make_unique<Impl>(Prg(Prg::Kind::kAes256Ctr, seed, kScoreScratchLabel))) {}
ScoreScratch::~ScoreScratch() = default;

struct ScoreMask::Impl {
  WordBuffer m;   // M in NTT form, residue-major (L * N)
  WordBuffer mw;  // M * weight, residue-major (L * N)
  size_t n = 0, num_q = 0;
  uint64_t param_id = 0;
  ~Impl() {
    m.wipe();
    mw.wipe();
  }
};

ScoreMask::ScoreMask() : impl_(std::make_unique<Impl>()) {}
ScoreMask::~ScoreMask() = default;
bool ScoreMask::empty() const {
  return impl_->num_q == 0;
}
void ScoreMask::wipe() {
  impl_->m.wipe();
  impl_->mw.wipe();
  impl_->n = impl_->num_q = 0;
}

void MatchServer::draw_mask(ScoreScratch& scratch, ScoreMask& mask) const {
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = r.num_q(), v = kTokenValues;
  ScoreScratch::Impl& s = *scratch.impl_;
  ScoreMask::Impl& mk = *mask.impl_;
  uint64_t* const words = s.words.get(kValues);
  s.prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words), kValues * 8));
  const uint64_t t = ctx_->t();
  for (size_t i = 0; i < kValues; ++i) words[i] = nonzero_mod_t(words[i], t);
  uint64_t* const all_m = mk.m.get(n * L);
  uint64_t* const all_mw = mk.mw.get(n * L);
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    // M(X) = sum_w X^(w v) R_w(X): coefficient w v + v-1-i is r_wi; 0..127 set, the rest zero.
    uint64_t* m = all_m + j * n;
    for (size_t w = 0; w < kScoresPerUser; ++w) {
      for (size_t i = 0; i < v; ++i) m[w * v + v - 1 - i] = lift_centered(words[w * v + i], t, q.value());
    }
    std::fill(m + kValues, m + n, 0);
    math::ntt_forward(m, r.ntt(j));
    math::poly_mul(all_mw + j * n, m, score_tables_->primes[j].weight.data(), n, q);
  }
  secure_wipe(words, kValues * sizeof(uint64_t));
  mk.n = n;
  mk.num_q = L;
  mk.param_id = ctx_->param_id();
}

std::shared_ptr<const MatchServer::ScoreTables> MatchServer::make_score_tables(const BfvContext& ctx,
                                                                               const PublicKey& pk) {
  const RlweContext& r = ctx.rlwe();
  const size_t n = r.n(), L = r.num_q(), v = kTokenValues, groups = n / v;
  const int log_n = log2_exact(n), log_g = log2_exact(groups);
  auto out = std::make_shared<ScoreTables>();
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    const math::NttTables& big = r.ntt(j);
    ScoreTables::Prime p;
    p.small = std::make_unique<math::NttTables>(groups, q);
    // zeta = psi^v = psi'^k0 for some odd k0.
    const uint64_t zeta = math::pow_mod(big.psi(), v, q), psi_small = p.small->psi();
    uint64_t k0 = 0;
    for (uint64_t k = 1; k < 2 * groups && k0 == 0; k += 2) {
      if (math::pow_mod(psi_small, k, q) == zeta) k0 = k;
    }
    if (k0 == 0) throw std::logic_error("match: no small-NTT root matches psi^v");
    p.slot.resize(groups);
    for (size_t g = 0; g < groups; ++g) {
      const uint64_t e = (k0 * (2 * math::bit_reverse(g, log_g) + 1)) % (2 * groups);
      p.slot[g] = static_cast<uint32_t>(math::bit_reverse((e - 1) / 2, log_g));
    }
    const uint64_t scale = math::inv_mod(v % q.value(), q);  // G / N
    p.weight.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t e = 2 * math::bit_reverse(i, log_n) + 1;
      p.weight[i] = math::mul_mod(math::pow_mod(big.psi_inv(), ((v - 1) * e) % (2 * n), q), scale, q);
    }
    p.b_weight.resize(n);
    math::poly_mul(p.b_weight.data(), pk.b.residue(j), p.weight.data(), n, q);
    out->primes.push_back(std::move(p));
    out->half.push_back(math::reduce(r.modulus(L - 1).value() / 2, q));
    out->mont.emplace_back(q);
  }
  if (L == 2) {
    const math::Modulus& q0 = r.modulus(0);
    out->q1_inv_r =
        math::mul_mod(math::inv_mod(math::reduce(r.modulus(1).value(), q0), q0), out->mont[0].r_mod, q0);
  }
  return out;
}

void MatchServer::score_reply(const Ciphertext& roster, const Ciphertext& query, const ScoreMask& mask,
                              ScoreScratch& scratch, ScoreReply& out) const {
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = r.num_q(), num_scores = kScoresPerUser * num_users_, v = kTokenValues;
  for (const Ciphertext* c : {&roster, &query}) {
    if (c->size() != 2 || c->num_q() != L || !c->is_ntt() || c->param_id != ctx_->param_id()) {
      throw std::invalid_argument("score_reply: need size-2 full-level NTT-form ciphertexts");
    }
  }
  const ScoreMask::Impl& mk = *mask.impl_;
  if (mk.n != n || mk.num_q != L || mk.param_id != ctx_->param_id()) {
    throw std::invalid_argument("score_reply: mask not drawn for this parameter set");
  }
  const ScoreTables& tab = *score_tables_;
  ScoreScratch::Impl& s = *scratch.impl_;
  // Every buffer keeps its size between calls: no allocation and no zero-fill after the first block.
  uint64_t* const u = s.u.get(n);
  uint64_t* const flood = s.words.get(num_scores);
  uint64_t* const p0 = s.p0.get(n);
  uint64_t* const p1 = s.p1.get(n * L);
  uint64_t* const c0s = s.c0.get(num_scores * L);
  uint64_t* const tmp = s.tmp.get(n);
  s.small.resize(n + num_scores);
  if (out.c1.n() != n || out.c1.num_q() != 1 || out.c1.num_special() != 0) out.c1 = RnsPoly(n, 1, 0, false);
  out.c1.set_ntt(false);
  out.c0.resize(num_scores);

  // Randomness: the flooding words, then u and the errors.
  s.prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(flood), num_scores * 8));
  detail::sample_ternary_chunked(s.small.data(), n, s.prg);

  std::vector<uint64_t*> c1_res(L), c0_pos(L);
  for (size_t j = 0; j < L; ++j) {
    c1_res[j] = j == 0 ? out.c1.residue(0) : p1 + j * n;
    c0_pos[j] = c0s + j * num_scores;
  }
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    const math::NttTables& tables = r.ntt(j);
    const uint64_t* m = mk.m.data() + j * n;
    const uint64_t* mw = mk.mw.data() + j * n;
    // u mod q_j in NTT form (the fused IFMA passes take it in [0, 4q): see mont_sum's bound).
    const bool fused = use_ifma(q) && n % 8 == 0 && v % 8 == 0;
    offset_small<false>(u, s.small.data(), n, 0, q.value());
    if (fused) {
      math::ntt_forward_lazy(u, tables);
    } else {
      math::ntt_forward(u, tables);
    }
    // c0 is needed only at the score positions (ScoreTables): its weighted form
    // ((roster - query) * M + b u) * weight = (roster - query) * (M weight) + u * (b weight), then
    // the sum of each group and a G-point inverse NTT.
    const ScoreTables::Prime& pt = tab.primes[j];
    uint64_t* dst = c0_pos[j];
    uint64_t* c1 = c1_res[j];
    const uint64_t* r0 = roster.polys[0].residue(j);
    const uint64_t* r1 = roster.polys[1].residue(j);
    const uint64_t* y0 = query.polys[0].residue(j);
    const uint64_t* y1 = query.polys[1].residue(j);
    if (fused) {
      const Mont52Consts& mc = tab.mont[j];
      fused_c0_sums_ifma(p0, r0, y0, mw, u, pt.b_weight.data(), num_scores, v, mc, q);
      for (size_t g = 0; g < num_scores; ++g) dst[pt.slot[g]] = p0[g];
      // c1 = (roster - query) * M + a u.
      fused_c1_ifma(c1, r1, y1, m, u, pk_.a.residue(j), n, mc);
    } else {
      math::poly_sub(p0, r0, y0, n, q);
      {
        const uint64_t* lhs[2] = {p0, u};
        const uint64_t* rhs[2] = {mw, pt.b_weight.data()};
        math::poly_dot(p0, lhs, rhs, 2, n, q);
      }
      for (size_t g = 0; g < num_scores; ++g) {
        uint64_t acc = 0;  // v values < 2^50 each: no overflow
        for (size_t i = 0; i < v; ++i) acc += p0[g * v + i];
        dst[pt.slot[g]] = math::reduce(acc, q);
      }
      // c1 = (roster - query) * M + a u.
      math::poly_sub(c1, r1, y1, n, q);
      const uint64_t* lhs[2] = {c1, u};
      const uint64_t* rhs[2] = {m, pk_.a.residue(j)};
      math::poly_dot(c1, lhs, rhs, 2, n, q);
    }
    math::ntt_inverse(dst, *pt.small);
    math::ntt_inverse(c1, tables);
  }
  // e1 on c1 and e0 on the score positions of c0, at every prime (the encryption of zero is
  // complete before the switch, so the residues mod q_1.. look fresh too and the rounding of the
  // switch does not depend on M), together with the rounding offset floor(q_{L-1} / 2).
  detail::sample_cbd21_dense(s.small.data(), n + num_scores, s.prg);
  const bool fused_finish = L == 2 && r.modulus(1).value() <= r.modulus(0).value() &&
                            use_ifma(r.modulus(0)) && use_ifma(r.modulus(1)) && n % 8 == 0;
  for (size_t j = 0; j < L; ++j) {
    const uint64_t q = r.modulus(j).value();
    if (!fused_finish) offset_small<true>(c1_res[j], s.small.data(), n, tab.half[j], q);
    offset_small<true>(c0_pos[j], s.small.data() + n, num_scores, tab.half[j], q);
  }
  if (fused_finish) {
    finish_c1_ifma(c1_res[0], c1_res[1], s.small.data(), n, tab.half[0], tab.half[1], r.modulus(1).value(),
                   tab.q1_inv_r, tab.mont[0]);
  } else {
    switch_to_q0(c1_res.data(), L, n, r, tmp);
  }
  switch_to_q0(c0_pos.data(), L, num_scores, r, tmp);
  // Flooding on the score positions (the only c0 coefficients sent).
  const math::Modulus& q0 = r.modulus(0);
  for (size_t i = 0; i < num_scores; ++i) {
    out.c0[i] = math::add_mod(c0_pos[0][i], flood_residue(flood[i], flood_bits_, q0.value()), q0);
  }
}

Ciphertext MatchServer::inner_products(const Ciphertext& roster, const PreparedReference& ref) const {
  Ciphertext prod;
  ev_.multiply_plain(roster, ref.poly, prod);
  return finalize(std::move(prod));
}

std::vector<Ciphertext> MatchServer::masked_equality(const Ciphertext& roster, const Ciphertext& query,
                                                     size_t num_scores) const {
  Ciphertext diff;
  ev_.sub(roster, query, diff);
  std::vector<Ciphertext> out;
  Prg prg = Prg::fresh();
  for (size_t s = 0; s < num_scores; ++s) {
    // Fresh mask: r_j uniform in [1, t-1] (64-bit words reduced mod t-1: bias < 2^-47), placed
    // as R(X) = sum_j r_j X^(127 - j), centered lift, NTT form (built directly, no Plaintext).
    const RlweContext& r = ctx_->rlwe();
    const uint64_t t = ctx_->t();
    uint64_t rv[kValues];
    for (size_t j = 0; j < kValues; ++j) rv[j] = nonzero_mod_t(prg.next_u64(), t);
    PlaintextNtt rn;
    rn.param_id = ctx_->param_id();
    rn.poly = r.make_poly(diff.num_q(), false, true);
    for (size_t res = 0; res < diff.num_q(); ++res) {
      uint64_t* o = rn.poly.residue(res);
      const uint64_t q = r.modulus(res).value();
      for (size_t j = 0; j < kValues; ++j) o[kValues - 1 - j] = lift_centered(rv[j], t, q);
      math::ntt_forward(o, r.ntt(res));
    }
    secure_wipe(rv, sizeof rv);
    Ciphertext prod;
    ev_.multiply_plain(diff, rn, prod);
    secure_wipe(rn.poly.data());
    out.push_back(finalize(std::move(prod)));
  }
  return out;
}

std::vector<Ciphertext> MatchServer::masked_equality_plain(const Ciphertext& roster,
                                                           std::span<const uint16_t> y,
                                                           size_t num_scores) const {
  if (y.size() != kValues) throw std::invalid_argument("masked_equality_plain: need 128 values");
  Plaintext q;
  q.param_id = ctx_->param_id();
  q.coeffs.assign(ctx_->n(), 0);
  for (size_t k = 0; k < num_users_; ++k) {
    for (size_t j = 0; j < kValues; ++j) q.coeffs[k * kValues + j] = y[j];
  }
  // A trivial (noiseless) encryption of the replicated query: (Delta q, 0) in coefficient form.
  Ciphertext qc;
  qc.param_id = ctx_->param_id();
  qc.polys.assign(2, ctx_->rlwe().make_poly(roster.num_q(), false, false));
  scale_plaintext(*ctx_, q, qc.polys[0]);
  return masked_equality(roster, qc, num_scores);
}

}  // namespace v100::fhe::bfv::match
