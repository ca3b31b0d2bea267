// The meeting server over real TLS WebSocket sockets on 127.0.0.1: the full control flow, media
// relay order, hostile clients next to an honest meeting, restart persistence, services, and
// blindness of the data dir and log.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <future>
#include <iterator>
#include <thread>

#include "hash/sha3.h"
#include "pq/mldsa/mldsa.h"
#include "server_test_util.h"

namespace v100::meeting {
namespace {

using namespace testutil;  // NOLINT
namespace fs = std::filesystem;

// Payload identifying (sender slot, sequence number) plus filler, so order is checkable.
Bytes frame_payload(uint16_t slot, uint32_t seq, size_t size = 200) {
  Bytes p = random_bytes(std::max<size_t>(size, 6));
  p[0] = static_cast<uint8_t>(slot);
  p[1] = static_cast<uint8_t>(slot >> 8);
  for (int i = 0; i < 4; ++i) p[2 + i] = static_cast<uint8_t>(seq >> (8 * i));
  return p;
}
uint32_t payload_seq(const Bytes& p) {
  return p[2] | (p[3] << 8) | (p[4] << 16) | (static_cast<uint32_t>(p[5]) << 24);
}

class ServerTest : public ServerFixture {
 protected:
  void SetUp() override {
    server::set_log_stderr(false);
    dir_ = temp_dir("server");
    start(test_options(dir_));
  }
  // Creates the meeting and joins n members subscribed to all (on `pool`'s threads when given).
  std::vector<Peer*> meeting_of(const TestMeeting& tm, int n,
                                std::shared_ptr<TransportIoPool> pool = nullptr) {
    std::vector<Peer*> v;
    for (int i = 0; i < n; ++i) {
      Peer* p = add_peer(pool);
      if (!p) return {};
      if (i == 0) {
        EXPECT_TRUE(p->expect<Ack>(tm.create_msg()).has_value());
      }
      auto acc = p->join(tm.handle, tm.join_seed);
      if (!acc) return {};
      EXPECT_EQ(acc->slot, i);
      EXPECT_TRUE(p->expect<Ack>(Subscribe{SubscribeMode::kAll, {}}).has_value());
      v.push_back(p);
    }
    return v;
  }
};

TEST_F(ServerTest, FullControlFlow) {
  TestMeeting tm;
  Peer* host = add_peer();
  ASSERT_NE(host, nullptr);
  CreateMeeting cm = tm.create_msg(8);
  ASSERT_TRUE(host->expect<Ack>(cm));
  EXPECT_EQ(host->error_code(cm), static_cast<int>(ErrorCode::kMeetingExists));
  EXPECT_EQ(host->error_code(GetMeeting{}), static_cast<int>(ErrorCode::kNotMember));
  auto acc = host->join(tm.handle, tm.join_seed);
  ASSERT_TRUE(acc);
  EXPECT_EQ(acc->slot, 0);
  EXPECT_EQ(acc->join_seq, 1u);
  EXPECT_EQ(acc->epoch, 0u);

  auto info = host->expect<MeetingInfo>(GetMeeting{});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->info_blob, cm.info_blob);
  EXPECT_EQ(info->max_members, 8);
  ASSERT_EQ(info->keys.size(), 3u);  // the two FHE keys and the host's identity blob
  EXPECT_EQ(info->keys[2].kind, identity_key_kind(0));
  auto kb = host->expect<KeyBlob>(GetKeyBlob{kKeyBfvGalois});
  ASSERT_TRUE(kb);
  EXPECT_EQ(kb->blob, cm.keys[1].blob);
  EXPECT_EQ(host->error_code(GetKeyBlob{99}), static_cast<int>(ErrorCode::kNotFound));
  EXPECT_TRUE(host->expect<Ack>(PutKeyBlob{99, random_bytes(100)}));
  EXPECT_EQ(host->error_code(PutKeyBlob{99, random_bytes(100)}), static_cast<int>(ErrorCode::kBadMessage));

