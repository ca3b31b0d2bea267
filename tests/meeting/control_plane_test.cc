// The control plane without sockets: decoded requests go straight into ControlPlane::handle with
// recording session contexts, and the replies and pushes are read back from them. The store is
// the real SQLite store in a temp dir; service jobs run inline.
#include "meeting/server/control_plane.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "core/rng.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/server/relay.h"

namespace v100::meeting::server {
namespace {

using namespace protocol;  // NOLINT
using namespace std::chrono_literals;

/// A connection that records what the control plane sends it.
class RecordingSession final : public SessionContext {
 public:
  void send_control(Bytes msg) override {
    auto env = decode(msg);
    ASSERT_TRUE(env.is_ok()) << env.message();
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(*env));
  }
  void send_media(const std::shared_ptr<const Bytes>& frame, uint16_t, MediaEnvelope) override {
    std::lock_guard lock(mu_);
    media_.push_back(*frame);
  }
  void close(const char* why, bool) override { closed_ = why; }

  /// Everything sent since the last take().
  std::vector<Envelope> take() {
    std::lock_guard lock(mu_);
    return std::exchange(sent_, {});
  }
  std::vector<Bytes> media() {
    std::lock_guard lock(mu_);
    return media_;
  }
  const char* closed_ = nullptr;

 private:
  std::mutex mu_;
  std::vector<Envelope> sent_;
  std::vector<Bytes> media_;
};
using Rec = std::shared_ptr<RecordingSession>;

class ControlPlaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("v100-cp-" + to_hex(random_bytes(8)))).string();
    std::filesystem::create_directories(dir_);
    auto st = store::open_sqlite_store(dir_);
    ASSERT_TRUE(st.is_ok()) << st.message();
    store_ = std::move(*st);
    opts_.data_dir = dir_;
    std::map<uint16_t, ServiceHandler> services;
    services[7] = [](const ServiceCall& c) -> Result<ServiceReply> {
      ServiceReply r;
      r.blobs.push_back(Bytes{static_cast<uint8_t>(c.slot.value_or(0xff))});
      return r;
    };
    cp_ = std::make_unique<ControlPlane>(opts_, *store_, budget_, std::move(services),
                                         [](std::function<void()> job) {
                                           job();
                                           return true;
                                         });
    ASSERT_TRUE(cp_->init().is_ok());
  }
  void TearDown() override {
    cp_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  /// Sends `m` from `s` and returns the one reply it got (request id checked).
  Envelope call(const Rec& s, const Message& m) {
    static uint32_t rid = 100;
    ++rid;
    auto env = decode(encode(m, rid));
    EXPECT_TRUE(env.is_ok());
    cp_->handle(s, std::move(*env));
    auto out = s->take();
    EXPECT_FALSE(out.empty());
    if (out.empty()) return Envelope{0, Error{ErrorCode::kInternal, "no reply"}};
    EXPECT_EQ(out.back().request_id, rid);
    return out.back();
  }
  static ErrorCode error_of(const Envelope& e) {
    return std::holds_alternative<Error>(e.msg) ? std::get<Error>(e.msg).code : ErrorCode{};
  }

  Handle create_meeting(uint16_t max_members) {
    Handle h;
    random_bytes(h);
    CreateMeeting cm;
    cm.handle = h;
    cm.max_members = max_members;
    cm.scheme = JoinScheme::kEd25519;
    cm.join_verifier = *ed25519_public_key(seed_);
    EXPECT_TRUE(std::holds_alternative<Ack>(call(anon_, cm).msg));
    return h;
  }
  /// Joins `s` and stores its identity blob; returns the slot.
  uint16_t join(const Rec& s, const Handle& h) {
    auto ch = call(s, JoinChallengeRequest{h});
    const Nonce n = std::get<JoinChallenge>(ch.msg).nonce;
    auto acc = call(s, JoinProve{h, n, *make_join_proof_ed25519(seed_, h, n)});
    EXPECT_TRUE(std::holds_alternative<JoinAccepted>(acc.msg)) << static_cast<int>(error_of(acc));
    const uint16_t slot = std::get<JoinAccepted>(acc.msg).slot;
    EXPECT_TRUE(
        std::holds_alternative<Ack>(call(s, PutKeyBlob{identity_key_kind(slot), Bytes{1, 2, 3}}).msg));
    return slot;
  }

  std::string dir_;
  ServerOptions opts_;
  MemoryBudget budget_{64u << 20};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ControlPlane> cp_;
  Bytes seed_ = random_bytes(32);
  Rec anon_ = std::make_shared<RecordingSession>();
};

TEST_F(ControlPlaneTest, RefusesWhatIsNotAControlRequest) {
  EXPECT_EQ(error_of(call(anon_, Hello{})), ErrorCode::kBadMessage);
  EXPECT_EQ(error_of(call(anon_, Ack{})), ErrorCode::kBadMessage);
  EXPECT_EQ(error_of(call(anon_, GetMeeting{})), ErrorCode::kNotMember);
  Handle h{};
  EXPECT_EQ(error_of(call(anon_, JoinChallengeRequest{h})), ErrorCode::kUnknownMeeting);
}

