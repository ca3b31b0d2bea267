// The external interface (Alg. 2/3), context strings, HashML-DSA (Alg. 4/5) and external mu,
// checked against the FIPS 204 construction rebuilt here from the internal functions: the test
// forms M' itself, computes PH(M), tr and mu with OpenSSL (independent of hash/sha3.h), and
// compares with Sign_internal / Verify_internal, which the ACVP vectors pin down.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <stdexcept>

#include "core/rng.h"
#include "pq/mldsa/mldsa.h"
#include "pq/mldsa/mldsa_test_util.h"

namespace v100::pq::mldsa {
namespace {

using testing::BackendScope;
using testing::portable_modes;

Bytes openssl_digest(const EVP_MD* md, ByteSpan in, size_t xof_len = 0) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestInit_ex(ctx, md, nullptr), 1);
  EXPECT_EQ(EVP_DigestUpdate(ctx, in.data(), in.size()), 1);
  Bytes out;
  if (xof_len) {
    out.resize(xof_len);
    EXPECT_EQ(EVP_DigestFinalXOF(ctx, out.data(), out.size()), 1);
  } else {
    out.resize(static_cast<size_t>(EVP_MD_get_size(md)));
    unsigned int n = 0;
    EXPECT_EQ(EVP_DigestFinal_ex(ctx, out.data(), &n), 1);
  }
  EVP_MD_CTX_free(ctx);
  return out;
}

Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// M' of Alg. 2 line 10: 0 || |ctx| || ctx || M.
Bytes pure_m_prime(ByteSpan ctx, ByteSpan m) {
  const uint8_t h[2] = {0, static_cast<uint8_t>(ctx.size())};
  return cat({ByteSpan(h), ctx, m});
}

struct HashCase {
  PreHash ph;
  const EVP_MD* md;
  size_t xof_len;
  uint8_t oid_last;  // 2.16.840.1.101.3.4.2.<n> (NIST CSOR)
};
std::vector<HashCase> hash_cases() {
  return {{PreHash::kSha224, EVP_sha224(), 0, 4},         {PreHash::kSha256, EVP_sha256(), 0, 1},
          {PreHash::kSha384, EVP_sha384(), 0, 2},         {PreHash::kSha512, EVP_sha512(), 0, 3},
          {PreHash::kSha512_224, EVP_sha512_224(), 0, 5}, {PreHash::kSha512_256, EVP_sha512_256(), 0, 6},
          {PreHash::kSha3_224, EVP_sha3_224(), 0, 7},     {PreHash::kSha3_256, EVP_sha3_256(), 0, 8},
          {PreHash::kSha3_384, EVP_sha3_384(), 0, 9},     {PreHash::kSha3_512, EVP_sha3_512(), 0, 10},
          {PreHash::kShake128, EVP_shake128(), 32, 11},   {PreHash::kShake256, EVP_shake256(), 64, 12}};
}

const std::array<uint8_t, 32> kZeroRnd{};

template <typename T>
class MlDsaApi : public ::testing::Test {};
template <ParameterSet P>
struct PS {
  static constexpr ParameterSet kP = P;
};
using AllSets = ::testing::Types<PS<kMlDsa44>, PS<kMlDsa65>, PS<kMlDsa87>>;
TYPED_TEST_SUITE(MlDsaApi, AllSets);

TYPED_TEST(MlDsaApi, PureSignMatchesInternalConstruction) {
  constexpr ParameterSet P = TypeParam::kP;
  for (bool portable : portable_modes()) {
    BackendScope scope(portable);
    auto kp = generate_key<P>();
    for (size_t ctx_len : {size_t{0}, size_t{1}, size_t{17}, size_t{255}}) {
      const Bytes ctx = random_bytes(ctx_len);
      const Bytes msg = random_bytes(100 + ctx_len);
      const Bytes m_prime = pure_m_prime(ctx, msg);
      auto sig = sign<P>(kp.secret_key, msg, ctx, SigningMode::kDeterministic);
      // Deterministic Sign == Sign_internal(sk, M', 0^32).
      EXPECT_EQ(sig, sign_internal<P>(kp.secret_key, m_prime, kZeroRnd));
      EXPECT_TRUE(verify_internal<P>(kp.public_key, m_prime, sig).is_ok());
      EXPECT_TRUE(verify<P>(kp.public_key, msg, sig, ctx).is_ok());
      EXPECT_TRUE(verify<P>(kp.public_key, msg, sig.span(), ctx).is_ok());
      // Hedged signatures verify both ways too (and differ from the deterministic one).
      auto hedged = sign<P>(kp.secret_key, msg, ctx);
      EXPECT_NE(hedged, sig);
      EXPECT_TRUE(verify<P>(kp.public_key, msg, hedged, ctx).is_ok());
      EXPECT_TRUE(verify_internal<P>(kp.public_key, m_prime, hedged).is_ok());
      // Wrong context, wrong message: rejected.
      Bytes other_ctx = ctx;
      if (other_ctx.empty())
        other_ctx.push_back(0);
      else
        other_ctx[0] ^= 1;
      EXPECT_FALSE(verify<P>(kp.public_key, msg, sig, other_ctx).is_ok());
      Bytes other_msg = msg;
      other_msg[3] ^= 0x80;
      EXPECT_FALSE(verify<P>(kp.public_key, other_msg, sig, ctx).is_ok());
      // Another key does not verify it.
      auto other_kp = generate_key<P>();
      EXPECT_FALSE(verify<P>(other_kp.public_key, msg, sig, ctx).is_ok());
      // The internal interface on the bare message is a different M'.
      EXPECT_FALSE(verify_internal<P>(kp.public_key, msg, sig).is_ok());
    }
  }
}

