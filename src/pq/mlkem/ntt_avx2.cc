// AVX2 NTT, inverse NTT and base-case multiplication (FIPS 203 Alg. 9-12), 16 coefficients per
// vector. The coefficient order is the standard one (no AVX2-specific permutation), and every
// arithmetic step is the same as in ntt.cc, so outputs are bit-identical to the portable path:
//   fqmul(a, b)    = mulhi(a, b) - mulhi(mullo(a, b * q^-1), q)   (exact Montgomery reduction)
//   barrett(a)     = a - q * mulhrs(mulhi(a, v), 2^5)             (= round(a * v / 2^26))
// Layers with len >= 16 pair whole vectors; len 8, 4, 2 work inside 32-coefficient chunks after
// in-register shuffles, with twiddle vectors laid out for the shuffled order.
#include <immintrin.h>

#include <array>

#include "pq/mlkem/internal_avx2.h"

namespace v100::pq::mlkem::internal::avx2 {
namespace {

// Top-half coefficient index (within a 32-coefficient chunk) held by each lane of the shuffled
// vectors at len 8 (X), len 4 (P) and len 2 (U); see shuffle_8/4/2 below.
constexpr int kLaneX[16] = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
constexpr int kLaneP[16] = {0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27};
constexpr int kLaneU[16] = {0, 1, 8, 9, 4, 5, 12, 13, 16, 17, 24, 25, 20, 21, 28, 29};

constexpr int16_t times_qinv(int16_t z) {
  return static_cast<int16_t>(static_cast<int32_t>(z) * kQInv);
}

struct alignas(32) Tables {
  // [chunk][lane] twiddles for the in-chunk layers, forward and inverse, and their * q^-1.
  int16_t fwd[3][8][16], fwd_qinv[3][8][16];
  int16_t inv[3][8][16], inv_qinv[3][8][16];
  // {0, gamma_i} per coefficient pair, for the base-case multiply.
  int16_t gamma_odd[256];
};

constexpr Tables make_tables() {
  Tables t{};
  const int* lanes[3] = {kLaneX, kLaneP, kLaneU};
  const int lens[3] = {8, 4, 2};
  for (int l = 0; l < 3; ++l) {
    const int n = 128 / lens[l];  // blocks in this layer
    for (int c = 0; c < 8; ++c) {
      for (int i = 0; i < 16; ++i) {
        const int block = (32 * c + lanes[l][i]) / (2 * lens[l]);
        const int16_t zf = kZetas[n + block];          // Alg. 9: k runs up from n
        const int16_t zi = kZetas[2 * n - 1 - block];  // Alg. 10: k runs down to n
        t.fwd[l][c][i] = zf;
        t.fwd_qinv[l][c][i] = times_qinv(zf);
        t.inv[l][c][i] = zi;
        t.inv_qinv[l][c][i] = times_qinv(zi);
      }
    }
  }
  for (int i = 0; i < 128; ++i) {
    t.gamma_odd[2 * i] = 0;
    t.gamma_odd[2 * i + 1] = kGammas[i];
  }
  return t;
}

constexpr Tables kT = make_tables();

inline __m256i load(const int16_t* p) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
}
inline void store(int16_t* p, __m256i v) {
  _mm256_store_si256(reinterpret_cast<__m256i*>(p), v);
}

// A function, not a global: a global __m256i would run an AVX instruction at static
// initialization, before dispatch, on CPUs without AVX2.
inline __m256i q_vec() {
  return _mm256_set1_epi16(kQ);
}

// Montgomery product of a and z, given zq = z * q^-1 mod 2^16.
inline __m256i fqmul(__m256i a, __m256i z, __m256i zq) {
  const __m256i hi = _mm256_mulhi_epi16(a, z);
  const __m256i m = _mm256_mullo_epi16(a, zq);
  return _mm256_sub_epi16(hi, _mm256_mulhi_epi16(m, q_vec()));
}

inline __m256i barrett(__m256i a) {
  const __m256i v = _mm256_set1_epi16(20159);  // round(2^26 / q)
  __m256i t = _mm256_mulhi_epi16(a, v);
  t = _mm256_mulhrs_epi16(t, _mm256_set1_epi16(1 << 5));
  return _mm256_sub_epi16(a, _mm256_mullo_epi16(t, q_vec()));
}

// Cooley-Tukey butterfly (Alg. 9 lines 7-9).
inline void ct(__m256i& a, __m256i& b, __m256i z, __m256i zq) {
  const __m256i t = fqmul(b, z, zq);
  b = _mm256_sub_epi16(a, t);
  a = _mm256_add_epi16(a, t);
}

// Gentleman-Sande butterfly (Alg. 10 lines 7-9).
inline void gs(__m256i& a, __m256i& b, __m256i z, __m256i zq) {
  const __m256i t = a;
  a = barrett(_mm256_add_epi16(t, b));
  b = fqmul(_mm256_sub_epi16(b, t), z, zq);
}

// The in-chunk shuffles. (A, B) = coefficients 0-15, 16-31 of a chunk.
// X/Y: 128-bit halves regrouped, pairs at distance 8 line up.
inline void shuffle_8(__m256i a, __m256i b, __m256i& x, __m256i& y) {
  x = _mm256_permute2x128_si256(a, b, 0x20);
  y = _mm256_permute2x128_si256(a, b, 0x31);
}
// P/Q from X/Y: 64-bit interleave, pairs at distance 4 line up. Self-inverse.
inline void shuffle_4(__m256i x, __m256i y, __m256i& p, __m256i& q) {
  p = _mm256_unpacklo_epi64(x, y);
  q = _mm256_unpackhi_epi64(x, y);
}
// U/V from P/Q: swap the middle dwords of each lane, then 64-bit interleave; pairs at distance 2.
inline void shuffle_2(__m256i p, __m256i q, __m256i& u, __m256i& v) {
  const __m256i p2 = _mm256_shuffle_epi32(p, 0xd8);
  const __m256i q2 = _mm256_shuffle_epi32(q, 0xd8);
  u = _mm256_unpacklo_epi64(p2, q2);
  v = _mm256_unpackhi_epi64(p2, q2);
}
inline void unshuffle_2(__m256i u, __m256i v, __m256i& p, __m256i& q) {
  p = _mm256_shuffle_epi32(_mm256_unpacklo_epi64(u, v), 0xd8);
  q = _mm256_shuffle_epi32(_mm256_unpackhi_epi64(u, v), 0xd8);
}
inline void unshuffle_8(__m256i x, __m256i y, __m256i& a, __m256i& b) {
  a = _mm256_permute2x128_si256(x, y, 0x20);
  b = _mm256_permute2x128_si256(x, y, 0x31);
}

}  // namespace