  Peer* guest = add_peer();
  auto acc2 = guest->join(tm.handle, tm.join_seed);
  ASSERT_TRUE(acc2);
  EXPECT_EQ(acc2->slot, 1);
  EXPECT_EQ(acc2->members.size(), 2u);
  // The host hears about the join (slot and order only).
  ASSERT_TRUE(host->wait_for([](Peer& p) { return p.events_locked() >= 1; }));
  auto ev = std::get<MemberEvent>(host->events().at(0));
  EXPECT_EQ(ev.kind, MemberEventKind::kJoined);
  EXPECT_EQ(ev.slot, 1);

  // Roster.
  Bytes ct0 = random_bytes(5000), nm0 = random_bytes(40), ct1 = random_bytes(5000), nm1 = random_bytes(44);
  EXPECT_TRUE(host->expect<Ack>(PutRoster{0, ct0, nm0}));
  EXPECT_TRUE(guest->expect<Ack>(PutRoster{1, ct1, nm1}));
  EXPECT_EQ(guest->error_code(PutRoster{0, ct1, nm1}), static_cast<int>(ErrorCode::kBadSlot));
  auto roster = guest->expect<Roster>(FetchRoster{0, 0});
  ASSERT_TRUE(roster);
  ASSERT_EQ(roster->entries.size(), 2u);
  EXPECT_EQ(roster->entries[0].roster_ct, ct0);
  EXPECT_EQ(roster->entries[1].name_blob, nm1);
  auto page = guest->expect<Roster>(FetchRoster{0, 1});
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->more);
  EXPECT_EQ(page->next_slot, 1);

  // Epochs: pushed to the online recipient, fetchable later, monotonic.
  Bytes e0 = random_bytes(1200), e1 = random_bytes(1200);
  EXPECT_TRUE(host->expect<Ack>(PostEpoch{1, {{0, e0}, {1, e1}}}));
  EXPECT_EQ(host->error_code(PostEpoch{1, {{0, e0}}}), static_cast<int>(ErrorCode::kStaleEpoch));
  EXPECT_EQ(host->error_code(PostEpoch{2, {{5, e0}}}), static_cast<int>(ErrorCode::kBadSlot));
  EXPECT_EQ(host->error_code(PostEpoch{3, {{0, e0}}}), static_cast<int>(ErrorCode::kStaleEpoch));  // +1 only
  EXPECT_EQ(guest->error_code(PostEpoch{2, {{0, e0}}}), static_cast<int>(ErrorCode::kNotDistributor));
  ASSERT_TRUE(guest->wait_for([](Peer& p) { return p.events_locked() >= 1; }));
  auto pushed = std::get<EpochKey>(guest->events().at(0));
  EXPECT_EQ(pushed.epoch, 1u);
  EXPECT_EQ(pushed.from_slot, 0);
  EXPECT_EQ(pushed.blob, e1);
  auto fetched = guest->expect<EpochKey>(FetchEpochKey{});
  ASSERT_TRUE(fetched);
  EXPECT_EQ(fetched->blob, e1);

  // Mailbox: anyone may drop (with work); only the owner lists and deletes (mailbox_test.cc).
  Peer* stranger = add_peer();
  auto owner = pq::mldsa::generate_key<pq::mldsa::kMlDsa65>();
  const MailboxId box = mailbox_id_for_owner(owner.public_key.span());
  Bytes inv = random_bytes(6000);
  EXPECT_EQ(stranger->mailbox_put(box, inv), 0);
  auto ch = stranger->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ch);
  MailboxFetch mf;
  mf.mailbox = box;
  mf.nonce = ch->nonce;
  mf.owner_key.assign(owner.public_key.span().begin(), owner.public_key.span().end());
  auto sig = pq::mldsa::sign(owner.secret_key, mailbox_owner_transcript(box, mf.nonce, {}),
                             pq::mldsa::as_context(kMailboxOwnerContext));
  mf.signature.assign(sig.span().begin(), sig.span().end());
  auto items = stranger->expect<MailboxItems>(mf);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->items.size(), 1u);
  EXPECT_EQ(items->items[0].blob, inv);
  EXPECT_EQ(stranger->error_code(mf), static_cast<int>(ErrorCode::kNoChallenge));  // replay
  auto pong = stranger->expect<Pong>(Ping{42});
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->token, 42u);

  // Leave frees the slot; the next joiner gets it; EndMeeting removes everything.
  EXPECT_TRUE(guest->expect<Ack>(Leave{}));
  EXPECT_EQ(guest->error_code(FetchEpochKey{}), static_cast<int>(ErrorCode::kNotMember));
  auto acc3 = stranger->join(tm.handle, tm.join_seed);
  ASSERT_TRUE(acc3);
  EXPECT_EQ(acc3->slot, 1);
  EXPECT_EQ(acc3->join_seq, 3u);
  auto r2 = host->expect<Roster>(FetchRoster{0, 0});
  EXPECT_EQ(r2->entries.size(), 1u);  // the leaver's entry is gone
  EXPECT_TRUE(host->expect<Ack>(EndMeeting{}));
  EXPECT_EQ(stranger->error_code(GetMeeting{}), static_cast<int>(ErrorCode::kNotMember));
  EXPECT_EQ(host->error_code(JoinChallengeRequest{tm.handle}), static_cast<int>(ErrorCode::kUnknownMeeting));
}

