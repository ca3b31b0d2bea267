// Anonymous admission tokens (src/meeting/admission): RFC 9474 Appendix A.3 and RFC 9578
// Appendix A.2 vectors byte for byte, fresh-key round trips, the issuer's view against the
// tokens (unlinkability), tampering and hostile encodings, and the double-spend guard.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/vectors.h"
#include "core/rng.h"
#include "meeting/admission/batch.h"
#include "meeting/admission/blind_rsa.h"
#include "meeting/admission/privacy_pass.h"
#include "meeting/admission/testing.h"

namespace v100::meeting::admission {
namespace {

using v100::testing::hex_field;

nlohmann::json load_data(const std::string& name) {
  const std::string path = std::string(V100_SOURCE_DIR) + "/tests/data/admission/" + name;
  std::ifstream f(path);
  if (!f) throw std::runtime_error("test data not found: " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// ---- small BIGNUM helpers for building keys and the unlinkability check ----

struct BnDel {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDel>;
Bn bn(ByteSpan b) {
  return Bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
}

// PKCS#8 PEM of the RSA key (n, e, d, p, q), CRT values derived here (OpenSSL 3.0 does not
// derive them on import).
std::string pkcs8_from_components(const nlohmann::json& v) {
  Bn n = bn(hex_field(v, "n")), e = bn(hex_field(v, "e")), d = bn(hex_field(v, "d")),
     p = bn(hex_field(v, "p")), q = bn(hex_field(v, "q"));
  Bn dp(BN_new()), dq(BN_new()), qinv(BN_new()), p1(BN_dup(p.get())), q1(BN_dup(q.get()));
  BN_CTX* ctx = BN_CTX_new();
  BN_sub_word(p1.get(), 1);
  BN_sub_word(q1.get(), 1);
  BN_mod(dp.get(), d.get(), p1.get(), ctx);
  BN_mod(dq.get(), d.get(), q1.get(), ctx);
  BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx);
  BN_CTX_free(ctx);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_fromdata_init(pctx);
  EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params);
  OSSL_ENCODER_CTX* ectx =
      OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", nullptr);
  unsigned char* data = nullptr;
  size_t len = 0;
  OSSL_ENCODER_to_data(ectx, &data, &len);
  std::string pem(reinterpret_cast<char*>(data), len);
  OPENSSL_free(data);
  OSSL_ENCODER_CTX_free(ectx);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return pem;
}

// One fresh issuer key for the whole file (2048-bit generation is the slow part).
const IssuerKey& issuer() {
  static const IssuerKey k = IssuerKey::generate();
  return k;
}
const IssuerKey& other_issuer() {
  static const IssuerKey k = IssuerKey::generate();
  return k;
}

Bytes challenge_for(const std::string& origin) {
  TokenChallenge c;
  c.issuer_name = "issuer.example";
  c.origin_info = origin;
  return c.encode();
}

Token issue_one(const Bytes& challenge, const IssuerKey& key = issuer()) {
  auto req = make_token_request(key.public_key(), challenge);
  EXPECT_TRUE(req.is_ok()) << req.message();
  auto resp = issue(key, req->request);
  EXPECT_TRUE(resp.is_ok()) << resp.message();
  auto tok = finalize_token(key.public_key(), req->state, *resp);
  EXPECT_TRUE(tok.is_ok()) << tok.message();
  return std::move(tok).value();
}

bool contains_window(const Bytes& haystack, ByteSpan needle, size_t window) {
  for (size_t i = 0; i + window <= needle.size(); ++i) {
    auto w = needle.subspan(i, window);
    if (std::search(haystack.begin(), haystack.end(), w.begin(), w.end()) != haystack.end()) return true;
  }
  return false;
}

// The vector files are pinned by the SHA-256 listed in tests/data/admission/README.md.
TEST(AdmissionVectors, FilesMatchTheirPinnedHashes) {
  auto read = [](const std::string& name) {
    std::ifstream f(std::string(V100_SOURCE_DIR) + "/tests/data/admission/" + name, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  const std::string readme = read("README.md");
  for (const char* name : {"rfc9474_a3_sha384_pss_deterministic.json", "rfc9578_a2_blind_rsa_2048.json"}) {
    const std::string body = read(name);
    ASSERT_FALSE(body.empty()) << name;
    const std::string digest = to_hex(sha256(as_bytes(body)));
    EXPECT_NE(readme.find(digest), std::string::npos) << name << " changed: SHA-256 " << digest;
  }
}

// ---- RFC 9474 Appendix A.3 ----

TEST(BlindRsaVectors, Rfc9474PssDeterministic) {
  const auto j = load_data("rfc9474_a3_sha384_pss_deterministic.json");
  const auto& v = j.at("vector");
  auto pk = blind_rsa::PublicKey::from_n_e(hex_field(v, "n"), hex_field(v, "e"));
  ASSERT_TRUE(pk.is_ok()) << pk.message();
  const Bytes msg = hex_field(v, "msg"), salt = hex_field(v, "salt"), inv = hex_field(v, "inv");
  ASSERT_EQ(salt.size(), blind_rsa::kSaltLen);
  EXPECT_EQ(hex_field(v, "prepared_msg"), msg);  // PrepareIdentity

  auto em = blind_rsa::emsa_pss_encode(msg, static_cast<size_t>(pk->modulus_bits() - 1), salt);
  ASSERT_TRUE(em.is_ok());
  EXPECT_EQ(to_hex(*em), to_hex(hex_field(v, "encoded_msg")));

  auto blinded = testing_only::blind_with(*pk, msg, salt, inv);
  ASSERT_TRUE(blinded.is_ok()) << blinded.message();
  EXPECT_EQ(to_hex(blinded->blinded_msg), to_hex(hex_field(v, "blinded_msg")));
  EXPECT_EQ(to_hex(blinded->inv.span()), to_hex(inv));

  const std::string pem = pkcs8_from_components(v);
  auto sk = blind_rsa::PrivateKey::from_pkcs8(as_bytes(pem));
  ASSERT_TRUE(sk.is_ok()) << sk.message();
  auto blind_sig = blind_rsa::blind_sign(*sk, blinded->blinded_msg);
  ASSERT_TRUE(blind_sig.is_ok()) << blind_sig.message();
  EXPECT_EQ(to_hex(*blind_sig), to_hex(hex_field(v, "blind_sig")));

  auto sig = blind_rsa::finalize(*pk, msg, *blind_sig, blinded->inv);
  ASSERT_TRUE(sig.is_ok()) << sig.message();
  EXPECT_EQ(to_hex(*sig), to_hex(hex_field(v, "sig")));
  EXPECT_TRUE(blind_rsa::verify(*pk, msg, *sig));
  Bytes other = msg;
  other[0] ^= 1;
  EXPECT_FALSE(blind_rsa::verify(*pk, other, *sig));
}

// ---- RFC 9578 Appendix A.2 ----

TEST(PrivacyPassVectors, Rfc9578Type2) {
  const auto j = load_data("rfc9578_a2_blind_rsa_2048.json");
  size_t checked = 0;
  for (const auto& v : j.at("vectors")) {
    SCOPED_TRACE("vector " + std::to_string(checked + 1));
    const std::string pem = v.at("skS_pem").get<std::string>();
    auto key = IssuerKey::from_pkcs8(as_bytes(pem));
    ASSERT_TRUE(key.is_ok()) << key.message();
    const Bytes spki = hex_field(v, "pkS");
    EXPECT_EQ(to_hex(key->public_key().spki()), to_hex(spki)) << "RSASSA-PSS SPKI encoding";
    auto pub = IssuerPublicKey::from_spki(spki);
    ASSERT_TRUE(pub.is_ok()) << pub.message();
    EXPECT_EQ(pub->token_key_id(), sha256(spki));

    const Bytes challenge = hex_field(v, "token_challenge");
    auto parsed = TokenChallenge::parse(challenge);
    ASSERT_TRUE(parsed.is_ok()) << parsed.message();
    EXPECT_EQ(parsed->encode(), challenge);

    auto req = testing_only::make_token_request_with(*pub, challenge, hex_field(v, "nonce"),
                                                     hex_field(v, "salt"), hex_field(v, "blind"));
    ASSERT_TRUE(req.is_ok()) << req.message();
    EXPECT_EQ(to_hex(req->request.encode()), to_hex(hex_field(v, "token_request")));

    auto parsed_req = TokenRequest::parse(hex_field(v, "token_request"));
    ASSERT_TRUE(parsed_req.is_ok());
    auto resp = issue(*key, *parsed_req);
    ASSERT_TRUE(resp.is_ok()) << resp.message();
    EXPECT_EQ(to_hex(resp->encode()), to_hex(hex_field(v, "token_response")));

    auto tok = finalize_token(*pub, req->state, *resp);
    ASSERT_TRUE(tok.is_ok()) << tok.message();
    EXPECT_EQ(to_hex(tok->encode()), to_hex(hex_field(v, "token")));
    auto parsed_tok = Token::parse(hex_field(v, "token"));
    ASSERT_TRUE(parsed_tok.is_ok());
    EXPECT_TRUE(verify_token(*parsed_tok, challenge, *pub).is_ok());
    ++checked;
  }
  EXPECT_EQ(checked, 5u);
}

// ---- round trips with fresh keys ----

TEST(BlindRsa, RoundTripFreshKeyAllSizes) {
  for (int bits : {2048, 3072}) {
    auto sk = blind_rsa::PrivateKey::generate(bits);
    const Bytes msg = random_bytes(77);
    auto b = blind_rsa::blind(sk.public_key(), msg);
    ASSERT_TRUE(b.is_ok()) << b.message();
    auto s = blind_rsa::blind_sign(sk, b->blinded_msg);
    ASSERT_TRUE(s.is_ok()) << s.message();
    auto sig = blind_rsa::finalize(sk.public_key(), msg, *s, b->inv);
    ASSERT_TRUE(sig.is_ok()) << sig.message();
    EXPECT_TRUE(blind_rsa::verify(sk.public_key(), msg, *sig));
    // Two blindings of one message differ (fresh r and salt).
    auto b2 = blind_rsa::blind(sk.public_key(), msg);
    ASSERT_TRUE(b2.is_ok());
    EXPECT_NE(b->blinded_msg, b2->blinded_msg);
  }
  EXPECT_THROW(blind_rsa::PrivateKey::generate(1024), std::invalid_argument);
}

TEST(BlindRsa, SignerRejectsOutOfRangeAndWrongSizes) {
  const auto& sk = issuer().rsa();
  EXPECT_FALSE(blind_rsa::blind_sign(sk, Bytes(kNk, 0xFF)).is_ok());  // m >= n
  EXPECT_FALSE(blind_rsa::blind_sign(sk, Bytes(kNk - 1, 0x01)).is_ok());
  EXPECT_FALSE(blind_rsa::blind_sign(sk, Bytes(kNk + 1, 0x01)).is_ok());
  auto b = blind_rsa::blind(sk.public_key(), as_bytes("m"));
  ASSERT_TRUE(b.is_ok());
  // A signature under another key, a garbage signature and a short one do not finalize.
  auto foreign = blind_rsa::blind_sign(other_issuer().rsa(), b->blinded_msg);
  if (foreign.is_ok()) {
    EXPECT_FALSE(blind_rsa::finalize(sk.public_key(), as_bytes("m"), *foreign, b->inv).is_ok());
  }
  EXPECT_FALSE(blind_rsa::finalize(sk.public_key(), as_bytes("m"), Bytes(kNk, 0x11), b->inv).is_ok());
  EXPECT_FALSE(blind_rsa::finalize(sk.public_key(), as_bytes("m"), Bytes(kNk - 1, 0x11), b->inv).is_ok());
  EXPECT_FALSE(blind_rsa::finalize(sk.public_key(), as_bytes("m"), Bytes(kNk, 0xFF), b->inv).is_ok());
}

TEST(PrivacyPass, RoundTripAndKeySerialization) {
  const Bytes challenge = challenge_for("meet.example");
  Token t = issue_one(challenge);
  EXPECT_TRUE(verify_token(t, challenge, issuer().public_key()).is_ok());
  auto re = Token::parse(t.encode());
  ASSERT_TRUE(re.is_ok());
  EXPECT_EQ(re->encode(), t.encode());

  // Keys survive PEM: private PKCS#8 and public RSASSA-PSS SPKI, same token_key_id.
  SecretBytes pem = issuer().to_pkcs8_pem();
  auto k2 = IssuerKey::from_pkcs8(pem.span());
  ASSERT_TRUE(k2.is_ok()) << k2.message();
  EXPECT_EQ(k2->public_key().token_key_id(), issuer().public_key().token_key_id());
  auto p2 = IssuerPublicKey::from_pem_or_der(as_bytes(issuer().public_key().pem()));
  ASSERT_TRUE(p2.is_ok()) << p2.message();
  EXPECT_EQ(p2->spki(), issuer().public_key().spki());
  EXPECT_TRUE(verify_token(t, challenge, *p2).is_ok());
  Token t2 = issue_one(challenge, *k2);
  EXPECT_TRUE(verify_token(t2, challenge, issuer().public_key()).is_ok());
}

// ---- what the issuer sees ----

TEST(PrivacyPass, IssuerTranscriptCannotBeLinkedToTokens) {
  const Bytes challenge = challenge_for("meet.example");
  const auto& pk = issuer().public_key();
  // One batch of two.
  auto r1 = make_token_request(pk, challenge), r2 = make_token_request(pk, challenge);
  ASSERT_TRUE(r1.is_ok() && r2.is_ok());
  Bytes req_bytes = encode_request_batch({r1->request, r2->request});
  auto reqs = parse_request_batch(req_bytes);
  ASSERT_TRUE(reqs.is_ok());
  std::vector<TokenResponse> resps;
  for (const auto& r : *reqs) resps.push_back(issue(issuer(), r).value());
  Bytes resp_bytes = encode_response_batch(resps);

  // The issuer's entire view.
  Bytes transcript = req_bytes;
  transcript.insert(transcript.end(), resp_bytes.begin(), resp_bytes.end());

  // Finalize in reverse order; both verify, in either order.
  auto t2 = finalize_token(pk, r2->state, resps[1]);
  auto t1 = finalize_token(pk, r1->state, resps[0]);
  ASSERT_TRUE(t1.is_ok() && t2.is_ok());
  EXPECT_TRUE(verify_token(*t2, challenge, pk).is_ok());
  EXPECT_TRUE(verify_token(*t1, challenge, pk).is_ok());
  EXPECT_NE(t1->nonce, t2->nonce);

  for (const Token* t : {&t1.value(), &t2.value()}) {
    const Bytes tok = t->encode();
    EXPECT_FALSE(contains_window(transcript, t->nonce, 8)) << "nonce visible to the issuer";
    EXPECT_FALSE(contains_window(transcript, t->authenticator, 8)) << "authenticator visible to the issuer";
    EXPECT_FALSE(contains_window(transcript, t->challenge_digest, 8)) << "challenge visible to the issuer";
    // Nothing the server stores either: the nonce hash.
    const Digest32 h = nonce_hash(*t);
    EXPECT_FALSE(contains_window(transcript, h, 8));
  }

  // Perfect blindness: each (transcript i, token j) pairing is explained by some blind r_ij =
  // blind_sig_i / sig_j, with r_ij^e * EM_j = blinded_msg_i (mod n) — so the issuer's view is
  // equally consistent with either assignment of tokens to requests.
  Bn n = bn(pk.rsa().n()), e = bn(pk.rsa().e());
  BN_CTX* ctx = BN_CTX_new();
  const Token* toks[2] = {&t1.value(), &t2.value()};
  for (int i = 0; i < 2; ++i) {
    for (int jx = 0; jx < 2; ++jx) {
      Bn bsig = bn(resps[i].blind_sig), sig = bn(toks[jx]->authenticator), bmsg = bn((*reqs)[i].blinded_msg);
      Bn em(BN_new()), sig_inv(BN_new()), r(BN_new()), re(BN_new()), lhs(BN_new());
      ASSERT_TRUE(BN_mod_exp(em.get(), sig.get(), e.get(), n.get(), ctx));  // EM_j = sig_j^e
      ASSERT_TRUE(BN_mod_inverse(sig_inv.get(), sig.get(), n.get(), ctx));
      ASSERT_TRUE(BN_mod_mul(r.get(), bsig.get(), sig_inv.get(), n.get(), ctx));  // r_ij
      ASSERT_TRUE(BN_mod_exp(re.get(), r.get(), e.get(), n.get(), ctx));
      ASSERT_TRUE(BN_mod_mul(lhs.get(), re.get(), em.get(), n.get(), ctx));
      EXPECT_EQ(BN_cmp(lhs.get(), bmsg.get()), 0) << "pairing " << i << "," << jx;
    }
  }
  BN_CTX_free(ctx);
}

// ---- tampering and hostile encodings ----

TEST(PrivacyPass, EveryTamperedFieldIsRejected) {
  const Bytes challenge = challenge_for("meet.example");
  const auto& pk = issuer().public_key();
  const Bytes good = issue_one(challenge).encode();
  // Offsets of one byte inside each field: type, nonce, challenge_digest, token_key_id,
  // authenticator (first and last byte).
  for (size_t off : {size_t{0}, size_t{1}, size_t{2}, size_t{33}, size_t{34}, size_t{65}, size_t{66},
                     size_t{97}, size_t{98}, kTokenLen - 1}) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      Bytes bad = good;
      bad[off] ^= bit;
      SpentTokenSet spent(16);
      EXPECT_FALSE(redeem(bad, challenge, pk, spent).is_ok()) << "offset " << off;
      EXPECT_EQ(spent.size(), 0u) << "a forged token took a slot";
    }
  }
  SpentTokenSet spent(16);
  EXPECT_TRUE(redeem(good, challenge, pk, spent).is_ok());
}

TEST(PrivacyPass, WrongKeyWrongChallengeRejected) {
  const Bytes challenge = challenge_for("meet.example");
  Token t = issue_one(challenge);
  EXPECT_FALSE(verify_token(t, challenge, other_issuer().public_key()).is_ok());
  EXPECT_FALSE(verify_token(t, challenge_for("other.example"), issuer().public_key()).is_ok());
  TokenChallenge with_ctx;
  with_ctx.issuer_name = "issuer.example";
  with_ctx.origin_info = "meet.example";
  with_ctx.redemption_context = Bytes(32, 7);
  EXPECT_FALSE(verify_token(t, with_ctx.encode(), issuer().public_key()).is_ok());
  // A token re-labelled with the other key's id still fails the signature.
  Token relabel = t;
  relabel.token_key_id = other_issuer().public_key().token_key_id();
  EXPECT_FALSE(verify_token(relabel, challenge, other_issuer().public_key()).is_ok());
  // The issuer refuses a request for another key; the client refuses a response under another key.
  auto req = make_token_request(issuer().public_key(), challenge);
  ASSERT_TRUE(req.is_ok());
  TokenRequest wrong = req->request;
  wrong.truncated_token_key_id ^= 1;
  EXPECT_FALSE(issue(issuer(), wrong).is_ok());
  if (other_issuer().public_key().truncated_token_key_id() !=
      issuer().public_key().truncated_token_key_id()) {
    EXPECT_FALSE(issue(other_issuer(), req->request).is_ok());
  }
  EXPECT_FALSE(
      finalize_token(other_issuer().public_key(), req->state, issue(issuer(), req->request).value()).is_ok());
}

TEST(PrivacyPass, TruncatedAndExtendedEncodingsRejected) {
  const Bytes challenge = challenge_for("meet.example");
  auto req = make_token_request(issuer().public_key(), challenge);
  ASSERT_TRUE(req.is_ok());
  const Bytes req_bytes = req->request.encode();
  auto resp = issue(issuer(), req->request);
  ASSERT_TRUE(resp.is_ok());
  const Bytes resp_bytes = resp->encode();
  const Bytes tok_bytes = finalize_token(issuer().public_key(), req->state, *resp).value().encode();
  const Bytes spki = issuer().public_key().spki();

  auto check = [](const Bytes& good, auto parse, const char* what) {
    EXPECT_TRUE(parse(good)) << what;
    for (size_t n = 0; n < good.size(); ++n)
      EXPECT_FALSE(parse(ByteSpan(good.data(), n))) << what << " truncated to " << n;
    Bytes longer = good;
    longer.push_back(0);
    EXPECT_FALSE(parse(longer)) << what << " extended";
  };
  check(
      challenge, [](ByteSpan b) { return TokenChallenge::parse(b).is_ok(); }, "TokenChallenge");
  check(
      req_bytes, [](ByteSpan b) { return TokenRequest::parse(b).is_ok(); }, "TokenRequest");
  check(
      resp_bytes, [](ByteSpan b) { return TokenResponse::parse(b).is_ok(); }, "TokenResponse");
  check(
      tok_bytes, [](ByteSpan b) { return Token::parse(b).is_ok(); }, "Token");
  check(
      spki, [](ByteSpan b) { return IssuerPublicKey::from_spki(b).is_ok(); }, "SPKI");

  // Unknown token types.
  for (Bytes b : {req_bytes, tok_bytes, challenge}) {
    b[1] = 0x01;
    EXPECT_FALSE(TokenRequest::parse(b).is_ok() || Token::parse(b).is_ok() ||
                 TokenChallenge::parse(b).is_ok());
  }
  // redemption_context of a length other than 0 or 32.
  Bytes bad_ctx = {0x00, 0x02, 0x00, 0x01, 'i', 0x05, 1, 2, 3, 4, 5, 0x00, 0x00};
  EXPECT_FALSE(TokenChallenge::parse(bad_ctx).is_ok());
  // Plain rsaEncryption SPKI of the same key: refused (RFC 9578 §6.5 asks for id-RSASSA-PSS).
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(issuer().public_key().rsa().evp(), &der);
  ASSERT_GT(len, 0);
  Bytes rsa_spki(der, der + len);
  OPENSSL_free(der);
  EXPECT_FALSE(IssuerPublicKey::from_spki(rsa_spki).is_ok());
  // A 3072-bit key is not a type-2 key.
  auto big = blind_rsa::PrivateKey::generate(3072);
  EXPECT_FALSE(IssuerPublicKey::from_rsa(big.public_key()).is_ok());
}

TEST(PrivacyPass, BatchFilesRoundTripAndRejectDamage) {
  const Bytes challenge = challenge_for("meet.example");
  const auto& pk = issuer().public_key();
  ClientBatchState st;
  st.challenge = challenge;
  st.issuer_spki = pk.spki();
  std::vector<TokenRequest> reqs;
  for (int i = 0; i < 3; ++i) {
    auto r = make_token_request(pk, challenge).value();
    reqs.push_back(r.request);
    st.pending.push_back(std::move(r.state));
  }
  SecretBytes state_bytes = encode_client_state(st);
  auto st2 = parse_client_state(state_bytes.span());
  ASSERT_TRUE(st2.is_ok()) << st2.message();
  ASSERT_EQ(st2->pending.size(), 3u);

  auto reqs2 = parse_request_batch(encode_request_batch(reqs)).value();
  std::vector<TokenResponse> resps;
  for (const auto& r : reqs2) resps.push_back(issue(issuer(), r).value());
  const Bytes resp_file = encode_response_batch(resps);
  auto resps2 = parse_response_batch(resp_file).value();
  auto pub = IssuerPublicKey::from_spki(st2->issuer_spki).value();
  TokenWallet w;
  w.challenge = st2->challenge;
  for (size_t i = 0; i < resps2.size(); ++i)
    w.tokens.push_back(finalize_token(pub, st2->pending[i], resps2[i]).value());
  const Bytes wallet = encode_wallet(w);
  auto w2 = parse_wallet(wallet);
  ASSERT_TRUE(w2.is_ok()) << w2.message();
  SpentTokenSet spent(8);
  for (const auto& t : w2->tokens) EXPECT_TRUE(redeem(t.encode(), w2->challenge, pk, spent).is_ok());

  for (const Bytes& f : {wallet, resp_file, Bytes(state_bytes.span().begin(), state_bytes.span().end())}) {
    for (size_t n : {size_t{0}, size_t{7}, size_t{10}, f.size() / 2, f.size() - 1})
      EXPECT_FALSE(parse_wallet(ByteSpan(f.data(), n)).is_ok() ||
                   parse_response_batch(ByteSpan(f.data(), n)).is_ok() ||
                   parse_client_state(ByteSpan(f.data(), n)).is_ok());
    Bytes longer = f;
    longer.push_back(1);
    EXPECT_FALSE(parse_wallet(longer).is_ok() || parse_response_batch(longer).is_ok() ||
                 parse_client_state(longer).is_ok());
  }
  EXPECT_THROW(encode_request_batch({}), std::invalid_argument);
}

// ---- double spending ----

TEST(PrivacyPass, DoubleSpendGuard) {
  const Bytes challenge = challenge_for("meet.example");
  const auto& pk = issuer().public_key();
  const Bytes a = issue_one(challenge).encode(), b = issue_one(challenge).encode(),
              c = issue_one(challenge).encode();
  SpentTokenSet spent(2);
  auto first = redeem(a, challenge, pk, spent);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(*first, sha256(ByteSpan(a.data() + 2, kNonceLen)));  // only SHA-256(nonce) is kept
  auto again = redeem(a, challenge, pk, spent);
  ASSERT_FALSE(again.is_ok());
  EXPECT_NE(again.message().find("already redeemed"), std::string::npos);
  EXPECT_TRUE(redeem(b, challenge, pk, spent).is_ok());
  // Full: fail closed.
  auto full = redeem(c, challenge, pk, spent);
  ASSERT_FALSE(full.is_ok());
  EXPECT_NE(full.message().find("full"), std::string::npos);
  EXPECT_EQ(spent.size(), 2u);
}

}  // namespace
}  // namespace v100::meeting::admission
