// BFV homomorphic operations, SEAL style: op(a, b, out) and op_inplace(a, b).
//
// Domains: ciphertexts carry their domain (coefficient or NTT form); every op accepts either and
// documents its output domain. Levels: a ciphertext uses a prefix q_0..q_{k-1}; binary ops need
// equal k (mod_switch_to first). Errors: mismatched parameter sets, sizes, levels or missing keys
// are caller mistakes and throw std::invalid_argument. Thread-safe: an Evaluator has no mutable
// state; concurrent calls on distinct outputs are fine.
//
// ct x ct multiplication: HPS (Halevi-Polyakov-Shoup, "An improved RNS variant of the BFV
// homomorphic encryption scheme", CT-RSA 2019): exact centered lift Q -> B, tensor in Q ∪ B (NTT),
// scale-and-round t/Q into B with 64.64 fixed-point fractions, exact conversion B -> Q.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/common/ciphertext.h"
#include "fhe/common/keys.h"

namespace v100::fhe::bfv {

class Evaluator {
 public:
  explicit Evaluator(BfvContextPtr ctx) : ctx_(std::move(ctx)) {}

  // ---- Linear ops (output in a's domain) ----
  void add(const Ciphertext& a, const Ciphertext& b, Ciphertext& out) const;
  void add_inplace(Ciphertext& a, const Ciphertext& b) const;
  void sub(const Ciphertext& a, const Ciphertext& b, Ciphertext& out) const;
  void sub_inplace(Ciphertext& a, const Ciphertext& b) const;
  void negate(const Ciphertext& a, Ciphertext& out) const;
  void negate_inplace(Ciphertext& a) const;
  void add_plain(const Ciphertext& a, const Plaintext& pt, Ciphertext& out) const;
  void add_plain_inplace(Ciphertext& a, const Plaintext& pt) const;
  void sub_plain(const Ciphertext& a, const Plaintext& pt, Ciphertext& out) const;
  void sub_plain_inplace(Ciphertext& a, const Plaintext& pt) const;

  // ---- Plaintext multiplication ----
  /// Prepares pt for multiply_plain at up to num_q chain primes (0 = all).
  PlaintextNtt transform_plain(const Plaintext& pt, size_t num_q = 0) const;
  /// out = a * pt, NTT form.
  void multiply_plain(const Ciphertext& a, const PlaintextNtt& pt, Ciphertext& out) const;
  void multiply_plain_inplace(Ciphertext& a, const PlaintextNtt& pt) const;
  /// Convenience: transform_plain then multiply_plain.
  void multiply_plain(const Ciphertext& a, const Plaintext& pt, Ciphertext& out) const;

  // ---- Ciphertext multiplication (size-2 inputs; size-3 output in coefficient form) ----
  void multiply(const Ciphertext& a, const Ciphertext& b, Ciphertext& out) const;
  void multiply_inplace(Ciphertext& a, const Ciphertext& b) const;
  void square(const Ciphertext& a, Ciphertext& out) const;
  void square_inplace(Ciphertext& a) const;
  /// Size 3 -> size 2 (NTT form). A size-2 input is copied unchanged.
  void relinearize(const Ciphertext& a, const RelinKeys& rk, Ciphertext& out) const;
  void relinearize_inplace(Ciphertext& a, const RelinKeys& rk) const;
  /// multiply then relinearize.
  void multiply_relin(const Ciphertext& a, const Ciphertext& b, const RelinKeys& rk, Ciphertext& out) const;

  // ---- Rotations (size-2 inputs; NTT-form outputs) ----
  /// phi_g applied to a, key-switched back to s (needs gk for g).
  void apply_galois(const Ciphertext& a, uint32_t galois_elt, const GaloisKeys& gk, Ciphertext& out) const;
  /// Rotate both rows left by `step` (negative: right).
  void rotate_rows(const Ciphertext& a, int step, const GaloisKeys& gk, Ciphertext& out) const;
  void rotate_rows_inplace(Ciphertext& a, int step, const GaloisKeys& gk) const;
  /// Swap the two rows.
  void rotate_columns(const Ciphertext& a, const GaloisKeys& gk, Ciphertext& out) const;
  void rotate_columns_inplace(Ciphertext& a, const GaloisKeys& gk) const;
  /// Hoisted: one decomposition of c1 shared by every step; out[i] = rotate_rows(a, steps[i]).
  std::vector<Ciphertext> rotate_rows_many(const Ciphertext& a, std::span<const int> steps,
                                           const GaloisKeys& gk) const;

  // ---- Reductions ----
  /// Galois elements sum_slots needs: steps 1, 2, 4, ..., N/4 and the row swap.
  std::vector<uint32_t> sum_slots_galois_elts() const;
  /// Every slot of out = sum of all N slots of a.
  void sum_slots(const Ciphertext& a, const GaloisKeys& gk, Ciphertext& out) const;
  /// Every slot of out = sum_i a_i * b_i (slot-wise inner product).
  void inner_product(const Ciphertext& a, const Ciphertext& b, const RelinKeys& rk, const GaloisKeys& gk,
                     Ciphertext& out) const;
  /// Every slot of out = sum_i a_i * p_i.
  void inner_product_plain(const Ciphertext& a, const PlaintextNtt& p, const GaloisKeys& gk,
                           Ciphertext& out) const;

  // ---- Modulus switching (shrinks ciphertexts; output in a's domain) ----
  /// Drops the last chain prime (with rounding). Throws if a has a single prime.
  void mod_switch_to_next(const Ciphertext& a, Ciphertext& out) const;
  void mod_switch_to_next_inplace(Ciphertext& a) const;
  /// Switch down to num_q chain primes.
  void mod_switch_to_inplace(Ciphertext& a, size_t num_q) const;

  // ---- Domain ----
  void to_ntt_inplace(Ciphertext& a) const;
  void from_ntt_inplace(Ciphertext& a) const;

  const BfvContextPtr& context() const { return ctx_; }

 private:
  void check(const Ciphertext& a) const;
  void check_pair(const Ciphertext& a, const Ciphertext& b) const;
  void add_scaled_plain(Ciphertext& a, const Plaintext& pt, bool subtract) const;
  void combine_inplace(Ciphertext& a, const Ciphertext& b, bool subtract) const;
  void combine(const Ciphertext& a, const Ciphertext& b, Ciphertext& out, bool subtract) const;
  BfvContextPtr ctx_;
};

}  // namespace v100::fhe::bfv
