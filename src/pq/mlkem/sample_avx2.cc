// AVX2 rejection sampling (SampleNTT inner loop, FIPS 203 Alg. 7), ByteDecode_12 and
// ByteEncode_12 (Alg. 6 / 5), 16 twelve-bit values per step; results identical to the portable loops in
// poly.cc. Compiled with -mavx2; called only when cpu::active().avx2.
#include <immintrin.h>

#include <array>
#include <cstring>

#include "pq/mlkem/internal_avx2.h"

namespace v100::pq::mlkem::internal::avx2 {
namespace {

// For each 8-bit accept mask, a byte shuffle moving the accepted 16-bit words to the front.
struct CompactTable {
  alignas(16) uint8_t idx[256][16];
};

constexpr CompactTable make_compact_table() {
  CompactTable t{};
  for (int m = 0; m < 256; ++m) {
    int n = 0;
    for (int i = 0; i < 8; ++i) {
      if ((m >> i) & 1) {
        t.idx[m][2 * n] = static_cast<uint8_t>(2 * i);
        t.idx[m][2 * n + 1] = static_cast<uint8_t>(2 * i + 1);
        ++n;
      }
    }
    for (int j = 2 * n; j < 16; ++j) t.idx[m][j] = 0x80;
  }
  return t;
}

constexpr CompactTable kCompact = make_compact_table();

// Expands 24 bytes at p (reading 32) into 16 twelve-bit values in input order: lane 0 takes bytes
// 0-11, lane 1 bytes 12-23. Each 3-byte group b0 b1 b2 gives d1 = b0 | (b1 & 15) << 8 and
// d2 = b1 >> 4 | b2 << 4 (Alg. 7 lines 5-6, Alg. 6).
inline __m256i expand12(const uint8_t* p) {
  const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  // Qwords [0, 1, 1, 2]: lane 0 = bytes 0-15, lane 1 = bytes 8-23 (its groups start at offset 4).
  const __m256i v = _mm256_permute4x64_epi64(raw, 0x94);
  const __m256i shuf = _mm256_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11,  //
                                        4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15);
  const __m256i w = _mm256_shuffle_epi8(v, shuf);
  const __m256i lo = _mm256_and_si256(w, _mm256_set1_epi16(0x0fff));
  const __m256i hi = _mm256_srli_epi16(w, 4);
  return _mm256_blend_epi16(lo, hi, 0xaa);
}

}  // namespace

int rej_uniform(int16_t* out, int needed, const uint8_t* buf, size_t buf_len) {
  int ctr = 0;
  size_t pos = 0;
  const __m256i q = _mm256_set1_epi16(kQ);
  // Each step may write 16 values starting at ctr, so it runs only while they fit.
  while (ctr + 16 <= needed && pos + 32 <= buf_len) {
    const __m256i d = expand12(buf + pos);
    pos += 24;
    const __m256i ok = _mm256_cmpgt_epi16(q, d);  // d < q (d < 2^12, signed compare is fine)
    // Byte k of each lane of the packed mask is word k's accept flag; movemask gives lane 0 in
    // bits 0-7 and lane 1 in bits 16-23.
    const uint32_t m =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_packs_epi16(ok, _mm256_setzero_si256())));
    const uint32_t m0 = m & 0xff, m1 = (m >> 16) & 0xff;
    const __m128i lane0 = _mm256_castsi256_si128(d);
    const __m128i lane1 = _mm256_extracti128_si256(d, 1);
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(out + ctr),
        _mm_shuffle_epi8(lane0, _mm_load_si128(reinterpret_cast<const __m128i*>(kCompact.idx[m0]))));
    ctr += __builtin_popcount(m0);
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(out + ctr),
        _mm_shuffle_epi8(lane1, _mm_load_si128(reinterpret_cast<const __m128i*>(kCompact.idx[m1]))));
    ctr += __builtin_popcount(m1);
  }
  return ctr + portable_rej_uniform(out + ctr, needed - ctr, buf + pos, buf_len - pos);
}

void decode12(Poly& f, const uint8_t in[384]) {
  const __m256i q = _mm256_set1_epi16(kQ);
  // 16 steps of 24 bytes; the last one would read 8 bytes past the end, so it goes through a copy.
  alignas(32) uint8_t tail[32] = {};
  for (int i = 0; i < 16; ++i) {
    const uint8_t* p = in + 24 * i;
    if (i == 15) {
      for (int j = 0; j < 24; ++j) tail[j] = p[j];
      p = tail;
    }
    __m256i d = _mm256_sub_epi16(expand12(p), q);
    // Reduce mod q without a branch: add q back where d - q is negative.
    d = _mm256_add_epi16(d, _mm256_and_si256(_mm256_srai_epi16(d, 15), q));
    _mm256_store_si256(reinterpret_cast<__m256i*>(f.c + 16 * i), d);
  }
}

void encode12(uint8_t out[384], const Poly& f) {
  const __m256i q = _mm256_set1_epi16(kQ);
  // Per 128-bit lane: the low three bytes of each 32-bit word, packed into 12 bytes.
  const __m256i pack = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,  //
                                        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
  for (int i = 0; i < 16; ++i) {
    __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i*>(f.c + 16 * i));
    x = _mm256_add_epi16(x, _mm256_and_si256(_mm256_srai_epi16(x, 15), q));  // to [0, q)
    // Each 32-bit word holds (x_even, x_odd); make it x_even | x_odd << 12 (Alg. 5, d = 12).
    const __m256i w = _mm256_or_si256(_mm256_and_si256(x, _mm256_set1_epi32(0xffff)),
                                      _mm256_and_si256(_mm256_srli_epi32(x, 4), _mm256_set1_epi32(0xfff000)));
    const __m256i b = _mm256_shuffle_epi8(w, pack);
    uint8_t* o = out + 24 * i;
    const __m128i lo = _mm256_castsi256_si128(b), hi = _mm256_extracti128_si256(b, 1);
    // Exactly 12 bytes per lane (8 + 4), so nothing is written past out[383].
    _mm_storel_epi64(reinterpret_cast<__m128i*>(o), lo);
    const uint32_t lo_tail = static_cast<uint32_t>(_mm_extract_epi32(lo, 2));
    std::memcpy(o + 8, &lo_tail, 4);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(o + 12), hi);
    const uint32_t hi_tail = static_cast<uint32_t>(_mm_extract_epi32(hi, 2));
    std::memcpy(o + 20, &hi_tail, 4);
  }
}

}  // namespace v100::pq::mlkem::internal::avx2
