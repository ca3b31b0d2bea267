// RLWE parameter sets shared by BFV and CKKS: ring degree, the ciphertext prime chain, the special
// primes used by key switching, and the HE Security Standard 128-bit check (DESIGN.md §5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace v100::fhe {

/// Which scheme a parameter set belongs to (part of the parameter id, so a BFV ciphertext can
/// never be loaded against CKKS parameters with the same primes).
enum class Scheme : uint8_t { kBfv = 1, kCkks = 2 };

/// Names starting with this prefix may carry `insecure_test_only = true`; nothing else may.
inline constexpr std::string_view kInsecureTestPrefix = "insecure-test-";

/// Largest log2(q) (all primes, special primes included) that the Homomorphic Encryption Security
/// Standard allows at 128-bit classical security with a ternary secret, for ring degree n.
/// Returns 0 for degrees the table does not cover (such sets are refused unless test-only).
int max_log_q_128(size_t n);

/// An RLWE parameter set. Plain data; validated by check_params() and RlweContext::create().
struct RlweParams {
  /// Registered name, e.g. "bfv-meeting-4096". Part of the parameter id.
  std::string name;
  Scheme scheme = Scheme::kBfv;
  /// Ring degree N (power of two): R = Z[X]/(X^N + 1).
  size_t n = 0;
  /// Ciphertext modulus chain q_0, ..., q_{L-1}: NTT-friendly primes (q ≡ 1 mod 2N), all distinct.
  /// A ciphertext "at level l" uses the prefix q_0..q_l; modulus switching drops the last prime.
  std::vector<uint64_t> q;
  /// Special primes P = p_0 * ... * p_{K-1} used only inside key switching (K >= 1 for rotations and
  /// relinearization). Distinct from the q_i.
  std::vector<uint64_t> p;
  /// BFV plaintext modulus t (must be < q_i); 0 for CKKS.
  uint64_t t = 0;
  /// Only honoured when `name` starts with kInsecureTestPrefix: lets tests use sets that are
  /// smaller than the security table allows.
  bool insecure_test_only = false;
};

/// log2(q_0 * ... * q_{L-1} * p_0 * ... * p_{K-1}).
double total_log_q(const RlweParams& params);

/// Structural checks (N a power of two in [2^10, 2^16]..., primes prime, ≡ 1 mod 2N, < 2^61, distinct,
/// t valid) and the 128-bit security table. Error message names the failing rule.
Status check_params(const RlweParams& params);

/// 64-bit identifier of a parameter set: the first 8 bytes (little endian) of SHA3-256 over a
/// canonical encoding of every field. Serialized objects carry it and are refused on mismatch.
uint64_t param_id(const RlweParams& params);

}  // namespace v100::fhe
