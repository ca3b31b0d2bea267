// The hardening issue's member-side attacks (items 6-8), each performed against a real server on
// loopback beside a legitimate meeting of SDK clients, asserting that it now holds:
//  6. a member posting an epoch (2^64-1, or epoch + 1 over another member's blob) is refused
//     unless it is the distributor, and the distributor moves exactly one step at a time;
//  7. a member cannot plant an identity blob in another slot (nor a reserved kind);
//  8. a member cannot keep a meeting full by taking slots and walking away (offline slots expire),
//     a member without an identity blob holds up no rekey, and the host can remove a member: the
//     removed member opens no later frame and its old join key and slot token admit nobody.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "e2e_harness.h"
#include "meeting/client/schedule.h"
#include "meeting/protocol/join_proof.h"
#include "server_test_util.h"

namespace v100::meeting {
namespace {

using namespace std::chrono_literals;
using e2e::Harness;
using e2e::Participant;
using protocol::ErrorCode;
using protocol::MediaEnvelope;
using protocol::MediaKind;
using Clock = std::chrono::steady_clock;

void invite_and_join(Participant& host, Participant& p) {
  auto inv = host.client->invite(p.id->public_identity());
  ASSERT_TRUE(inv.is_ok()) << inv.message();
  auto opened = client::open_invitation(*p.id, *inv);
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  Status st = p.client->join(opened->meeting_secret.span(), opened->session, opened->join_seed.span());
  ASSERT_TRUE(st.is_ok()) << st.message();
}

// A raw protocol connection holding the meeting's join key: a member that does not follow the SDK.
std::unique_ptr<testutil::Peer> raw_peer(Harness& h) {
  return testutil::Peer::connect(h.server().port(), h.server().fingerprint());
}

struct RawJoinKey {
  protocol::Handle handle{};
  SecretBytes seed;
};
RawJoinKey join_key_of(const client::CreatedMeeting& cm) {
  client::KeySchedule ks(cm.meeting_secret.span());
  return {ks.handle(cm.session), ks.join_key(cm.session)};
}

// `p` sends model frames first..first+n-1, alternating audio and video.
void send_frames(Participant& p, uint32_t first, uint32_t n) {
  for (uint32_t seq = first; seq < first + n; ++seq) {
    Bytes payload = e2e::model_payload(p.index, seq);
    ASSERT_TRUE(p.client->send_frame(seq % 2 ? MediaKind::kVideo : MediaKind::kAudio, payload).is_ok());
    std::this_thread::sleep_for(1ms);
  }
}

// `sender` sends 10 frames; `member` receives them and keeps the bytes seen on the wire; returns
// how many of those `outsider` (a member who left or was removed) can decrypt.
size_t frames_opened_by_outsider(Participant& member, Participant& sender, client::Client& outsider) {
  std::mutex mu;
  std::vector<std::pair<MediaEnvelope, Bytes>> wire;
  const uint16_t slot = *sender.client->slot();
  const size_t seen = member.received_total();
  member.client->set_raw_frame_tap([&](uint16_t from, MediaEnvelope kind, ByteSpan f) {
    if (from != slot) return;
    std::lock_guard lk(mu);
    wire.emplace_back(kind, Bytes(f.begin(), f.end()));
  });
  send_frames(sender, 1000, 10);
  EXPECT_TRUE(member.wait_total(seen + 10, 10s));
  member.client->set_raw_frame_tap(nullptr);
  std::lock_guard lk(mu);
  EXPECT_EQ(wire.size(), 10u);
  size_t opened = 0;
  for (auto& [kind, f] : wire) opened += outsider.try_decrypt(slot, kind, f).is_ok();
  return opened;
}

// A fresh connection's JoinProve with `jk`: the error code of the reply (0 = accepted).
int join_error(Harness& h, const RawJoinKey& jk) {
  auto p = raw_peer(h);
  if (!p) return -1;
  auto ch = p->expect<protocol::JoinChallenge>(protocol::JoinChallengeRequest{jk.handle});
  if (!ch) return -1;
  protocol::JoinProve jp{jk.handle, ch->nonce,
                         *protocol::make_join_proof_ed25519(jk.seed.span(), jk.handle, ch->nonce)};
  return p->error_code(jp);
}

int error_of(testutil::Peer& p, const protocol::Message& m) {
  return p.error_code(m);
}
int code(ErrorCode c) {
  return static_cast<int>(c);
}

TEST(MemberAttack, EpochPostsOnlyFromTheDistributorOneStepAtATime) {
  Harness h("epoch-attack");
  Participant& host = h.add("Host");
  Participant& b = h.add("Bea");
  auto created = host.client->create_meeting("Epochs", 1);
  ASSERT_TRUE(created.is_ok()) << created.message();
  invite_and_join(host, b);
  ASSERT_TRUE(b.client->wait_for_epoch(2, 20s));
  const uint64_t before = host.client->epoch();

  // The attacker is a member (it holds the join key) that does not follow the SDK.
  auto jk = join_key_of(*created);
  auto evil = raw_peer(h);
  ASSERT_TRUE(evil);
  auto acc = evil->join(jk.handle, jk.seed.span());
  ASSERT_TRUE(acc);
  const uint16_t b_slot = *b.client->slot();
  Bytes junk = random_bytes(1500);
  EXPECT_EQ(error_of(*evil, protocol::PostEpoch{UINT64_MAX, {{b_slot, junk}}}),
            code(ErrorCode::kNotDistributor));
  EXPECT_EQ(error_of(*evil, protocol::PostEpoch{acc->epoch + 1, {{b_slot, junk}}}),
            code(ErrorCode::kNotDistributor));

  // Rekeying goes on: the host (distributor) keys a newcomer and the group excludes a leaver.
  Participant& c = h.add("Cai");
  const auto t0 = Clock::now();
  invite_and_join(host, c);
  // The attacker's identity blob is random bytes: the distributor leaves it out without waiting.
  ASSERT_TRUE(c.client->wait_for_epoch(3, 20s)) << "newcomer never keyed";
  EXPECT_LT(Clock::now() - t0, 1s) << "join to first key took too long";
  EXPECT_GT(host.client->epoch(), before);
  ASSERT_TRUE(b.client->wait_for_epoch(3, 20s));
  EXPECT_EQ(b.client->security_code(), c.client->security_code());
  ASSERT_TRUE(b.client->leave().is_ok());
  ASSERT_TRUE(host.client->wait_for_epoch(2, 20s));
  ASSERT_TRUE(c.client->wait_for_epoch(2, 20s));

  // The leaver opens none of the frames sent after it left.
  EXPECT_EQ(frames_opened_by_outsider(host, c, *b.client), 0u) << "a member who left opened later frames";
}

TEST(MemberAttack, IdentityBlobsBelongToTheirSlot) {
  Harness h("identity-squat");
  Participant& host = h.add("Host");
  auto created = host.client->create_meeting("Squat", 1);
  ASSERT_TRUE(created.is_ok()) << created.message();
  auto jk = join_key_of(*created);
  auto evil = raw_peer(h);
  ASSERT_TRUE(evil);
  auto acc = evil->join(jk.handle, jk.seed.span());
  ASSERT_TRUE(acc);
  // Plant a blob for the next slot, for any other slot, or under a reserved kind: all refused.
  const uint16_t next = static_cast<uint16_t>(acc->slot + 1);
  Bytes fake = random_bytes(3000);
  EXPECT_EQ(error_of(*evil, protocol::PutKeyBlob{protocol::identity_key_kind(next), fake}),
            code(ErrorCode::kBadSlot));
  EXPECT_EQ(error_of(*evil, protocol::PutKeyBlob{protocol::identity_key_kind(0), fake}),
            code(ErrorCode::kBadSlot));
  EXPECT_EQ(error_of(*evil, protocol::PutKeyBlob{protocol::kKeyHostVerifier, random_bytes(32)}),
            code(ErrorCode::kBadMessage));
  // The host's identity blob is still its own.
  auto host_blob = evil->expect<protocol::KeyBlob>(protocol::GetKeyBlob{protocol::identity_key_kind(0)});
  ASSERT_TRUE(host_blob);
  EXPECT_NE(host_blob->blob, fake);

  // The next joiner lands in that slot, is keyed and verified by everyone.
  Participant& b = h.add("Bea");
  invite_and_join(host, b);
  EXPECT_EQ(*b.client->slot(), next);
  ASSERT_TRUE(b.client->wait_for_epoch(2, 20s)) << "joiner never keyed";
  ASSERT_TRUE(host.client->wait_for_epoch(2, 20s));
  EXPECT_EQ(b.client->security_code(), host.client->security_code());
  auto roster = host.client->fetch_roster();
  ASSERT_TRUE(roster.is_ok()) << roster.message();
  bool bea_verified = false;
  for (const auto& e : *roster)
    if (e.slot == next)
      bea_verified = e.identity_verified && e.token_verified && e.user_id == b.id->user_id();
  EXPECT_TRUE(bea_verified);
}

TEST(MemberAttack, SlotsTakenAndAbandonedExpire) {
  Harness h("slot-fill", "", [](server::ServerOptions& o) {
    o.offline_slot_ttl = 1500ms;
    o.identity_timeout = 1000ms;
    o.sweep_interval = 100ms;
  });
  Participant& host = h.add("Host");
  auto created = host.client->create_meeting("Full", 1, /*max_members=*/4);
  ASSERT_TRUE(created.is_ok()) << created.message();
  auto jk = join_key_of(*created);
  // One member fills every free slot, two announced (identity) and one silent, then walks away.
  {
    std::vector<std::unique_ptr<testutil::Peer>> fillers;
    for (int i = 0; i < 3; ++i) {
      fillers.push_back(raw_peer(h));
      ASSERT_TRUE(fillers.back());
      ASSERT_TRUE(fillers.back()->join(jk.handle, jk.seed.span(), false, 0, {}, /*with_identity=*/i < 2));
    }
  }
  EXPECT_EQ(join_error(h, jk), code(ErrorCode::kMeetingFull));

  // After the offline TTL the slots are free again: a real participant joins and is keyed fast.
  std::this_thread::sleep_for(1800ms);
  Participant& b = h.add("Bea");
  const auto t0 = Clock::now();
  invite_and_join(host, b);
  ASSERT_TRUE(b.client->wait_for_epoch(2, 10s)) << "joiner never keyed";
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_EQ(host.client->members().size(), 2u);
}

TEST(MemberAttack, MemberWithoutIdentityHoldsUpNothingAndIsDropped) {
  Harness h("no-identity", "", [](server::ServerOptions& o) {
    o.identity_timeout = 800ms;
    o.sweep_interval = 100ms;
  });
  Participant& host = h.add("Host");
  auto created = host.client->create_meeting("Silent", 1, 3);
  ASSERT_TRUE(created.is_ok()) << created.message();
  auto jk = join_key_of(*created);
  auto silent = raw_peer(h);
  ASSERT_TRUE(silent);
  auto acc = silent->join(jk.handle, jk.seed.span(), false, 0, {}, /*with_identity=*/false);
  ASSERT_TRUE(acc);
  // The others are not told of it, and a real joiner is keyed at once.
  Participant& b = h.add("Bea");
  const auto t0 = Clock::now();
  invite_and_join(host, b);
  ASSERT_TRUE(b.client->wait_for_epoch(2, 10s));
  EXPECT_LT(Clock::now() - t0, 1s);
  // Past the identity deadline its slot is freed and it is a stranger again.
  std::this_thread::sleep_for(1200ms);
  EXPECT_NE(silent->error_code(protocol::GetMeeting{}), 0);
  auto again = raw_peer(h);
  ASSERT_TRUE(again);
  auto acc2 = again->join(jk.handle, jk.seed.span());
  ASSERT_TRUE(acc2);
  EXPECT_EQ(acc2->slot, acc->slot);  // the slot was free again
}

TEST(MemberAttack, HostRemovesAMember) {
  Harness h("remove");
  Participant& host = h.add("Host");
  Participant& b = h.add("Bea");
  Participant& m = h.add("Mal");
  auto created = host.client->create_meeting("Removal", 1);
  ASSERT_TRUE(created.is_ok()) << created.message();
  invite_and_join(host, b);
  invite_and_join(host, m);
  for (auto* p : {&host, &b, &m}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;
  const uint16_t m_slot = *m.client->slot();

  // Only the host key removes: a member's own attempt (it has no host key) fails in the SDK, and a
  // forged proof fails at the server.
  EXPECT_FALSE(m.client->remove_member(*b.client->slot()).is_ok());
  auto jk = join_key_of(*created);
  auto evil = raw_peer(h);
  ASSERT_TRUE(evil);
  ASSERT_TRUE(evil->join(jk.handle, jk.seed.span()));
  auto ch = evil->expect<protocol::JoinChallenge>(protocol::JoinChallengeRequest{jk.handle});
  ASSERT_TRUE(ch);
  Bytes fake_seed = random_bytes(32);
  protocol::RemoveMember forged;
  forged.slot = *b.client->slot();
  forged.nonce = ch->nonce;
  forged.new_join_verifier = *protocol::ed25519_public_key(fake_seed);
  forged.proof = *protocol::ed25519_sign(
      fake_seed, protocol::remove_transcript(jk.handle, ch->nonce, forged.slot, forged.new_join_verifier));
  EXPECT_EQ(evil->error_code(forged), code(ErrorCode::kNotHost));
  EXPECT_EQ(evil->error_code(forged), code(ErrorCode::kNoChallenge));  // the nonce was used up

  // The attacker's identity blob is random bytes: the epoch its join caused still has three members.
  for (auto* p : {&host, &b, &m}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;
  // The host removes Mal: the others rekey without Mal.
  const uint64_t before = host.client->epoch();
  ASSERT_TRUE(host.client->remove_member(m_slot).is_ok());
  ASSERT_TRUE(host.client->wait_for_epoch(2, 10s));
  ASSERT_TRUE(b.client->wait_for_epoch(2, 10s));
  EXPECT_GT(host.client->epoch(), before);
  EXPECT_EQ(host.client->security_code(), b.client->security_code());
  for (int i = 0; i < 100 && !m.client->was_removed(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(m.client->was_removed());

  // Mal opens none of Bea's later frames.
  EXPECT_EQ(frames_opened_by_outsider(host, b, *m.client), 0u) << "a removed member opened later frames";

  // The old join key (derivable from the meeting secret Mal still has) admits nobody now.
  EXPECT_FALSE(m.client->join(created->meeting_secret.span(), created->session).is_ok());
  EXPECT_EQ(join_error(h, jk), code(ErrorCode::kBadProof));

  // The host's later invitations carry the new join key: a newcomer joins and is keyed.
  Participant& d = h.add("Dee");
  invite_and_join(host, d);
  ASSERT_TRUE(d.client->wait_for_epoch(3, 10s));
  ASSERT_TRUE(b.client->wait_for_epoch(3, 10s));
  EXPECT_GT(d.client->epoch(), before + 1);
  EXPECT_EQ(d.client->security_code(), b.client->security_code());
  // Bea reconnects (slot token; the join key changed under her) and keeps her slot.
  const uint16_t b_slot = *b.client->slot();
  ASSERT_TRUE(b.client->reconnect().is_ok());
  EXPECT_EQ(*b.client->slot(), b_slot);
}

}  // namespace
}  // namespace v100::meeting
