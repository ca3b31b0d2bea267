// SFrame cipher suites (RFC 9605 §4.5, Table 4 / IANA "SFrame Cipher Suites") and the sizes each one
// fixes: hash for HKDF (Nh), AEAD key (Nk, and for the CTR+HMAC suites the AES part Nka), nonce (Nn)
// and tag (Nt).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace v100::media {

/// The five cipher suites of RFC 9605. V100 sends media with kAes256GcmSha512_128 (the default).
enum class CipherSuite : uint16_t {
  kAes128CtrHmacSha256_80 = 0x0001,
  kAes128CtrHmacSha256_64 = 0x0002,
  kAes128CtrHmacSha256_32 = 0x0003,
  kAes128GcmSha256_128 = 0x0004,
  kAes256GcmSha512_128 = 0x0005,
};

/// The suite V100 uses unless configured otherwise.
inline constexpr CipherSuite kDefaultCipherSuite = CipherSuite::kAes256GcmSha512_128;

/// How a suite's AEAD is built: AES-GCM directly, or AES-CTR + truncated HMAC (RFC 9605 §4.5.1).
enum class AeadKind : uint8_t { kAesGcm, kAesCtrHmac };
/// The hash of HKDF (and of the HMAC for CTR+HMAC suites).
enum class HashKind : uint8_t { kSha256, kSha512 };

/// Sizes and algorithms of one AEAD construction. `id` is the suite number (informational).
struct SuiteParams {
  uint16_t id;
  AeadKind kind;
  HashKind hash;
  size_t nh;   ///< hash output size in bytes (HKDF PRK size)
  size_t nka;  ///< AES key size; equals nk for GCM
  size_t nk;   ///< AEAD key size (for CTR+HMAC: AES key followed by the HMAC key)
  size_t nn;   ///< nonce size (12 for every suite)
  size_t nt;   ///< tag size
  const char* name;
};

/// Parameters of one of the RFC 9605 suites. The enum is closed, so this cannot fail.
const SuiteParams& suite_params(CipherSuite suite);

/// Parameters for a suite number read from untrusted input (config files, recording headers).
/// Error for any number other than 1..5.
Result<CipherSuite> cipher_suite_from_id(uint16_t id);

/// Nonce size shared by all suites (RFC 9605 §4.5: Nn = 12).
inline constexpr size_t kNonceSize = 12;
/// The largest tag of any suite.
inline constexpr size_t kMaxTagSize = 16;

}  // namespace v100::media
