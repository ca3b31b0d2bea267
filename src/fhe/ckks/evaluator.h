// CKKS evaluator. Every op takes ciphertexts in NTT form and returns new ones; *_inplace variants
// modify their first argument.
//
// Rules (caller mistakes throw std::invalid_argument with a message naming both sides):
// - Levels: binary ops bring the higher-level operand down to the lower level first (mod_down_to:
//   drop primes; the value and the scale are unchanged). Plaintexts must be at >= the ct level.
// - Scales: add/sub (ct or plain) need equal scales (relative difference < 2^-30); multiply
//   multiplies scales; rescale divides the scale by q_level and drops q_level. A result scale must
//   stay below Q_level / 2^4 (else "scale overflow").
// - Multiply gives size 3; relinearize brings it back to 2; most ops need size 2.
// - Rotations: left by `steps` slots (negative: right). A Galois key for the exact step is used if
//   present, else the step is composed from power-of-two keys (errors if a needed key is missing).
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "fhe/ckks/ciphertext.h"
#include "fhe/ckks/encoder.h"
#include "fhe/ckks/keys.h"

namespace v100::fhe::ckks {

/// Stateless apart from its context; thread-safe.
class Evaluator {
 public:
  explicit Evaluator(ContextPtr ctx);
  const ContextPtr& context() const { return ctx_; }

  Ciphertext add(const Ciphertext& a, const Ciphertext& b) const;
  void add_inplace(Ciphertext& a, const Ciphertext& b) const;
  Ciphertext sub(const Ciphertext& a, const Ciphertext& b) const;
  void sub_inplace(Ciphertext& a, const Ciphertext& b) const;
  Ciphertext negate(const Ciphertext& a) const;
  void negate_inplace(Ciphertext& a) const;

  Ciphertext add_plain(const Ciphertext& a, const Plaintext& p) const;
  Ciphertext sub_plain(const Ciphertext& a, const Plaintext& p) const;
  /// Scale becomes a.scale * p.scale.
  Ciphertext multiply_plain(const Ciphertext& a, const Plaintext& p) const;
  void multiply_plain_inplace(Ciphertext& a, const Plaintext& p) const;

  /// Adds the real constant c to every slot (encoded at the ciphertext's scale).
  Ciphertext add_const(const Ciphertext& a, double c) const;
  /// Multiplies every slot by c encoded at `const_scale` (default: the parameter scale 2^40);
  /// the result scale is a.scale * const_scale (rescale afterwards). Throws if c * const_scale
  /// rounds to 0 (the result would be a transparent all-zero ciphertext).
  Ciphertext multiply_const(const Ciphertext& a, double c, double const_scale = 0) const;
  /// Multiplies by an integer exactly; the scale is unchanged. Throws for c == 0 (transparent result).
  Ciphertext multiply_const_int(const Ciphertext& a, int64_t c) const;

  /// Tensor product (size 3), scale a.scale * b.scale.
  Ciphertext multiply(const Ciphertext& a, const Ciphertext& b) const;
  /// Size 3 -> 2 with the relinearization key.
  Ciphertext relinearize(const Ciphertext& a, const RelinKey& rk) const;
  void relinearize_inplace(Ciphertext& a, const RelinKey& rk) const;
  /// multiply + relinearize.
  Ciphertext multiply_relin(const Ciphertext& a, const Ciphertext& b, const RelinKey& rk) const;
  /// multiply + relinearize + rescale.
  Ciphertext multiply_relin_rescale(const Ciphertext& a, const Ciphertext& b, const RelinKey& rk) const;
  /// Square + relinearize.
  Ciphertext square_relin(const Ciphertext& a, const RelinKey& rk) const;

  /// Divides by q_level (rounding), drops it: level - 1, scale / q_level. Throws at level 0.
  Ciphertext rescale(const Ciphertext& a) const;
  void rescale_inplace(Ciphertext& a) const;
  /// Drops primes down to `level` (no division). Throws if level > a.level.
  Ciphertext mod_down_to(const Ciphertext& a, size_t level) const;
  void mod_down_to_inplace(Ciphertext& a, size_t level) const;
  /// Plaintext version (for multiply_plain at a lower level).
  Plaintext mod_down_to(const Plaintext& p, size_t level) const;

  /// Left rotation of the slots by `steps`.
  Ciphertext rotate(const Ciphertext& a, int64_t steps, const GaloisKeys& gk) const;
  /// Several rotations of one ciphertext sharing one digit decomposition (hoisting): every step
  /// needs its exact Galois key. Returns one ciphertext per step, in order.
  std::vector<Ciphertext> rotate_hoisted(const Ciphertext& a, std::span<const int64_t> steps,
                                         const GaloisKeys& gk) const;
  /// Complex conjugation of every slot.
  Ciphertext conjugate(const Ciphertext& a, const GaloisKeys& gk) const;
  /// Every slot := sum of all N/2 slots (log2(N/2) rotations; power-of-two keys).
  Ciphertext sum_slots(const Ciphertext& a, const GaloisKeys& gk) const;
  /// Every slot := sum_i a_i * b_i (multiply, relinearize, rescale, sum_slots).
  Ciphertext inner_product(const Ciphertext& a, const Ciphertext& b, const RelinKey& rk,
                           const GaloisKeys& gk) const;
  /// Every slot := sum_i a_i * w_i for plaintext weights (multiply_plain, rescale, sum_slots).
  Ciphertext inner_product_plain(const Ciphertext& a, const Plaintext& w, const GaloisKeys& gk) const;

  /// Applies the Galois automorphism g with its key (rotation/conjugation building block).
  Ciphertext apply_galois(const Ciphertext& a, uint64_t g, const KeySwitchKey& key) const;

 private:
  void check(const Ciphertext& a, const char* op) const;
  void check_plain(const Plaintext& p, size_t level, const char* op) const;
  void check_scales(double a, double b, const char* op) const;
  void check_scale_room(double scale, size_t level, const char* op) const;
  /// Checks two multiplicands, brings them to a common level (copies in ta / tb when needed) and
  /// checks that the product's scale fits; returns the operands to use.
  std::pair<const Ciphertext*, const Ciphertext*> align_for_multiply(const Ciphertext& a, const Ciphertext& b,
                                                                     Ciphertext& ta, Ciphertext& tb) const;
  /// Key switching of one polynomial d (NTT, level l) through fhe/common, before the division by
  /// P: acc0/acc1 ((l + 1 + K) * N words each, q_0..q_l then P) with acc0 + acc1 s ≈ P d s_from.
  /// With add_to_chain the chain residues are added to acc0/acc1 (see fhe::ks_accumulate).
  void key_switch(const uint64_t* d, size_t level, const KeySwitchKey& key, uint64_t* acc0, uint64_t* acc1,
                  bool add_to_chain = false) const;

  ContextPtr ctx_;
  CkksEncoder encoder_;
};

}  // namespace v100::fhe::ckks