// In order per sender and queue class: audio (and data/control) may overtake queued video, never
// the other way round within a class.
TEST_F(ServerTest, MediaRelayedToEverySubscriberInOrder) {
  TestMeeting tm;
  auto peers = meeting_of(tm, 6);
  ASSERT_EQ(peers.size(), 6u);
  constexpr uint32_t kFrames = 60;
  std::vector<std::thread> senders;
  for (size_t i = 0; i < peers.size(); ++i) {
    senders.emplace_back([&, i] {
      for (uint32_t s = 0; s < kFrames; ++s) {
        auto kind = s % 3 == 0 ? MediaKind::kVideo : MediaKind::kAudio;
        ASSERT_TRUE(peers[i]->client->send(
            encode_media_frame(static_cast<uint16_t>(i), kind, frame_payload(static_cast<uint16_t>(i), s))));
      }
    });
  }
  for (auto& t : senders) t.join();
  const size_t expect = kFrames * (peers.size() - 1);
  for (size_t i = 0; i < peers.size(); ++i) {
    ASSERT_TRUE(peers[i]->wait_for([&](Peer& p) { return p.frames_locked() >= expect; }))
        << "peer " << i << " got " << peers[i]->frame_count();
    // The model: sender j's sequence numbers of each class, in the order sent.
    auto sent = [&](bool video) {
      std::vector<uint32_t> v;
      for (uint32_t s = 0; s < kFrames; ++s)
        if ((s % 3 == 0) == video) v.push_back(s);
      return v;
    };
    std::vector<std::vector<uint32_t>> got_audio(peers.size()), got_video(peers.size());
    for (const auto& f : peers[i]->frames()) {
      ASSERT_NE(f.slot, i) << "own frame echoed";
      ASSERT_EQ(f.payload[0], f.slot);  // relayed unchanged, slot matches the sender
      (f.kind == MediaKind::kVideo ? got_video : got_audio)[f.slot].push_back(payload_seq(f.payload));
    }
    for (size_t j = 0; j < peers.size(); ++j)
      if (j != i) {
        EXPECT_EQ(got_audio[j], sent(false)) << "audio out of order from " << j;
        EXPECT_EQ(got_video[j], sent(true)) << "video out of order from " << j;
      }
  }
  EXPECT_EQ(srv_->stats().frames_dropped, 0u);
}

