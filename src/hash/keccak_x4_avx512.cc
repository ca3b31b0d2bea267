// 4-way Keccak-f[1600] on 256-bit vectors with AVX-512VL: native 64-bit rotates (vprolq) and
// three-input logic (vpternlogq) for theta and chi. Compiled with -mavx512f -mavx512vl; called
// only when cpu::active().avx512vl.
#include <immintrin.h>

#include "hash/keccak_x4.h"

#define V100_KX4_FN keccak_f1600_x4_avx512vl
#define ROL(v, n) _mm256_rol_epi64((v), (n))
// a ^ (~b & c): truth table over (a, b, c) = 0xD2.
#define ANDN_XOR(a, b, c) _mm256_ternarylogic_epi64((a), (b), (c), 0xD2)
// a ^ b ^ c = 0x96, twice.
#define XOR5(a, b, c, d, e) \
  _mm256_ternarylogic_epi64(_mm256_ternarylogic_epi64((a), (b), (c), 0x96), (d), (e), 0x96)
#include "hash/keccak_x4_impl.inc"
