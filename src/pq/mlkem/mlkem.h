// ML-KEM (FIPS 203): the module-lattice key-encapsulation mechanism, all three parameter sets.
//
// Parameter sets are selected by the module rank k (FIPS 203 Table 2): kMlKem512 = 2,
// kMlKem768 = 3, kMlKem1024 = 4. Every type and function is a template on k; the three
// instantiations are compiled into v100_mlkem.
//
// Keys and ciphertexts are fixed-size byte types whose sizes are pinned to the standard by
// static_assert. Bytes from outside become typed values only through from_bytes(), which runs the
// FIPS 203 input checks (§7.2 for encapsulation keys, §7.3 for decapsulation keys, §7.3 length
// for ciphertexts) and returns an error Result on bad input; it never throws on bad bytes.
//
// All operations on secrets run in constant time (no secret-dependent branch or memory index) and
// wipe their transient secrets. The functions are thread-safe (no shared mutable state).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"

namespace v100::pq::mlkem {

namespace internal {
/// The parsed form of an encapsulation key (A_hat^T and t_hat), defined in internal.h.
template <int K>
struct ExpandedEk;
/// The parsed secret vector s_hat of a decapsulation key (wiped on destruction), internal.h.
template <int K>
struct ExpandedDk;
}  // namespace internal

/// ML-KEM-512, -768, -1024 by module rank k.
inline constexpr int kMlKem512 = 2;
inline constexpr int kMlKem768 = 3;
inline constexpr int kMlKem1024 = 4;

/// Bytes of a shared secret K, and of the seeds d, z and the encapsulation randomness m.
inline constexpr size_t kSharedSecretBytes = 32;
inline constexpr size_t kSeedBytes = 32;

/// The FIPS 203 Table 2 parameters of the set with rank K, and the derived sizes (Table 3).
template <int K>
struct Params {
  static_assert(K == 2 || K == 3 || K == 4, "ML-KEM is defined for k = 2, 3, 4");
  static constexpr int k = K;
  static constexpr int eta1 = K == 2 ? 3 : 2;
  static constexpr int eta2 = 2;
  static constexpr int du = K == 4 ? 11 : 10;
  static constexpr int dv = K == 4 ? 5 : 4;
  static constexpr size_t kEncapsulationKeyBytes = 384 * K + 32;
  static constexpr size_t kDecapsulationKeyBytes = 768 * K + 96;
  static constexpr size_t kCiphertextBytes = 32 * (du * K + dv);
};

// FIPS 203 Table 3.
static_assert(Params<2>::kEncapsulationKeyBytes == 800 && Params<2>::kDecapsulationKeyBytes == 1632 &&
              Params<2>::kCiphertextBytes == 768);
static_assert(Params<3>::kEncapsulationKeyBytes == 1184 && Params<3>::kDecapsulationKeyBytes == 2400 &&
              Params<3>::kCiphertextBytes == 1088);
static_assert(Params<4>::kEncapsulationKeyBytes == 1568 && Params<4>::kDecapsulationKeyBytes == 3168 &&
              Params<4>::kCiphertextBytes == 1568);

/// A 32-byte shared secret. Move-only, wiped on destruction; compare with ct_equal on span().
class SharedSecret {
 public:
  SharedSecret() { bytes_.fill(0); }
  SharedSecret(const SharedSecret&) = delete;
  SharedSecret& operator=(const SharedSecret&) = delete;
  SharedSecret(SharedSecret&& o) noexcept : bytes_(o.bytes_) {
    secure_wipe(o.bytes_.data(), o.bytes_.size());
  }
  SharedSecret& operator=(SharedSecret&& o) noexcept {
    bytes_ = o.bytes_;
    if (this != &o) secure_wipe(o.bytes_.data(), o.bytes_.size());
    return *this;
  }
  ~SharedSecret() { secure_wipe(bytes_.data(), bytes_.size()); }

