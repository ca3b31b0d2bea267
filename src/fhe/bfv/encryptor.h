// BFV encryption and decryption.
//
// Ciphertext (fhe/common/ciphertext.h) (c0, c1[, c2]) decrypts as m = round(t/Q * [c0 + c1 s + c2 s^2]_Q)
// mod t. Public-key encryption: (b u + e0 + Delta m, a u + e1), u ternary, e CBD(21). Seeded
// symmetric encryption: c1 = a expanded from a fresh 32-byte seed (AES-256-CTR), c0 = -a s + e +
// Delta m; only c0 and the seed travel (half the size). Outputs are in NTT form.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/common/ciphertext.h"
#include "fhe/common/keys.h"
#include "fhe/common/prg.h"

namespace v100::fhe::bfv {

/// Public-key encryptor. Holds a copy of the public key. Thread-safe (fresh randomness per call
/// comes from the OS CSPRNG via a per-call AES-CTR stream).
class Encryptor {
 public:
  /// Throws std::invalid_argument if pk belongs to another parameter set.
  Encryptor(BfvContextPtr ctx, PublicKey pk);
  /// Fresh encryption of pt at the full level (NTT form). Throws std::invalid_argument on a
  /// malformed plaintext (wrong size, value >= t, other parameter set).
  Ciphertext encrypt(const Plaintext& pt) const;
  /// Fresh encryption of zero whose c0 error is uniform in [-2^flood_bits, 2^flood_bits] instead of
  /// CBD (noise flooding), in coefficient form. Used to re-randomize server replies.
  Ciphertext encrypt_zero_flooded(int flood_bits) const;
  const PublicKey& public_key() const { return pk_; }

 private:
  BfvContextPtr ctx_;
  PublicKey pk_;
};

/// Secret-key (seeded) encryptor. Keeps a reference to the secret key, which must outlive it.
class SymmetricEncryptor {
 public:
  SymmetricEncryptor(BfvContextPtr ctx, const SecretKey& sk);
  /// Seeded fresh encryption (has_seed = true; NTT form; full level).
  Ciphertext encrypt(const Plaintext& pt) const;
  /// The same encryption with its randomness drawn from `randomness` instead of the OS CSPRNG: the
  /// a-seed is SHAKE256 of it (kDerandASeedLabel), the error an AES-256-CTR stream of it
  /// (kDerandErrorLabel), so equal inputs give equal ciphertexts (known-answer tests, the web
  /// client's native cross-check). `randomness` must be uniformly random and never reused; a
  /// reused seed under one key reveals the difference of the two plaintexts.
  Ciphertext encrypt(const Plaintext& pt, std::span<const uint8_t, 32> randomness) const;

  /// Prg labels of the derandomized encrypt().
  static constexpr const char* kDerandASeedLabel = "v100/bfv/sym-encrypt/a-seed/v1";
  static constexpr const char* kDerandErrorLabel = "v100/bfv/sym-encrypt/e/v1";

 private:
  Ciphertext encrypt_with(const Plaintext& pt, const std::array<uint8_t, 32>& seed, Prg& prg) const;
  BfvContextPtr ctx_;
  const SecretKey& sk_;
};

/// Decryptor. Keeps a reference to the secret key, which must outlive it. Thread-safe.
class Decryptor {
 public:
  Decryptor(BfvContextPtr ctx, const SecretKey& sk);
  /// Decrypts a ciphertext of size 2 or 3 at any level. Throws std::invalid_argument on a shape
  /// mismatch (deserialize untrusted bytes first; they are validated there).
  Plaintext decrypt(const Ciphertext& ct) const;
  /// Invariant noise budget in bits: log2(Q) - log2(max |[t (c0 + c1 s + ...)]_Q|) - 1, clamped at
  /// 0. Decryption is correct while it is positive.
  int invariant_noise_budget(const Ciphertext& ct) const;

 private:
  // x = c0 + c1 s (+ c2 s^2) in coefficient form.
  RnsPoly dot_with_secret(const Ciphertext& ct) const;
  BfvContextPtr ctx_;
  const SecretKey& sk_;
};

/// Writes Delta * m mod q_j (coefficient form) into residues 0..num_q-1 of out (n values each).
void scale_plaintext(const BfvContext& ctx, const Plaintext& pt, RnsPoly& out);
/// Throws std::invalid_argument unless pt has N coefficients < t and this parameter id.
void check_plaintext(const BfvContext& ctx, const Plaintext& pt);

}  // namespace v100::fhe::bfv
