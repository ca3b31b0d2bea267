// ML-DSA (FIPS 204, August 2024): the module-lattice digital signature V100 uses to sign meeting
// invitations, recording manifests and transcripts (ML-DSA-65 by default).
//
// Public surface, for each parameter set P in {kMlDsa44, kMlDsa65, kMlDsa87}:
//   - fixed-size key and signature types whose sizes are pinned to FIPS 204 Table 2 by static_assert;
//   - key generation (random, or KeyGen_internal from a 32-byte seed xi, Alg. 6);
//   - the external "pure" interface with a context string (Alg. 2 / Alg. 3), hedged by default;
//   - HashML-DSA pre-hash signing and verification (Alg. 4 / Alg. 5);
//   - external mu (sign / verify given the 64-byte message representative mu, Alg. 7 line 6);
//   - the internal interface (Sign_internal / Verify_internal, Alg. 7 / Alg. 8) for tests and for
//     protocols that build M' themselves.
//
// Example (ML-DSA-65):
//   namespace mldsa = v100::pq::mldsa;
//   auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
//   auto sig = mldsa::sign(kp.secret_key, message, mldsa::as_context("v100/invite"));
//   v100::Status ok = mldsa::verify(kp.public_key, message, sig, mldsa::as_context("v100/invite"));
//
// Errors: keys and signatures from the network are parsed with `parse()` into Result<>; every
// malformed encoding (wrong length, non-canonical hint encoding, z out of range, secret-key
// coefficients outside [-eta, eta]) is a clear error, never UB. verify*() returns a Status whose
// message says why a signature was rejected. Caller misuse (a context longer than 255 bytes when
// signing) throws std::invalid_argument; verifying with such a context just fails (Alg. 3 line 2).
//
// Secrets: SecretKey is move-only and wiped on destruction; every transient holding secret material
// (seeds, s1/s2/t0 and their NTTs, y, rho'') is wiped before return. Key generation and signing
// run in constant time with respect to the secrets, except for what FIPS 204 lets leak: the
// number of signing iterations (and the rejected samples of ExpandS, which are independent of the
// accepted ones). See tests/pq/mldsa/mldsa_ct_test.cc (Valgrind memcheck).
//
// Thread safety: all functions are reentrant; key objects are immutable after construction.
// Speed: an AVX2 path for the NTT and pointwise arithmetic is chosen at run time (core/cpu.h); the
// portable path gives bit-identical results.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"

