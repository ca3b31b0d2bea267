// BFV plaintexts and encoders.
//
// Plaintext: N coefficients mod t of m(X) in R_t = Z_t[X]/(X^N + 1).
// BatchEncoder: N slots arranged as 2 rows x N/2 columns (t prime, t ≡ 1 mod 2N): slot-wise
// addition/multiplication of plaintexts, row rotation by Galois element 3^k (left by k), row swap
// by 2N - 1. CoefficientEncoder: values placed directly as coefficients (used by the 32-user match).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fhe/bfv/context.h"
#include "fhe/common/rns_poly.h"

namespace v100::fhe::bfv {

/// A plaintext polynomial: coeffs.size() == N, every value in [0, t).
struct Plaintext {
  std::vector<uint64_t> coeffs;
  uint64_t param_id = 0;
};

/// A plaintext prepared for multiply_plain: the centered lift of m (coefficients in (-t/2, t/2])
/// in NTT form over q_0..q_{k-1}. Reusable for any ciphertext with at most k chain primes.
struct PlaintextNtt {
  RnsPoly poly;
  uint64_t param_id = 0;
};

/// Slot encoder (requires BfvContext::batching()). Thread-safe (stateless besides the context).
class BatchEncoder {
 public:
  /// Throws std::invalid_argument if the context does not support batching.
  explicit BatchEncoder(BfvContextPtr ctx);
  /// Number of slots (N): slot s is row s / (N/2), column s % (N/2).
  size_t slot_count() const;
  /// values.size() <= N (missing slots are 0); each value is reduced mod t.
  Plaintext encode(std::span<const uint64_t> values) const;
  /// Signed values (reduced into [0, t)).
  Plaintext encode_signed(std::span<const int64_t> values) const;
  /// The N slot values of pt, each in [0, t). Throws std::invalid_argument on a malformed pt.
  std::vector<uint64_t> decode(const Plaintext& pt) const;

 private:
  BfvContextPtr ctx_;
};

/// Coefficient encoder: values[i] becomes the coefficient of X^i (mod t). Thread-safe.
class CoefficientEncoder {
 public:
  explicit CoefficientEncoder(BfvContextPtr ctx) : ctx_(std::move(ctx)) {}
  /// values.size() <= N; throws std::invalid_argument otherwise.
  Plaintext encode(std::span<const uint64_t> values) const;
  std::vector<uint64_t> decode(const Plaintext& pt) const;

 private:
  BfvContextPtr ctx_;
};

}  // namespace v100::fhe::bfv
