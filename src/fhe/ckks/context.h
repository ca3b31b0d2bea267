// CkksContext: the CKKS view of one parameter set. The scheme-neutral part — moduli, NTT tables,
// key-switching constants, Galois permutations, the security check — is the shared
// fhe::RlweContext (fhe/common, Scheme::kCkks, one special prime P); on top of it this adds the
// special FFT, rescale constants and CRT (Garner) constants for decoding. Build once, share
// (std::shared_ptr) across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "fhe/ckks/fft.h"
#include "fhe/ckks/params.h"
#include "fhe/common/context.h"
#include "math/modulus.h"
#include "math/ntt.h"

namespace v100::fhe::ckks {

/// Immutable precomputation for one validated parameter set. Thread-safe (the Galois permutation
/// cache is guarded by a mutex).
class CkksContext {
 public:
  /// Validates `params` (throws std::invalid_argument with the reason if invalid) and precomputes.
  explicit CkksContext(CkksParams params);
  /// Convenience: a shared context for a named set (CkksParams::named).
  static std::shared_ptr<const CkksContext> create(std::string_view name);

  const CkksParams& params() const { return params_; }
  /// Ring degree N.
  size_t n() const { return params_.ring_degree; }
  /// Number of slots N/2.
  size_t slot_count() const { return n() / 2; }
  /// L: the top level (fresh ciphertexts); level l uses primes q_0..q_l.
  size_t max_level() const { return params_.max_level(); }
  /// Index of P among the moduli (= L + 1).
  size_t special_index() const { return params_.q.size(); }
  /// Modulus j (j <= L: q_j; j == L + 1: P); the same indexing as fhe::RlweContext.
  const math::Modulus& modulus(size_t j) const { return rlwe_->modulus(j); }
  /// NTT tables of modulus j.
  const math::NttTables& ntt(size_t j) const { return rlwe_->ntt(j); }
  /// The shared RLWE context (keys, key switching, Galois, key serialization live there).
  const fhe::ContextPtr& rlwe() const { return rlwe_; }
  const SpecialFft& fft() const { return fft_; }
  /// The shared fhe parameter id (N, primes, P, scheme), binding serialized objects to this set.
  uint64_t fingerprint() const { return fingerprint_; }
  /// log2(q_0 ... q_l).
  double log_q(size_t level) const { return log_q_[level]; }

  /// q_l^-1 mod q_j (j < l), with Shoup constant: the rescale factor.
  uint64_t inv_q_mod(size_t l, size_t j) const { return inv_q_[l][j]; }
  uint64_t inv_q_mod_shoup(size_t l, size_t j) const { return inv_q_shoup_[l][j]; }
  /// P^-1 mod q_j and P mod q_j.
  uint64_t inv_p_mod(size_t j) const { return inv_p_[j]; }
  uint64_t inv_p_mod_shoup(size_t j) const { return inv_p_shoup_[j]; }
  uint64_t p_mod(size_t j) const { return p_mod_[j]; }

  /// Garner constant (q_0 ... q_(i-1))^-1 mod q_i, i >= 1.
  uint64_t garner_inv(size_t i) const { return garner_inv_[i]; }
  uint64_t garner_inv_shoup(size_t i) const { return garner_inv_shoup_[i]; }
  /// q_k mod q_i.
  uint64_t q_mod(size_t k, size_t i) const { return q_mod_[k][i]; }
  uint64_t q_mod_shoup(size_t k, size_t i) const { return q_mod_shoup_[k][i]; }

  /// NTT-domain index permutation of the automorphism X -> X^g (g odd, mod 2N): after the
  /// automorphism, slot i of an NTT vector holds slot perm[i] of the input (fhe/common's cache).
  const std::vector<uint32_t>& galois_permutation(uint64_t g) const;
  /// The Galois element for a left rotation of the slots by `steps` (negative: right): 5^steps mod 2N.
  uint64_t rotation_galois_element(int64_t steps) const;
  /// The Galois element of complex conjugation, 2N - 1.
  uint64_t conjugation_galois_element() const { return 2 * n() - 1; }

 private:
  CkksParams params_;
  fhe::ContextPtr rlwe_;
  SpecialFft fft_;
  uint64_t fingerprint_ = 0;
  std::vector<double> log_q_;
  std::vector<std::vector<uint64_t>> inv_q_, inv_q_shoup_, q_mod_, q_mod_shoup_;
  std::vector<uint64_t> inv_p_, inv_p_shoup_, p_mod_, garner_inv_, garner_inv_shoup_;
};

using ContextPtr = std::shared_ptr<const CkksContext>;

}  // namespace v100::fhe::ckks
