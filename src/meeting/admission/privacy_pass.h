// Privacy Pass tokens of type 0x0002 (Blind RSA, 2048-bit, publicly verifiable): the RFC 9578 §6
// issuance protocol on the RFC 9577 §2 challenge and token structures, in the RFC 9576
// architecture. Roles:
//   - Client: make_token_request(challenge) -> TokenRequest (to the issuer) + PendingToken (kept);
//     finalize_token(PendingToken, TokenResponse) -> Token.
//   - Issuer: IssuerKey::generate(); issue(key, TokenRequest) -> TokenResponse. It sees only
//     blinded_msg and blind_sig, never the nonce, the challenge or the authenticator.
//   - Origin (the v100 server): redeem(token, challenge, issuer public key, spent set) verifies the
//     token and refuses a second redemption of the same nonce.
//
// All integers on the wire are big-endian (TLS presentation language). Every parser is strict:
// exact lengths, known token type, no trailing bytes; it returns an error and never throws.
// Thread safety: keys are immutable and shareable; SpentTokenSet is internally synchronized.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/admission/blind_rsa.h"

namespace v100::meeting::admission {

/// Token type "Blind RSA (2048-bit)" (RFC 9578 §8.2.2).
inline constexpr uint16_t kTokenTypeBlindRsa2048 = 0x0002;
/// Nk: authenticator, blinded message and blind signature length (RFC 9578 §8.2.2).
inline constexpr size_t kNk = 256;
/// Nid: token key identifier length.
inline constexpr size_t kNid = 32;
inline constexpr size_t kNonceLen = 32;
inline constexpr size_t kDigestLen = 32;
/// Encoded sizes (RFC 9578 §6.1, §6.2, §6.3).
inline constexpr size_t kTokenRequestLen = 2 + 1 + kNk;
inline constexpr size_t kTokenResponseLen = kNk;
inline constexpr size_t kTokenLen = 2 + kNonceLen + kDigestLen + kNid + kNk;
/// token_input = token_type || nonce || challenge_digest || token_key_id.
inline constexpr size_t kTokenInputLen = 2 + kNonceLen + kDigestLen + kNid;
static_assert(kTokenRequestLen == 259 && kTokenLen == 354 && kTokenInputLen == 98);

using Digest32 = std::array<uint8_t, 32>;

/// SHA-256 through OpenSSL.
Digest32 sha256(ByteSpan data);

/// RFC 9577 §2.1.1 TokenChallenge.
struct TokenChallenge {
  uint16_t token_type = kTokenTypeBlindRsa2048;
  std::string issuer_name;   ///< 1..65535 bytes
  Bytes redemption_context;  ///< empty or 32 bytes
  std::string origin_info;   ///< 0..65535 bytes; comma-separated origin names

  /// u16 token_type || u16-prefixed issuer_name || u8-prefixed redemption_context ||
  /// u16-prefixed origin_info. Throws std::invalid_argument on out-of-range fields (caller bug).
  Bytes encode() const;
  /// Strict parse; only token type 0x0002 is accepted.
  [[nodiscard]] static Result<TokenChallenge> parse(ByteSpan bytes);
};

/// The challenge a V100 server answers with tokens issued out of band: type 0x0002, the issuer's
/// name, no redemption context (tokens are fetched before the connection exists; RFC 9577 §2.1),
/// origin_info = the server's name. Every user shares it, so it identifies no one. Throws
/// std::invalid_argument if a name is empty/too long.
Bytes admission_challenge(const std::string& issuer_name, const std::string& origin);

/// RFC 9578 §6.1 TokenRequest.
struct TokenRequest {
  uint16_t token_type = kTokenTypeBlindRsa2048;
  uint8_t truncated_token_key_id = 0;  ///< last byte of token_key_id
  Bytes blinded_msg;                   ///< kNk bytes

  Bytes encode() const;
  [[nodiscard]] static Result<TokenRequest> parse(ByteSpan bytes);
};

/// RFC 9578 §6.2 TokenResponse.
struct TokenResponse {
  Bytes blind_sig;  ///< kNk bytes

  Bytes encode() const;
  [[nodiscard]] static Result<TokenResponse> parse(ByteSpan bytes);
};

/// RFC 9577 §2.2 Token of type 0x0002.
struct Token {
  uint16_t token_type = kTokenTypeBlindRsa2048;
  std::array<uint8_t, kNonceLen> nonce{};
  Digest32 challenge_digest{};
  Digest32 token_key_id{};
  Bytes authenticator;  ///< kNk bytes: RSASSA-PSS signature over token_input()

  Bytes encode() const;
  [[nodiscard]] static Result<Token> parse(ByteSpan bytes);
  /// The signed part: token_type || nonce || challenge_digest || token_key_id.
  Bytes token_input() const;
};

/// The issuer's public key as Privacy Pass names it (RFC 9578 §6.5): a 2048-bit RSA key encoded
/// as a DER SubjectPublicKeyInfo with the id-RSASSA-PSS OID and explicit RSASSA-PSS-params
/// (SHA-384, MGF1-SHA-384, saltLength 48); token_key_id = SHA-256(that SPKI).
class IssuerPublicKey {
 public:
  /// Parses the DER SPKI. Strict: the bytes must be exactly the canonical encoding of a 2048-bit
  /// key with those parameters (re-encoded and compared), so every key has one token_key_id.
  [[nodiscard]] static Result<IssuerPublicKey> from_spki(ByteSpan der);
  /// PEM ("PUBLIC KEY") or DER.
  [[nodiscard]] static Result<IssuerPublicKey> from_pem_or_der(ByteSpan bytes);
  /// The public half of an RSA key (must be 2048-bit).
  [[nodiscard]] static Result<IssuerPublicKey> from_rsa(const blind_rsa::PublicKey& pk);

