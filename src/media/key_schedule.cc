#include "media/key_schedule.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <stdexcept>
#include <string_view>

namespace v100::media {
namespace {

EVP_KDF* hkdf_algorithm() {
  static EVP_KDF* const kdf = [] {
    EVP_KDF* k = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (k == nullptr) throw std::runtime_error("OpenSSL lacks HKDF");
    return k;
  }();
  return kdf;
}

size_t hash_size(HashKind h) {
  return h == HashKind::kSha256 ? 32 : 64;
}

// One EVP_KDF derivation in the given HKDF mode. `salt` may be empty only in expand mode.
SecretBytes hkdf(HashKind hash, int mode, ByteSpan key, ByteSpan salt, ByteSpan info, size_t out_len) {
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(hkdf_algorithm());
  if (ctx == nullptr) throw std::runtime_error("HKDF: out of memory");
  char* digest = const_cast<char*>(hash == HashKind::kSha256 ? "SHA256" : "SHA512");
  OSSL_PARAM ps[6];
  size_t n = 0;
  ps[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  ps[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  // OSSL_PARAM wants non-const pointers for octet strings it only reads.
  ps[n++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()), key.size());
  if (!salt.empty())
    ps[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()),
                                                salt.size());
  if (!info.empty())
    ps[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(info.data()),
                                                info.size());
  ps[n] = OSSL_PARAM_construct_end();
  SecretBytes out(out_len);
  int rc = EVP_KDF_derive(ctx, out.data(), out.size(), ps);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) throw std::runtime_error("HKDF: derivation failed");
  return out;
}

void put_be(uint64_t v, size_t n, Bytes& out) {
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * (n - 1 - i))));
}

Bytes label(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

}  // namespace

uint64_t make_kid(uint64_t epoch, uint32_t slot) {
  if (slot >= kMaxSlots) throw std::invalid_argument("make_kid: slot out of range");
  if (epoch > kMaxEpoch) throw std::invalid_argument("make_kid: epoch out of range");
  return (epoch << kSlotBits) | slot;
}

SecretBytes hkdf_extract(HashKind hash, ByteSpan salt, ByteSpan ikm) {
  // RFC 5869 §2.2: an absent salt is HashLen zero bytes (HMAC pads keys with zeros, so this is the
  // same PRK as an empty salt); passing it explicitly avoids relying on provider defaults.
  uint8_t zeros[64] = {};
  ByteSpan s = salt.empty() ? ByteSpan(zeros, hash_size(hash)) : salt;
  return hkdf(hash, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, s, {}, hash_size(hash));
}

SecretBytes hkdf_expand(HashKind hash, ByteSpan prk, ByteSpan info, size_t out_len) {
  return hkdf(hash, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, {}, info, out_len);
}

FrameKeys derive_frame_keys(CipherSuite suite, uint64_t kid, ByteSpan base_key) {
  const SuiteParams& p = suite_params(suite);
  FrameKeys k;
  k.secret = hkdf_extract(p.hash, {}, base_key);
  Bytes key_label = label("SFrame 1.0 Secret key ");
  put_be(kid, 8, key_label);
  put_be(p.id, 2, key_label);
  Bytes salt_label = label("SFrame 1.0 Secret salt ");
  put_be(kid, 8, salt_label);
  put_be(p.id, 2, salt_label);
  k.key = hkdf_expand(p.hash, k.secret.span(), key_label, p.nk);
  k.salt = hkdf_expand(p.hash, k.secret.span(), salt_label, p.nn);
  return k;
}

SecretBytes derive_base_key(CipherSuite suite, ByteSpan epoch_secret, uint64_t epoch, uint32_t slot) {
  if (epoch_secret.size() < 16) throw std::invalid_argument("derive_base_key: epoch secret too short");
  (void)make_kid(epoch, slot);  // range checks
  const SuiteParams& p = suite_params(suite);
  Bytes salt = label("V100 SFrame v1");
  SecretBytes prk = hkdf_extract(p.hash, salt, epoch_secret);
  Bytes info = label("V100 SFrame base key");
  put_be(p.id, 2, info);
  put_be(epoch, 8, info);
  put_be(slot, 4, info);
  return hkdf_expand(p.hash, prk.span(), info, p.nh);
}

SecretBytes derive_epoch_secret(ByteSpan meeting_secret, uint64_t epoch) {
  if (meeting_secret.size() < 16)
    throw std::invalid_argument("derive_epoch_secret: meeting secret too short");
  Bytes salt = label("V100 media");
  SecretBytes prk = hkdf_extract(HashKind::kSha256, salt, meeting_secret);
  Bytes info = label("epoch");
  put_be(epoch, 8, info);
  return hkdf_expand(HashKind::kSha256, prk.span(), info, 32);
}

void make_nonce(ByteSpan salt, uint64_t ctr, uint8_t* nonce) {
  // RFC 9605 §4.4.3: CTR encoded big-endian in Nn bytes, XORed with the salt; a 64-bit CTR only
  // touches the last 8 bytes.
  for (size_t i = 0; i < kNonceSize; ++i) nonce[i] = salt[i];
  for (size_t i = 0; i < 8; ++i) nonce[kNonceSize - 1 - i] ^= static_cast<uint8_t>(ctr >> (8 * i));
}

}  // namespace v100::media
