// RFC 9605 Appendix C test vectors (sframe-wg test-vectors.json): headers, the AES-CTR+HMAC AEAD
// constructions, and full SFrame encryption for every cipher suite.
#include <gtest/gtest.h>

#include "common/vectors.h"
#include "media/aead.h"
#include "media/key_schedule.h"
#include "media/sframe.h"
#include "media/sframe_header.h"

namespace v100::media {
namespace {

using v100::testing::hex_field;
using v100::testing::load_vectors;

const nlohmann::json& vectors() {
  static const nlohmann::json j = load_vectors("sframe/rfc9605-test-vectors.json");
  return j;
}

Bytes concat(ByteSpan a, ByteSpan b) {
  Bytes o(a.begin(), a.end());
  o.insert(o.end(), b.begin(), b.end());
  return o;
}

TEST(SFrameVectors, Headers) {
  size_t n = 0;
  for (const auto& t : vectors().at("header")) {
    const uint64_t kid = t.at("kid").get<uint64_t>();
    const uint64_t ctr = t.at("ctr").get<uint64_t>();
    const Bytes want = hex_field(t, "encoded");
    EXPECT_EQ(encode_header(kid, ctr), want) << "kid " << kid << " ctr " << ctr;
    EXPECT_EQ(header_size(kid, ctr), want.size());
    // Decoding the header followed by payload bytes reads exactly the header.
    Bytes framed = want;
    framed.push_back(0xAB);
    framed.push_back(0xCD);
    auto h = decode_header(framed);
    ASSERT_TRUE(h.is_ok()) << h.message();
    EXPECT_EQ(h->kid, kid);
    EXPECT_EQ(h->ctr, ctr);
    EXPECT_EQ(h->size, want.size());
    // Every strict prefix of a header is rejected.
    for (size_t len = 0; len < want.size(); ++len)
      EXPECT_FALSE(decode_header(ByteSpan(want.data(), len)).is_ok());
    ++n;
  }
  EXPECT_EQ(n, 289u);
}

// RFC 5869 Appendix A.1 (HKDF-SHA256 with a salt, as derive_base_key uses it).
TEST(Hkdf, Rfc5869Case1) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = *from_hex("000102030405060708090a0b0c");
  const Bytes info = *from_hex("f0f1f2f3f4f5f6f7f8f9");
  SecretBytes prk = hkdf_extract(HashKind::kSha256, salt, ikm);
  EXPECT_EQ(to_hex(prk.span()), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  SecretBytes okm = hkdf_expand(HashKind::kSha256, prk.span(), info, 42);
  EXPECT_EQ(to_hex(okm.span()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(SFrameKey, InPlaceDecryption) {
  const Bytes base(16, 7);
  SFrameKey k(kDefaultCipherSuite, 9, base);
  Bytes pt(100, 0x3c);
  Bytes frame(k.protected_size(1000, pt.size()));
  ASSERT_TRUE(k.protect(1000, {}, pt, frame).is_ok());
  auto h = decode_header(frame);
  ASSERT_TRUE(h.is_ok());
  MutableByteSpan out(frame.data() + h->size, frame.size() - h->size);
  auto n = k.unprotect(*h, frame, {}, out);
  ASSERT_TRUE(n.is_ok()) << n.message();
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(*n)), pt);
}

TEST(SFrameHeader, NonMinimalEncodingsDecode) {
  // KID 3 in a 1-byte field and CTR 5 in a 2-byte field: legal to parse (the AAD binds the exact
  // bytes, so such a frame only authenticates if its sender wrote exactly this header).
  const Bytes h = {0x89, 0x03, 0x00, 0x05};
  auto d = decode_header(h);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->kid, 3u);
  EXPECT_EQ(d->ctr, 5u);
  EXPECT_EQ(d->size, 4u);
  EXPECT_EQ(encode_header(3, 5), Bytes{0x35});
  EXPECT_FALSE(decode_header({}).is_ok());
}

// AES-CTR + HMAC (RFC 9605 §4.5.1). The file also has AES-256-CTR + HMAC-SHA512 cases (suites 6-8 of
// the working group's draft registry) built the same way; the construction is checked for both.
void check_ctr_hmac(const nlohmann::json& t, const SuiteParams& p) {
  const Bytes key = hex_field(t, "key"), enc_key = hex_field(t, "enc_key"),
              auth_key = hex_field(t, "auth_key");
  const Bytes nonce = hex_field(t, "nonce"), aad = hex_field(t, "aad"), pt = hex_field(t, "pt"),
              ct = hex_field(t, "ct");
  ASSERT_EQ(key.size(), p.nk);
  EXPECT_EQ(Bytes(key.begin(), key.begin() + p.nka), enc_key);
  EXPECT_EQ(Bytes(key.begin() + p.nka, key.end()), auth_key);
  ASSERT_EQ(ct.size(), pt.size() + p.nt);
  Aead aead(p, key);
  Bytes out(pt.size() + p.nt);
  ASSERT_TRUE(aead.seal(nonce.data(), aad, {}, pt, out.data(), out.data() + pt.size()).is_ok());
  EXPECT_EQ(out, ct);
  // AAD split at any point gives the same tag.
  Bytes out2(out.size());
  ASSERT_TRUE(aead.seal(nonce.data(), ByteSpan(aad).first(3), ByteSpan(aad).subspan(3), pt, out2.data(),
                        out2.data() + pt.size())
                  .is_ok());
  EXPECT_EQ(out2, ct);
  Bytes dec(pt.size());
  ASSERT_TRUE(aead.open(nonce.data(), aad, {}, ByteSpan(ct).first(pt.size()), ByteSpan(ct).subspan(pt.size()),
                        dec.data()));
  EXPECT_EQ(dec, pt);
  Bytes bad = ct;
  bad.back() ^= 1;
  EXPECT_FALSE(aead.open(nonce.data(), aad, {}, ByteSpan(bad).first(pt.size()),
                         ByteSpan(bad).subspan(pt.size()), dec.data()));
  EXPECT_EQ(dec, Bytes(pt.size(), 0)) << "output not wiped after a failed tag check";
}

TEST(SFrameVectors, AesCtrHmac) {
  size_t n = 0;
  for (const auto& t : vectors().at("aes_ctr_hmac")) {
    auto suite = cipher_suite_from_id(t.at("cipher_suite").get<uint16_t>());
    ASSERT_TRUE(suite.is_ok());
    check_ctr_hmac(t, suite_params(*suite));
    ++n;
  }
  EXPECT_EQ(n, 3u);
}

TEST(SFrameVectors, Aes256CtrHmacSha512) {
  size_t n = 0;
  for (const auto& t : vectors().at("aes_256_ctr_hmac")) {
    const uint16_t id = t.at("cipher_suite").get<uint16_t>();
    ASSERT_GE(id, 6);
    ASSERT_LE(id, 8);
    const size_t nt[3] = {10, 8, 4};
    SuiteParams p{id,         AeadKind::kAesCtrHmac,    HashKind::kSha512, 64, 32, 96, 12,
                  nt[id - 6], "AES_256_CTR_HMAC_SHA512"};
    check_ctr_hmac(t, p);
    ++n;
  }
  EXPECT_EQ(n, 3u);
}

TEST(SFrameVectors, FullSFrame) {
  size_t n = 0;
  for (const auto& t : vectors().at("sframe")) {
    auto suite_r = cipher_suite_from_id(t.at("cipher_suite").get<uint16_t>());
    ASSERT_TRUE(suite_r.is_ok());
    const CipherSuite suite = *suite_r;
    const SuiteParams& p = suite_params(suite);
    const uint64_t kid = t.at("kid").get<uint64_t>();
    const uint64_t ctr = t.at("ctr").get<uint64_t>();
    const Bytes base_key = hex_field(t, "base_key"), metadata = hex_field(t, "metadata"),
                pt = hex_field(t, "pt"), ct = hex_field(t, "ct");
    SCOPED_TRACE(p.name);

    // Key schedule (§4.4.2), checked step by step; the labels are rebuilt here from the RFC text.
    FrameKeys keys = derive_frame_keys(suite, kid, base_key);
    EXPECT_EQ(to_hex(keys.secret.span()), to_hex(hex_field(t, "sframe_secret")));
    EXPECT_EQ(to_hex(keys.key.span()), to_hex(hex_field(t, "sframe_key")));
    EXPECT_EQ(to_hex(keys.salt.span()), to_hex(hex_field(t, "sframe_salt")));
    Bytes key_label = hex_field(t, "sframe_key_label");
    EXPECT_EQ(to_hex(hkdf_expand(p.hash, keys.secret.span(), key_label, p.nk).span()),
              to_hex(hex_field(t, "sframe_key")));
    std::string prefix(key_label.begin(), key_label.begin() + 22);
    EXPECT_EQ(prefix, "SFrame 1.0 Secret key ");

    uint8_t nonce[kNonceSize];
    make_nonce(keys.salt.span(), ctr, nonce);
    EXPECT_EQ(to_hex(ByteSpan(nonce, kNonceSize)), to_hex(hex_field(t, "nonce")));
    EXPECT_EQ(concat(encode_header(kid, ctr), metadata), hex_field(t, "aad"));

    SFrameKey k(suite, kid, base_key);
    Bytes out(k.protected_size(ctr, pt.size()));
    auto sz = k.protect(ctr, metadata, pt, out);
    ASSERT_TRUE(sz.is_ok()) << sz.message();
    EXPECT_EQ(*sz, ct.size());
    EXPECT_EQ(to_hex(out), to_hex(ct));

    auto h = decode_header(ct);
    ASSERT_TRUE(h.is_ok());
    EXPECT_EQ(h->kid, kid);
    EXPECT_EQ(h->ctr, ctr);
    Bytes dec(ct.size());
    auto m = k.unprotect(*h, ct, metadata, dec);
    ASSERT_TRUE(m.is_ok()) << m.message();
    dec.resize(*m);
    EXPECT_EQ(dec, pt);
    ++n;
  }
  EXPECT_EQ(n, 5u);
}

}  // namespace
}  // namespace v100::media
