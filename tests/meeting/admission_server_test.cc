// Anonymous admission on a real server (hardening issue: "a server that must not know its users
// admits them without being exhausted by strangers"): with an issuer configured, an anonymous
// store (CreateMeeting) needs a Privacy Pass token redeemed on the connection. Strangers without
// tokens, forged tokens, another issuer's tokens and replayed tokens (also after a restart) are
// refused, while an admitted host creates and holds a meeting whose joins stay fast.
#include <gtest/gtest.h>

#include <chrono>

#include "meeting/admission/privacy_pass.h"
#include "server_test_util.h"

namespace v100::meeting::testutil {
namespace {

namespace adm = admission;
using Clock = std::chrono::steady_clock;

constexpr char kIssuer[] = "issuer.example";
constexpr char kOrigin[] = "meet.example";

// Tokens from `key` for the server's challenge, made the way a user's client makes them (blind,
// issue, finalize): the issuer only ever sees blinded requests.
std::vector<Bytes> tokens_from(const adm::IssuerKey& key, size_t n) {
  const Bytes challenge = adm::admission_challenge(kIssuer, kOrigin);
  std::vector<Bytes> out;
  for (size_t i = 0; i < n; ++i) {
    auto req = adm::make_token_request(key.public_key(), challenge);
    EXPECT_TRUE(req.is_ok()) << req.message();
    auto resp = adm::issue(key, req->request);
    EXPECT_TRUE(resp.is_ok()) << resp.message();
    auto token = adm::finalize_token(key.public_key(), req->state, *resp);
    EXPECT_TRUE(token.is_ok()) << token.message();
    out.push_back(token->encode());
  }
  return out;
}

class AdmissionServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::set_log_stderr(false);
    dir_ = temp_dir("admission");
  }
  void TearDown() override {
    peers_.clear();
    if (srv_) srv_->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void start() {
    auto o = test_options(dir_);
    const std::string pem = issuer_.public_key().pem();
    o.admission_issuer_pub.assign(pem.begin(), pem.end());
    o.admission_issuer_name = kIssuer;
    o.admission_origin = kOrigin;
    srv_ = std::make_unique<server::Server>(o);
    ASSERT_TRUE(srv_->start().is_ok());
  }
  Peer* add_peer() {
    peers_.push_back(Peer::connect(srv_->port(), srv_->fingerprint()));
    return peers_.back().get();
  }

  adm::IssuerKey issuer_ = adm::IssuerKey::generate();
  std::string dir_;
  std::unique_ptr<server::Server> srv_;
  std::vector<std::unique_ptr<Peer>> peers_;
};

int code(ErrorCode c) {
  return static_cast<int>(c);
}

TEST_F(AdmissionServerTest, AnonymousStoresNeedOneRedeemedTokenEach) {
  start();
  auto tokens = tokens_from(issuer_, 3);
  // An admitted host creates a meeting; members join it and keep sending media beside the attacks.
  Peer* host = add_peer();
  ASSERT_TRUE(host);
  TestMeeting tm;
  ASSERT_TRUE(host->expect<Ack>(RedeemToken{tokens[0]}));
  ASSERT_TRUE(host->expect<Ack>(tm.create_msg(8)));
  ASSERT_TRUE(host->join(tm.handle, tm.join_seed));
  ASSERT_TRUE(host->expect<Ack>(Subscribe{SubscribeMode::kAll, {}}));
  // The token was spent on that create: a second one on the same connection needs another.
  TestMeeting second;
  EXPECT_EQ(host->error_code(second.create_msg(8)), code(ErrorCode::kAdmissionRequired));

  // Strangers: no token, a forged one, one from another issuer, and a replay of a spent one.
  Peer* stranger = add_peer();
  ASSERT_TRUE(stranger);
  TestMeeting theirs;
  EXPECT_EQ(stranger->error_code(theirs.create_msg(8)), code(ErrorCode::kAdmissionRequired));
  Bytes forged = tokens[1];
  forged[forged.size() - 1] ^= 1;
  EXPECT_EQ(stranger->error_code(RedeemToken{forged}), code(ErrorCode::kBadProof));
  EXPECT_EQ(stranger->error_code(RedeemToken{random_bytes(354)}), code(ErrorCode::kBadProof));
  adm::IssuerKey other = adm::IssuerKey::generate();
  EXPECT_EQ(stranger->error_code(RedeemToken{tokens_from(other, 1)[0]}), code(ErrorCode::kBadProof));
  EXPECT_EQ(stranger->error_code(RedeemToken{tokens[0]}), code(ErrorCode::kBadProof));  // spent
  EXPECT_EQ(stranger->error_code(theirs.create_msg(8)), code(ErrorCode::kAdmissionRequired));
  EXPECT_EQ(stranger->error_code(JoinChallengeRequest{theirs.handle}), code(ErrorCode::kUnknownMeeting));

  // The legitimate meeting is unaffected: a member joins fast and its media reaches the host.
  Peer* member = add_peer();
  ASSERT_TRUE(member);
  const auto t0 = Clock::now();
  auto acc = member->join(tm.handle, tm.join_seed);
  ASSERT_TRUE(acc);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  ASSERT_TRUE(member->client->send(encode_media_frame(acc->slot, MediaKind::kAudio, random_bytes(200))));
  EXPECT_TRUE(host->wait_for([](Peer& p) { return p.frames_locked() >= 1; }));

  // A fresh token admits the stranger's second try; it spends it.
  ASSERT_TRUE(stranger->expect<Ack>(RedeemToken{tokens[1]}));
  EXPECT_TRUE(stranger->expect<Ack>(theirs.create_msg(8)));

  // Spent stays spent across a restart (the store keeps SHA-256 of each nonce, nothing else).
  peers_.clear();
  srv_->stop();
  start();
  Peer* again = add_peer();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->error_code(RedeemToken{tokens[1]}), code(ErrorCode::kBadProof));
  EXPECT_TRUE(again->expect<Ack>(RedeemToken{tokens[2]}));
  auto audit = srv_->store()->audit();
  ASSERT_TRUE(audit.is_ok());
  uint64_t spent = 0;
  for (const auto& line : *audit)
    if (line.kind == "spent admission token") spent = line.count;
  EXPECT_EQ(spent, 3u);
}

TEST_F(AdmissionServerTest, ServerWithoutIssuerRefusesTokensAndKeepsQuotas) {
  srv_ = std::make_unique<server::Server>(test_options(dir_));
  ASSERT_TRUE(srv_->start().is_ok());
  Peer* p = add_peer();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->error_code(RedeemToken{tokens_from(issuer_, 1)[0]}), code(ErrorCode::kBadMessage));
  TestMeeting tm;
  EXPECT_TRUE(p->expect<Ack>(tm.create_msg(8)));  // the per-address store quota admits it
}

}  // namespace
}  // namespace v100::meeting::testutil