void ntt(Poly& p) {
  int16_t* f = p.c;
  // len = 128 .. 16: vector pairs, one twiddle per block.
  int k = 1;
  for (int len = 128; len >= 16; len >>= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      const int16_t zs = kZetas[k++];
      const __m256i z = _mm256_set1_epi16(zs), zq = _mm256_set1_epi16(times_qinv(zs));
      for (int j = start; j < start + len; j += 16) {
        __m256i a = load(f + j), b = load(f + j + len);
        ct(a, b, z, zq);
        store(f + j, a);
        store(f + j + len, b);
      }
    }
  }
  // len = 8, 4, 2 inside each 32-coefficient chunk, then the final Barrett reduction.
  for (int c = 0; c < 8; ++c) {
    __m256i a = load(f + 32 * c), b = load(f + 32 * c + 16);
    __m256i x, y, pp, q, u, v;
    shuffle_8(a, b, x, y);
    ct(x, y, load(kT.fwd[0][c]), load(kT.fwd_qinv[0][c]));
    shuffle_4(x, y, pp, q);
    ct(pp, q, load(kT.fwd[1][c]), load(kT.fwd_qinv[1][c]));
    shuffle_2(pp, q, u, v);
    ct(u, v, load(kT.fwd[2][c]), load(kT.fwd_qinv[2][c]));
    unshuffle_2(u, v, pp, q);
    shuffle_4(pp, q, x, y);
    unshuffle_8(x, y, a, b);
    store(f + 32 * c, barrett(a));
    store(f + 32 * c + 16, barrett(b));
  }
}

