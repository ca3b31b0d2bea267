// The 32-user match against plaintext inner products and masked-equality semantics.
#include "fhe/bfv/match.h"

#include <gtest/gtest.h>

#include "bfv_test_util.h"
#include "fhe/common/serialize.h"

namespace v100::fhe::bfv::testing {
namespace {

using match::kUsers;
using match::kValues;

std::vector<uint16_t> random_u16(TestRng& rng, size_t n) {
  std::vector<uint16_t> v(n);
  for (auto& x : v) x = static_cast<uint16_t>(rng.u64());
  return v;
}

class Match : public ::testing::Test {
 protected:
  Env& e = env("bfv-meeting-4096");
  match::MatchClient client{e.ctx, e.keygen->secret_key()};
  match::MatchServer server{e.ctx, e.pk};
};

TEST_F(Match, InnerProductsMatchPlaintextModel) {
  TestRng rng(100);
  for (int rep = 0; rep < 3; ++rep) {
    auto x = random_u16(rng, kUsers * kValues);
    auto y = random_u16(rng, kValues);
    Ciphertext roster = client.encrypt_roster(x);
    auto ref = server.prepare_reference(y);
    Ciphertext reply = server.inner_products(roster, ref);
    EXPECT_EQ(reply.num_q(), 1u);  // modulus-switched reply
    auto scores = client.decrypt_scores(reply);
    ASSERT_EQ(scores.size(), kUsers);
    for (size_t k = 0; k < kUsers; ++k) {
      uint64_t want = 0;
      for (size_t j = 0; j < kValues; ++j) want = (want + uint64_t{x[k * kValues + j]} * y[j]) % e.t;
      EXPECT_EQ(scores[k], want) << "user " << k;
    }
  }
}

TEST_F(Match, NonResultCoefficientsAreRerandomized) {
  // Without re-randomization, coefficient 128k + i (i < 127) would be the partial sum
  // sum_{j <= i} x_{k,j} y_{127 - i + j} (plus the wrap from block k-1). Check that the reply
  // decrypts to something else at (almost) every such position.
  TestRng rng(101);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  Ciphertext reply = server.inner_products(client.encrypt_roster(x), server.prepare_reference(y));
  Decryptor dec(e.ctx, e.keygen->secret_key());
  Plaintext pt = dec.decrypt(reply);
  // Plaintext model of the raw negacyclic product x(X) * Y(X).
  std::vector<uint64_t> prod(e.n, 0);
  for (size_t a = 0; a < e.n; ++a) {
    for (size_t b = 0; b < kValues; ++b) {
      uint64_t v = uint64_t{x[a]} * y[kValues - 1 - b] % e.t;
      size_t idx = a + b;
      if (idx < e.n) prod[idx] = (prod[idx] + v) % e.t;
      else prod[idx - e.n] = (prod[idx - e.n] + e.t - v) % e.t;
    }
  }
  size_t same = 0, others = 0;
  for (size_t i = 0; i < e.n; ++i) {
    if (i % kValues == kValues - 1) {
      EXPECT_EQ(pt.coeffs[i], prod[i]);
    } else {
      ++others;
      same += pt.coeffs[i] == prod[i];
    }
  }
  EXPECT_LT(same, 5u) << "of " << others;
}

TEST_F(Match, MaskedEqualityZeroExactlyOnMatches) {
  TestRng rng(102);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  for (size_t k : {3u, 17u, 31u}) std::copy(y.begin(), y.end(), x.begin() + static_cast<std::ptrdiff_t>(k * kValues));
  x[5 * kValues] = y[0];  // user 5 matches everywhere but one value
  std::copy(y.begin() + 1, y.end(), x.begin() + 5 * kValues + 1);
  x[5 * kValues + 64] = static_cast<uint16_t>(y[64] + 1);
  Ciphertext roster = client.encrypt_roster(x);
  Ciphertext query = client.encrypt_query(y);
  for (int variant = 0; variant < 2; ++variant) {
    auto replies = variant == 0 ? server.masked_equality(roster, query, 2) : server.masked_equality_plain(roster, y, 2);
    ASSERT_EQ(replies.size(), 2u);
    auto s0 = client.decrypt_scores(replies[0]);
    auto s1 = client.decrypt_scores(replies[1]);
    for (size_t k = 0; k < kUsers; ++k) {
      const bool match = k == 3 || k == 17 || k == 31;
      if (match) {
        EXPECT_EQ(s0[k], 0u) << k;
        EXPECT_EQ(s1[k], 0u) << k;
      } else {
        EXPECT_FALSE(s0[k] == 0 && s1[k] == 0) << "false match for user " << k;  // prob ~2^-32
      }
    }
  }
}

TEST_F(Match, BlocksFromSeparateUsersAddIntoOneRoster) {
  TestRng rng(103);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  Evaluator ev(e.ctx);
  Ciphertext roster = client.encrypt_user_block(0, std::span<const uint16_t>(x.data(), kValues));
  for (size_t k = 1; k < kUsers; ++k) {
    ev.add_inplace(roster, client.encrypt_user_block(k, std::span<const uint16_t>(x.data() + k * kValues, kValues)));
  }
  auto scores = client.decrypt_scores(server.inner_products(roster, server.prepare_reference(y)));
  for (size_t k = 0; k < kUsers; ++k) {
    uint64_t want = 0;
    for (size_t j = 0; j < kValues; ++j) want = (want + uint64_t{x[k * kValues + j]} * y[j]) % e.t;
    EXPECT_EQ(scores[k], want);
  }
}

TEST_F(Match, ReplySerializesAndSizesShrink) {
  TestRng rng(104);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  Ciphertext roster = client.encrypt_roster(x);
  const RlweContext& r = e.ctx->rlwe();
  Bytes up = serialize_ciphertext(r, roster);
  Ciphertext reply = server.inner_products(roster, server.prepare_reference(y));
  Bytes down = serialize_ciphertext(r, reply);
  auto back = deserialize_ciphertext(r, down);
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(client.decrypt_scores(*back), client.decrypt_scores(reply));
  // Seeded upload: one polynomial over 2 primes; reply: two polynomials over 1 prime.
  EXPECT_LT(up.size(), 2 * 4096 * 37 / 8 + 64);
  EXPECT_LT(down.size(), 2 * 4096 * 37 / 8 + 64);
}

}  // namespace
}  // namespace v100::fhe::bfv::testing
