// Internal: AVX-512 IFMA kernels (compiled with -mavx512* in their own translation units). Callers
// must have checked cpu::active() and the table's ifma_capable().
#pragma once

#include <cstddef>
#include <cstdint>

#include "math/ntt.h"

namespace v100::math::detail {

void ntt_forward_ifma(uint64_t* a, const NttTables& t, bool lazy);
void ntt_inverse_ifma(uint64_t* a, const NttTables& t, bool lazy);

/// Element-wise kernels for q < 2^50 (n any size; tails handled with masks).
void poly_add_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q);
void poly_sub_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q);
void poly_neg_ifma(uint64_t* out, const uint64_t* a, size_t n, uint64_t q);
void poly_mul_ifma(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, uint64_t q, int bits,
                   uint64_t barrett52, bool accumulate);
void poly_mul_scalar_ifma(uint64_t* out, const uint64_t* a, uint64_t s, uint64_t s_shoup52, size_t n,
                          uint64_t q);

/// True when the CPU (as cpu::active() reports) supports the IFMA kernels.
bool cpu_has_ifma();

}  // namespace v100::math::detail
