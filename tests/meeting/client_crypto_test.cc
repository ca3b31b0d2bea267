// Client SDK symmetric layer: HKDF-SHA-512 against an HMAC-only model of RFC 5869, AES-256-GCM
// sealing (round trip, every kind of tampering), scrypt against RFC 7914 §12, the key file, and
// the meeting key schedule.
#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <set>

#include "core/rng.h"
#include "meeting/client/crypto.h"
#include "meeting/client/keystore.h"
#include "meeting/client/schedule.h"

namespace v100::meeting::client {
namespace {

Bytes hmac512(ByteSpan key, ByteSpan data) {
  Bytes out(64);
  unsigned len = 0;
  HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len);
  return out;
}

// RFC 5869 §2.2-2.3 written out with HMAC only.
Bytes model_hkdf(ByteSpan ikm, ByteSpan salt, ByteSpan info, size_t len) {
  Bytes zero_salt(64, 0);
  Bytes prk = hmac512(salt.empty() ? ByteSpan(zero_salt) : salt, ikm);
  Bytes okm, t;
  for (uint8_t i = 1; okm.size() < len; ++i) {
    Bytes in = t;
    in.insert(in.end(), info.begin(), info.end());
    in.push_back(i);
    t = hmac512(prk, in);
    okm.insert(okm.end(), t.begin(), t.end());
  }
  okm.resize(len);
  return okm;
}

TEST(ClientCrypto, HkdfMatchesRfc5869Model) {
  for (size_t len : {1u, 32u, 64u, 65u, 200u}) {
    Bytes ikm = random_bytes(40), salt = random_bytes(len % 3 == 0 ? 0 : 17), info = random_bytes(9);
    Bytes out(len);
    hkdf_sha512(out, ikm, salt, info);
    EXPECT_EQ(out, model_hkdf(ikm, salt, info, len)) << len;
  }
}

TEST(ClientCrypto, AeadRoundTripAndTamper) {
  Bytes key = random_bytes(32), pt = random_bytes(100), aad = random_bytes(7);
  Bytes box = aead_seal(key, pt, aad);
  ASSERT_EQ(box.size(), pt.size() + kAeadOverhead);
  auto opened = aead_open(key, box, aad);
  ASSERT_TRUE(opened.is_ok());
  EXPECT_EQ(Bytes(opened->span().begin(), opened->span().end()), pt);
  for (size_t i = 0; i < box.size(); i += 13) {
    Bytes bad = box;
    bad[i] ^= 1;
    EXPECT_FALSE(aead_open(key, bad, aad).is_ok()) << i;
  }
  Bytes aad2 = aad;
  aad2[0] ^= 1;
  EXPECT_FALSE(aead_open(key, box, aad2).is_ok());
  EXPECT_FALSE(aead_open(random_bytes(32), box, aad).is_ok());
  EXPECT_FALSE(aead_open(key, ByteSpan(box.data(), 27), aad).is_ok());
  // Two seals of the same plaintext differ (fresh nonce).
  EXPECT_NE(aead_seal(key, pt, aad), box);
  // Empty plaintext works.
  auto empty = aead_open(key, aead_seal(key, {}, {}), {});
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty->size(), 0u);
}