// Many connections on a shared pool of two I/O threads (what bench-relay's clients use): every
// frame arrives in order, and connections closed or destroyed with frames in flight leave no
// handler behind (the ASan and TSan builds check the lifetimes).
TEST_F(ServerTest, ClientsOnASharedIoPoolGetEveryFrameAndCloseCleanly) {
  auto pool = TransportIoPool::create(2);
  ASSERT_TRUE(pool.is_ok()) << pool.message();
  EXPECT_FALSE(TransportIoPool::create(0).is_ok());
  TestMeeting tm;
  auto peers = meeting_of(tm, 8, *pool);
  ASSERT_EQ(peers.size(), 8u);
  constexpr uint32_t kFrames = 40;
  std::vector<std::thread> senders;
  for (size_t i = 0; i < peers.size(); ++i) {
    senders.emplace_back([&, i] {
      for (uint32_t s = 0; s < kFrames; ++s)
        ASSERT_TRUE(peers[i]->client->send(encode_media_frame(static_cast<uint16_t>(i), MediaKind::kAudio,
                                                              frame_payload(static_cast<uint16_t>(i), s))));
    });
  }
  for (auto& t : senders) t.join();
  const size_t expect = kFrames * (peers.size() - 1);
  for (size_t i = 0; i < peers.size(); ++i) {
    ASSERT_TRUE(peers[i]->wait_for([&](Peer& p) { return p.frames_locked() >= expect; }))
        << "peer " << i << " got " << peers[i]->frame_count();
    std::vector<std::vector<uint32_t>> got(peers.size());
    for (const auto& f : peers[i]->frames()) got[f.slot].push_back(payload_seq(f.payload));
    std::vector<uint32_t> sent(kFrames);
    for (uint32_t s = 0; s < kFrames; ++s) sent[s] = s;
    for (size_t j = 0; j < peers.size(); ++j) {
      if (j == i) continue;
      EXPECT_EQ(got[j], sent) << "frames of " << j << " at " << i;
    }
  }
  // Close two while the others still send to them; destroy the rest with frames in flight.
  peers[0]->client->close();
  EXPECT_FALSE(peers[0]->client->is_open());
  for (uint32_t s = 0; s < 20; ++s)
    for (size_t i = 2; i < peers.size(); ++i)
      (void)peers[i]->client->send(encode_media_frame(static_cast<uint16_t>(i), MediaKind::kAudio,
                                                      frame_payload(static_cast<uint16_t>(i), s)));
  peers[1]->client.reset();
  peers_.clear();
  // The pool still serves a newcomer after all that.
  Peer* late = add_peer(*pool);
  ASSERT_NE(late, nullptr);
  EXPECT_TRUE(late->client->is_open());
}

TEST_F(ServerTest, SubscriptionListSelectsSenders) {
  TestMeeting tm;
  auto peers = meeting_of(tm, 3);
  ASSERT_EQ(peers.size(), 3u);
  ASSERT_TRUE(peers[2]->expect<Ack>(Subscribe{SubscribeMode::kList, {1}}));
  ASSERT_TRUE(peers[0]->client->send(encode_media_frame(0, MediaKind::kAudio, frame_payload(0, 0))));
  ASSERT_TRUE(peers[1]->client->send(encode_media_frame(1, MediaKind::kAudio, frame_payload(1, 0))));
  ASSERT_TRUE(peers[0]->wait_for([](Peer& p) { return p.frames_locked() >= 1; }));
  ASSERT_TRUE(peers[2]->wait_for([](Peer& p) { return p.frames_locked() >= 1; }));
  // A Ping round trip on the sender's connection orders after its frame was relayed.
  ASSERT_TRUE(peers[0]->expect<Pong>(Ping{1}));
  std::this_thread::sleep_for(100ms);
  auto f2 = peers[2]->frames();
  ASSERT_EQ(f2.size(), 1u);
  EXPECT_EQ(f2[0].slot, 1);
}