// The vector backend (AVX2 kernels, 4-way Keccak, mask batches across iterations, packed sparse
// products) and the portable one produce the same keys and the same deterministic and
// Sign_internal signatures. Many messages per key, so that runs with many rejected iterations
// (and mask batches straddling them) are covered; the iteration count is not observable here,
// but 40 signatures per set make several with 10+ iterations likely.
TYPED_TEST(MlDsaApi, VectorAndPortableBackendsAgree) {
  constexpr ParameterSet P = TypeParam::kP;
  if (portable_modes().size() < 2) GTEST_SKIP() << "no vector backend on this CPU";
  for (int k = 0; k < 4; ++k) {
    std::array<uint8_t, 32> xi;
    random_bytes(xi);
    auto kp_vec = generate_key_internal<P>(xi);
    KeyPair<P> kp_port = [&] {
      BackendScope scope(true);
      return generate_key_internal<P>(xi);
    }();
    ASSERT_EQ(kp_vec.public_key, kp_port.public_key);
    ASSERT_TRUE(ct_equal(kp_vec.secret_key.bytes(), kp_port.secret_key.bytes()));
    for (int m = 0; m < 10; ++m) {
      const Bytes msg = random_bytes(1 + m * 37);
      std::array<uint8_t, 32> rnd;
      random_bytes(rnd);
      const auto det_vec = sign<P>(kp_vec.secret_key, msg, {}, SigningMode::kDeterministic);
      const auto int_vec = sign_internal<P>(kp_vec.secret_key, msg, rnd);
      BackendScope scope(true);
      EXPECT_EQ(det_vec, sign<P>(kp_port.secret_key, msg, {}, SigningMode::kDeterministic));
      EXPECT_EQ(int_vec, sign_internal<P>(kp_port.secret_key, msg, rnd));
      EXPECT_TRUE(verify<P>(kp_port.public_key, msg, det_vec).is_ok());
    }
  }
}

TYPED_TEST(MlDsaApi, ContextLongerThan255IsRejected) {
  constexpr ParameterSet P = TypeParam::kP;
  auto kp = generate_key<P>();
  const Bytes msg = random_bytes(32);
  const Bytes ctx256(256, 7);
  EXPECT_THROW(sign<P>(kp.secret_key, msg, ctx256), std::invalid_argument);
  EXPECT_THROW(sign_prehash<P>(kp.secret_key, msg, PreHash::kSha256, ctx256), std::invalid_argument);
  EXPECT_THROW(compute_mu<P>(kp.public_key, msg, ctx256), std::invalid_argument);
  // Verification with such a context just fails (Alg. 3 line 2), whatever the signature.
  const Bytes ctx255(255, 7);
  auto sig = sign<P>(kp.secret_key, msg, ctx255);
  EXPECT_TRUE(verify<P>(kp.public_key, msg, sig, ctx255).is_ok());
  Status s = verify<P>(kp.public_key, msg, sig, ctx256);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("255"), std::string::npos);
  EXPECT_FALSE(verify_prehash<P>(kp.public_key, msg, PreHash::kSha256, sig, ctx256).is_ok());
}