void inv_ntt(Poly& p) {
  int16_t* f = p.c;
  for (int c = 0; c < 8; ++c) {
    __m256i a = load(f + 32 * c), b = load(f + 32 * c + 16);
    __m256i x, y, pp, q, u, v;
    shuffle_8(a, b, x, y);
    shuffle_4(x, y, pp, q);
    shuffle_2(pp, q, u, v);
    gs(u, v, load(kT.inv[2][c]), load(kT.inv_qinv[2][c]));
    unshuffle_2(u, v, pp, q);
    gs(pp, q, load(kT.inv[1][c]), load(kT.inv_qinv[1][c]));
    shuffle_4(pp, q, x, y);
    gs(x, y, load(kT.inv[0][c]), load(kT.inv_qinv[0][c]));
    unshuffle_8(x, y, a, b);
    store(f + 32 * c, a);
    store(f + 32 * c + 16, b);
  }
  for (int len = 16; len <= 128; len <<= 1) {
    const int n = 128 / len;
    for (int start = 0, block = 0; start < kN; start += 2 * len, ++block) {
      const int16_t zs = kZetas[2 * n - 1 - block];
      const __m256i z = _mm256_set1_epi16(zs), zq = _mm256_set1_epi16(times_qinv(zs));
      for (int j = start; j < start + len; j += 16) {
        __m256i a = load(f + j), b = load(f + j + len);
        gs(a, b, z, zq);
        store(f + j, a);
        store(f + j + len, b);
      }
    }
  }
  const __m256i s = _mm256_set1_epi16(kInvNttScale), sq = _mm256_set1_epi16(times_qinv(kInvNttScale));
  for (int j = 0; j < kN; j += 16) store(f + j, fqmul(load(f + j), s, sq));
}

void basemul_acc(Poly& r, const Poly* a, const Poly* b, int num) {
  // Per coefficient pair i: c0 = sum a0*b0 + fqmul(a1, b1)*gamma_i, c1 = sum a0*b1 + a1*b0, as
  // 32-bit sums (vpmaddwd on adjacent pairs), then one Montgomery reduction each, like ntt.cc.
  const __m256i qinv32 = _mm256_set1_epi32(kQInv);
  const __m256i q32 = _mm256_set1_epi32(kQ);
  const __m256i qinv16 = _mm256_set1_epi16(kQInv);
  for (int j = 0; j < kN; j += 16) {
    const __m256i g = load(kT.gamma_odd + j);
    __m256i c0 = _mm256_setzero_si256(), c1 = _mm256_setzero_si256();
    for (int n = 0; n < num; ++n) {
      const __m256i av = load(a[n].c + j), bv = load(b[n].c + j);
      // Odd lanes of prod: fqmul(a1, b1).
      const __m256i prod = fqmul(av, bv, _mm256_mullo_epi16(bv, qinv16));
      const __m256i a0m = _mm256_blend_epi16(av, prod, 0xaa);  // (a0, fqmul(a1, b1))
      const __m256i b0g = _mm256_blend_epi16(bv, g, 0xaa);     // (b0, gamma)
      const __m256i bswap =
          _mm256_or_si256(_mm256_slli_epi32(bv, 16), _mm256_srli_epi32(bv, 16));  // (b1, b0)
      c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(a0m, b0g));
      c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(av, bswap));
    }
    // Montgomery reduction of 32-bit lanes: t = (int16)(c * q^-1); (c - t*q) >> 16.
    auto reduce32 = [&](__m256i c) {
      __m256i t = _mm256_mullo_epi32(c, qinv32);
      t = _mm256_srai_epi32(_mm256_slli_epi32(t, 16), 16);
      return _mm256_srai_epi32(_mm256_sub_epi32(c, _mm256_mullo_epi32(t, q32)), 16);
    };
    const __m256i r0 = reduce32(c0), r1 = reduce32(c1);
    const __m256i out =
        _mm256_or_si256(_mm256_and_si256(r0, _mm256_set1_epi32(0xffff)), _mm256_slli_epi32(r1, 16));
    store(r.c + j, out);
  }
}

}  // namespace v100::pq::mlkem::internal::avx2
