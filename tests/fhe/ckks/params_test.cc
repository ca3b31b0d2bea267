// Parameter sets: the HE-standard bound, named sets, insecure sets only by explicit name.
#include <gtest/gtest.h>

#include "fhe/ckks/context.h"
#include "math/primes.h"

using namespace v100::fhe::ckks;

TEST(CkksParams, NamedSetsMeetTheStandard) {
  for (const char* name : {"ckks-8192", "ckks-16384"}) {
    CkksParams p = CkksParams::named(name);
    ASSERT_TRUE(p.validate().is_ok()) << p.validate().message();
    EXPECT_FALSE(p.insecure);
    EXPECT_LE(p.total_log_q(), he_standard_max_log_q(p.ring_degree)) << name;
    EXPECT_EQ(p.log_scale, 40);
    for (uint64_t q : p.q) {
      EXPECT_TRUE(v100::math::is_prime(q));
      EXPECT_EQ((q - 1) % (2 * p.ring_degree), 0u);
      EXPECT_LT(q, uint64_t{1} << 50);  // IFMA-friendly
    }
    EXPECT_LT(p.special_prime, uint64_t{1} << 50);
  }
  EXPECT_GE(CkksParams::named("ckks-8192").max_level(), 3u);
  EXPECT_GE(CkksParams::named("ckks-16384").max_level(), 8u);
  EXPECT_EQ(he_standard_max_log_q(8192), 218);
  EXPECT_EQ(he_standard_max_log_q(16384), 438);
}

TEST(CkksParams, InsecureOnlyByExplicitName) {
  EXPECT_THROW(CkksParams::named("ckks-1024"), std::invalid_argument);
  EXPECT_THROW(CkksParams::named("nonsense"), std::invalid_argument);
  // 4 x 40-bit primes at N = 1024 is far above 27 bits: refused without the flag.
  EXPECT_THROW(CkksParams::create("x", 1024, 50, 3, 40, 48), std::invalid_argument);
  CkksParams t = CkksParams::named("insecure-test-ckks-1024");
  EXPECT_TRUE(t.insecure);
  // Too many primes for 8192 is refused with a message naming the bound.
  try {
    (void)CkksParams::create("big", 8192, 50, 4, 40, 48);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("218"), std::string::npos) << e.what();
  }
  CkksParams bad = CkksParams::named("ckks-8192");
  bad.q.push_back(bad.q.back());
  EXPECT_FALSE(bad.validate().is_ok());
  bad = CkksParams::named("ckks-8192");
  bad.q[1] += 2;  // not prime / not 1 mod 2N
  EXPECT_FALSE(bad.validate().is_ok());
  EXPECT_THROW(CkksContext{bad}, std::invalid_argument);
}

TEST(CkksParams, FingerprintsDiffer) {
  auto a = CkksContext::create("ckks-8192");
  auto b = CkksContext::create("ckks-16384");
  EXPECT_NE(a->fingerprint(), b->fingerprint());
  EXPECT_EQ(a->fingerprint(), CkksContext::create("ckks-8192")->fingerprint());
}
