// Galois automorphisms phi_g: a(X) -> a(X^g) of Z[X]/(X^N + 1), g odd. With the batching layout of
// the schemes, g = 3^k rotates the slot rows left by k and g = 2N - 1 swaps the two rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fhe/common/context.h"
#include "fhe/common/rns_poly.h"

namespace v100::fhe {

/// Galois element for a row rotation by `step` (positive: left) in the 2 x N/2 slot layout:
/// 3^step mod 2N (negative steps use the inverse, 3^(N/2 + step)). Throws std::invalid_argument if
/// |step| >= N/2... (steps are taken modulo N/2).
uint32_t galois_elt_for_step(int step, size_t n);
/// Galois element of the row swap (complex conjugation for CKKS): 2N - 1.
inline uint32_t galois_elt_row_swap(size_t n) {
  return static_cast<uint32_t>(2 * n - 1);
}

/// out = phi_g(in), any domain (permutation in NTT form, signed permutation in coefficient form).
/// `out` must not alias `in`; it is reshaped to in's shape.
void apply_galois(const RlweContext& ctx, const RnsPoly& in, uint32_t galois_elt, RnsPoly& out);

/// Signed coefficient permutation for one residue array mod q (coefficient domain).
void apply_galois_coeff(const uint64_t* in, uint64_t* out, size_t n, uint32_t galois_elt, uint64_t q);

}  // namespace v100::fhe
