// AVX2 kernels for ML-DSA: NTT, inverse NTT and NTT-domain products, 8 coefficients per vector.
// Compiled with -mavx2 in its own translation unit and reached only through avx2_backend() when
// cpu::active().avx2 is set. Everything here is in an anonymous namespace and calls no inline
// function of a shared header, so no AVX2-compiled copy of a shared inline function can be
// picked by the linker for the portable code (an ODR trap of per-file target flags).
//
// The arithmetic is the portable one lane by lane: the same butterflies in the same order and
// the same Montgomery reduction (t = a*b*q^-1 mod 2^32, r = (a*b - t*q) / 2^32), so the results
// are bit-identical to ntt.cc (tests compare them). Coefficients stay in natural order: the
// layers with distance >= 8 pair whole vectors; the last three (distance 4, 2, 1) run on an
// 8x8 transpose of each 64-coefficient block, so pairs again sit in the same lane of two vectors,
// with per-lane twiddle factors taken from tables built at compile time from kZetas.
#include <immintrin.h>

#include "pq/mldsa/internal.h"

namespace v100::pq::mldsa::internal {
namespace {

// Twiddles for the transposed layers: block b (64 coefficients), lane i (the row of the block).
struct LaneZetas {
  alignas(32) int32_t fwd4[4][8];
  alignas(32) int32_t fwd2[4][2][8];
  alignas(32) int32_t fwd1[4][4][8];
  alignas(32) int32_t inv4[4][8];
  alignas(32) int32_t inv2[4][2][8];
  alignas(32) int32_t inv1[4][4][8];
};

constexpr int32_t times_qinv(int32_t z) {
  return static_cast<int32_t>(static_cast<uint32_t>(z) * static_cast<uint32_t>(kQInv));
}

// m = 128/len + start/(2 len) in Alg. 41 and m = 256/len - 1 - start/(2 len) in Alg. 42, with
// start = 64 b + 8 i + offset inside the block.
constexpr LaneZetas make_lane_zetas(bool with_qinv) {
  LaneZetas t{};
  auto f = [with_qinv](int32_t z) { return with_qinv ? times_qinv(z) : z; };
  for (int b = 0; b < 4; ++b) {
    for (int i = 0; i < 8; ++i) {
      t.fwd4[b][i] = f(kZetas.v[32 + 8 * b + i]);
      t.inv4[b][i] = f(-kZetas.v[63 - 8 * b - i]);
      for (int h = 0; h < 2; ++h) {
        t.fwd2[b][h][i] = f(kZetas.v[64 + 16 * b + 2 * i + h]);
        t.inv2[b][h][i] = f(-kZetas.v[127 - 16 * b - 2 * i - h]);
      }
      for (int h = 0; h < 4; ++h) {
        t.fwd1[b][h][i] = f(kZetas.v[128 + 32 * b + 4 * i + h]);
        t.inv1[b][h][i] = f(-kZetas.v[255 - 32 * b - 4 * i - h]);
      }
    }
  }
  return t;
}
constexpr LaneZetas kLane = make_lane_zetas(false);
constexpr LaneZetas kLaneQinv = make_lane_zetas(true);

inline __m256i load(const int32_t* p) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
}
inline void store(int32_t* p, __m256i v) {
  _mm256_store_si256(reinterpret_cast<__m256i*>(p), v);
}

// (a * b) * 2^-32 mod q lane-wise, given bq = b * q^-1 mod 2^32; result in (-q, q). b_odd and
// bq_odd hold the odd lanes of b and bq in the low halves of the 64-bit lanes (for a broadcast
// constant they are b and bq themselves).
inline __m256i montmul(__m256i a, __m256i b, __m256i bq, __m256i b_odd, __m256i bq_odd) {
  const __m256i q = _mm256_set1_epi32(kQ);
  const __m256i a_odd = _mm256_srli_epi64(a, 32);
  const __m256i prod_e = _mm256_mul_epi32(a, b);
  const __m256i prod_o = _mm256_mul_epi32(a_odd, b_odd);
  const __m256i t_e = _mm256_mul_epi32(a, bq);  // low 32 bits: a * b * q^-1 mod 2^32
  const __m256i t_o = _mm256_mul_epi32(a_odd, bq_odd);
  const __m256i r_e = _mm256_sub_epi64(prod_e, _mm256_mul_epi32(t_e, q));
  const __m256i r_o = _mm256_sub_epi64(prod_o, _mm256_mul_epi32(t_o, q));
  return _mm256_blend_epi32(_mm256_srli_epi64(r_e, 32), r_o, 0xAA);
}
inline __m256i montmul(__m256i a, __m256i b, __m256i bq) {
  return montmul(a, b, bq, _mm256_srli_epi64(b, 32), _mm256_srli_epi64(bq, 32));
}
// Multiplication by a broadcast constant.
inline __m256i montmul_bcast(__m256i a, __m256i b, __m256i bq) {
  return montmul(a, b, bq, b, bq);
}

// Montgomery reduction of 64-bit lanes (even and odd halves), recombined into 8 int32 lanes.
inline __m256i reduce64_pair(__m256i acc_e, __m256i acc_o) {
  const __m256i q = _mm256_set1_epi32(kQ);
  const __m256i qinv = _mm256_set1_epi32(kQInv);
  const __m256i t_e = _mm256_mul_epi32(acc_e, qinv);
  const __m256i t_o = _mm256_mul_epi32(acc_o, qinv);
  const __m256i r_e = _mm256_sub_epi64(acc_e, _mm256_mul_epi32(t_e, q));
  const __m256i r_o = _mm256_sub_epi64(acc_o, _mm256_mul_epi32(t_o, q));
  return _mm256_blend_epi32(_mm256_srli_epi64(r_e, 32), r_o, 0xAA);
}

inline void transpose8(__m256i r[8]) {
  const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  const __m256i s0 = _mm256_unpacklo_epi64(t0, t2), s1 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i s2 = _mm256_unpacklo_epi64(t1, t3), s3 = _mm256_unpackhi_epi64(t1, t3);
  const __m256i s4 = _mm256_unpacklo_epi64(t4, t6), s5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i s6 = _mm256_unpacklo_epi64(t5, t7), s7 = _mm256_unpackhi_epi64(t5, t7);
  r[0] = _mm256_permute2x128_si256(s0, s4, 0x20);
  r[1] = _mm256_permute2x128_si256(s1, s5, 0x20);
  r[2] = _mm256_permute2x128_si256(s2, s6, 0x20);
  r[3] = _mm256_permute2x128_si256(s3, s7, 0x20);
  r[4] = _mm256_permute2x128_si256(s0, s4, 0x31);
  r[5] = _mm256_permute2x128_si256(s1, s5, 0x31);
  r[6] = _mm256_permute2x128_si256(s2, s6, 0x31);
  r[7] = _mm256_permute2x128_si256(s3, s7, 0x31);
}

// Cooley-Tukey butterfly (Alg. 41 lines 8-10): t = zeta * b; b = a - t; a = a + t.
inline void ct_butterfly(__m256i& a, __m256i& b, __m256i z, __m256i zq) {
  const __m256i t = montmul(b, z, zq);
  b = _mm256_sub_epi32(a, t);
  a = _mm256_add_epi32(a, t);
}
// Gentleman-Sande butterfly (Alg. 42 lines 8-11), z already negated: a = a + b; b = z * (a - b).
inline void gs_butterfly(__m256i& a, __m256i& b, __m256i z, __m256i zq) {
  const __m256i t = a;
  a = _mm256_add_epi32(t, b);
  b = montmul(_mm256_sub_epi32(t, b), z, zq);
}

inline __m256i bcast(int32_t z) {
  return _mm256_set1_epi32(z);
}
inline __m256i bcast_q(int32_t z) {
  return _mm256_set1_epi32(times_qinv(z));
}

// Butterflies of a layer with distance >= 8 on two whole vectors, twiddle zetas[m] (negated for
// the inverse): m = 128/len + j/(2 len) in Alg. 41, m = 256/len - 1 - j/(2 len) in Alg. 42.
inline void ct_layer_vec(__m256i& a, __m256i& b, int m) {
  const __m256i t = montmul_bcast(b, bcast(kZetas.v[m]), bcast_q(kZetas.v[m]));
  b = _mm256_sub_epi32(a, t);
  a = _mm256_add_epi32(a, t);
}
inline void gs_layer_vec(__m256i& a, __m256i& b, int m) {
  const __m256i t = a;
  a = _mm256_add_epi32(t, b);
  b = montmul_bcast(_mm256_sub_epi32(t, b), bcast(-kZetas.v[m]), bcast_q(-kZetas.v[m]));
}

// Two passes over the polynomial instead of one per layer:
//  pass 1: layers len = 128, 64, 32 on the 8 vectors {i, i + 4, ..., i + 28} (i = 0..3);
//  pass 2: per 64-coefficient block, layers 16 and 8, then the transposed layers 4, 2, 1.
// Each coefficient sees the same butterflies in the same order as in the portable code.
void ntt_avx2(Poly& p) {
  int32_t* c = p.c;
  for (int i = 0; i < 4; ++i) {
    __m256i v[8];  // v[t] = coefficients 32 t + 8 i .. +7
    for (int t = 0; t < 8; ++t) v[t] = load(c + 32 * t + 8 * i);
    for (int t = 0; t < 4; ++t) ct_layer_vec(v[t], v[t + 4], 1);  // len 128
    for (int t = 0; t < 2; ++t) ct_layer_vec(v[t], v[t + 2], 2);  // len 64
    for (int t = 4; t < 6; ++t) ct_layer_vec(v[t], v[t + 2], 3);
    for (int t = 0; t < 8; t += 2) ct_layer_vec(v[t], v[t + 1], 4 + t / 2);  // len 32
    for (int t = 0; t < 8; ++t) store(c + 32 * t + 8 * i, v[t]);
  }
  for (int b = 0; b < 4; ++b) {
    __m256i u[8];  // u[x] = coefficients 64 b + 8 x .. +7
    for (int x = 0; x < 8; ++x) u[x] = load(c + 64 * b + 8 * x);
    for (int x : {0, 1, 4, 5}) ct_layer_vec(u[x], u[x + 2], 8 + 2 * b + x / 4);   // len 16
    for (int x : {0, 2, 4, 6}) ct_layer_vec(u[x], u[x + 1], 16 + 4 * b + x / 2);  // len 8
    // Layers len = 4, 2, 1 on the transpose: u[j] lane x = coefficient 64 b + 8 x + j.
    transpose8(u);
    {
      const __m256i z = load(kLane.fwd4[b]), zq = load(kLaneQinv.fwd4[b]);
      for (int j = 0; j < 4; ++j) ct_butterfly(u[j], u[j + 4], z, zq);
    }
    for (int h = 0; h < 2; ++h) {
      const __m256i z = load(kLane.fwd2[b][h]), zq = load(kLaneQinv.fwd2[b][h]);
      ct_butterfly(u[4 * h + 0], u[4 * h + 2], z, zq);
      ct_butterfly(u[4 * h + 1], u[4 * h + 3], z, zq);
    }
    for (int h = 0; h < 4; ++h) {
      const __m256i z = load(kLane.fwd1[b][h]), zq = load(kLaneQinv.fwd1[b][h]);
      ct_butterfly(u[2 * h], u[2 * h + 1], z, zq);
    }
    transpose8(u);
    for (int x = 0; x < 8; ++x) store(c + 64 * b + 8 * x, u[x]);
  }
}

// The mirror image: per block the transposed layers 1, 2, 4 then 8 and 16; then layers 32, 64,
// 128 and the final factor on the strided groups. m = 256/len - 1 - j/(2 len) (Alg. 42).
void invntt_avx2(Poly& p) {
  int32_t* c = p.c;
  for (int b = 0; b < 4; ++b) {
    __m256i u[8];
    for (int x = 0; x < 8; ++x) u[x] = load(c + 64 * b + 8 * x);
    transpose8(u);
    for (int h = 0; h < 4; ++h) {
      const __m256i z = load(kLane.inv1[b][h]), zq = load(kLaneQinv.inv1[b][h]);
      gs_butterfly(u[2 * h], u[2 * h + 1], z, zq);
    }
    for (int h = 0; h < 2; ++h) {
      const __m256i z = load(kLane.inv2[b][h]), zq = load(kLaneQinv.inv2[b][h]);
      gs_butterfly(u[4 * h + 0], u[4 * h + 2], z, zq);
      gs_butterfly(u[4 * h + 1], u[4 * h + 3], z, zq);
    }
    {
      const __m256i z = load(kLane.inv4[b]), zq = load(kLaneQinv.inv4[b]);
      for (int j = 0; j < 4; ++j) gs_butterfly(u[j], u[j + 4], z, zq);
    }
    transpose8(u);
    for (int x : {0, 2, 4, 6}) gs_layer_vec(u[x], u[x + 1], 31 - 4 * b - x / 2);  // len 8
    for (int x : {0, 1, 4, 5}) gs_layer_vec(u[x], u[x + 2], 15 - 2 * b - x / 4);  // len 16
    for (int x = 0; x < 8; ++x) store(c + 64 * b + 8 * x, u[x]);
  }
  const __m256i f = bcast(kInvNttF), fq = bcast_q(kInvNttF);
  for (int i = 0; i < 4; ++i) {
    __m256i v[8];  // v[t] = coefficients 32 t + 8 i .. +7
    for (int t = 0; t < 8; ++t) v[t] = load(c + 32 * t + 8 * i);
    for (int t = 0; t < 8; t += 2) gs_layer_vec(v[t], v[t + 1], 7 - t / 2);  // len 32
    for (int t = 0; t < 2; ++t) gs_layer_vec(v[t], v[t + 2], 3);             // len 64
    for (int t = 4; t < 6; ++t) gs_layer_vec(v[t], v[t + 2], 2);
    for (int t = 0; t < 4; ++t) gs_layer_vec(v[t], v[t + 4], 1);  // len 128
    for (int t = 0; t < 8; ++t) store(c + 32 * t + 8 * i, montmul_bcast(v[t], f, fq));
  }
}

void pointwise_avx2(Poly& out, const Poly& a, const Poly& b) {
  for (int j = 0; j < kN; j += 8) {
    const __m256i x = load(a.c + j), y = load(b.c + j);
    const __m256i prod_e = _mm256_mul_epi32(x, y);
    const __m256i prod_o = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(y, 32));
    store(out.c + j, reduce64_pair(prod_e, prod_o));
  }
}

