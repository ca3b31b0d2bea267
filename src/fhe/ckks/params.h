// CKKS parameter sets: ring degree N, the rescaling chain q_0 ... q_L, the key-switching special
// prime P and the default scale. Every set is checked against the Homomorphic Encryption Security
// Standard (Albrecht et al., 2018, Table 1, ternary secrets, 128-bit classical): log2(q_0...q_L * P)
// must not exceed the table's bound for N. Insecure sets exist only under explicit test-only names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace v100::fhe::ckks {

/// Max log2(q) for 128-bit classical security with ternary secrets (HE standard, Table 1); 0 for an
/// unsupported N.
int he_standard_max_log_q(size_t ring_degree);

/// A CKKS parameter set. Plain data; validate() says whether it is usable.
struct CkksParams {
  /// Set name ("ckks-8192", "ckks-16384", or "insecure-test-ckks-..." for tests).
  std::string name;
  /// Ring degree N (power of two). Slots: N/2.
  size_t ring_degree = 0;
  /// The ciphertext modulus chain, q_0 first (q_0 holds the final result), q_L last (the first prime
  /// a rescale divides away). All primes ≡ 1 (mod 2N), distinct, < 2^50 (IFMA-friendly).
  std::vector<uint64_t> q;
  /// Special prime P for hybrid key switching (one RNS digit per q_i, SEAL-style); ≥ q_1..q_L for
  /// small key-switching noise.
  uint64_t special_prime = 0;
  /// log2 of the default scale Delta used by the encoder and constant multiplication.
  int log_scale = 40;
  /// True only for sets created by an explicit insecure test-only name or flag.
  bool insecure = false;

  /// Number of rescales available: L = q.size() - 1.
  size_t max_level() const { return q.size() - 1; }
  /// The default scale 2^log_scale.
  double default_scale() const;
  /// log2(q_0 ... q_L * P), the quantity bounded by the HE standard.
  double total_log_q() const;

  /// The named sets:
  ///   "ckks-8192":  N=8192,  q_0 50 bits + 3 x 40 bits, P 48 bits (≤ 218 bits): 3 multiplications.
  ///   "ckks-16384": N=16384, q_0 50 bits + 8 x 40 bits, P 50 bits (≤ 438 bits): 8 multiplications.
  ///   "insecure-test-ckks-1024", "insecure-test-ckks-2048": small rings with the 8192 chain shape,
  ///   for fast unit tests only (NOT secure).
  /// Throws std::invalid_argument on an unknown name.
  static CkksParams named(std::string_view name);

  /// Builds a set from prime sizes (primes generated deterministically). Throws
  /// std::invalid_argument if the result fails validate() (insecure unless allow_insecure).
  static CkksParams create(std::string name, size_t ring_degree, int q0_bits, int num_scale_primes,
                           int log_scale, int special_bits, bool allow_insecure = false);

  /// Checks structure (N, primes ≡ 1 mod 2N, distinct, sizes) and security (unless insecure).
  Status validate() const;
};

}  // namespace v100::fhe::ckks
