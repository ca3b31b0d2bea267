// Directory look-up against a plaintext model: the right slot for every member, "absent" for
// strangers, never a wrong slot.
#include "services/lookup.h"

#include <gtest/gtest.h>

#include "fhe/bfv/match.h"
#include "fhe/common/keys.h"
#include "fhe/common/serialize.h"
#include "test_rng.h"

namespace v100::services {
namespace {

using testing::TestRng;

std::vector<uint16_t> token(TestRng& rng) {
  std::vector<uint16_t> t(kTokenValues);
  for (auto& v : t) v = static_cast<uint16_t>(rng.next());
  return t;
}

struct Meeting {
  explicit Meeting(size_t members, const char* label) : rng(label) {
    seed = rng.bytes(32);
    const auto& ctx = roster_context();
    keygen = std::make_unique<fhe::KeyGenerator>(ctx->rlwe_ptr(), seed);
    fhe::bfv::match::MatchClient mc(ctx, keygen->secret_key());
    pk = fhe::serialize_public_key(ctx->rlwe(), keygen->public_key());
    server = *LookupServer::create(pk);
    size_t blocks = (members + kSlotsPerBlock - 1) / kSlotsPerBlock;
    std::vector<std::vector<Bytes>> uploads(blocks);
    for (uint16_t s = 0; s < members; ++s) {
      tokens.push_back(token(rng));
      slots.push_back(s);
      uploads[s / kSlotsPerBlock].push_back(
          fhe::serialize_ciphertext(ctx->rlwe(), mc.encrypt_user_block(s % kSlotsPerBlock, tokens.back())));
    }
    for (auto& u : uploads) {
      std::vector<ByteSpan> spans(u.begin(), u.end());
      block_sums.push_back(*server->sum_block(spans));
    }
  }
  std::vector<ByteSpan> blocks() const { return {block_sums.begin(), block_sums.end()}; }

  TestRng rng;
  Bytes seed, pk;
  std::unique_ptr<fhe::KeyGenerator> keygen;
  std::shared_ptr<const LookupServer> server;
  std::vector<std::vector<uint16_t>> tokens;
  std::vector<uint16_t> slots;
  std::vector<Bytes> block_sums;
};

TEST(Lookup, FindsEveryMemberAndNoStranger) {
  Meeting m(40, "lookup members");  // two blocks, the second partly filled
  LookupClient client(m.seed);
  for (size_t s : {0u, 1u, 31u, 32u, 39u}) {
    auto reply = m.server->answer(client.encrypt_query(m.tokens[s]), m.blocks(), 2);
    ASSERT_TRUE(reply.is_ok()) << reply.message();
    EXPECT_EQ(reply->size(), 2 * kScoresPerBlock);
    auto found = client.find(*reply, m.slots);
    ASSERT_TRUE(found.is_ok()) << found.message();
    ASSERT_TRUE(found->has_value()) << "member " << s << " not found";
    EXPECT_EQ(**found, s);
  }
  for (int i = 0; i < 3; ++i) {
    auto reply = m.server->answer(client.encrypt_query(token(m.rng)), m.blocks());
    ASSERT_TRUE(reply.is_ok());
    auto found = client.find(*reply, m.slots);
    ASSERT_TRUE(found.is_ok());
    EXPECT_FALSE(found->has_value()) << "a stranger matched slot " << **found;
  }
  // A token differing from a member's in a single value is a stranger too.
  auto near = m.tokens[7];
  near[100] ^= 1;
  auto found = client.find(*m.server->answer(client.encrypt_query(near), m.blocks()), m.slots);
  ASSERT_TRUE(found.is_ok());
  EXPECT_FALSE(found->has_value());
}

TEST(Lookup, WrongKeyOrBytesGiveErrorsNotCrashes) {
  Meeting m(3, "lookup hostile");
  LookupClient client(m.seed);
  Bytes q = client.encrypt_query(m.tokens[0]);
  EXPECT_FALSE(m.server->answer(Bytes{1, 2, 3}, m.blocks()).is_ok());
  Bytes truncated(q.begin(), q.begin() + q.size() - 5);
  EXPECT_FALSE(m.server->answer(truncated, m.blocks()).is_ok());
  std::vector<ByteSpan> bad_blocks = {ByteSpan(q.data(), 10)};
  EXPECT_FALSE(m.server->answer(q, bad_blocks).is_ok());
  EXPECT_FALSE(LookupServer::create(Bytes(32, 0)).is_ok());
  EXPECT_FALSE(client.find({Bytes{0}}, m.slots).is_ok());
  // A look-up under another meeting's key decrypts to noise: nothing is found.
  Meeting other(3, "another meeting");
  LookupClient stranger(other.seed);
  auto reply = m.server->answer(stranger.encrypt_query(m.tokens[0]), m.blocks());
  ASSERT_TRUE(reply.is_ok());
  auto found = stranger.find(*reply, m.slots);
  ASSERT_TRUE(found.is_ok());
  EXPECT_FALSE(found->has_value());
}

}  // namespace
}  // namespace v100::services
