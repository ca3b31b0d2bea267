// Element-wise (coefficient-wise or NTT-slot-wise) arithmetic on length-n arrays mod q.
// All inputs must be in [0, q); outputs are in [0, q). In-place use (out == a or out == b) is allowed;
// other partial overlaps are not. Vectorized with AVX-512 IFMA for q < 2^50 when cpu::active()
// allows, bit-identical to the portable path.
#pragma once

#include <cstddef>
#include <cstdint>

#include "math/modulus.h"

namespace v100::math {

/// out[i] = a[i] + b[i] mod q.
void poly_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
/// out[i] = a[i] - b[i] mod q.
void poly_sub(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
/// out[i] = -a[i] mod q.
void poly_neg(uint64_t* out, const uint64_t* a, size_t n, const Modulus& q);
/// out[i] = a[i] + s mod q, for a scalar s (any 64-bit value; reduced mod q first).
void poly_add_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q);
/// out[i] = a[i] * b[i] mod q (dyadic product, e.g. of two NTT-domain polynomials).
void poly_mul(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
/// out[i] = out[i] + a[i] * b[i] mod q.
void poly_mul_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
/// out[i] = a[i] * s mod q, for a scalar s (any 64-bit value; reduced mod q first).
void poly_mul_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q);

/// out[i] = out[i] + a[i] * s mod q, for a scalar s (any 64-bit value; reduced mod q first).
void poly_mul_scalar_add(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q);
/// out[i] = in[i] mod q for ANY 64-bit inputs (e.g. residues of another modulus). out may equal in.
void poly_reduce(uint64_t* out, const uint64_t* in, size_t n, const Modulus& q);

/// Inner product of polynomial vectors: out[i] = sum_{d < count} a[d][i] * b[d][i] mod q (all
/// inputs in [0, q)); the key-switching sum of digit x key products. out may alias any a[d] / b[d]
/// (each coefficient is read before it is written). count may be 0 (out = 0).
void poly_dot(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count, size_t n,
              const Modulus& q);

/// The key-switching inner products against a digit-interleaved key block (one contiguous stream,
/// so the hardware prefetcher follows it; separate key planes were 2 x count concurrent streams and
/// ran at a third of the memory bandwidth). For each 8-coefficient block j and digit d < stride,
/// `key + (j * stride + d) * 16` holds eight words of b0[d] then eight of b1[d], in Montgomery form
/// (b * 2^52 mod q: one reduction per output instead of an exact two-step one). Sets (or with
/// `accumulate`, adds to) out0 = sum_{d < count} a[d] * b0[d], out1 = sum a[d] * b1[d]; all inputs in
/// [0, q), count <= stride, n a multiple of 8. out0/out1 must not alias any input.
void poly_dot2_interleaved(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const uint64_t* key,
                           size_t count, size_t stride, size_t n, const Modulus& q, bool accumulate);
/// poly_dot2_interleaved with the key packed at 40 bits per word (for primes q < 2^40, whose key
/// words fit: at N = 16384 the 23.6 MB switching keys come from DRAM on every use, and packing cuts
/// the bytes of the 40-bit residues by 3/8). Block j, digit d at byte (j * stride + d) * 80: eight
/// 5-byte little-endian words of b0[d], then eight of b1[d]. The key buffer must stay readable for
/// kPacked40Slack bytes past the last block (the vector kernel loads 64 bytes per 40).
inline constexpr size_t kPacked40Slack = 24;
/// One 5-byte little-endian key word of the packed layout: write v (< 2^40) at p, read it back.
inline void store40(uint8_t* p, uint64_t v) {
  for (int b = 0; b < 5; ++b) p[b] = static_cast<uint8_t>(v >> (8 * b));
}
inline uint64_t load40(const uint8_t* p) {
  uint64_t v = 0;
  for (int b = 4; b >= 0; --b) v = (v << 8) | p[b];
  return v;
}
void poly_dot2_interleaved_packed40(uint64_t* out0, uint64_t* out1, const uint64_t* const* a,
                                    const uint8_t* key, size_t count, size_t stride, size_t n,
                                    const Modulus& q, bool accumulate);
/// The tensor of two size-2 ciphertext residues in one pass: d2 = a1 b1, f0 = s a0 b0,
/// f1 = s (a0 b1 + a1 b0) (inputs in [0, q); s any value). Outputs must not alias inputs.
void poly_tensor_fold(uint64_t* d2, uint64_t* f0, uint64_t* f1, const uint64_t* a0, const uint64_t* a1,
                      const uint64_t* b0, const uint64_t* b1, uint64_t s, size_t n, const Modulus& q);
/// out[i] = in[i] mod q for inputs below `bound` (faster than poly_reduce when bound <= 2^52, e.g.
/// residues of another prime below 2^52). out may equal in.
void poly_reduce_below(uint64_t* out, const uint64_t* in, uint64_t bound, size_t n, const Modulus& q);

/// out[i] = (x[i] - v[i]) * s mod q (x, v in [0, q); s any 64-bit value, reduced first).
void poly_sub_mul_scalar(uint64_t* out, const uint64_t* x, const uint64_t* v, uint64_t s, size_t n,
                         const Modulus& q);
/// out[i] = (a[i] + b[i] * c + e) mod q for a[i], b[i] < 2^52 (residues of other primes below 2^52)
/// and any 64-bit c, e; b may be nullptr (out[i] = (a[i] + e) mod q). The lift step of a
/// modulus-down (two-prime CRT value a + q_l * t moved to another prime).
void poly_lift_combine(uint64_t* out, const uint64_t* a, const uint64_t* b, uint64_t c, uint64_t e, size_t n,
                       const Modulus& q);
/// out[i] = out[i] + s * sum_{d < count} a[d][i] * b[d][i] mod q (inputs in [0, q), s any value).
void poly_dot_scalar_add(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count,
                         uint64_t s, size_t n, const Modulus& q);

/// out[i] = in[perm[i]] (a gather, e.g. a Galois automorphism in the NTT domain). perm[i] < n;
/// out must not alias in.
void permute(uint64_t* out, const uint64_t* in, const uint32_t* perm, size_t n);
/// out[i] = (x[i] + in[perm[i]]) mod q for x, in in [0, q): a permuted polynomial added to another
/// in one pass (a rotation's c_0 term). out may alias x but not in.
void permute_add(uint64_t* out, const uint64_t* x, const uint64_t* in, const uint32_t* perm, size_t n,
                 const Modulus& q);

/// One residue of a modulus switch that drops the last prime q_l (BFV/BGV rounding, c' = (c -
/// [c]_{q_l}) / q_l): out = (x - lift(c)) * inv_ql mod q_j, where lift(c) is c < q_l read centered
/// (c - q_l when c > q_l / 2) and reduced mod q_j; inv_ql = q_l^-1 mod q_j. Needs q_l < 2 q_j (the
/// named parameter sets: same-size primes; throws std::invalid_argument otherwise). Inputs below
/// their moduli; out may alias x.
void poly_drop_prime(uint64_t* out, const uint64_t* x, const uint64_t* c, uint64_t ql, uint64_t inv_ql,
                     size_t n, const Modulus& qj);

/// Portable reference versions (never vectorized), for tests and benchmarks.
namespace portable {
void poly_drop_prime(uint64_t* out, const uint64_t* x, const uint64_t* c, uint64_t ql, uint64_t inv_ql,
                     size_t n, const Modulus& qj);
void poly_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
void poly_sub(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
void poly_neg(uint64_t* out, const uint64_t* a, size_t n, const Modulus& q);
void poly_add_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q);
void poly_mul(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
void poly_mul_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q);
void poly_mul_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q);
void poly_dot(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count, size_t n,
              const Modulus& q);
void poly_mul_scalar_add(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q);
void poly_reduce(uint64_t* out, const uint64_t* in, size_t n, const Modulus& q);
void poly_sub_mul_scalar(uint64_t* out, const uint64_t* x, const uint64_t* v, uint64_t s, size_t n,
                         const Modulus& q);
void poly_lift_combine(uint64_t* out, const uint64_t* a, const uint64_t* b, uint64_t c, uint64_t e, size_t n,
                       const Modulus& q);
void poly_dot_scalar_add(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count,
                         uint64_t s, size_t n, const Modulus& q);
void poly_dot2_interleaved(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const uint64_t* key,
                           size_t count, size_t stride, size_t n, const Modulus& q, bool accumulate);
void poly_dot2_interleaved_packed40(uint64_t* out0, uint64_t* out1, const uint64_t* const* a,
                                    const uint8_t* key, size_t count, size_t stride, size_t n,
                                    const Modulus& q, bool accumulate);
void permute(uint64_t* out, const uint64_t* in, const uint32_t* perm, size_t n);
void permute_add(uint64_t* out, const uint64_t* x, const uint64_t* in, const uint32_t* perm, size_t n,
                 const Modulus& q);
void poly_tensor_fold(uint64_t* d2, uint64_t* f0, uint64_t* f1, const uint64_t* a0, const uint64_t* a1,
                      const uint64_t* b0, const uint64_t* b1, uint64_t s, size_t n, const Modulus& q);
}  // namespace portable

}  // namespace v100::math