void pointwise_acc_avx2(Poly& out, const Poly* a, const Poly* b, int n) {
  for (int j = 0; j < kN; j += 8) {
    __m256i acc_e = _mm256_setzero_si256(), acc_o = _mm256_setzero_si256();
    for (int i = 0; i < n; ++i) {
      const __m256i x = load(a[i].c + j), y = load(b[i].c + j);
      acc_e = _mm256_add_epi64(acc_e, _mm256_mul_epi32(x, y));
      acc_o = _mm256_add_epi64(acc_o, _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(y, 32)));
    }
    store(out.c + j, reduce64_pair(acc_e, acc_o));
  }
}

// RejNTTPoly's parser, 8 candidates per step: bytes 3i..3i+2 are spread into lane i, masked to
// 23 bits and compared with q; the accepted lanes are packed to the front with a permutation from
// a table indexed by the acceptance mask (A_hat is public, so the table look-up is fine), and the
// remainder of the buffer goes through the scalar loop, so the output equals the portable one.
struct CompressTable {
  alignas(8) uint8_t idx[256][8];
};
constexpr CompressTable make_compress_table() {
  CompressTable t{};
  for (int m = 0; m < 256; ++m) {
    int k = 0;
    for (int i = 0; i < 8; ++i)
      if ((m >> i) & 1) t.idx[m][k++] = static_cast<uint8_t>(i);
  }
  return t;
}
constexpr CompressTable kCompress = make_compress_table();

