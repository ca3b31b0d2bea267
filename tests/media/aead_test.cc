// Aead refuses what it cannot honour (a 24-byte AES key used to key AES-256 and read past the key)
// and still matches OpenSSL's one-shot AES-GCM for the two sizes it supports.
#include "media/aead.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string>

namespace v100::media {
namespace {

Bytes random_bytes(size_t n) {
  Bytes b(n);
  if (n > 0) {
    EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
  }
  return b;
}

SuiteParams gcm_params(size_t key_size) {
  return SuiteParams{99, AeadKind::kAesGcm, HashKind::kSha256, 32, key_size, key_size, 12, 16, "test"};
}

// The error names the refused size, so a misconfiguration is diagnosable.
void expect_refused(const SuiteParams& p, ByteSpan key, const std::string& mention) {
  try {
    Aead a(p, key);
    ADD_FAILURE() << "accepted nka=" << p.nka << " nk=" << p.nk << " key=" << key.size();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
  }
}

TEST(Aead, RefusesUnsupportedAesKeySizes) {
  for (size_t n : {0u, 24u, 31u, 33u, 64u}) {
    SCOPED_TRACE(n);
    Bytes key = random_bytes(n);
    // A suite claiming that AES key size, keyed with a key of exactly that size.
    expect_refused(gcm_params(n), key, std::to_string(n) + " bytes is not supported");
    SuiteParams ctr{98, AeadKind::kAesCtrHmac, HashKind::kSha256, 32, n, n + 32, 12, 10, "test"};
    Bytes ctr_key = random_bytes(n + 32);
    expect_refused(ctr, ctr_key, std::to_string(n) + " bytes is not supported");
    // The real suites, keyed with a key of the wrong size.
    expect_refused(suite_params(CipherSuite::kAes128GcmSha256_128), key, "key is " + std::to_string(n));
    if (n != 32)
      expect_refused(suite_params(CipherSuite::kAes256GcmSha512_128), key, "key is " + std::to_string(n));
  }
}

TEST(Aead, RefusesInconsistentSuiteParams) {
  Bytes k32 = random_bytes(32), k48 = random_bytes(48);
  SuiteParams gcm_with_mac = gcm_params(16);
  gcm_with_mac.nk = 48;
  expect_refused(gcm_with_mac, k48, "nk must equal nka");
  SuiteParams ctr_no_mac{98, AeadKind::kAesCtrHmac, HashKind::kSha256, 32, 32, 32, 12, 10, "test"};
  expect_refused(ctr_no_mac, k32, "nk > nka");
  SuiteParams long_tag = gcm_params(32);
  long_tag.nt = 17;
  expect_refused(long_tag, k32, "tag size 17");
  SuiteParams long_nonce = gcm_params(32);
  long_nonce.nn = 16;
  expect_refused(long_nonce, k32, "nonce size 16");
}

// Independent reference: OpenSSL's AES-GCM through a fresh EVP context per call.
Bytes reference_gcm(const EVP_CIPHER* cipher, ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan pt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(pt.size() + 16);
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), nonce.data()), 1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())), 1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &len, pt.data(), static_cast<int>(pt.size())), 1);
  EXPECT_EQ(EVP_EncryptFinal_ex(ctx, out.data() + pt.size(), &len), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + pt.size()), 1);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

TEST(Aead, SupportedSizesMatchOpenSsl) {
  struct Case {
    CipherSuite suite;
    const EVP_CIPHER* cipher;
  };
  for (const Case& c : {Case{CipherSuite::kAes128GcmSha256_128, EVP_aes_128_gcm()},
                        Case{CipherSuite::kAes256GcmSha512_128, EVP_aes_256_gcm()}}) {
    const SuiteParams& p = suite_params(c.suite);
    SCOPED_TRACE(p.name);
    Bytes key = random_bytes(p.nk), nonce = random_bytes(12), aad = random_bytes(13), pt = random_bytes(100);
    Aead aead(p, key);
    Bytes out(pt.size() + 16);
    ASSERT_TRUE(aead.seal(nonce.data(), aad, {}, pt, out.data(), out.data() + pt.size()).is_ok());
    EXPECT_EQ(out, reference_gcm(c.cipher, key, nonce, aad, pt));
    Bytes dec(pt.size());
    ASSERT_TRUE(aead.open(nonce.data(), aad, {}, ByteSpan(out).first(pt.size()),
                          ByteSpan(out).subspan(pt.size()), dec.data()));
    EXPECT_EQ(dec, pt);
  }
}

}  // namespace
}  // namespace v100::media