namespace v100::pq::mldsa {

/// The three parameter sets of FIPS 204 Table 1.
enum class ParameterSet { kMlDsa44, kMlDsa65, kMlDsa87 };
inline constexpr ParameterSet kMlDsa44 = ParameterSet::kMlDsa44;
inline constexpr ParameterSet kMlDsa65 = ParameterSet::kMlDsa65;
inline constexpr ParameterSet kMlDsa87 = ParameterSet::kMlDsa87;

/// Encoded sizes in bytes (FIPS 204 Table 2) and the constants they derive from (Table 1).
template <ParameterSet P>
struct Sizes;
template <>
struct Sizes<kMlDsa44> {
  static constexpr int kK = 4, kL = 4, kEta = 2, kLambda = 128, kGamma1Bits = 17, kOmega = 80;
  static constexpr size_t kPublicKeyBytes = 1312, kSecretKeyBytes = 2560, kSignatureBytes = 2420;
};
template <>
struct Sizes<kMlDsa65> {
  static constexpr int kK = 6, kL = 5, kEta = 4, kLambda = 192, kGamma1Bits = 19, kOmega = 55;
  static constexpr size_t kPublicKeyBytes = 1952, kSecretKeyBytes = 4032, kSignatureBytes = 3309;
};
template <>
struct Sizes<kMlDsa87> {
  static constexpr int kK = 8, kL = 7, kEta = 2, kLambda = 256, kGamma1Bits = 19, kOmega = 75;
  static constexpr size_t kPublicKeyBytes = 2592, kSecretKeyBytes = 4896, kSignatureBytes = 4627;
};

namespace detail {
// The sizes recomputed from the Table 1 constants (FIPS 204 §7.2 encodings), pinned against Table 2.
template <ParameterSet P>
constexpr size_t pk_bytes() {
  return 32 + 32 * Sizes<P>::kK * 10;
}
template <ParameterSet P>
constexpr size_t sk_bytes() {
  constexpr size_t eta_bits = Sizes<P>::kEta == 2 ? 3 : 4;
  return 128 + 32 * ((Sizes<P>::kK + Sizes<P>::kL) * eta_bits + 13 * Sizes<P>::kK);
}
template <ParameterSet P>
constexpr size_t sig_bytes() {
  return Sizes<P>::kLambda / 4 + Sizes<P>::kL * 32 * (1 + Sizes<P>::kGamma1Bits) + Sizes<P>::kOmega +
         Sizes<P>::kK;
}
}  // namespace detail
static_assert(detail::pk_bytes<kMlDsa44>() == 1312 && detail::sk_bytes<kMlDsa44>() == 2560 &&
              detail::sig_bytes<kMlDsa44>() == 2420);
static_assert(detail::pk_bytes<kMlDsa65>() == 1952 && detail::sk_bytes<kMlDsa65>() == 4032 &&
              detail::sig_bytes<kMlDsa65>() == 3309);
static_assert(detail::pk_bytes<kMlDsa87>() == 2592 && detail::sk_bytes<kMlDsa87>() == 4896 &&
              detail::sig_bytes<kMlDsa87>() == 4627);

template <ParameterSet P>
struct Access;  // implementation hook (mldsa.cc) that builds and reads the encoded objects

inline constexpr size_t kSeedBytes = 32;  ///< xi (KeyGen_internal input) and rnd (signing randomness)
inline constexpr size_t kMuBytes = 64;    ///< mu, the message representative
inline constexpr size_t kMaxContextBytes = 255;

/// pkEncode(rho, t1) (Alg. 22). Public; any byte string of the right length is a valid key (t1 is
/// packed in 10 bits with no redundancy), so parse() checks only the length.
template <ParameterSet P>
class PublicKey {
 public:
  static constexpr size_t kBytes = Sizes<P>::kPublicKeyBytes;  ///< FIPS 204 Table 2
  /// Parses an encoded public key from untrusted bytes. Error: wrong length.
  static Result<PublicKey> parse(ByteSpan encoded);
  /// The encoding pkEncode(rho, t1).
  const std::array<uint8_t, kBytes>& bytes() const { return bytes_; }
  /// The encoding as a span.
  ByteSpan span() const { return bytes_; }
  /// Byte-wise equality (public data; not constant time).
  bool operator==(const PublicKey&) const = default;

 private:
  template <ParameterSet Q>
  friend struct Access;
  PublicKey() = default;
  std::array<uint8_t, kBytes> bytes_{};
};

/// skEncode(rho, K, tr, s1, s2, t0) (Alg. 24). Move-only; wiped on destruction; no ==.
template <ParameterSet P>
class SecretKey {
 public:
  static constexpr size_t kBytes = Sizes<P>::kSecretKeyBytes;  ///< FIPS 204 Table 2
  /// Parses an encoded secret key. Errors: wrong length; a coefficient of s1 or s2 outside
  /// [-eta, eta] (the check is constant time; only valid/invalid is revealed).
  static Result<SecretKey> parse(ByteSpan encoded);
  /// Moves the key; the source is wiped.
  SecretKey(SecretKey&& o) noexcept : bytes_(o.bytes_) { secure_wipe(o.bytes_.data(), o.bytes_.size()); }
  /// Moves the key; the source is wiped.
  SecretKey& operator=(SecretKey&& o) noexcept {
    if (this != &o) {
      bytes_ = o.bytes_;
      secure_wipe(o.bytes_.data(), o.bytes_.size());
    }
    return *this;
  }
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  /// Wipes the key.
  ~SecretKey() { secure_wipe(bytes_.data(), bytes_.size()); }
  /// The encoding (secret: handle with care, e.g. to write an encrypted key file).
  std::span<const uint8_t, kBytes> bytes() const { return bytes_; }
  /// An explicit copy, so duplicating a secret is visible in review.
  SecretKey clone() const {
    SecretKey k;
    k.bytes_ = bytes_;
    return k;
  }