TEST_F(ServerTest, MembershipProofCannotBeReplayedOrForged) {
  TestMeeting tm;
  auto peers = meeting_of(tm, 1);
  ASSERT_EQ(peers.size(), 1u);
  Peer* a = add_peer();
  ASSERT_TRUE(a->join(tm.handle, tm.join_seed));
  const JoinProve recorded = a->last_prove;
  // Same proof again on the same connection: the challenge was consumed.
  EXPECT_EQ(a->error_code(recorded), static_cast<int>(ErrorCode::kNoChallenge));
  // Replayed on another connection, without and with a fresh challenge of its own.
  Peer* eve = add_peer();
  EXPECT_EQ(eve->error_code(recorded), static_cast<int>(ErrorCode::kNoChallenge));
  auto ch = eve->expect<JoinChallenge>(JoinChallengeRequest{tm.handle});
  ASSERT_TRUE(ch);
  EXPECT_EQ(eve->error_code(recorded), static_cast<int>(ErrorCode::kNoChallenge));
  // Fresh nonce but a proof under the wrong key.
  ch = eve->expect<JoinChallenge>(JoinChallengeRequest{tm.handle});
  JoinProve forged{tm.handle, ch->nonce, *make_join_proof_ed25519(random_bytes(32), tm.handle, ch->nonce),
                   false,     0,         {}};
  EXPECT_EQ(eve->error_code(forged), static_cast<int>(ErrorCode::kBadProof));
  // ...and the right key cannot be used afterwards with that spent nonce.
  JoinProve late{tm.handle, ch->nonce, *make_join_proof_ed25519(tm.join_seed, tm.handle, ch->nonce),
                 false,     0,         {}};
  EXPECT_EQ(eve->error_code(late), static_cast<int>(ErrorCode::kNoChallenge));
  // Wrong handles.
  Handle other;
  random_bytes(other);
  EXPECT_EQ(eve->error_code(JoinChallengeRequest{other}), static_cast<int>(ErrorCode::kUnknownMeeting));
  ch = eve->expect<JoinChallenge>(JoinChallengeRequest{tm.handle});
  JoinProve wrong_handle{other, ch->nonce, *make_join_proof_ed25519(tm.join_seed, other, ch->nonce),
                         false, 0,         {}};
  EXPECT_EQ(eve->error_code(wrong_handle), static_cast<int>(ErrorCode::kNoChallenge));
  // Reclaiming someone's slot needs its token.
  ch = eve->expect<JoinChallenge>(JoinChallengeRequest{tm.handle});
  SlotToken guess;
  random_bytes(guess);
  JoinProve steal{tm.handle, ch->nonce, *make_join_proof_ed25519(tm.join_seed, tm.handle, ch->nonce),
                  true,      0,         guess};
  EXPECT_EQ(eve->error_code(steal), static_cast<int>(ErrorCode::kBadSlot));
}