TYPED_TEST(MlDsaApi, PreHashMatchesInternalConstruction) {
  constexpr ParameterSet P = TypeParam::kP;
  auto kp = generate_key<P>();
  const Bytes ctx = random_bytes(9);
  const Bytes msg = random_bytes(300);
  for (const HashCase& hc : hash_cases()) {
    const Bytes digest = openssl_digest(hc.md, msg, hc.xof_len);
    EXPECT_EQ(prehash_digest(hc.ph, msg), digest);
    const uint8_t oid[11] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, hc.oid_last};
    const uint8_t h[2] = {1, static_cast<uint8_t>(ctx.size())};
    const Bytes m_prime = cat({ByteSpan(h), ctx, ByteSpan(oid), digest});  // Alg. 4 line 23
    auto sig = sign_prehash<P>(kp.secret_key, msg, hc.ph, ctx, SigningMode::kDeterministic);
    EXPECT_EQ(sig, sign_internal<P>(kp.secret_key, m_prime, kZeroRnd));
    EXPECT_TRUE(verify_prehash<P>(kp.public_key, msg, hc.ph, sig, ctx).is_ok());
    EXPECT_TRUE(verify_internal<P>(kp.public_key, m_prime, sig).is_ok());
    // Domain separation: not a pure signature, not valid under another hash or context.
    EXPECT_FALSE(verify<P>(kp.public_key, msg, sig, ctx).is_ok());
    const PreHash other = hc.ph == PreHash::kSha256 ? PreHash::kSha512 : PreHash::kSha256;
    EXPECT_FALSE(verify_prehash<P>(kp.public_key, msg, other, sig, ctx).is_ok());
    EXPECT_FALSE(verify_prehash<P>(kp.public_key, msg, hc.ph, sig, {}).is_ok());
    auto hedged = sign_prehash<P>(kp.secret_key, msg, hc.ph, ctx);
    EXPECT_TRUE(verify_prehash<P>(kp.public_key, msg, hc.ph, hedged, ctx).is_ok());
  }
}

TYPED_TEST(MlDsaApi, ExternalMuEqualsMessagePath) {
  constexpr ParameterSet P = TypeParam::kP;
  auto kp = generate_key<P>();
  const Bytes ctx = random_bytes(33);
  const Bytes msg = random_bytes(1000);
  // mu = H(H(pk, 64) || M', 64) computed with OpenSSL's SHAKE256 (Alg. 7 line 6, Alg. 8 line 6).
  const Bytes tr = openssl_digest(EVP_shake256(), kp.public_key.span(), 64);
  const Bytes mu_ref = openssl_digest(EVP_shake256(), cat({tr, pure_m_prime(ctx, msg)}), 64);
  const auto mu = compute_mu<P>(kp.public_key, msg, ctx);
  EXPECT_EQ(Bytes(mu.begin(), mu.end()), mu_ref);
  const Bytes mp = random_bytes(77);
  const auto mu_i = compute_mu_internal<P>(kp.public_key, mp);
  EXPECT_EQ(Bytes(mu_i.begin(), mu_i.end()), openssl_digest(EVP_shake256(), cat({tr, mp}), 64));
  // tr is also the one stored in the secret key (skEncode, Alg. 24: rho || K || tr || ...).
  EXPECT_EQ(Bytes(kp.secret_key.bytes().begin() + 64, kp.secret_key.bytes().begin() + 128), tr);

  auto sig_mu = sign_mu<P>(kp.secret_key, mu, SigningMode::kDeterministic);
  EXPECT_EQ(sig_mu, sign<P>(kp.secret_key, msg, ctx, SigningMode::kDeterministic));
  EXPECT_TRUE(verify_mu<P>(kp.public_key, mu, sig_mu).is_ok());
  EXPECT_TRUE(verify<P>(kp.public_key, msg, sig_mu, ctx).is_ok());
  auto hedged = sign_mu<P>(kp.secret_key, mu);
  EXPECT_TRUE(verify<P>(kp.public_key, msg, hedged, ctx).is_ok());
  auto bad_mu = mu;
  bad_mu[0] ^= 1;
  EXPECT_FALSE(verify_mu<P>(kp.public_key, bad_mu, sig_mu).is_ok());
}

TYPED_TEST(MlDsaApi, KeyGenFromSeedIsDeterministicAndRandomKeysDiffer) {
  constexpr ParameterSet P = TypeParam::kP;
  std::array<uint8_t, 32> xi;
  random_bytes(xi);
  auto a = generate_key_internal<P>(xi);
  auto b = generate_key_internal<P>(xi);
  EXPECT_EQ(a.public_key, b.public_key);
  EXPECT_TRUE(ct_equal(a.secret_key.bytes(), b.secret_key.bytes()));
  auto c = generate_key<P>();
  EXPECT_NE(a.public_key, c.public_key);
  // Moving a secret key wipes the source.
  SecretKey<P> moved = std::move(c.secret_key);
  for (uint8_t x : c.secret_key.bytes()) ASSERT_EQ(x, 0);
  auto sig = sign<P>(moved, as_bytes("m"));
  EXPECT_TRUE(verify<P>(c.public_key, as_bytes("m"), sig).is_ok());
}

