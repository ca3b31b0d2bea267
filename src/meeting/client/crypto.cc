#include "meeting/client/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

#include "core/rng.h"

namespace v100::meeting::client {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

}  // namespace

void hkdf_sha512(std::span<uint8_t> out, std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                 std::span<const uint8_t> info) {
  // RFC 5869 §2.3: L <= 255 * HashLen.
  if (out.empty() || out.size() > 255 * 64) throw std::invalid_argument("hkdf_sha512: bad output length");
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) throw std::runtime_error("hkdf_sha512: OpenSSL has no HKDF");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) throw std::runtime_error("hkdf_sha512: out of memory");
  char digest[] = "SHA512";
  // OpenSSL wants non-null pointers even for empty salt/info/ikm.
  static const uint8_t kEmpty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        const_cast<uint8_t*>(ikm.empty() ? &kEmpty : ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.empty() ? &kEmpty : salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info.empty() ? &kEmpty : info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) throw std::runtime_error("hkdf_sha512: derive failed");
}

std::array<uint8_t, 32> hmac_sha512_256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  uint8_t full[64];
  unsigned int len = 0;
  static const uint8_t kEmpty = 0;
  if (HMAC(EVP_sha512(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
           data.empty() ? &kEmpty : data.data(), data.size(), full, &len) == nullptr ||
      len != 64)
    throw std::runtime_error("hmac_sha512_256: HMAC failed");
  std::array<uint8_t, 32> out;
  std::copy(full, full + 32, out.begin());
  secure_wipe(full, sizeof full);
  return out;
}

Bytes aead_seal(std::span<const uint8_t> key, std::span<const uint8_t> plaintext,
                std::span<const uint8_t> aad) {
  if (key.size() != kAeadKeyLen) throw std::invalid_argument("aead_seal: key must be 32 bytes");
  Bytes box(kAeadNonceLen + plaintext.size() + kAeadTagLen);
  random_bytes(std::span<uint8_t>(box.data(), kAeadNonceLen));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), box.data()) == 1;
  if (ok && !aad.empty())
    ok = EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1;
  if (ok && !plaintext.empty())
    ok = EVP_EncryptUpdate(ctx.get(), box.data() + kAeadNonceLen, &len, plaintext.data(),
                           static_cast<int>(plaintext.size())) == 1;
  if (ok) ok = EVP_EncryptFinal_ex(ctx.get(), box.data() + kAeadNonceLen + plaintext.size(), &len) == 1;
  if (ok)
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAeadTagLen,
                             box.data() + kAeadNonceLen + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("aead_seal: OpenSSL AES-GCM failed");
  return box;
}

Result<SecretBytes> aead_open(std::span<const uint8_t> key, std::span<const uint8_t> box,
                              std::span<const uint8_t> aad) {
  if (key.size() != kAeadKeyLen) throw std::invalid_argument("aead_open: key must be 32 bytes");
  if (box.size() < kAeadOverhead) return Result<SecretBytes>::error("sealed box too short");
  size_t n = box.size() - kAeadOverhead;
  SecretBytes out(n);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), box.data()) == 1;
  if (ok && !aad.empty())
    ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1;
  if (ok && n > 0)
    ok = EVP_DecryptUpdate(ctx.get(), out.data(), &len, box.data() + kAeadNonceLen, static_cast<int>(n)) == 1;
  if (ok)
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAeadTagLen,
                             const_cast<uint8_t*>(box.data() + kAeadNonceLen + n)) == 1;
  uint8_t tail[16];
  if (ok) ok = EVP_DecryptFinal_ex(ctx.get(), tail, &len) == 1;
  if (!ok) {
    // libsodium's rule: no unauthenticated plaintext escapes (SecretBytes wipes on destruction).
    return Result<SecretBytes>::error("authentication failed (wrong key or tampered data)");
  }
  return out;
}

Status scrypt_derive(std::span<uint8_t> out, std::string_view passphrase, std::span<const uint8_t> salt,
                     const ScryptParams& params) {
  if (params.log2_n < 10 || params.log2_n > 22 || params.r < 1 || params.r > 32 || params.p < 1 ||
      params.p > 16)
    return Status::error("scrypt parameters out of range");
  uint64_t n = uint64_t{1} << params.log2_n;
  // A key file chooses its own cost: never more than 1 GiB of scrypt memory (128 r N bytes).
  if (128ull * params.r * n > (uint64_t{1} << 30))
    return Status::error("scrypt parameters need more than 1 GiB");
  // scrypt needs 128 * r * N bytes for V plus 128 * r * p for B; allow both with slack.
  uint64_t maxmem = 128ull * params.r * (n + params.p + 2) + (1u << 20);
  static const char kEmpty = 0;
  if (EVP_PBE_scrypt(passphrase.empty() ? &kEmpty : passphrase.data(), passphrase.size(), salt.data(),
                     salt.size(), n, params.r, params.p, maxmem, out.data(), out.size()) != 1)
    return Status::error("scrypt failed (out of memory?)");
  return Status::ok();
}

}  // namespace v100::meeting::client
