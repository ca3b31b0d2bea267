// RlweContext: the validated parameter set plus every precomputation shared by the schemes: one
// math::Modulus and math::NttTables per prime (chain primes first, then special primes), the
// constants of the key-switching modulus-down step, and cached Galois permutations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "fhe/common/params.h"
#include "fhe/common/rns_poly.h"
#include "math/modulus.h"
#include "math/ntt.h"

namespace v100::fhe {

/// Immutable after creation and thread-safe to share (the Galois cache is internally locked).
/// Always held through std::shared_ptr<const RlweContext>; keys and ciphertexts record its param id.
class RlweContext {
 public:
  /// Validates `params` (check_params: structure and the 128-bit security table) and precomputes.
  /// Errors: any failed check, as a Status message. The first call also raises glibc's malloc
  /// mmap/trim thresholds for the process (large polynomial buffers are then reused instead of being
  /// page-faulted back on every operation); set V100_NO_MALLOC_TUNING=1 to opt out.
  static Result<std::shared_ptr<const RlweContext>> create(const RlweParams& params);

  const RlweParams& params() const { return params_; }
  uint64_t param_id() const { return param_id_; }
  size_t n() const { return params_.n; }
  int log_n() const { return log_n_; }
  /// Number of chain primes L (a full-level ciphertext has num_q() residues).
  size_t num_q() const { return params_.q.size(); }
  /// Number of special primes K.
  size_t num_p() const { return params_.p.size(); }

  /// Modulus / NTT tables by context index: 0..L-1 chain primes, L..L+K-1 special primes.
  const math::Modulus& modulus(size_t idx) const { return moduli_[idx]; }
  const math::NttTables& ntt(size_t idx) const { return *ntt_[idx]; }
  /// Modulus / tables of residue r of `poly` (accounts for its num_q()).
  const math::Modulus& modulus_of(const RnsPoly& poly, size_t r) const {
    return moduli_[poly.modulus_index(r, num_q())];
  }
  const math::NttTables& ntt_of(const RnsPoly& poly, size_t r) const {
    return *ntt_[poly.modulus_index(r, num_q())];
  }

  /// A zero polynomial with `num_q` chain residues (and all special residues if with_special).
  RnsPoly make_poly(size_t num_q, bool with_special, bool ntt) const {
    return RnsPoly(n(), num_q, with_special ? num_p() : 0, ntt);
  }
  /// Forward / inverse NTT of every residue (no-op if already in the requested domain).
  void to_ntt(RnsPoly& poly) const;
  void from_ntt(RnsPoly& poly) const;

  // ---- Key-switching constants (P = product of special primes) ----
  /// P mod q_j and P^-1 mod q_j for chain prime j.
  uint64_t p_mod_q(size_t j) const { return p_mod_q_[j]; }
  uint64_t p_inv_mod_q(size_t j) const { return p_inv_mod_q_[j]; }
  /// floor(P/2) mod (prime idx), for every context index (rounding in the modulus-down step).
  uint64_t p_half_mod(size_t idx) const { return p_half_mod_[idx]; }
  /// (P/p_k)^-1 mod p_k and (P/p_k) mod q_j: fast base conversion from the special base to q_j.
  uint64_t phat_inv_mod_p(size_t k) const { return phat_inv_mod_p_[k]; }
  uint64_t phat_mod_q(size_t k, size_t j) const { return phat_mod_q_[k * num_q() + j]; }
  /// q_l^-1 mod (prime idx), l a chain index, idx any other context index (0 for idx = l): the
  /// modulus-down by P * q_l (CKKS multiply + relinearize + rescale) without modular inversions.
  uint64_t q_inv_mod(size_t l, size_t idx) const { return q_inv_mod_[l * moduli_.size() + idx]; }

  // ---- Galois automorphisms X -> X^g (g odd, 0 < g < 2N) ----
  /// Permutation `perm` of NTT positions such that NTT(a(X^g))[i] = NTT(a)[perm[i]]. Cached; the
  /// returned reference stays valid for the context's lifetime. Throws std::invalid_argument for
  /// an even or out-of-range g.
  const std::vector<uint32_t>& galois_ntt_permutation(uint32_t galois_elt) const;

 private:
  RlweContext() = default;
  RlweParams params_;
  uint64_t param_id_ = 0;
  int log_n_ = 0;
  std::vector<math::Modulus> moduli_;
  std::vector<std::unique_ptr<math::NttTables>> ntt_;
  std::vector<uint64_t> p_mod_q_, p_inv_mod_q_, p_half_mod_, phat_inv_mod_p_, phat_mod_q_, q_inv_mod_;
  mutable std::mutex galois_mu_;
  mutable std::unordered_map<uint32_t, std::unique_ptr<std::vector<uint32_t>>> galois_cache_;
};

using ContextPtr = std::shared_ptr<const RlweContext>;

}  // namespace v100::fhe