TEST_F(ServerTest, HostileClientsDoNotDisturbTheMeeting) {
  // Tighter limits so the hostile cases trigger quickly.
  srv_->stop();
  auto o = test_options(dir_);
  o.max_message_bytes = 1u << 20;
  o.send_queue_bytes = 128u << 10;
  o.slow_consumer_timeout = 500ms;
  o.max_connections = 40;
  o.handshake_timeout = 1000ms;
  start(o);

  TestMeeting tm;
  auto honest = meeting_of(tm, 3);
  ASSERT_EQ(honest.size(), 3u);
  // Members 1 and 2 listen to the talker (0); the video flood below goes to the sleeper.
  ASSERT_TRUE(honest[0]->expect<Ack>(Subscribe{SubscribeMode::kNone, {}}));
  ASSERT_TRUE(honest[1]->expect<Ack>(Subscribe{SubscribeMode::kList, {0}}));
  ASSERT_TRUE(honest[2]->expect<Ack>(Subscribe{SubscribeMode::kList, {0}}));
  std::atomic<bool> run{true};
  std::atomic<uint32_t> sent{0};
  // The honest meeting goes on throughout: member 0 streams audio frames.
  std::thread talker([&] {
    for (uint32_t s = 0; run; ++s) {
      if (!honest[0]->client->send(encode_media_frame(0, MediaKind::kAudio, frame_payload(0, s, 300)))) break;
      sent = s + 1;
      std::this_thread::sleep_for(2ms);
    }
  });

  // 1. Garbage as the first message: error, then disconnected.
  {
    auto g = Peer::connect(srv_->port(), srv_->fingerprint(), false);
    ASSERT_TRUE(g);
    ASSERT_TRUE(g->client->send(random_bytes(100)));
    for (int i = 0; i < 100 && g->client->is_open(); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(g->client->is_open());
  }
  // 2. Garbage, truncated and misdirected messages after Hello: errors, then disconnected.
  {
    Peer* g = add_peer();
    Bytes trunc = PutRoster{0, random_bytes(100), random_bytes(10)}.encode(7);
    trunc.resize(trunc.size() - 3);
    Bytes reply_type = Ack{}.encode(8);
    ASSERT_TRUE(g->client->send(trunc));
    ASSERT_TRUE(g->client->send(reply_type));
    for (int i = 0; i < 40; ++i) (void)g->client->send(random_bytes(1 + i * 13));
    for (int i = 0; i < 150 && g->client->is_open(); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(g->client->is_open());
  }
  // 3. Oversized message: disconnected.
  {
    Peer* g = add_peer();
    ASSERT_TRUE(g->client->send(MailboxPut{{}, {}, 0, random_bytes(60000)}.encode(1)));
    Bytes big = encode_media_frame(0, MediaKind::kVideo, random_bytes(200000));
    big.resize(2u << 20, 0);
    ASSERT_TRUE(g->client->send(big));
    for (int i = 0; i < 150 && g->client->is_open(); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(g->client->is_open());
  }
  // 4. A member forging another member's slot: its frames are never relayed as that slot.
  Peer* forger = add_peer();
  auto facc = forger->join(tm.handle, tm.join_seed);
  ASSERT_TRUE(facc);
  const uint64_t viol_before = srv_->stats().violations;
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(forger->client->send(encode_media_frame(1, MediaKind::kAudio, Bytes(50, 0xEE))));
  ASSERT_TRUE(forger->expect<Pong>(Ping{5}));
  EXPECT_GE(srv_->stats().violations, viol_before + 10);
  // 5. A member that never reads (its message handler blocks), subscribed to everything.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::unique_ptr<TransportClient> sleeper;
  {
    TransportOptions to;
    to.port = srv_->port();
    to.pin_sha256 = srv_->fingerprint();
    auto c = TransportClient::connect(to, [released](Bytes) { released.wait(); });
    ASSERT_TRUE(c);
    sleeper = std::move(*c);
    auto h = sleeper->call(Hello{}, 5s);
    ASSERT_TRUE(h);
    auto ch = sleeper->call(JoinChallengeRequest{tm.handle}, 5s);
    ASSERT_TRUE(ch);
    auto nonce = std::get<JoinChallenge>(ch->msg).nonce;
    auto jp = sleeper->call(
        JoinProve{tm.handle, nonce, *make_join_proof_ed25519(tm.join_seed, tm.handle, nonce), false, 0, {}},
        5s);
    ASSERT_TRUE(jp && std::holds_alternative<JoinAccepted>(jp->msg));
    ASSERT_TRUE(sleeper->call(Subscribe{SubscribeMode::kAll, {}}, 5s));
  }
  // Flood it with big video frames from member 1: the server drops, then disconnects it.
  const uint64_t dropped_before = srv_->stats().connections_dropped;
  for (uint32_t s = 0; s < 3000 && srv_->stats().connections_dropped == dropped_before; ++s) {
    ASSERT_TRUE(honest[1]->client->send(encode_media_frame(1, MediaKind::kVideo, frame_payload(1, s, 8000))));
    if (s % 50 == 0) std::this_thread::sleep_for(5ms);
  }
  for (int i = 0; i < 200 && srv_->stats().connections_dropped == dropped_before; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_GT(srv_->stats().connections_dropped, dropped_before);
  EXPECT_GT(srv_->stats().frames_dropped, 0u);
  // 6. A connect flood: raw TCP connections that never handshake.
  {
    boost::asio::io_context ioc;
    std::vector<boost::asio::ip::tcp::socket> flood;
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), srv_->port());
    for (int i = 0; i < 120; ++i) {
      boost::asio::ip::tcp::socket sock(ioc);
      boost::system::error_code ec;
      sock.connect(ep, ec);
      if (!ec) flood.push_back(std::move(sock));
    }
    std::this_thread::sleep_for(300ms);
    EXPECT_GT(srv_->stats().connections_rejected, 0u);
    // Handshake timeout reclaims them; afterwards a new honest client gets in.
    for (int i = 0; i < 150 && srv_->stats().connections_open > 8; ++i) std::this_thread::sleep_for(20ms);
  }
  Peer* late = add_peer();
  ASSERT_NE(late, nullptr);
  ASSERT_TRUE(late->join(tm.handle, tm.join_seed));

  run = false;
  talker.join();
  release.set_value();
  sleeper.reset();
  // The honest members received every frame of the talker, in order, and the meeting still works.
  const uint32_t total = sent;
  for (int i : {1, 2}) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    uint32_t from0 = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      from0 = 0;
      for (const auto& f : honest[i]->frames()) {
        if (f.slot == 0) {
          EXPECT_EQ(payload_seq(f.payload), from0);
          ++from0;
        }
      }
      if (from0 >= total) break;
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(from0, total) << "member " << i;
    for (const auto& f : honest[i]->frames()) EXPECT_NE(f.payload[0], 0xEE);  // no forged frame
  }
  EXPECT_TRUE(honest[2]->expect<Pong>(Ping{9}));
}

TEST_F(ServerTest, RestartResumesFromTheDatabase) {
  TestMeeting tm;
  auto peers = meeting_of(tm, 3);
  ASSERT_EQ(peers.size(), 3u);
  // Members 0-2 drop off without Leave when the server stops: their slots stay occupied.
  peers_.clear();
  srv_->stop();
  start(test_options(dir_));
  // All three slots are still occupied (offline): new members get slots 3, 4.
  Peer* a = add_peer();
  auto acc = a->join(tm.handle, tm.join_seed);
  ASSERT_TRUE(acc);
  EXPECT_EQ(acc->slot, 3);
  EXPECT_EQ(acc->members.size(), 4u);
  Bytes ct = random_bytes(3000), nm = random_bytes(30);
  ASSERT_TRUE(a->expect<Ack>(PutRoster{3, ct, nm}));
  Bytes eb = random_bytes(900);
  ASSERT_TRUE(a->expect<Ack>(PostEpoch{1, {{3, eb}}}));
  const SlotToken token = acc->slot_token;

  // Stop mid-meeting (a is connected), restart on the same dir.
  peers_.clear();
  srv_->stop();
  start(test_options(dir_));
  Peer* back = add_peer();
  auto racc = back->join(tm.handle, tm.join_seed, true, 3, token);
  ASSERT_TRUE(racc);
  EXPECT_EQ(racc->slot, 3);
  EXPECT_EQ(racc->epoch, 1u);
  EXPECT_EQ(racc->join_seq, 4u);
  auto ek = back->expect<EpochKey>(FetchEpochKey{});
  ASSERT_TRUE(ek);
  EXPECT_EQ(ek->blob, eb);
  auto roster = back->expect<Roster>(FetchRoster{0, 0});
  ASSERT_TRUE(roster);
  ASSERT_EQ(roster->entries.size(), 1u);
  EXPECT_EQ(roster->entries[0].roster_ct, ct);
  auto kb = back->expect<KeyBlob>(GetKeyBlob{kKeyBfvPublic});
  EXPECT_TRUE(kb);
  // Media flows again after the restart.
  Peer* other = add_peer();
  ASSERT_TRUE(other->join(tm.handle, tm.join_seed));
  ASSERT_TRUE(other->expect<Ack>(Subscribe{SubscribeMode::kAll, {}}));
  ASSERT_TRUE(back->client->send(encode_media_frame(3, MediaKind::kAudio, frame_payload(3, 0))));
  EXPECT_TRUE(other->wait_for([](Peer& p) { return p.frames_locked() == 1; }));
  // A stale token does not reclaim.
  Peer* thief = add_peer();
  SlotToken bad = token;
  bad[0] ^= 1;
  auto ch = thief->expect<JoinChallenge>(JoinChallengeRequest{tm.handle});
  EXPECT_EQ(
      thief->error_code(JoinProve{
          tm.handle, ch->nonce, *make_join_proof_ed25519(tm.join_seed, tm.handle, ch->nonce), true, 3, bad}),
      static_cast<int>(ErrorCode::kBadSlot));
}

// One Server object stopped and started again (every I/O context, the TLS handshake context and
// the listener come back): new members join and media flows, several times over.
TEST_F(ServerTest, TheSameServerStartsAgainAfterAStop) {
  for (int round = 0; round < 3; ++round) {
    TestMeeting tm;
    auto peers = meeting_of(tm, 2);
    ASSERT_EQ(peers.size(), 2u) << "round " << round;
    ASSERT_TRUE(peers[0]->client->send(encode_media_frame(0, MediaKind::kAudio, frame_payload(0, 0))));
    EXPECT_TRUE(peers[1]->wait_for([](Peer& p) { return p.frames_locked() == 1; })) << "round " << round;
    peers_.clear();
    srv_->stop();
    ASSERT_TRUE(srv_->start().is_ok()) << "round " << round;
  }
}

TEST_F(ServerTest, ServicesRunOnTheWorkerPool) {
  srv_->stop();
  srv_ = std::make_unique<server::Server>(test_options(dir_));
  std::atomic<bool> saw_member{false};
  srv_->register_service(7, [&](const server::ServiceCall& c) -> Result<server::ServiceReply> {
    if (c.op == 1) return Result<server::ServiceReply>::error("bad ciphertext size");
    saw_member = c.meeting.has_value() && c.slot == 0;
    server::ServiceReply r;
    for (auto it = c.blobs.rbegin(); it != c.blobs.rend(); ++it) r.blobs.push_back(*it);
    return r;
  });
  ASSERT_TRUE(srv_->start().is_ok());
  TestMeeting tm;
  auto peers = meeting_of(tm, 1);
  ASSERT_EQ(peers.size(), 1u);
  Bytes x = random_bytes(1000), y = random_bytes(10);
  auto resp = peers[0]->expect<ServiceResponse>(ServiceRequest{7, 0, {x, y}});
  ASSERT_TRUE(resp);
  ASSERT_EQ(resp->blobs.size(), 2u);
  EXPECT_EQ(resp->blobs[0], y);
  EXPECT_TRUE(saw_member);
  EXPECT_EQ(peers[0]->error_code(ServiceRequest{7, 1, {}}), static_cast<int>(ErrorCode::kServiceError));
  EXPECT_EQ(peers[0]->error_code(ServiceRequest{8, 0, {}}), static_cast<int>(ErrorCode::kUnknownService));
}

// Everything the server writes (database, WAL, log, certificate) is searched for strings the
// clients put only inside their encrypted blobs, and for the meeting handle in the log.
TEST_F(ServerTest, DataDirAndLogsAreBlind) {
  server::set_log_level(server::LogLevel::kDebug);  // even the most verbose log stays blind
  const std::string name = "Zebulon Quaxworth-" + to_hex(random_bytes(3));
  const std::string title = "Project Nightjar Merger Talks";
  // Stand-in for the SDK's AEAD: a keyed SHAKE stream the server never sees.
  Bytes key = random_bytes(32);
  auto seal = [&](const std::string& s) {
    Bytes out(s.size());
    hash::Shake256 x;
    x.absorb(key);
    x.absorb(as_bytes(s));
    x.squeeze(out);
    for (size_t i = 0; i < s.size(); ++i) out[i] ^= static_cast<uint8_t>(s[i]);
    return out;
  };
  TestMeeting tm;
  Peer* host = add_peer();
  CreateMeeting cm = tm.create_msg();
  cm.info_blob = seal(title);
  ASSERT_TRUE(host->expect<Ack>(cm));
  auto acc = host->join(tm.handle, tm.join_seed);
  ASSERT_TRUE(acc);
  ASSERT_TRUE(host->expect<Ack>(PutRoster{acc->slot, random_bytes(2000), seal(name)}));
  MailboxId box;
  random_bytes(box);
  ASSERT_EQ(host->mailbox_put(box, seal("invite for " + name)), 0);
  (void)host->error_code(JoinChallengeRequest{Handle{}});
  peers_.clear();
  srv_->stop();
  server::set_log_level(server::LogLevel::kInfo);

  auto utf16 = [](const std::string& s, bool be) {
    std::string o;
    for (char c : s) {
      if (be) o.push_back('\0');
      o.push_back(c);
      if (!be) o.push_back('\0');
    }
    return o;
  };
  std::vector<std::string> needles = {name,
                                      title,
                                      utf16(name, false),
                                      utf16(name, true),
                                      utf16(title, false),
                                      utf16(title, true),
                                      "127.0.0.1",
                                      to_hex(tm.handle)};
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream f(e.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const auto& n : needles)
      EXPECT_EQ(content.find(n), std::string::npos) << e.path() << " contains a canary";
  }
  EXPECT_GE(files, 3u);  // v100.db, cert.pem, key.pem, server.log (+ WAL files)
  EXPECT_TRUE(fs::exists(dir_ + "/server.log"));
}

}  // namespace
}  // namespace v100::meeting
