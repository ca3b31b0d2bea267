#include "media/cipher_suite.h"

#include <string>

namespace v100::media {
namespace {

// RFC 9605 §4.5, Table 4 (and §4.5.1 for Nka of the CTR+HMAC suites: AES-128 key then a
// 32-byte HMAC-SHA256 key, so Nk = 48).
constexpr SuiteParams kSuites[5] = {
    {1, AeadKind::kAesCtrHmac, HashKind::kSha256, 32, 16, 48, 12, 10, "AES_128_CTR_HMAC_SHA256_80"},
    {2, AeadKind::kAesCtrHmac, HashKind::kSha256, 32, 16, 48, 12, 8, "AES_128_CTR_HMAC_SHA256_64"},
    {3, AeadKind::kAesCtrHmac, HashKind::kSha256, 32, 16, 48, 12, 4, "AES_128_CTR_HMAC_SHA256_32"},
    {4, AeadKind::kAesGcm, HashKind::kSha256, 32, 16, 16, 12, 16, "AES_128_GCM_SHA256_128"},
    {5, AeadKind::kAesGcm, HashKind::kSha512, 64, 32, 32, 12, 16, "AES_256_GCM_SHA512_128"},
};
static_assert(kNonceSize == 12);

}  // namespace

const SuiteParams& suite_params(CipherSuite suite) {
  return kSuites[static_cast<uint16_t>(suite) - 1];
}

Result<CipherSuite> cipher_suite_from_id(uint16_t id) {
  if (id < 1 || id > 5)
    return Result<CipherSuite>::error("sframe: unknown cipher suite " + std::to_string(id));
  return static_cast<CipherSuite>(id);
}

}  // namespace v100::media