 private:
  template <ParameterSet Q>
  friend struct Access;
  SecretKey() = default;
  std::array<uint8_t, kBytes> bytes_{};
};

/// sigEncode(c_tilde, z, h) (Alg. 26).
template <ParameterSet P>
class Signature {
 public:
  static constexpr size_t kBytes = Sizes<P>::kSignatureBytes;  ///< FIPS 204 Table 2
  /// Parses an encoded signature from untrusted bytes. Errors: wrong length; malformed hint
  /// encoding (HintBitUnpack, Alg. 21, returns bottom); a z coefficient with |z| >= gamma1 - beta
  /// (such a signature can never verify, Alg. 8 line 13).
  static Result<Signature> parse(ByteSpan encoded);
  /// The encoding sigEncode(c_tilde, z, h).
  const std::array<uint8_t, kBytes>& bytes() const { return bytes_; }
  /// The encoding as a span.
  ByteSpan span() const { return bytes_; }
  /// Byte-wise equality (public data; not constant time).
  bool operator==(const Signature&) const = default;

 private:
  template <ParameterSet Q>
  friend struct Access;
  Signature() = default;
  std::array<uint8_t, kBytes> bytes_{};
};

/// A freshly generated key pair.
template <ParameterSet P>
struct KeyPair {
  PublicKey<P> public_key;  ///< pkEncode(rho, t1)
  SecretKey<P> secret_key;  ///< skEncode(rho, K, tr, s1, s2, t0)
};

/// Hedged (default, Alg. 2 line 5: rnd fresh from the system RNG) or deterministic (rnd = 0^32).
enum class SigningMode { kHedged, kDeterministic };

/// The hash functions HashML-DSA accepts (FIPS 204 §5.4; OIDs from NIST CSOR). SHA-2 through
/// OpenSSL, SHA-3 and SHAKE through hash/sha3.h. SHAKE128 gives a 256-bit and SHAKE256 a 512-bit
/// digest (Alg. 4 lines 18-22).
enum class PreHash {
  kSha224,
  kSha256,
  kSha384,
  kSha512,
  kSha512_224,
  kSha512_256,
  kSha3_224,
  kSha3_256,
  kSha3_384,
  kSha3_512,
  kShake128,
  kShake256
};

/// A context string of at most 255 bytes (Alg. 2 line 1). A view; does not own.
inline ByteSpan as_context(std::string_view s) {
  return as_bytes(s);
}

// ---------------------------------------------------------------------------------------------
// Key generation
// ---------------------------------------------------------------------------------------------

/// ML-DSA.KeyGen (Alg. 1): xi from v100::random_bytes, then KeyGen_internal.
template <ParameterSet P>
KeyPair<P> generate_key();

/// ML-DSA.KeyGen_internal (Alg. 6): deterministic key pair from the 32-byte seed xi. The seed is
/// the whole secret; whoever stores it can regenerate the key.
template <ParameterSet P>
KeyPair<P> generate_key_internal(std::span<const uint8_t, kSeedBytes> xi);

// ---------------------------------------------------------------------------------------------
// External interface, pure ML-DSA (Alg. 2 / 3): M' = 0x00 || len(ctx) || ctx || M
// ---------------------------------------------------------------------------------------------

/// ML-DSA.Sign (Alg. 2). Throws std::invalid_argument if context.size() > 255.
template <ParameterSet P>
Signature<P> sign(const SecretKey<P>& sk, ByteSpan message, ByteSpan context = {},
                  SigningMode mode = SigningMode::kHedged);

/// ML-DSA.Verify (Alg. 3). ok() iff the signature is valid for (message, context); otherwise an
/// error naming the reason (context too long, malformed signature, signature mismatch).
template <ParameterSet P>
Status verify(const PublicKey<P>& pk, ByteSpan message, const Signature<P>& sig, ByteSpan context = {});
/// As above, parsing the signature bytes first (wrong length / malformed encodings are errors).
template <ParameterSet P>
Status verify(const PublicKey<P>& pk, ByteSpan message, ByteSpan signature, ByteSpan context = {});

// ---------------------------------------------------------------------------------------------
// HashML-DSA (Alg. 4 / 5): M' = 0x01 || len(ctx) || ctx || OID(PH) || PH(M)
// ---------------------------------------------------------------------------------------------

/// HashML-DSA.Sign (Alg. 4). Throws std::invalid_argument if context.size() > 255.
template <ParameterSet P>
Signature<P> sign_prehash(const SecretKey<P>& sk, ByteSpan message, PreHash ph, ByteSpan context = {},
                          SigningMode mode = SigningMode::kHedged);

/// HashML-DSA.Verify (Alg. 5).
template <ParameterSet P>
Status verify_prehash(const PublicKey<P>& pk, ByteSpan message, PreHash ph, const Signature<P>& sig,
                      ByteSpan context = {});

/// The DER encoding of the OID of `ph` (11 bytes, 06 09 60 86 48 01 65 03 04 02 xx).
std::array<uint8_t, 11> prehash_oid(PreHash ph);
/// PH(M): the digest HashML-DSA signs (length depends on ph).
Bytes prehash_digest(PreHash ph, ByteSpan message);

// ---------------------------------------------------------------------------------------------
// External mu (the signer or verifier is handed mu = H(tr || M', 64), Alg. 7 line 6)
// ---------------------------------------------------------------------------------------------

/// mu for pure ML-DSA with a context: H(H(pk, 64) || 0x00 || len(ctx) || ctx || M, 64).
/// Throws std::invalid_argument if context.size() > 255.
template <ParameterSet P>
std::array<uint8_t, kMuBytes> compute_mu(const PublicKey<P>& pk, ByteSpan message, ByteSpan context = {});
/// mu for an arbitrary M' (internal interface): H(H(pk, 64) || M', 64).
template <ParameterSet P>
std::array<uint8_t, kMuBytes> compute_mu_internal(const PublicKey<P>& pk, ByteSpan m_prime);

/// Sign_internal given mu instead of M' (lines 7.. of Alg. 7).
template <ParameterSet P>
Signature<P> sign_mu(const SecretKey<P>& sk, std::span<const uint8_t, kMuBytes> mu,
                     SigningMode mode = SigningMode::kHedged);
/// Verify_internal given mu instead of M' (lines 7.. of Alg. 8).
template <ParameterSet P>
Status verify_mu(const PublicKey<P>& pk, std::span<const uint8_t, kMuBytes> mu, const Signature<P>& sig);

// ---------------------------------------------------------------------------------------------
// Internal interface (Alg. 7 / 8): the caller supplies M' (and rnd). Used by the ACVP vectors.
// ---------------------------------------------------------------------------------------------

/// ML-DSA.Sign_internal(sk, M', rnd) (Alg. 7). rnd = 0^32 gives the deterministic variant.
template <ParameterSet P>
Signature<P> sign_internal(const SecretKey<P>& sk, ByteSpan m_prime,
                           std::span<const uint8_t, kSeedBytes> rnd);

/// ML-DSA.Verify_internal(pk, M', sigma) (Alg. 8).
template <ParameterSet P>
Status verify_internal(const PublicKey<P>& pk, ByteSpan m_prime, const Signature<P>& sig);

/// Convenience aliases for the parameter set V100 uses.
using PublicKey65 = PublicKey<kMlDsa65>;
using SecretKey65 = SecretKey<kMlDsa65>;
using Signature65 = Signature<kMlDsa65>;

}  // namespace v100::pq::mldsa
