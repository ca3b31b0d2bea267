// X-Wing (draft-connolly-cfrg-xwing-kem): the hybrid KEM V100 uses between people, ML-KEM-768 plus
// X25519 (from OpenSSL) with the SHA3-256 combiner
//   ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\").
//
// The secret key is the 32-byte seed of the draft; SecretKey also keeps the expanded keys so
// decapsulation does not re-run key generation. Public keys, ciphertexts and shared secrets are
// fixed-size. Functions are thread-safe; a SecretKey may be used from several threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "pq/mlkem/mlkem.h"

namespace v100::pq::xwing {

inline constexpr size_t kSecretKeyBytes = 32;
inline constexpr size_t kPublicKeyBytes = 1216;
inline constexpr size_t kCiphertextBytes = 1120;
inline constexpr size_t kSharedSecretBytes = 32;
/// Bytes of the derandomized encapsulation seed (eseed): 32 for ML-KEM, 32 for X25519.
inline constexpr size_t kEncapsSeedBytes = 64;
static_assert(kPublicKeyBytes == mlkem::Params<3>::kEncapsulationKeyBytes + 32);
static_assert(kCiphertextBytes == mlkem::Params<3>::kCiphertextBytes + 32);

/// The 32-byte X-Wing shared secret (move-only, wiped on destruction).
using SharedSecret = mlkem::SharedSecret;

/// An X-Wing public key pk = pk_M || pk_X. Always passed the ML-KEM §7.2 check on pk_M.
class PublicKey {
 public:
  /// Parses untrusted bytes: length and the ML-KEM-768 encapsulation-key modulus check.
  static Result<PublicKey> from_bytes(ByteSpan bytes);
  const std::array<uint8_t, kPublicKeyBytes>& bytes() const { return bytes_; }
  ByteSpan span() const { return bytes_; }
  /// The ML-KEM-768 part pk_M (with its hash cached).
  const mlkem::EncapsulationKey<3>& mlkem_key() const { return ek_m_; }

 private:
  friend class SecretKey;
  PublicKey(const uint8_t* bytes, mlkem::EncapsulationKey<3> ek_m);
  std::array<uint8_t, kPublicKeyBytes> bytes_;
  mlkem::EncapsulationKey<3> ek_m_;
};

/// An X-Wing secret key: the 32-byte seed plus its expansion (ML-KEM-768 dk, X25519 key, pk).
/// Move-only; every copy of secret material is wiped on destruction.
class SecretKey {
 public:
  /// Expands a 32-byte seed (the draft's sk): SHAKE256(seed, 96) -> d, z, sk_X. Never throws on
  /// the right length; returns an error on a wrong length.
  static Result<SecretKey> from_seed(ByteSpan seed);

  SecretKey(SecretKey&&) noexcept;
  SecretKey& operator=(SecretKey&&) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  /// The 32-byte seed, for serialization into protected storage only.
  std::span<const uint8_t, kSecretKeyBytes> seed() const;
  /// The matching public key.
  const PublicKey& public_key() const;

  struct Expanded;  // implementation detail (xwing.cc)
  const Expanded& expanded() const { return *x_; }

 private:
  explicit SecretKey(std::unique_ptr<Expanded> x);
  std::unique_ptr<Expanded> x_;
};

/// A ciphertext ct = ct_M || ct_X.
class Ciphertext {
 public:
  /// Parses untrusted bytes (length only; any content is a valid decapsulation input).
  static Result<Ciphertext> from_bytes(ByteSpan bytes);
  const std::array<uint8_t, kCiphertextBytes>& bytes() const { return bytes_; }
  ByteSpan span() const { return bytes_; }

  /// For the implementation only.
  static Ciphertext from_array(const std::array<uint8_t, kCiphertextBytes>& bytes) {
    Ciphertext c;
    c.bytes_ = bytes;
    return c;
  }

 private:
  Ciphertext() = default;
  std::array<uint8_t, kCiphertextBytes> bytes_;
};

/// The result of encapsulation.
struct Encapsulation {
  SharedSecret shared_secret;
  Ciphertext ciphertext;
};

/// GenerateKeyPair: a fresh random seed, expanded.
SecretKey generate_key_pair();

/// GenerateKeyPairDerand(seed); the public key is `.public_key()` of the result.
/// Throws std::invalid_argument if seed is not 32 bytes (caller misuse).
SecretKey generate_key_pair_derand(ByteSpan seed);

/// Encapsulate to `pk` with fresh randomness. Errors (never throws) if X25519 rejects pk_X (a
/// low-order point gives an all-zero X25519 output, which OpenSSL refuses).
Result<Encapsulation> encapsulate(const PublicKey& pk);

/// EncapsulateDerand(pk, eseed) with a 64-byte eseed, for tests. Same errors as encapsulate();
/// throws std::invalid_argument if eseed is not 64 bytes.
Result<Encapsulation> encapsulate_derand(const PublicKey& pk, ByteSpan eseed);

/// Decapsulate. The ML-KEM part uses implicit rejection (a bad ct_M gives a pseudo-random key);
/// errors only when X25519 rejects ct_X as a low-order point (public information).
Result<SharedSecret> decapsulate(const SecretKey& sk, const Ciphertext& ct);

}  // namespace v100::pq::xwing
