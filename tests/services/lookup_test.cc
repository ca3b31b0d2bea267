// Directory look-up against a plaintext model: the right slot for every member, "absent" for
// strangers, never a wrong slot.
#include "services/lookup.h"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <thread>

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
          fhe::serialize_ciphertext(ctx->rlwe(), mc.encrypt_token_block(s % kSlotsPerBlock, tokens.back())));
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
    EXPECT_EQ(reply->size(), 2u);  // one reply per block
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
  near[kTokenValues - 1] ^= 1;
  auto found = client.find(*m.server->answer(client.encrypt_query(near), m.blocks()), m.slots);
  ASSERT_TRUE(found.is_ok());
  EXPECT_FALSE(found->has_value());
}

TEST(Lookup, NeighboursDifferingInOneValueAndThreads) {
  // Three blocks, every slot of the first two occupied. Slots 30 and 31 hold the queried token
  // with one value changed (first / last); slot 32 (first of the next block) holds it exactly.
  // One reply per block; one, two and three threads agree.
  Meeting m(70, "lookup neighbours");
  auto target = m.tokens[32];
  auto near_first = target, near_last = target;
  near_first[0] ^= 0x4000;
  near_last[kTokenValues - 1] = static_cast<uint16_t>(target[kTokenValues - 1] + 1);
  const auto& ctx = roster_context();
  fhe::bfv::match::MatchClient mc(ctx, m.keygen->secret_key());
  std::vector<Bytes> block0;
  for (uint16_t s = 0; s < kSlotsPerBlock; ++s) {
    const auto& tk = s == 30 ? near_first : s == 31 ? near_last : m.tokens[s];
    block0.push_back(fhe::serialize_ciphertext(ctx->rlwe(), mc.encrypt_token_block(s, tk)));
  }
  std::vector<ByteSpan> spans(block0.begin(), block0.end());
  m.block_sums[0] = *m.server->sum_block(spans);
  LookupClient client(m.seed);
  Bytes query = client.encrypt_query(target);
  for (unsigned threads : {1u, 2u, 3u}) {
    auto reply = m.server->answer(query, m.blocks(), threads);
    ASSERT_TRUE(reply.is_ok()) << reply.message();
    EXPECT_EQ(reply->size(), 3u);
    auto found = client.find(*reply, m.slots);
    ASSERT_TRUE(found.is_ok()) << found.message();
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, 32u) << threads << " threads";
  }
  // Looking for a near token finds exactly the slot that holds it, not the target's slot.
  for (uint16_t slot : {uint16_t{30}, uint16_t{31}}) {
    auto found = client.find(
        *m.server->answer(client.encrypt_query(slot == 30 ? near_first : near_last), m.blocks()), m.slots);
    ASSERT_TRUE(found.is_ok());
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, slot);
  }
}

TEST(Lookup, ConcurrentLookUpsShareOneServer) {
  // The server's worker pool may run several look-ups on one LookupServer at once (pooled
  // scratches, masks and query buffers): each finds its own member.
  Meeting m(64, "lookup concurrent");
  LookupClient client(m.seed);
  std::vector<std::optional<uint16_t>> found(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < found.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 3; ++rep) {
        auto reply = m.server->answer(client.encrypt_query(m.tokens[17 * i]), m.blocks(), 1 + (i % 2));
        if (!reply.is_ok()) return;
        auto f = client.find(*reply, m.slots);
        if (f.is_ok()) found[i] = *f;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < found.size(); ++i) {
    ASSERT_TRUE(found[i].has_value()) << i;
    EXPECT_EQ(*found[i], 17 * i);
  }
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

// The derandomized query (the web client's cross-check): equal inputs give equal bytes, other
// randomness other bytes, and the query works like a fresh one.
TEST(Lookup, QueryFromExplicitRandomnessIsDeterministicAndFinds) {
  Meeting m(32, "lookup derandomized");
  LookupClient client(m.seed), again(m.seed);
  std::array<uint8_t, 32> r1{}, r2{};
  r1.fill(1);
  r2.fill(2);
  const Bytes q1 = client.encrypt_query(m.tokens[31], r1);
  EXPECT_EQ(q1, again.encrypt_query(m.tokens[31], r1));
  EXPECT_NE(q1, client.encrypt_query(m.tokens[31], r2));
  EXPECT_EQ(q1.size(), client.encrypt_query(m.tokens[31]).size());
  auto reply = m.server->answer(q1, m.blocks());
  ASSERT_TRUE(reply.is_ok()) << reply.message();
  auto found = client.find(*reply, m.slots);
  ASSERT_TRUE(found.is_ok() && found->has_value());
  EXPECT_EQ(**found, 31);
}

// The answer's two blobs (what the service sends): a round trip, and strict refusals.
TEST(Lookup, AnswerPackingRoundTripsAndRefusesMalformedBlobs) {
  const std::vector<Bytes> replies = {Bytes{1, 2, 3}, Bytes{}, Bytes(300, 7)};
  const std::vector<uint16_t> slots = {0, 31, 1023, 65535};
  const auto blobs = pack_answer(replies, slots);
  ASSERT_EQ(blobs.size(), 2u);
  auto a = unpack_answer(blobs[0], blobs[1]);
  ASSERT_TRUE(a.is_ok()) << a.message();
  EXPECT_EQ(a->replies, replies);
  EXPECT_EQ(a->slots, slots);
  Bytes cut(blobs[0].begin(), blobs[0].end() - 1), longer = blobs[0];
  longer.push_back(0);
  Bytes zero = {0, 0, 0, 0}, many = {0x01, 0x10, 0, 0};  // counts 0 and 4097
  for (const Bytes& bad : {Bytes{}, cut, longer, zero, many}) {
    auto r = unpack_answer(bad, blobs[1]);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.message(), "lookup: malformed answer");
  }
  auto odd = unpack_answer(blobs[0], ByteSpan(blobs[1].data(), 3));
  ASSERT_FALSE(odd.is_ok());
  EXPECT_EQ(odd.message(), "lookup: malformed slot list");
}

}  // namespace
}  // namespace v100::services