int rej_uniform_avx2(int32_t* a, int ctr, const uint8_t* buf, size_t len) {
  const __m256i mask23 = _mm256_set1_epi32(0x7fffff);
  const __m256i q = _mm256_set1_epi32(kQ);
  const __m256i spread_dwords = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);  // bytes 0..15 | 12..27
  const __m256i spread_bytes = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 0, 1, 2,
                                                -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
  size_t pos = 0;
  while (ctr <= kN - 8 && pos + 32 <= len) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(buf + pos));
    v = _mm256_permutevar8x32_epi32(v, spread_dwords);
    v = _mm256_and_si256(_mm256_shuffle_epi8(v, spread_bytes), mask23);
    const __m256i good = _mm256_cmpgt_epi32(q, v);
    const int m = _mm256_movemask_ps(_mm256_castsi256_ps(good));
    const __m256i perm =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCompress.idx[m])));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(a + ctr), _mm256_permutevar8x32_epi32(v, perm));
    ctr += __builtin_popcount(static_cast<unsigned>(m));
    pos += 24;
  }
  for (; pos + 3 <= len && ctr < kN; pos += 3) {
    const uint32_t t = buf[pos] | (uint32_t{buf[pos + 1]} << 8) | ((buf[pos + 2] & 0x7fu) << 16);
    if (t < static_cast<uint32_t>(kQ)) a[ctr++] = static_cast<int32_t>(t);
  }
  return ctr;
}

