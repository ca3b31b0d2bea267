// Every ML-DSA case of the NIST ACVP files in shared/vectors/acvp (FIPS 204 final): key generation
// (KeyGen_internal), signature generation (Sign_internal, deterministic and hedged; the `message`
// field is M') and signature verification (Verify_internal, including every negative case).
// Each file runs once per NTT backend, and the number of cases per group is asserted.
#include <gtest/gtest.h>

#include <map>

#include "common/vectors.h"
#include "pq/mldsa/mldsa.h"
#include "pq/mldsa/mldsa_test_util.h"

namespace v100::pq::mldsa {
namespace {

using testing::BackendScope;
using testing::portable_modes;
using testing::with_params;
using v100::testing::hex_field;
using v100::testing::load_vectors;

TEST(MlDsaVectors, KeyGen) {
  const auto doc = load_vectors("acvp/ML-DSA-keyGen-FIPS204/internalProjection.json");
  for (bool portable : portable_modes()) {
    BackendScope scope(portable);
    std::map<std::string, int> ran;
    for (const auto& group : doc.at("testGroups")) {
      const std::string ps = group.at("parameterSet");
      for (const auto& t : group.at("tests")) {
        const Bytes seed = hex_field(t, "seed");
        const Bytes pk = hex_field(t, "pk");
        const Bytes sk = hex_field(t, "sk");
        ASSERT_EQ(seed.size(), 32u);
        with_params(ps, [&]<ParameterSet P>() {
          auto kp = generate_key_internal<P>(std::span<const uint8_t, 32>(seed.data(), 32));
          EXPECT_EQ(Bytes(kp.public_key.span().begin(), kp.public_key.span().end()), pk)
              << "tcId " << t.at("tcId");
          EXPECT_EQ(Bytes(kp.secret_key.bytes().begin(), kp.secret_key.bytes().end()), sk)
              << "tcId " << t.at("tcId");
          // The expected encodings also parse.
          EXPECT_TRUE(PublicKey<P>::parse(pk).is_ok());
          EXPECT_TRUE(SecretKey<P>::parse(sk).is_ok());
        });
        ++ran[ps];
      }
    }
    EXPECT_EQ(ran, (std::map<std::string, int>{{"ML-DSA-44", 25}, {"ML-DSA-65", 25}, {"ML-DSA-87", 25}}));
  }
}

TEST(MlDsaVectors, SigGen) {
  const auto doc = load_vectors("acvp/ML-DSA-sigGen-FIPS204/internalProjection.json");
  for (bool portable : portable_modes()) {
    BackendScope scope(portable);
    std::map<std::string, int> ran;
    for (const auto& group : doc.at("testGroups")) {
      const std::string ps = group.at("parameterSet");
      const bool deterministic = group.at("deterministic");
      // Newer ACVP files name the interface; these (v1.1.0.35) are all internal.
      if (group.contains("signatureInterface")) {
        ASSERT_EQ(group.at("signatureInterface"), "internal");
      }
      for (const auto& t : group.at("tests")) {
        const Bytes sk_bytes = hex_field(t, "sk");
        const Bytes m_prime = hex_field(t, "message");
        const Bytes expected = hex_field(t, "signature");
        std::array<uint8_t, 32> rnd{};
        if (!deterministic) {
          const Bytes r = hex_field(t, "rnd");
          ASSERT_EQ(r.size(), 32u);
          std::copy(r.begin(), r.end(), rnd.begin());
        } else {
          ASSERT_FALSE(t.contains("rnd"));
        }
        with_params(ps, [&]<ParameterSet P>() {
          auto sk = SecretKey<P>::parse(sk_bytes);
          ASSERT_TRUE(sk.is_ok()) << sk.message();
          auto sig = sign_internal<P>(*sk, m_prime, rnd);
          EXPECT_EQ(Bytes(sig.span().begin(), sig.span().end()), expected) << "tcId " << t.at("tcId");
        });
        ++ran[ps + (deterministic ? "/det" : "/hedged")];
      }
    }
    EXPECT_EQ(ran, (std::map<std::string, int>{{"ML-DSA-44/det", 10},
                                               {"ML-DSA-44/hedged", 10},
                                               {"ML-DSA-65/det", 10},
                                               {"ML-DSA-65/hedged", 10},
                                               {"ML-DSA-87/det", 10},
                                               {"ML-DSA-87/hedged", 10}}));
  }
}

TEST(MlDsaVectors, SigVer) {
  const auto doc = load_vectors("acvp/ML-DSA-sigVer-FIPS204/internalProjection.json");
  for (bool portable : portable_modes()) {
    BackendScope scope(portable);
    std::map<std::string, int> ran, passed;
    std::map<std::string, int> reasons;
    for (const auto& group : doc.at("testGroups")) {
      const std::string ps = group.at("parameterSet");
      const Bytes pk_bytes = hex_field(group, "pk");
      for (const auto& t : group.at("tests")) {
        const Bytes m_prime = hex_field(t, "message");
        const Bytes sig_bytes = hex_field(t, "signature");
        const bool expect = t.at("testPassed");
        with_params(ps, [&]<ParameterSet P>() {
          auto pk = PublicKey<P>::parse(pk_bytes);
          ASSERT_TRUE(pk.is_ok());
          // A signature that does not parse (bad hint encoding, z out of range) is a rejection.
          auto sig = Signature<P>::parse(sig_bytes);
          bool ok = false;
          if (sig.is_ok()) ok = verify_internal<P>(*pk, m_prime, *sig).is_ok();
          EXPECT_EQ(ok, expect) << "tcId " << t.at("tcId") << " reason " << t.at("reason");
          // The mu path gives the same answer.
          if (sig.is_ok()) {
            EXPECT_EQ(verify_mu<P>(*pk, compute_mu_internal<P>(*pk, m_prime), *sig).is_ok(), expect);
          }
        });
        ++ran[ps];
        if (expect) ++passed[ps];
        ++reasons[t.at("reason").get<std::string>()];
      }
    }
    EXPECT_EQ(ran, (std::map<std::string, int>{{"ML-DSA-44", 15}, {"ML-DSA-65", 15}, {"ML-DSA-87", 15}}));
    EXPECT_EQ(passed, (std::map<std::string, int>{{"ML-DSA-44", 3}, {"ML-DSA-65", 3}, {"ML-DSA-87", 3}}));
    EXPECT_EQ(reasons, (std::map<std::string, int>{{"no modification", 9},
                                                   {"modify message", 9},
                                                   {"modify signature", 9},
                                                   {"z too large", 9},
                                                   {"too many hints", 9}}));
  }
}

}  // namespace
}  // namespace v100::pq::mldsa