TEST(ClientCrypto, ScryptRfc7914Vector) {
  // RFC 7914 §12, third vector: P = "password", S = "NaCl", N = 1024, r = 8, p = 16, dkLen = 64.
  auto expect = from_hex(
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
      "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  ASSERT_TRUE(expect.is_ok());
  Bytes out(64);
  ASSERT_TRUE(scrypt_derive(out, "password", as_bytes("NaCl"), ScryptParams{10, 8, 16}).is_ok());
  EXPECT_EQ(out, *expect);
  EXPECT_FALSE(scrypt_derive(out, "x", as_bytes("s"), ScryptParams{30, 8, 1}).is_ok());
  EXPECT_FALSE(scrypt_derive(out, "x", as_bytes("s"), ScryptParams{14, 0, 1}).is_ok());
  // In range individually but 16 GiB together: refused before allocating.
  EXPECT_FALSE(scrypt_derive(out, "x", as_bytes("s"), ScryptParams{22, 32, 1}).is_ok());
}

TEST(ClientKeystore, RoundTripWrongPassphraseTamper) {
  Bytes secret = random_bytes(72);
  ScryptParams cheap{10, 8, 1};
  Bytes file = keystore_seal(secret, "correct horse", cheap);
  auto opened = keystore_open(file, "correct horse");
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  EXPECT_EQ(Bytes(opened->span().begin(), opened->span().end()), secret);
  EXPECT_FALSE(keystore_open(file, "correct horsf").is_ok());
  EXPECT_FALSE(keystore_open(file, "").is_ok());
  // Every byte matters: magic, KDF id, cost parameters, salt, nonce, ciphertext, tag.
  for (size_t i = 0; i < file.size(); ++i) {
    Bytes bad = file;
    bad[i] ^= 0x01;
    EXPECT_FALSE(keystore_open(bad, "correct horse").is_ok()) << "byte " << i;
  }
  for (size_t n : {size_t{0}, size_t{7}, size_t{20}, file.size() - 1})
    EXPECT_FALSE(keystore_open(ByteSpan(file.data(), n), "correct horse").is_ok());
  // A hostile cost parameter (2^40) is refused before any allocation.
  Bytes hostile = file;
  hostile[9] = 40;
  EXPECT_FALSE(keystore_open(hostile, "correct horse").is_ok());
}

TEST(ClientSchedule, LabelsSessionsAndDeterminism) {
  SecretBytes ms = KeySchedule::generate_secret();
  KeySchedule a(ms.span()), b(ms.span());
  EXPECT_EQ(a.handle(1), b.handle(1));
  EXPECT_NE(a.handle(1), a.handle(2));
  std::set<std::string> seen;  // hex: std::set<Bytes> trips a GCC 12 false positive
  auto add = [&](const SecretBytes& s) { return seen.insert(to_hex(s.span())).second; };
  EXPECT_TRUE(add(a.join_key(1)));
  EXPECT_TRUE(add(a.join_key(2)));
  EXPECT_TRUE(add(a.bfv_seed()));
  EXPECT_TRUE(add(a.ckks_seed()));
  EXPECT_TRUE(add(a.info_key(1)));
  EXPECT_TRUE(add(a.roster_key(1)));
  auto h1 = a.handle(1);
  EXPECT_TRUE(seen.insert(to_hex(h1)).second);
  Bytes fresh = random_bytes(32);
  SecretBytes e1 = a.epoch_secret(1, 5, fresh), e1b = b.epoch_secret(1, 5, fresh);
  EXPECT_TRUE(ct_equal(e1.span(), e1b.span()));
  EXPECT_TRUE(add(a.epoch_secret(1, 6, fresh)));
  EXPECT_TRUE(add(a.epoch_secret(2, 5, fresh)));
  // The schedule is HKDF-SHA-512 with the documented salt and info layout.
  Bytes info = {'v', '1', '0', '0', '/', 'b', 'f', 'v', '-', 's', 'e', 'e', 'd', 0};
  SecretBytes bfv_seed = a.bfv_seed();
  EXPECT_EQ(Bytes(bfv_seed.span().begin(), bfv_seed.span().end()),
            model_hkdf(ms.span(), as_bytes("v100/meeting/v1"), info, 32));
  // A different secret gives unrelated handles.
  SecretBytes ms2 = KeySchedule::generate_secret();
  EXPECT_NE(KeySchedule(ms2.span()).handle(1), a.handle(1));
  EXPECT_THROW(KeySchedule(ByteSpan(ms.data(), 31)), std::invalid_argument);
}

}  // namespace
}  // namespace v100::meeting::client
