// X-Wing against every case of the draft's test-vector file, plus round trips and error paths.
#include "pq/xwing/xwing.h"

#include <gtest/gtest.h>

#include "common/vectors.h"
#include "core/cpu.h"
#include "core/rng.h"

namespace v100::pq::xwing {
namespace {

using testing::hex_field;

Bytes to_bytes(ByteSpan s) {
  return Bytes(s.begin(), s.end());
}

class XWingVectors : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { cpu::force_portable(GetParam()); }
  void TearDown() override { cpu::force_portable(false); }
};

TEST_P(XWingVectors, AllDraftCases) {
  auto v = testing::load_vectors("xwing/test-vectors.json");
  int ran = 0;
  for (const auto& t : v) {
    Bytes seed = hex_field(t, "seed");
    EXPECT_EQ(seed, hex_field(t, "sk"));
    SecretKey sk = generate_key_pair_derand(seed);
    EXPECT_EQ(to_bytes(sk.public_key().span()), hex_field(t, "pk")) << ran;
    EXPECT_EQ(to_bytes(sk.seed()), hex_field(t, "sk"));

    auto pk = PublicKey::from_bytes(hex_field(t, "pk"));
    ASSERT_TRUE(pk.is_ok()) << pk.message();
    auto enc = encapsulate_derand(*pk, hex_field(t, "eseed"));
    ASSERT_TRUE(enc.is_ok()) << enc.message();
    EXPECT_EQ(to_bytes(enc->ciphertext.span()), hex_field(t, "ct")) << ran;
    EXPECT_EQ(to_bytes(enc->shared_secret.span()), hex_field(t, "ss")) << ran;

    auto ct = Ciphertext::from_bytes(hex_field(t, "ct"));
    ASSERT_TRUE(ct.is_ok());
    auto ss = decapsulate(sk, *ct);
    ASSERT_TRUE(ss.is_ok()) << ss.message();
    EXPECT_EQ(to_bytes(ss->span()), hex_field(t, "ss")) << ran;
    ++ran;
  }
  EXPECT_EQ(ran, 3);
}

INSTANTIATE_TEST_SUITE_P(Paths, XWingVectors, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "Portable" : "Vector"; });

TEST(XWing, RoundTripAndTamper) {
  for (int i = 0; i < 4; ++i) {
    SecretKey sk = generate_key_pair();
    auto enc = encapsulate(sk.public_key());
    ASSERT_TRUE(enc.is_ok());
    auto ss = decapsulate(sk, enc->ciphertext);
    ASSERT_TRUE(ss.is_ok());
    EXPECT_TRUE(ct_equal(ss->span(), enc->shared_secret.span()));
    // Flipping a bit of either half gives a different secret (ML-KEM implicit rejection, or a
    // different X25519 value).
    for (size_t pos : {size_t{5}, kCiphertextBytes - 5}) {
      Bytes c = to_bytes(enc->ciphertext.span());
      c[pos] ^= 0x01;
      auto ss2 = decapsulate(sk, Ciphertext::from_bytes(c).value());
      ASSERT_TRUE(ss2.is_ok());
      EXPECT_FALSE(ct_equal(ss2->span(), enc->shared_secret.span()));
    }
  }
}

TEST(XWing, BadInputs) {
  EXPECT_FALSE(PublicKey::from_bytes(Bytes(1215)).is_ok());
  EXPECT_FALSE(Ciphertext::from_bytes(Bytes(1121)).is_ok());
  EXPECT_FALSE(SecretKey::from_seed(Bytes(31)).is_ok());
  EXPECT_THROW(generate_key_pair_derand(Bytes(33)), std::invalid_argument);
  // A pk_M coefficient >= q fails the ML-KEM modulus check.
  SecretKey sk = generate_key_pair();
  Bytes pk = to_bytes(sk.public_key().span());
  pk[0] = 0xff;
  pk[1] |= 0x0f;
  EXPECT_FALSE(PublicKey::from_bytes(pk).is_ok());
  // A low-order X25519 point (zero) in ct_X is refused, not crashed on.
  auto enc = encapsulate(sk.public_key());
  Bytes c = to_bytes(enc->ciphertext.span());
  std::fill(c.end() - 32, c.end(), 0);
  EXPECT_FALSE(decapsulate(sk, Ciphertext::from_bytes(c).value()).is_ok());
  // Same for pk_X on encapsulation.
  Bytes pk2 = to_bytes(sk.public_key().span());
  std::fill(pk2.end() - 32, pk2.end(), 0);
  auto zero_pk = PublicKey::from_bytes(pk2);
  ASSERT_TRUE(zero_pk.is_ok());
  EXPECT_FALSE(encapsulate(*zero_pk).is_ok());
  EXPECT_THROW((void)encapsulate_derand(*zero_pk, Bytes(63)), std::invalid_argument);
}

}  // namespace
}  // namespace v100::pq::xwing
