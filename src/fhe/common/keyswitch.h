// Key switching with special primes, hoisting-friendly.
//
// Input: a polynomial c over q_0..q_l (the part of a ciphertext that decrypts under s_from).
// Decompose once: digit i = [c]_{q_i} lifted to every prime of q_0..q_l and P, in NTT form
// (l+1 digits). Apply a key: (sum_i d_i * b_i, sum_i d_i * a_i) mod (q_0..q_l, P), then divide by P
// with rounding (mod_down_special). The result (k0, k1) satisfies k0 + k1*s ≈ c*s_from (mod Q_l)
// with error about sqrt(N * (l+1)) * max(q_i) * sigma / P + small rounding.
// Hoisting: since phi_g(sum d_i g_i) = sum phi_g(d_i) g_i, rotating by several Galois elements
// reuses one decomposition; ks_apply permutes the NTT-form digits on the fly.
#pragma once

#include <cstdint>
#include <vector>

#include "fhe/common/context.h"
#include "fhe/common/keys.h"
#include "fhe/common/rns_poly.h"

namespace v100::fhe {

/// The decomposed digits of one polynomial (NTT form, residues q_0..q_l then P).
struct KeySwitchDecomposition {
  std::vector<RnsPoly> digits;
  size_t num_q = 0;
};

/// Decomposes c (over q_0..q_l, no special residues, either domain). Throws std::invalid_argument
/// on a shape mismatch.
KeySwitchDecomposition ks_decompose(const RlweContext& ctx, const RnsPoly& c);

/// out0, out1 (NTT form over q_0..q_l) = key switch of phi_g(c) under `key`, where `decomp` is
/// ks_decompose(c) and galois_elt = 1 means no automorphism. Throws std::invalid_argument if the key
/// has fewer digits than num_q.
void ks_apply(const RlweContext& ctx, const KeySwitchDecomposition& decomp, const KSwitchKey& key,
              uint32_t galois_elt, RnsPoly& out0, RnsPoly& out1);

/// ks_apply(ks_decompose(c), key, 1, ...).
void key_switch(const RlweContext& ctx, const RnsPoly& c, const KSwitchKey& key, RnsPoly& out0,
                RnsPoly& out1);

/// The streaming form used by relinearization and single rotations (no decomposition kept): for
/// c over q_0..q_{nq-1} (raw residue-major buffer of nq * N words, NTT form if c_is_ntt), writes
/// acc0, acc1 (each (nq + K) * N words, residues q_0..q_{nq-1} then p_0..p_{K-1}, NTT form) with
/// acc0 + acc1 * s ≈ P * c * s_from (mod Q_l * P), i.e. the key-switching sum before the division
/// by P. With add_to_chain, the chain residues (q_0..q_{nq-1}) are added to what acc0/acc1 hold
/// (e.g. P times the rest of a ciphertext, folded in before one modulus-down); the special residues
/// are always written. Throws std::invalid_argument on a bad nq or a key with too few digits.
void ks_accumulate(const RlweContext& ctx, const uint64_t* c, bool c_is_ntt, size_t nq, const KSwitchKey& key,
                   uint64_t* acc0, uint64_t* acc1, bool add_to_chain = false);

/// Divides x ((nq + K) * N words: q_0..q_{nq-1} then the special primes, NTT form) by P with
/// rounding; writes nq residues (NTT form) to out, which may alias x.
void mod_down_p(const RlweContext& ctx, const uint64_t* x, size_t nq, uint64_t* out);

/// Divides x (as for mod_down_p) by P * q_{nq-1} with rounding: key switching fused with a
/// rescale by the last chain prime (CKKS multiply + relinearize + rescale in one modulus-down,
/// saving the rescale's NTTs). Writes nq - 1 residues (NTT form) to out, which may alias x.
/// Throws std::invalid_argument unless the context has exactly one special prime and nq >= 2.
void mod_down_p_and_last(const RlweContext& ctx, const uint64_t* x, size_t nq, uint64_t* out);

/// Divides a polynomial over q_0..q_l and P (NTT form) by P with rounding: in place, the result
/// has only the chain residues (NTT form).
void mod_down_special(const RlweContext& ctx, RnsPoly& poly);

}  // namespace v100::fhe