  std::span<const uint8_t, kSharedSecretBytes> span() const { return bytes_; }
  /// Writable access, for the implementation and for deserializing a stored secret.
  std::span<uint8_t, kSharedSecretBytes> mutable_span() { return bytes_; }

 private:
  std::array<uint8_t, kSharedSecretBytes> bytes_;
};

/// An encapsulation key ek (public). Always passed the §7.2 modulus check: holding one means
/// every encoded coefficient of t_hat is < q. It is kept parsed as well (t_hat, the matrix A_hat^T
/// expanded from rho, and H(ek)), the way BoringSSL keeps its public keys, so encapsulation does no
/// decoding or matrix expansion. Copies share the immutable parsed form; thread-safe to share.
template <int K>
class EncapsulationKey {
 public:
  static constexpr size_t kBytes = Params<K>::kEncapsulationKeyBytes;

  /// Parses untrusted bytes: checks the length and the FIPS 203 §7.2 modulus check
  /// ByteEncode12(ByteDecode12(ek)) == ek, then expands the key. Never throws on bad bytes.
  static Result<EncapsulationKey> from_bytes(ByteSpan bytes);

  const std::array<uint8_t, kBytes>& bytes() const { return bytes_; }
  ByteSpan span() const { return bytes_; }
  /// H(ek) = SHA3-256(ek), computed once when the key is made (Alg. 17 line 1 uses it).
  const std::array<uint8_t, 32>& hash() const { return h_; }
  /// For the implementation: the parsed form.
  const internal::ExpandedEk<K>& expanded() const { return *x_; }

  /// For the implementation only: wraps bytes already known to pass §7.2, hashing and expanding.
  static EncapsulationKey from_valid_bytes_unchecked(std::span<const uint8_t, kBytes> bytes);
  /// For the implementation only: all parts already computed.
  static EncapsulationKey from_parts(std::span<const uint8_t, kBytes> bytes, std::span<const uint8_t, 32> h,
                                     std::shared_ptr<const internal::ExpandedEk<K>> x) {
    EncapsulationKey ek;
    std::copy(bytes.begin(), bytes.end(), ek.bytes_.begin());
    std::copy(h.begin(), h.end(), ek.h_.begin());
    ek.x_ = std::move(x);
    return ek;
  }

 private:
  EncapsulationKey() = default;
  std::array<uint8_t, kBytes> bytes_;
  std::array<uint8_t, 32> h_;
  std::shared_ptr<const internal::ExpandedEk<K>> x_;
};

/// A decapsulation key dk = dk_PKE || ek || H(ek) || z (secret). Move-only; the bytes and the
/// parsed s_hat are wiped on destruction. Always passed the §7.3 hash check. Kept parsed (s_hat,
/// and the expanded embedded ek) so decapsulation does no decoding or matrix expansion. A const
/// DecapsulationKey may be used from several threads at once.
template <int K>
class DecapsulationKey {
 public:
  static constexpr size_t kBytes = Params<K>::kDecapsulationKeyBytes;

  /// Parses untrusted bytes: checks the length and the FIPS 203 §7.3 hash check
  /// H(dk[384k : 768k+32]) == dk[768k+32 : 768k+64], then expands the key. Never throws on bad
  /// bytes.
  static Result<DecapsulationKey> from_bytes(ByteSpan bytes);

  DecapsulationKey(DecapsulationKey&& o) noexcept
      : bytes_(o.bytes_), x_(std::move(o.x_)), ek_x_(std::move(o.ek_x_)) {
    o.wipe();
  }
  DecapsulationKey& operator=(DecapsulationKey&& o) noexcept {
    if (this != &o) {
      bytes_ = o.bytes_;
      x_ = std::move(o.x_);
      ek_x_ = std::move(o.ek_x_);
      o.wipe();
    }
    return *this;
  }
  DecapsulationKey(const DecapsulationKey&) = delete;
  DecapsulationKey& operator=(const DecapsulationKey&) = delete;
  ~DecapsulationKey() { wipe(); }

