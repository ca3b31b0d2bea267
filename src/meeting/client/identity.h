// A person's identity: an ML-DSA-65 signing key pair (FIPS 204) and an X-Wing KEM key pair
// (draft-connolly-cfrg-xwing-kem). `user_id = SHA3-256("v100/user-id" || u32 |sig_pk| || sig_pk ||
// u32 |kem_pk| || kem_pk)`. The user id never reaches the server in plaintext: it travels only
// inside AEAD blobs and as a BFV-encrypted token.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"

namespace v100::meeting::client {

/// SHA3-256 of a person's two public keys.
using UserId = std::array<uint8_t, 32>;

/// Signature context strings (FIPS 204 `ctx`) used by the SDK, one per kind of signed object,
/// so a signature made for one purpose never verifies for another.
inline constexpr std::string_view kCtxInvitation = "v100/invitation/v1";
inline constexpr std::string_view kCtxEpoch = "v100/epoch/v1";
inline constexpr std::string_view kCtxRoster = "v100/roster/v1";

/// The public half of an identity: what other members see (inside encrypted blobs).
struct PublicIdentity {
  Bytes sig_pk;  ///< ML-DSA-65 public key (1952 bytes)
  Bytes kem_pk;  ///< X-Wing encapsulation key (1216 bytes)

  /// SHA3-256 user id of the two keys.
  UserId user_id() const;
  /// u32-length-prefixed sig_pk then kem_pk.
  Bytes serialize() const;
  /// Parses and checks the key sizes. Never throws.
  static Result<PublicIdentity> parse(ByteSpan data);
  /// Parses from a reader (consumes exactly the serialized bytes).
  static Result<PublicIdentity> read(ByteReader& r);
};

/// Result of encapsulating to someone's X-Wing key: the ciphertext to send and the 32-byte secret.
struct Encapsulation {
  Bytes ciphertext;
  SecretBytes shared_secret;
};

/// Encapsulates a fresh 32-byte secret to `to.kem_pk` (X-Wing). Throws std::invalid_argument on a
/// malformed key (parse() already checks sizes, so that is a caller bug).
Encapsulation encapsulate_to(const PublicIdentity& to);

/// Verifies an ML-DSA-65 signature by `from` over `msg` with context `ctx`. Never throws.
bool verify_signature(const PublicIdentity& from, ByteSpan msg, std::string_view ctx, ByteSpan sig);

/// A full identity (both key pairs). Move-only; secret keys are wiped on destruction.
/// Thread-safe for concurrent const calls.
class Identity {
 public:
  Identity(Identity&&) noexcept;
  Identity& operator=(Identity&&) noexcept;
  ~Identity();

  /// Fresh key pairs from the system RNG.
  static Identity generate();
  /// The identity serialized for the key file (both secret keys and both public keys).
  SecretBytes serialize_secret() const;
  /// Parses serialize_secret() output, checking sizes and that the public keys belong to the
  /// secret keys. Never throws.
  static Result<Identity> parse_secret(ByteSpan data);

  const PublicIdentity& public_identity() const { return public_; }
  UserId user_id() const { return user_id_; }

  /// ML-DSA-65 signature (hedged) over `msg` with context `ctx`.
  Bytes sign(ByteSpan msg, std::string_view ctx) const;
  /// X-Wing decapsulation of `ciphertext` (error only on a wrong-size ciphertext; a forged one
  /// yields an unrelated secret by implicit rejection, caught later by the AEAD tag).
  Result<SecretBytes> decapsulate(ByteSpan ciphertext) const;

 private:
  struct Secrets;
  Identity(PublicIdentity pub, std::unique_ptr<Secrets> secrets);
  PublicIdentity public_;
  UserId user_id_{};
  std::unique_ptr<Secrets> secrets_;
};

/// Short hex form of a user id for display ("3fa2…9c01": first and last 4 bytes).
std::string short_id(const UserId& id);

}  // namespace v100::meeting::client
