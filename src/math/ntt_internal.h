// Internal: AVX-512 IFMA kernels (compiled with -mavx512* in their own translation units). Callers
// must have checked cpu::active() and the table's ifma_capable().
#pragma once

#include <cstddef>
#include <cstdint>

#include "math/ntt.h"

namespace v100::math::detail {

/// floor(w * 2^52 / q): the 52-bit Shoup constant of w < q.
inline uint64_t shoup52(uint64_t w, const Modulus& q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(w) << 52) / q.value());
}
/// floor(2^52 / q): the quotient estimate of the 52-bit reduction.
inline uint64_t ratio52(const Modulus& q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(1) << 52) / q.value());
}

/// src: the input when out of place (read by the first pass only), or nullptr for in place.
/// prefetch/prefetch_bytes: a range to pull into the caches while transforming (see ntt_forward_from).
void ntt_forward_ifma(uint64_t* a, const NttTables& t, bool lazy, const uint64_t* src = nullptr,
                      const void* prefetch = nullptr, size_t prefetch_bytes = 0);
void ntt_inverse_ifma(uint64_t* a, const NttTables& t, bool lazy, const uint64_t* src = nullptr);
/// math::ntt_lift_sub_mul for q < 2^50: c, e, s reduced mod q, *_shoup52 their 52-bit Shoup
/// constants, ratio = floor(2^52 / q), scratch n words (not aliasing any other argument).
void ntt_lift_sub_mul_ifma(uint64_t* out, const uint64_t* x, const uint64_t* a, const uint64_t* b, uint64_t c,
                           uint64_t c_shoup52, uint64_t e, uint64_t s, uint64_t s_shoup52, const NttTables& t,
                           uint64_t ratio, uint64_t* scratch);

/// out[i] = in[perm[i]] (block-structured permutations vectorized; see poly_avx512.cc).
void permute_ifma(uint64_t* out, const uint64_t* in, const uint32_t* perm, size_t n);
void permute_add_ifma(uint64_t* out, const uint64_t* x, const uint64_t* in, const uint32_t* perm, size_t n,
                      uint64_t q);

/// Element-wise kernels for q < 2^50 (n any size; tails handled with masks).
void poly_add_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q);
void poly_sub_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q);
void poly_add_scalar_ifma(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, uint64_t q);
void poly_neg_ifma(uint64_t* out, const uint64_t* a, size_t n, uint64_t q);
void poly_mul_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q,
                   bool accumulate);
void poly_mul_scalar_ifma(uint64_t* out, const uint64_t* a, uint64_t s, uint64_t s_shoup52, size_t n,
                          uint64_t q);

/// poly_dot for q < 2^50: q_neg_inv = -q^-1 mod 2^52, r2 = 2^104 mod q.
void poly_dot_ifma(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count, size_t n,
                   uint64_t q, uint64_t q_neg_inv, uint64_t r2);

void poly_mul_scalar_add_ifma(uint64_t* out, const uint64_t* a, uint64_t s, uint64_t s_shoup52, size_t n,
                              uint64_t q);
void poly_dot2_interleaved_ifma(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const uint64_t* key,
                                size_t count, size_t stride, size_t n, uint64_t q, uint64_t q_neg_inv,
                                uint64_t r2, bool accumulate);
void poly_dot2_interleaved_packed40_ifma(uint64_t* out0, uint64_t* out1, const uint64_t* const* a,
                                         const uint8_t* key, size_t count, size_t stride, size_t n,
                                         uint64_t q, uint64_t q_neg_inv, uint64_t r2, bool accumulate);
/// s here is s' * 2^52 mod q for the product scale s' (the kernel's Montgomery form; see poly.cc).
void poly_tensor_fold_ifma(uint64_t* d2, uint64_t* f0, uint64_t* f1, const uint64_t* a0, const uint64_t* a1,
                           const uint64_t* b0, const uint64_t* b1, uint64_t s, uint64_t s_shoup52, size_t n,
                           uint64_t q, uint64_t q_neg_inv, uint64_t r2);
void poly_dot_scalar_add_ifma(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count,
                              uint64_t s, uint64_t s_shoup52, size_t n, uint64_t q, uint64_t q_neg_inv,
                              uint64_t r2);
void poly_drop_prime_ifma(uint64_t* out, const uint64_t* x, const uint64_t* c, uint64_t ql, uint64_t ql_mod,
                          uint64_t inv, uint64_t inv_shoup52, size_t n, uint64_t q);
void poly_sub_mul_scalar_ifma(uint64_t* out, const uint64_t* x, const uint64_t* v, uint64_t s,
                              uint64_t s_shoup52, size_t n, uint64_t q);
void poly_lift_combine_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, uint64_t c,
                            uint64_t c_shoup52, uint64_t e, size_t n, uint64_t q, uint64_t ratio);
void poly_reduce52_ifma(uint64_t* out, const uint64_t* in, size_t n, uint64_t q, uint64_t ratio);
void poly_reduce_ifma(uint64_t* out, const uint64_t* in, size_t n, uint64_t q, uint64_t q_neg_inv,
                      uint64_t r2);

/// Base conversion (rns.h BaseConverter) for coefficients [0, count), count a multiple of 8; every
/// modulus < 2^50. Arrays as in BaseConverter; `exact` adds the centered correction.
void base_convert_ifma(uint64_t* out, const uint64_t* in, size_t n, size_t count, size_t k, size_t l,
                       const uint64_t* q, const uint64_t* inv, const uint64_t* inv_s52, const double* inv_q,
                       const uint64_t* p, const uint64_t* m, const uint64_t* m_s52, const uint64_t* c,
                       const uint64_t* c_s52, bool exact);

#if V100_CPU_X86
/// True when the CPU (as cpu::active() reports) supports the IFMA kernels.
bool cpu_has_ifma();
#else
/// No IFMA kernels are compiled for this target (the WebAssembly build): every dispatch on this
/// folds away, and the kernels above are declared but never referenced.
constexpr bool cpu_has_ifma() {
  return false;
}
#endif

}  // namespace v100::math::detail
