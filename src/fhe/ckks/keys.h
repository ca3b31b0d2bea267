// CKKS keys come from the shared RLWE key machinery (fhe/common/keys.h): ternary secret s from a
// 32-byte seed, public key, and hybrid key-switching keys (one digit per chain prime, special
// prime P) for relinearization (s^2 -> s) and Galois automorphisms (s(X^g) -> s). Everything is
// deterministic from the seed, so every participant holding the meeting secret derives the same
// keys (DESIGN.md §2). This header adds only the CKKS slot conventions: a left rotation by k slots
// is the Galois element 5^k mod 2N (the encoder's slot order), conjugation is 2N - 1.
#pragma once

#include <span>
#include <vector>

#include "fhe/ckks/context.h"
#include "fhe/common/keys.h"

namespace v100::fhe::ckks {

using SecretKey = fhe::SecretKey;
using PublicKey = fhe::PublicKey;
using KeySwitchKey = fhe::KSwitchKey;
using RelinKey = fhe::RelinKeys;
using GaloisKeys = fhe::GaloisKeys;

/// Derives every CKKS key from a 32-byte seed through fhe::KeyGenerator. Holds the secret key;
/// move-only. Not thread-safe for concurrent calls on one object.
class KeyGenerator {
 public:
  /// Throws std::invalid_argument if the seed is not 32 bytes or ctx is null.
  KeyGenerator(ContextPtr ctx, std::span<const uint8_t> seed32);
  /// A generator from a fresh OS-random seed.
  explicit KeyGenerator(ContextPtr ctx);

  /// The secret key (borrowed) and an explicit copy.
  const SecretKey& secret_key_ref() const { return gen_.secret_key(); }
  SecretKey secret_key() const { return gen_.clone_secret_key(); }
  PublicKey public_key() const { return gen_.public_key(); }
  RelinKey relin_key() const { return gen_.relin_keys(); }
  /// Galois keys for the given left-rotation steps (negative = right), plus conjugation if asked.
  GaloisKeys galois_keys(std::span<const int64_t> steps, bool with_conjugation) const;
  /// Keys for every power-of-two step 1, 2, ..., N/4 and conjugation: enough for sum_slots,
  /// inner products and any rotation (composed from powers of two).
  GaloisKeys galois_keys_power_of_two() const;

 private:
  ContextPtr ctx_;
  fhe::KeyGenerator gen_;
};

namespace detail {
/// Expands a public seed into a uniform polynomial over moduli 0..count-1 (NTT form) with a label.
void expand_uniform(uint64_t* out, const CkksContext& ctx, size_t count, std::span<const uint8_t> seed,
                    std::string_view label);
/// Small signed polynomial -> NTT form residues over moduli 0..count-1.
void small_to_ntt(uint64_t* out, const int8_t* in, const CkksContext& ctx, size_t count);
/// Residue j of the secret key (NTT form).
inline const uint64_t* sk_residue(const SecretKey& sk, size_t j) {
  return sk.s_ntt().residue(j);
}
}  // namespace detail

}  // namespace v100::fhe::ckks