TEST_F(ControlPlaneTest, JoinAnnounceEpochAndRelayRoutes) {
  const Handle h = create_meeting(4);
  EXPECT_EQ(
      error_of(call(anon_, CreateMeeting{h, 4, JoinScheme::kEd25519, *ed25519_public_key(seed_), {}, {}})),
      ErrorCode::kMeetingExists);
  auto a = std::make_shared<RecordingSession>(), b = std::make_shared<RecordingSession>();
  EXPECT_EQ(join(a, h), 0);
  EXPECT_EQ(join(b, h), 1);
  // a was told of b once b's identity was stored.
  auto pushed = a->take();
  ASSERT_EQ(pushed.size(), 1u);
  const auto& ev = std::get<MemberEvent>(pushed[0].msg);
  EXPECT_EQ(ev.kind, MemberEventKind::kJoined);
  EXPECT_EQ(ev.slot, 1);
  EXPECT_EQ(pushed[0].request_id, 0u);  // pushes carry request id 0

  // Only the distributor (a, the first to join) posts the next epoch, numbered exactly +1.
  PostEpoch pe{1, {{0, Bytes{9}}, {1, Bytes{8}}}};
  EXPECT_EQ(error_of(call(b, pe)), ErrorCode::kNotDistributor);
  EXPECT_EQ(error_of(call(a, PostEpoch{2, pe.entries})), ErrorCode::kStaleEpoch);
  EXPECT_TRUE(std::holds_alternative<Ack>(call(a, pe).msg));
  auto keys = b->take();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(std::get<EpochKey>(keys[0].msg).blob, Bytes{8});

  // Subscriptions become routes; the relay fans a frame out along them.
  EXPECT_TRUE(std::holds_alternative<Ack>(call(b, Subscribe{SubscribeMode::kAll, {}}).msg));
  const Bytes frame = encode_media_frame(0, MediaKind::kAudio, Bytes{1, 2, 3}, 77);
  RelayFrame f = admit_frame(*a, frame);
  ASSERT_EQ(f.violation, nullptr);
  fan_out(f, frame, {});
  ASSERT_EQ(b->media().size(), 1u);
  EXPECT_TRUE(a->media().empty());
  EXPECT_STREQ(admit_frame(*b, frame).violation, "forged slot");
  EXPECT_STREQ(admit_frame(*anon_, frame).violation, "media from non-member");
}

TEST_F(ControlPlaneTest, OfflineSlotsExpireAndUnusedMeetingsAreEvicted) {
  const Handle h = create_meeting(2);
  auto a = std::make_shared<RecordingSession>(), b = std::make_shared<RecordingSession>();
  join(a, h);
  const uint16_t slot_b = join(b, h);
  a->take();
  cp_->on_closed(b);  // b's connection went away without Leave
  auto ev = a->take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<MemberEvent>(ev[0].msg).kind, MemberEventKind::kOffline);
  EXPECT_FALSE(b->membership().first);

  const auto now = std::chrono::steady_clock::now();
  cp_->housekeeping(now);  // not yet
  EXPECT_TRUE(a->take().empty());
  cp_->housekeeping(now + opts_.offline_slot_ttl + 1s);
  ev = a->take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<MemberEvent>(ev[0].msg).kind, MemberEventKind::kLeft);
  EXPECT_EQ(std::get<MemberEvent>(ev[0].msg).slot, slot_b);

  // Leave, then the meeting has nobody: unloaded after meeting_evict_after, reloaded on demand.
  EXPECT_TRUE(std::holds_alternative<Ack>(call(a, Leave{}).msg));
  EXPECT_EQ(cp_->meetings_resident(), 1u);
  cp_->housekeeping(now);
  cp_->housekeeping(now + opts_.meeting_evict_after + 1s);
  EXPECT_EQ(cp_->meetings_resident(), 0u);
  EXPECT_TRUE(std::holds_alternative<JoinChallenge>(call(anon_, JoinChallengeRequest{h}).msg));
  EXPECT_EQ(cp_->meetings_resident(), 1u);
  EXPECT_EQ(cp_->meetings_loaded(), 2u);
}

TEST_F(ControlPlaneTest, ServicesSeeTheCallersSlot) {
  const Handle h = create_meeting(2);
  auto a = std::make_shared<RecordingSession>();
  const uint16_t slot = join(a, h);
  auto r = call(a, ServiceRequest{7, 1, {}});
  ASSERT_TRUE(std::holds_alternative<ServiceResponse>(r.msg));
  EXPECT_EQ(std::get<ServiceResponse>(r.msg).blobs.at(0), Bytes{static_cast<uint8_t>(slot)});
  EXPECT_EQ(error_of(call(a, ServiceRequest{8, 1, {}})), ErrorCode::kUnknownService);
  EXPECT_EQ(error_of(call(anon_, RedeemToken{Bytes{1}})), ErrorCode::kBadMessage);  // no issuer configured
}

}  // namespace
}  // namespace v100::meeting::server
