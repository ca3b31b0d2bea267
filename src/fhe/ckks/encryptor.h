// Encryption (public key, or secret key with a seeded c_1) and decryption, with noise flooding for
// decryptions that anyone but the key holder will see.
//
// IND-CPA-D (Li and Micciancio, EUROCRYPT 2021): a CKKS decryption reveals m + e, and e is a known
// linear function of the secret key, so publishing raw decryptions can leak the key. Decryptor's
// shared-result API (decrypt_values) therefore adds fresh Gaussian "flooding" noise to the
// coefficients before decoding, by default; the raw form has a name that says what it is.
#pragma once

#include <array>
#include <complex>
#include <span>
#include <vector>

#include "fhe/ckks/ciphertext.h"
#include "fhe/ckks/encoder.h"
#include "fhe/ckks/keys.h"
#include "math/sampler.h"

namespace v100::fhe::ckks {

/// A ciphertext from secret-key encryption whose c_1 = expand(seed): serializes in about half size.
struct SeededCiphertext {
  Ciphertext ct;
  std::array<uint8_t, 32> seed{};
};

/// Public-key encryption: c = (b u + e_0 + m, a u + e_1), u ternary, e_0, e_1 centered binomial
/// (variance 10.5). Thread-compatible (const methods use fresh OS randomness per call).
class Encryptor {
 public:
  Encryptor(ContextPtr ctx, PublicKey pk);
  /// Encrypts pt at its level. Throws std::invalid_argument if pt does not match the context.
  Ciphertext encrypt(const Plaintext& pt) const;
  /// Deterministic variant for tests/benches: randomness from a 32-byte seed.
  Ciphertext encrypt_with_seed(const Plaintext& pt, std::span<const uint8_t> seed32) const;

 private:
  Ciphertext encrypt_impl(const Plaintext& pt, math::RandomSource& rng) const;
  ContextPtr ctx_;
  PublicKey pk_;
};

/// Secret-key encryption: c = (-a s + e + m, a) with a = expand(fresh public seed).
class SymmetricEncryptor {
 public:
  SymmetricEncryptor(ContextPtr ctx, const SecretKey& sk);
  /// Fresh OS randomness for the public seed and the error.
  SeededCiphertext encrypt(const Plaintext& pt) const;
  /// The same with the public seed and the error drawn from a XOF of `randomness32`, 32 fresh random
  /// bytes of the caller, never reused: the WebAssembly C ABI (web/wasm) takes randomness as an
  /// input, so that the module and the native build can be compared byte for byte. Throws
  /// std::invalid_argument if randomness32 is not 32 bytes.
  SeededCiphertext encrypt(const Plaintext& pt, std::span<const uint8_t> randomness32) const;

 private:
  SeededCiphertext encrypt_impl(const Plaintext& pt, std::span<const uint8_t> seed32,
                                math::RandomSource& rng) const;
  ContextPtr ctx_;
  SecretKey sk_;
};

/// How decrypt_values floods. sigma (per coefficient) = scale * 2^-precision_bits / sqrt(N), so the
/// flooding error in each slot has standard deviation about 2^-precision_bits (relative to a
/// value of 1). With the default 16 bits, Delta = 2^40 and the noise this engine produces (2^7 to
/// 2^12 per coefficient), the flood exceeds the ciphertext noise by 2^5 to 2^10: see README.md for
/// what that buys and when to lower precision_bits.
struct FloodingOptions {
  int precision_bits = 16;
};

/// Decryption with the secret key. Holds a copy of the secret key (wiped on destruction).
class Decryptor {
 public:
  Decryptor(ContextPtr ctx, const SecretKey& sk);

  /// Raw decryption to a plaintext (c_0 + c_1 s [+ c_2 s^2]). For the key holder's own use only:
  /// do not publish its decoding (see IND-CPA-D above).
  Plaintext decrypt(const Ciphertext& ct) const;

  /// The results API for values that may be shown to others: decrypts, floods with fresh Gaussian
  /// noise (FloodingOptions), decodes, returns the real parts of the first `count` slots.
  std::vector<double> decrypt_values(const Ciphertext& ct, size_t count, FloodingOptions flooding = {}) const;
  /// The same with the flooding noise drawn from a XOF of `randomness32` (32 fresh random bytes of
  /// the caller, never reused; for the WebAssembly C ABI). Throws std::invalid_argument if it is not
  /// 32 bytes.
  std::vector<double> decrypt_values(const Ciphertext& ct, size_t count, FloodingOptions flooding,
                                     std::span<const uint8_t> randomness32) const;
  /// Complex slots, flooded.
  std::vector<std::complex<double>> decrypt_complex(const Ciphertext& ct,
                                                    FloodingOptions flooding = {}) const;
  /// Unflooded decryption + decode, for the key holder's private use and for tests.
  std::vector<std::complex<double>> decrypt_unflooded(const Ciphertext& ct) const;

 private:
  std::vector<std::complex<double>> flooded(const Ciphertext& ct, FloodingOptions flooding,
                                            math::RandomSource& rng) const;
  ContextPtr ctx_;
  SecretKey sk_;
  CkksEncoder encoder_;
};

}  // namespace v100::fhe::ckks