  const Bytes& spki() const { return spki_; }
  /// PEM "PUBLIC KEY" of spki().
  std::string pem() const;
  const Digest32& token_key_id() const { return token_key_id_; }
  uint8_t truncated_token_key_id() const { return token_key_id_[kNid - 1]; }
  const blind_rsa::PublicKey& rsa() const { return rsa_; }

 private:
  IssuerPublicKey(blind_rsa::PublicKey rsa, Bytes spki);
  blind_rsa::PublicKey rsa_;
  Bytes spki_;
  Digest32 token_key_id_{};
};

/// The issuer's private key. Move-only; secret.
class IssuerKey {
 public:
  /// A fresh 2048-bit RSA key (OpenSSL key generation, e = 65537).
  static IssuerKey generate();
  /// From PKCS#8 (PEM or DER) holding a 2048-bit RSA key.
  [[nodiscard]] static Result<IssuerKey> from_pkcs8(ByteSpan pem_or_der);
  /// Unencrypted PKCS#8 PEM. Secret.
  SecretBytes to_pkcs8_pem() const { return rsa_.to_pkcs8_pem(); }

  const IssuerPublicKey& public_key() const { return public_; }
  const blind_rsa::PrivateKey& rsa() const { return rsa_; }

 private:
  IssuerKey(blind_rsa::PrivateKey rsa, IssuerPublicKey pub) : rsa_(std::move(rsa)), public_(std::move(pub)) {}
  blind_rsa::PrivateKey rsa_;
  IssuerPublicKey public_;
};

/// What the client keeps between request and response. Secret: nonce and inv link the final token
/// to the issuance, so this never leaves the client and is wiped on destruction.
struct PendingToken {
  std::array<uint8_t, kNonceLen> nonce{};
  Digest32 challenge_digest{};
  Digest32 token_key_id{};
  SecretBytes inv;  ///< kNk bytes

  PendingToken() = default;
  PendingToken(PendingToken&&) noexcept = default;
  PendingToken& operator=(PendingToken&&) noexcept = default;
  ~PendingToken() { secure_wipe(nonce.data(), nonce.size()); }

  /// token_type || nonce || challenge_digest || token_key_id.
  Bytes token_input() const;
};

/// A request to send and the state to keep.
struct ClientRequest {
  TokenRequest request;
  PendingToken state;
};

/// Client, RFC 9578 §6.1: fresh nonce, challenge_digest = SHA-256(challenge), Blind over
/// token_input. `challenge` is the encoded TokenChallenge (parsed, so a bad one is refused).
[[nodiscard]] Result<ClientRequest> make_token_request(const IssuerPublicKey& pk, ByteSpan challenge);

/// Client, RFC 9578 §6.3: Finalize (unblind + RSASSA-PSS verify) into a Token. Error if the
/// response is malformed or the signature does not verify under `pk`.
[[nodiscard]] Result<Token> finalize_token(const IssuerPublicKey& pk, const PendingToken& state,
                                           const TokenResponse& response);

/// Issuer, RFC 9578 §6.2: checks token type, truncated key id and size, then BlindSign.
[[nodiscard]] Result<TokenResponse> issue(const IssuerKey& key, const TokenRequest& request);

/// Origin, RFC 9578 §6.4: token type, challenge_digest == SHA-256(challenge), token_key_id ==
/// the issuer's, and RSASSA-PSS-VERIFY of the authenticator. Does not check double spending.
[[nodiscard]] Status verify_token(const Token& token, ByteSpan challenge, const IssuerPublicKey& pk);

/// Double-spend guard: remembers SHA-256(nonce) of every redeemed token, nothing else. The nonce
/// is chosen by the client and never shown to the issuer, so these hashes cannot be joined with the
/// issuer's records. Bounded: when `capacity` hashes are held, further redemptions are refused
/// (fail closed) until the operator rotates the issuer key and starts a new set — evicting old
/// entries would let their tokens be spent again. Thread-safe.
class SpentTokenSet {
 public:
  explicit SpentTokenSet(size_t capacity) : capacity_(capacity) {}
  /// Records `nonce_hash` if new. Errors: "token already redeemed", "spent-token set full".
  [[nodiscard]] Status insert(const Digest32& nonce_hash);
  bool contains(const Digest32& nonce_hash) const;
  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  struct Hash {
    size_t operator()(const Digest32& d) const;
  };
  mutable std::mutex mu_;
  std::unordered_set<Digest32, Hash> seen_;
  size_t capacity_;
};

/// What a redemption store persists for a token: SHA-256(nonce).
Digest32 nonce_hash(const Token& token);

/// Origin: parse + verify_token + mark spent, in that order (a forged token never takes a slot).
/// Returns the nonce hash recorded, for the caller to persist.
[[nodiscard]] Result<Digest32> redeem(ByteSpan token_bytes, ByteSpan challenge, const IssuerPublicKey& pk,
                                      SpentTokenSet& spent);

}  // namespace v100::meeting::admission