// RejBoundedPoly's parser, 8 half-bytes (4 bytes) per step: each byte is duplicated into two
// lanes and shifted by 0 or 4, the lanes below the bound are packed to the front as in
// rej_uniform_avx2. The values are secret; the acceptance mask is declassified before it indexes
// the table or moves the count (the same bits rej_eta_portable declassifies). The value of a
// rejected lane is computed too and left past the count.
int rej_eta_avx2(int32_t* a, int ctr, const uint8_t* buf, size_t len, int eta) {
  const __m128i dup = _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i shifts = _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4);
  const __m256i nibble = _mm256_set1_epi32(15);
  const __m256i bound = _mm256_set1_epi32(eta == 2 ? 15 : 9);
  const __m256i eta_v = _mm256_set1_epi32(eta);
  size_t pos = 0;
  while (ctr <= kN - 8 && pos + 4 <= len) {
    uint32_t word;
    __builtin_memcpy(&word, buf + pos, 4);
    const __m128i bytes = _mm_shuffle_epi8(_mm_cvtsi32_si128(static_cast<int>(word)), dup);
    const __m256i z = _mm256_and_si256(_mm256_srlv_epi32(_mm256_cvtepu8_epi32(bytes), shifts), nibble);
    __m256i r = z;  // eta = 4: z; eta = 2: z mod 5 = z - 5 floor(205 z / 2^10) for z < 16
    if (eta == 2) {
      const __m256i quot = _mm256_srli_epi32(_mm256_mullo_epi16(z, _mm256_set1_epi32(205)), 10);
      r = _mm256_sub_epi32(z, _mm256_add_epi32(quot, _mm256_slli_epi32(quot, 2)));
    }
    const __m256i v = _mm256_sub_epi32(eta_v, r);
    int m = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(bound, z)));
    V100_CT_UNPOISON(&m, sizeof m);
    const __m256i perm =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCompress.idx[m])));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(a + ctr), _mm256_permutevar8x32_epi32(v, perm));
    ctr += __builtin_popcount(static_cast<unsigned>(m));
    pos += 4;
  }
  for (size_t k = 2 * pos; k < 2 * len && ctr < kN; ++k) {
    const uint32_t z = (k & 1) ? (buf[k / 2] >> 4) : (buf[k / 2] & 15u);
    uint32_t accept;
    int32_t value;
    if (eta == 2) {
      accept = (z - 15u) >> 31;
      value = 2 - static_cast<int32_t>(z - 5u * ((z * 205u) >> 10));
    } else {
      accept = (z - 9u) >> 31;
      value = 4 - static_cast<int32_t>(z);
    }
    V100_CT_UNPOISON(&accept, sizeof accept);
    a[ctr] = value;
    ctr += static_cast<int>(accept);
  }
  return ctr;
}

