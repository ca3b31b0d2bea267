// The BFV side of the roster (DESIGN.md §3 step 3): each member encrypts its identity token into
// its slot's position of its block. Layout ("bfv-meeting-4096": N = 4096, t = 65537): block b holds
// slots 32b .. 32b+31; slot s owns coefficients 128 (s mod 32) .. 128 (s mod 32) + 127 and puts its
// 32-value token (roster.h identity_token) in the first 32 of them, the other 96 staying zero, in
// an otherwise-zero plaintext (coefficient encoding, the multi-score layout of fhe/bfv/match.h).
// Adding the block's ciphertexts gives one ciphertext holding all 32 tokens; the server's look-up
// (issue #7) computes on exactly that sum. The zero padding is part of the contract: nonzero
// padding spoils this slot's and the next slot's look-up scores (members check it, decrypt_tokens).
//
// Every member derives the same BFV secret key from KeySchedule::bfv_seed(), so members encrypt
// with the seeded symmetric encryptor (half-size ciphertexts) and decrypt the roster themselves.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/client/identity.h"

namespace v100::meeting::client {

/// Members per roster block, coefficients per member (its token, then zero padding), and token
/// values per member.
inline constexpr size_t kRosterBlockMembers = 32;
inline constexpr size_t kSlotCoeffs = 128;
inline constexpr size_t kTokenCoeffs = 32;
/// The BFV parameter set of the roster.
inline constexpr const char* kRosterBfvParams = "bfv-meeting-4096";

/// The meeting's BFV keys and the roster's encryption and decryption. Thread-safe for const calls.
class RosterCipher {
 public:
  /// Derives the keys from the 32-byte BFV seed. Throws std::runtime_error if the parameter set
  /// is unavailable (a build problem, not an input problem).
  explicit RosterCipher(ByteSpan bfv_seed);
  ~RosterCipher();
  RosterCipher(const RosterCipher&) = delete;
  RosterCipher& operator=(const RosterCipher&) = delete;

  /// Serialized seeded encryption of `user_id`'s token at `slot`'s position.
  Bytes encrypt_token(uint16_t slot, const UserId& user_id) const;
  /// The same with explicit encryption randomness (32 bytes, uniformly random, never reused):
  /// deterministic, for known-answer tests and the web client's cross-check (web/src/fhe.ts).
  /// Throws std::invalid_argument unless randomness has 32 bytes.
  Bytes encrypt_token(uint16_t slot, const UserId& user_id, ByteSpan randomness) const;

  /// Decrypts the roster: groups the (slot, ciphertext) pairs by block, adds each block's
  /// ciphertexts homomorphically, decrypts one ciphertext per block and returns each listed slot's
  /// 128 token values. Error on a ciphertext that does not deserialize under this meeting's
  /// parameters (a server cannot make us crash with it).
  Result<std::map<uint16_t, std::vector<uint64_t>>> decrypt_tokens(
      const std::vector<std::pair<uint16_t, ByteSpan>>& entries) const;

  /// The serialized BFV public key and relinearization keys (registered at CreateMeeting so the
  /// server can compute on the roster without any secret).
  Bytes public_key_blob() const;
  Bytes relin_keys_blob() const;

  /// The plaintext modulus t.
  uint64_t t() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v100::meeting::client
