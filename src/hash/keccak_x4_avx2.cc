// 4-way Keccak-f[1600] with AVX2 (compiled with -mavx2; called only when cpu::active().avx2).
#include <immintrin.h>

#include "hash/keccak_x4.h"

#define V100_KX4_FN keccak_f1600_x4_avx2
#define ROL(v, n) _mm256_or_si256(_mm256_slli_epi64((v), (n)), _mm256_srli_epi64((v), 64 - (n)))
#define ANDN_XOR(a, b, c) _mm256_xor_si256((a), _mm256_andnot_si256((b), (c)))
#define XOR5(a, b, c, d, e) \
  _mm256_xor_si256(_mm256_xor_si256(_mm256_xor_si256((a), (b)), _mm256_xor_si256((c), (d))), (e))
#include "hash/keccak_x4_impl.inc"