// sparse_mul_small3: the packed product r = c * p.ext (exact int32, no wrap), split into its
// three fields straight from the accumulators. Coefficient i of x^pos * a (negacyclic) is
// ext[256 + i - pos], so each of the tau terms adds one unaligned window of ext; eight
// accumulators stay in registers per 64 coefficients. Positions and signs are public (c follows
// from the public c_tilde); the packed values are secret and only added and shifted.
inline __m256i low10(__m256i v) {
  return _mm256_srai_epi32(_mm256_slli_epi32(v, 22), 22);
}
void sparse_mul_small3_avx2(Poly* const out[3], const SparseChallenge& c, const PackedSmall3& p) {
  for (int first = 0; first < kN; first += 64) {
    __m256i acc[8];
    for (int x = 0; x < 8; ++x) acc[x] = _mm256_setzero_si256();
    for (int k = 0; k < c.n; ++k) {
      const int32_t* src = p.ext + kN + first - c.pos[k];
      if (c.sign[k] > 0) {
        for (int x = 0; x < 8; ++x)
          acc[x] =
              _mm256_add_epi32(acc[x], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 8 * x)));
      } else {
        for (int x = 0; x < 8; ++x)
          acc[x] =
              _mm256_sub_epi32(acc[x], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 8 * x)));
      }
    }
    for (int x = 0; x < 8; ++x) {  // r = a + 2^10 b + 2^20 c with |a|, |b|, |c| < 2^9
      const __m256i a = low10(acc[x]);
      const __m256i rest = _mm256_srai_epi32(_mm256_sub_epi32(acc[x], a), 10);
      const __m256i b = low10(rest);
      store(out[0]->c + first + 8 * x, a);
      store(out[1]->c + first + 8 * x, b);
      store(out[2]->c + first + 8 * x, _mm256_srai_epi32(_mm256_sub_epi32(rest, b), 10));
    }
  }
}

