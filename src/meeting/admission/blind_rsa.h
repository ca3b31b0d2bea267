// RSA blind signatures, RFC 9474, variant RSABSSA-SHA384-PSS-Deterministic (§5): SHA-384,
// MGF1-SHA-384, a 48-byte PSS salt, the identity message preparation (no randomizer prefix).
//
// The arithmetic and the key are OpenSSL's (BIGNUM, EVP_PKEY, the RSA private-key operation, the
// RSASSA-PSS verification, the DRBG); this module adds only the blinding glue RFC 9474 §4 defines
// on top (see the comment at the top of blind_rsa.cc for exactly which steps are hand-written and
// why).
//
// Protocol (RFC 9474 §4): the client calls blind() and sends blinded_msg; the signer calls
// blind_sign() and returns blind_sig; the client calls finalize() to obtain an ordinary RSASSA-PSS
// signature over msg, which anyone checks with verify(). The signer learns nothing about msg or
// the final signature: blinded_msg is uniformly distributed given msg (r is uniform in Z_n*).
//
// Thread safety: keys are immutable after construction and may be shared between threads; all
// functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace v100::meeting::admission::blind_rsa {

/// PSS salt length sLen of RSABSSA-SHA384-PSS-Deterministic (RFC 9474 §5): the SHA-384 size.
inline constexpr size_t kSaltLen = 48;
/// SHA-384 output size hLen.
inline constexpr size_t kHashLen = 48;
/// Smallest modulus accepted (bits): 2048, the size Privacy Pass type 2 uses (RFC 9578 §8.2.2).
inline constexpr int kMinModulusBits = 2048;
/// Largest modulus accepted (bits): bounds the work a hostile key can cause.
inline constexpr int kMaxModulusBits = 4096;

/// An RSA public key (n, e). Immutable, cheap to copy (shares the OpenSSL object).
class PublicKey {
 public:
  /// From big-endian n and e. Error unless kMinModulusBits <= bits(n) <= kMaxModulusBits, n odd,
  /// and e odd with 3 <= e < n.
  [[nodiscard]] static Result<PublicKey> from_n_e(ByteSpan n, ByteSpan e);
  /// Takes a reference to an OpenSSL RSA or RSA-PSS key (public part only is used); same checks.
  [[nodiscard]] static Result<PublicKey> from_evp(EVP_PKEY* pkey);

  /// Length in bytes of n (modulus_len, k in RFC 8017).
  size_t modulus_len() const { return modulus_len_; }
  /// Bit length of n.
  int modulus_bits() const { return modulus_bits_; }
  /// Big-endian n (modulus_len bytes) and e (minimal).
  const Bytes& n() const { return n_; }
  const Bytes& e() const { return e_; }
  /// The OpenSSL key (an RSA key carrying n and e). Owned by this object.
  EVP_PKEY* evp() const { return pkey_.get(); }

 private:
  friend class PrivateKey;
  PublicKey() = default;
  std::shared_ptr<EVP_PKEY> pkey_;
  Bytes n_, e_;
  size_t modulus_len_ = 0;
  int modulus_bits_ = 0;
};

/// An RSA private key. Move-only; OpenSSL clears the private components when it is freed.
class PrivateKey {
 public:
  /// A fresh key of `bits` bits (2048 for Privacy Pass type 2) with e = 65537, from OpenSSL's
  /// key generation. Throws std::invalid_argument if bits is outside [kMinModulusBits,
  /// kMaxModulusBits] and std::runtime_error if OpenSSL fails.
  static PrivateKey generate(int bits);
  /// Parses a PKCS#8 PrivateKeyInfo (PEM "PRIVATE KEY" or DER) holding an RSA key; checks the key
  /// pair's consistency (EVP_PKEY_pairwise_check) and the size bounds. Never throws.
  [[nodiscard]] static Result<PrivateKey> from_pkcs8(ByteSpan pem_or_der);
  /// Unencrypted PKCS#8 PEM of this key. Secret: the caller stores it with care.
  SecretBytes to_pkcs8_pem() const;

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  const PublicKey& public_key() const { return public_; }
  /// The OpenSSL key. Owned by this object.
  EVP_PKEY* evp() const { return pkey_.get(); }

 private:
  PrivateKey() = default;
  struct EvpFree {
    void operator()(EVP_PKEY* p) const;
  };
  std::unique_ptr<EVP_PKEY, EvpFree> pkey_;
  PublicKey public_;
  // Only set when built through from_pkcs8/generate.
  static Result<PrivateKey> adopt(EVP_PKEY* pkey);
};

/// Output of blind(): the message to send and the secret needed to unblind.
struct BlindOutput {
  Bytes blinded_msg;  ///< modulus_len bytes, sent to the signer
  SecretBytes inv;    ///< r^-1 mod n, big-endian, modulus_len bytes; secret, kept by the client
};

/// RFC 9474 §4.2 Blind(pk, msg) with a fresh 48-byte salt and a fresh uniform r in [1, n) from
/// OpenSSL's private DRBG. Errors: "message too long"/"encoding error" (EMSA-PSS-ENCODE),
/// "invalid input" (encoded message not coprime with n, i.e. a bad key), "blinding error".
[[nodiscard]] Result<BlindOutput> blind(const PublicKey& pk, ByteSpan msg);

/// RFC 9474 §4.3 BlindSign(sk, blinded_msg): the RSA private-key operation through OpenSSL (EVP,
/// RSA_NO_PADDING: CRT with blinding and constant-time exponentiation), then the check that
/// s^e = m mod n. Errors: wrong length, "message representative out of range" (m >= n),
/// "signing failure". Never throws.
[[nodiscard]] Result<Bytes> blind_sign(const PrivateKey& sk, ByteSpan blinded_msg);

/// RFC 9474 §4.4 Finalize(pk, msg, blind_sig, inv): unblinds and verifies the result with OpenSSL's
/// RSASSA-PSS verification (SHA-384, MGF1-SHA-384, sLen 48). Errors: "unexpected input size",
/// "invalid signature". Never throws.
[[nodiscard]] Result<Bytes> finalize(const PublicKey& pk, ByteSpan msg, ByteSpan blind_sig,
                                     const SecretBytes& inv);

/// RFC 9474 §4.5: RSASSA-PSS-VERIFY(pk, msg, sig) with SHA-384, MGF1-SHA-384, sLen 48, through
/// OpenSSL. False on any malformed input (wrong length, sig >= n, bad encoding).
[[nodiscard]] bool verify(const PublicKey& pk, ByteSpan msg, ByteSpan sig);

/// RFC 8017 §9.1.1 EMSA-PSS-ENCODE(msg, emBits) with SHA-384, MGF1-SHA-384 and the given salt
/// (any length; 48 in this variant). Exposed for the RFC 9474 vector check of encoded_msg.
[[nodiscard]] Result<Bytes> emsa_pss_encode(ByteSpan msg, size_t em_bits, ByteSpan salt);

}  // namespace v100::meeting::admission::blind_rsa
