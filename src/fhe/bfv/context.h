// BFV parameter sets and the BFV context: the shared RLWE context plus the plaintext modulus t,
// the per-level scaling constants, the HPS multiplication tools (auxiliary base B) and the batching
// tables. Named sets (DESIGN.md §5, issue #2):
//   bfv-meeting-4096  N=4096,  t=65537, q = 2 x 36-bit, P = 37-bit   (109 bits; depth 1 + rotations)
//   bfv-8192          N=8192,  t=65537, q = 4 x 43-bit, P = 46-bit   (218 bits; depth 2-3)
//   bfv-16384         N=16384, t=65537, q = 8 x 48-bit, P = 50-bit   (434 bits)
//   insecure-test-bfv-1024  N=1024, t=12289 (tests of the security refusal and tiny cases only)
// Every prime is < 2^50 so the AVX-512 IFMA NTT applies. t = 65537 ≡ 1 (mod 2N) enables batching.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "fhe/common/context.h"
#include "fhe/common/params.h"
#include "math/modulus.h"
#include "math/ntt.h"
#include "math/rns.h"

namespace v100::fhe::bfv {

/// The registered names, in size order.
std::vector<std::string_view> named_sets();

/// Parameters of a registered set. Error for an unknown name.
Result<RlweParams> named_params(std::string_view name);

/// Per-level constants (a level is the number k of chain primes in use, 1..L).
struct LevelData {
  size_t num_q = 0;
  /// Delta = floor(Q_k / t) mod q_j.
  std::vector<uint64_t> delta_mod_q;
  /// (Q_k/q_j)^-1 mod q_j and its Shoup constant.
  std::vector<uint64_t> qhat_inv, qhat_inv_shoup;
  /// floor(t * 2^64 / q_j): decryption computes round(sum_j a_j * t / q_j) in 64.64 fixed point.
  std::vector<uint64_t> t_over_q_fixed;
  /// Q_k as an RNS base (CRT composition for the noise budget).
  std::unique_ptr<math::RnsBase> base_q;
  // ---- HPS multiplication (ct x ct) ----
  /// Q_k -> B and B -> Q_k exact (centered) converters.
  std::unique_ptr<math::BaseConverter> q_to_b, b_to_q;
  /// Scale-and-round Q_k ∪ B -> B (HPS): a_i = [x_i * (Q_k B / q_i)^-1]_{q_i} ...
  std::vector<uint64_t> qb_hat_inv_q, qb_hat_inv_q_shoup;  // per i in Q_k
  std::vector<uint64_t> omega;                             // floor(t B / q_i) mod b_m at [i * nb + m]
  std::vector<uint64_t> theta;                             // frac(t B / q_i) * 2^64, per i
  std::vector<uint64_t> t_qinv_mod_b;                      // t * Q_k^-1 mod b_m, per m
};

/// Immutable after creation; share through std::shared_ptr<const BfvContext>. Thread-safe.
class BfvContext {
 public:
  /// Validates (security table included) and precomputes. Errors as a Status message.
  static Result<std::shared_ptr<const BfvContext>> create(const RlweParams& params);
  /// create(named_params(name)).
  static Result<std::shared_ptr<const BfvContext>> create(std::string_view name);

  const RlweContext& rlwe() const { return *rlwe_; }
  const ContextPtr& rlwe_ptr() const { return rlwe_; }
  uint64_t param_id() const { return rlwe_->param_id(); }
  size_t n() const { return rlwe_->n(); }
  size_t num_q() const { return rlwe_->num_q(); }
  uint64_t t() const { return t_.value(); }
  const math::Modulus& t_modulus() const { return t_; }
  /// Constants for a ciphertext with num_q chain primes (1..L). Throws std::invalid_argument.
  const LevelData& level(size_t num_q) const;

  /// Auxiliary HPS base B (moduli and NTT tables).
  size_t num_b() const { return b_moduli_.size(); }
  const math::Modulus& b_modulus(size_t m) const { return b_moduli_[m]; }
  const math::NttTables& b_ntt(size_t m) const { return *b_ntt_[m]; }

  /// True when t ≡ 1 (mod 2N) and t is prime (batching available).
  bool batching() const { return batching_; }
  /// NTT tables mod t (batching only).
  const math::NttTables& t_ntt() const { return *t_ntt_; }
  /// Slot s (row s / (N/2), column s % (N/2)) lives at NTT position slot_to_ntt()[s].
  const std::vector<uint32_t>& slot_to_ntt() const { return slot_to_ntt_; }

 private:
  BfvContext() = default;
  ContextPtr rlwe_;
  math::Modulus t_{3};
  std::vector<LevelData> levels_;
  std::vector<math::Modulus> b_moduli_;
  std::vector<std::unique_ptr<math::NttTables>> b_ntt_;
  bool batching_ = false;
  std::unique_ptr<math::NttTables> t_ntt_;
  std::vector<uint32_t> slot_to_ntt_;
};

using BfvContextPtr = std::shared_ptr<const BfvContext>;

}  // namespace v100::fhe::bfv