// ExpandMask's BitUnpack, 8 coefficients (bits = 18 or 20 bytes) per step: the two 128-bit halves
// are loaded from the bytes of coefficients 0-3 and 4-7, each lane gathers the 4 bytes holding its
// coefficient with a byte shuffle, then a per-lane shift and mask. The last step reads up to byte
// 31 bits + bits / 2 + 16 (646 for 20 bits), inside the 680 squeezed bytes.
void unpack_mask_avx2(Poly& y, const uint8_t* in, int gamma1_bits) {
  const int bits = gamma1_bits + 1;
  const __m256i shuf = bits == 20 ? _mm256_setr_epi8(0, 1, 2, 3, 2, 3, 4, 5, 5, 6, 7, 8, 7, 8, 9, 10, 0, 1, 2,
                                                     3, 2, 3, 4, 5, 5, 6, 7, 8, 7, 8, 9, 10)
                                  : _mm256_setr_epi8(0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9, 0, 1, 2,
                                                     3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9);
  const __m256i shift =
      bits == 20 ? _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4) : _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  const __m256i mask = _mm256_set1_epi32((1 << bits) - 1);
  const __m256i gamma1 = _mm256_set1_epi32(1 << gamma1_bits);
  for (int g = 0; g < kN / 8; ++g) {
    const uint8_t* p = in + g * bits;
    const __m256i v = _mm256_setr_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                                        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + bits / 2)));
    const __m256i x = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(v, shuf), shift), mask);
    store(y.c + 8 * g, _mm256_sub_epi32(gamma1, x));
  }
}

#include "pq/mldsa/poly_kernels.inc"

constexpr NttBackend kAvx2 = {
    ntt_avx2,         invntt_avx2,  pointwise_avx2,         pointwise_acc_avx2, V100_MLDSA_POLY_KERNELS,
    rej_uniform_avx2, rej_eta_avx2, sparse_mul_small3_avx2, unpack_mask_avx2,
    /*ntt_t0=*/true};

}  // namespace

const NttBackend* avx2_backend() {
  return &kAvx2;
}

}  // namespace v100::pq::mldsa::internal