  /// The secret key bytes, for serialization into protected storage only.
  const std::array<uint8_t, kBytes>& bytes() const { return bytes_; }
  /// The encapsulation key embedded in dk (shares its parsed form).
  EncapsulationKey<K> encapsulation_key() const;
  /// For the implementation: the parsed forms.
  const internal::ExpandedDk<K>& expanded() const { return *x_; }
  const internal::ExpandedEk<K>& expanded_ek() const { return *ek_x_; }

  /// For the implementation only.
  static DecapsulationKey from_parts(std::span<const uint8_t, kBytes> bytes,
                                     std::shared_ptr<const internal::ExpandedDk<K>> x,
                                     std::shared_ptr<const internal::ExpandedEk<K>> ek_x) {
    DecapsulationKey dk;
    std::copy(bytes.begin(), bytes.end(), dk.bytes_.begin());
    dk.x_ = std::move(x);
    dk.ek_x_ = std::move(ek_x);
    return dk;
  }

 private:
  DecapsulationKey() = default;
  void wipe() { secure_wipe(bytes_.data(), bytes_.size()); }
  std::array<uint8_t, kBytes> bytes_;
  std::shared_ptr<const internal::ExpandedDk<K>> x_;
  std::shared_ptr<const internal::ExpandedEk<K>> ek_x_;
};

/// A ciphertext c (public).
template <int K>
class Ciphertext {
 public:
  static constexpr size_t kBytes = Params<K>::kCiphertextBytes;

  /// Parses untrusted bytes: only the length is checked (FIPS 203 §7.3 ciphertext type check);
  /// any content is a valid input to decapsulation (implicit rejection). Never throws.
  static Result<Ciphertext> from_bytes(ByteSpan bytes);

  const std::array<uint8_t, kBytes>& bytes() const { return bytes_; }
  ByteSpan span() const { return bytes_; }

  /// For the implementation only.
  static Ciphertext from_array(const std::array<uint8_t, kBytes>& bytes) {
    Ciphertext c;
    c.bytes_ = bytes;
    return c;
  }

 private:
  Ciphertext() = default;
  std::array<uint8_t, kBytes> bytes_;
};

/// The result of ML-KEM.KeyGen.
template <int K>
struct KeyPair {
  EncapsulationKey<K> ek;
  DecapsulationKey<K> dk;
};

/// The result of ML-KEM.Encaps: the shared secret K and the ciphertext c.
template <int K>
struct Encapsulation {
  SharedSecret key;
  Ciphertext<K> ciphertext;
};

/// ML-KEM.KeyGen (FIPS 203 Alg. 19): fresh d, z from the system RNG.
template <int K>
KeyPair<K> keygen();

/// ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16), deterministic; for tests and for X-Wing.
template <int K>
KeyPair<K> keygen_internal(std::span<const uint8_t, kSeedBytes> d, std::span<const uint8_t, kSeedBytes> z);

/// ML-KEM.Encaps (FIPS 203 Alg. 20): fresh m from the system RNG. The §7.2 check already ran when
/// `ek` was parsed.
template <int K>
Encapsulation<K> encaps(const EncapsulationKey<K>& ek);

/// ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17), deterministic; for tests and for X-Wing.
template <int K>
Encapsulation<K> encaps_internal(const EncapsulationKey<K>& ek, std::span<const uint8_t, kSeedBytes> m);

/// ML-KEM.Decaps (FIPS 203 Alg. 21 / Alg. 18) with implicit rejection: a ciphertext that does not
/// re-encrypt to itself yields the pseudo-random key J(z || c), never an error. Constant time.
template <int K>
SharedSecret decaps(const DecapsulationKey<K>& dk, const Ciphertext<K>& c);

}  // namespace v100::pq::mlkem
