// Symmetric building blocks of the client SDK, all from OpenSSL 3: HKDF-SHA-512 (RFC 5869),
// AES-256-GCM sealing with a random 96-bit nonce, and scrypt (RFC 7914) for passphrases.
// Nothing here keeps state; every function is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"

namespace v100::meeting::client {

/// AES-256-GCM key length, nonce length and tag length in bytes.
inline constexpr size_t kAeadKeyLen = 32;
inline constexpr size_t kAeadNonceLen = 12;
inline constexpr size_t kAeadTagLen = 16;
/// Bytes a sealed box adds to its plaintext: nonce || ciphertext || tag.
inline constexpr size_t kAeadOverhead = kAeadNonceLen + kAeadTagLen;

/// HKDF-SHA-512 (extract then expand) of `ikm` with `salt` and `info` into `out`
/// (1..16320 bytes). Throws std::invalid_argument on an impossible length.
void hkdf_sha512(std::span<uint8_t> out, std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                 std::span<const uint8_t> info);

/// HMAC-SHA-512 of `data` under `key`, truncated to 32 bytes (the membership proof's MAC).
std::array<uint8_t, 32> hmac_sha512_256(std::span<const uint8_t> key, std::span<const uint8_t> data);

/// Seals `plaintext` under a 32-byte key with associated data `aad`: returns
/// nonce(12) || ciphertext || tag(16), with a fresh random nonce (safe for < 2^32 seals per key).
Bytes aead_seal(std::span<const uint8_t> key, std::span<const uint8_t> plaintext,
                std::span<const uint8_t> aad);

/// Opens a box made by aead_seal. On any failure (short box, wrong key, tampered bytes or aad)
/// returns an error and no plaintext at all (the partial output is wiped).
Result<SecretBytes> aead_open(std::span<const uint8_t> key, std::span<const uint8_t> box,
                              std::span<const uint8_t> aad);

/// scrypt cost parameters. The defaults (N = 2^17, r = 8, p = 1: 128 MiB, ~0.3 s) follow the
/// OWASP password-storage guidance for scrypt; tests pass cheaper ones.
struct ScryptParams {
  uint8_t log2_n = 17;
  uint32_t r = 8;
  uint32_t p = 1;
};

/// scrypt(passphrase, salt) into `out`. Error when the parameters are out of range (log2_n in
/// 10..22, r in 1..32, p in 1..16, and 128 r N <= 1 GiB: a key file cannot make us allocate
/// unbounded memory) or OpenSSL fails.
Status scrypt_derive(std::span<uint8_t> out, std::string_view passphrase, std::span<const uint8_t> salt,
                     const ScryptParams& params);

}  // namespace v100::meeting::client