TYPED_TEST(MlDsaApi, ParsingRejectsMalformedEncodings) {
  constexpr ParameterSet P = TypeParam::kP;
  using Sz = Sizes<P>;
  auto kp = generate_key<P>();
  const Bytes msg = random_bytes(50);
  auto sig = sign<P>(kp.secret_key, msg);
  const Bytes good(sig.span().begin(), sig.span().end());

  // Lengths.
  EXPECT_FALSE(PublicKey<P>::parse(Bytes(Sz::kPublicKeyBytes - 1)).is_ok());
  EXPECT_FALSE(SecretKey<P>::parse(Bytes(Sz::kSecretKeyBytes + 1)).is_ok());
  EXPECT_FALSE(Signature<P>::parse(Bytes(Sz::kSignatureBytes - 1)).is_ok());
  EXPECT_FALSE(verify<P>(kp.public_key, msg, ByteSpan(good.data(), good.size() - 1)).is_ok());

  // Secret key with an s1 coefficient out of [-eta, eta]: the first packed value set to all ones
  // (7 for eta = 2, 15 for eta = 4, both > 2 eta).
  Bytes sk(kp.secret_key.bytes().begin(), kp.secret_key.bytes().end());
  EXPECT_TRUE(SecretKey<P>::parse(sk).is_ok());
  sk[128] |= Sz::kEta == 2 ? 0x07 : 0x0f;
  EXPECT_FALSE(SecretKey<P>::parse(sk).is_ok());

  // Hint encoding (Alg. 21): offsets of the h part.
  const size_t h_off = Sz::kSignatureBytes - Sz::kOmega - Sz::kK;
  {
    Bytes b = good;  // a count larger than omega
    b[h_off + Sz::kOmega] = static_cast<uint8_t>(Sz::kOmega + 1);
    auto r = Signature<P>::parse(b);
    EXPECT_FALSE(r.is_ok());
    EXPECT_NE(r.message().find("hint"), std::string::npos);
  }
  {
    Bytes b = good;  // decreasing cumulative counts
    b[h_off + Sz::kOmega + Sz::kK - 1] = 0;
    b[h_off + Sz::kOmega] = 1;
    b[h_off] = 5;
    EXPECT_FALSE(Signature<P>::parse(b).is_ok());
  }
  {
    Bytes b(good.size(), 0);  // non-zero padding after the last index
    b[h_off + Sz::kOmega - 1] = 1;
    EXPECT_FALSE(Signature<P>::parse(b).is_ok());
    b[h_off + Sz::kOmega - 1] = 0;
    // z = gamma1 - 0 for all-zero bytes: |z| = gamma1 >= gamma1 - beta, out of range.
    auto r = Signature<P>::parse(b);
    EXPECT_FALSE(r.is_ok());
    EXPECT_NE(r.message().find("z"), std::string::npos);
  }
  {
    Bytes b(good.size(), 0);  // two equal positions within one polynomial
    const Bytes zpart(good.begin() + Sz::kLambda / 4, good.begin() + h_off);
    std::copy(zpart.begin(), zpart.end(), b.begin() + Sz::kLambda / 4);
    b[h_off] = 3;
    b[h_off + 1] = 3;
    for (int i = 0; i < Sz::kK; ++i) b[h_off + Sz::kOmega + i] = 2;
    EXPECT_FALSE(Signature<P>::parse(b).is_ok());
    b[h_off + 1] = 4;  // strictly increasing: well-formed (but does not verify)
    auto r = Signature<P>::parse(b);
    ASSERT_TRUE(r.is_ok()) << r.message();
    EXPECT_FALSE(verify<P>(kp.public_key, msg, *r).is_ok());
  }
  // Any single bit flip in a valid signature is rejected (parse or verify).
  for (size_t pos : {size_t{0}, size_t{40}, good.size() / 2, h_off - 1, good.size() - 1}) {
    Bytes b = good;
    b[pos] ^= 0x04;
    EXPECT_FALSE(verify<P>(kp.public_key, msg, b).is_ok()) << pos;
  }
}

}  // namespace
}  // namespace v100::pq::mldsa
