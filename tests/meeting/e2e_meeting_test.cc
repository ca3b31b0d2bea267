// End to end over real sockets (TLS WebSocket on loopback) with the in-process server:
//  * 8 members: every member receives every other member's frames intact and in order per sender,
//    with verified sender identities; the roster decrypts to the right names with verified BFV
//    tokens; security codes agree; the title decrypts.
//  * Key changes on join and leave: a new epoch each time, a member who left cannot open frames of
//    the new epoch, a new member cannot open frames from before it joined, the distributor role
//    passes on when the host leaves, and the security code follows the membership.
//  * Blindness: distinctive names and title never appear in the server's data dir (database, WAL,
//    logs) as UTF-8, UTF-16LE or UTF-16BE.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <optional>
#include <set>
#include <thread>

#include "e2e_harness.h"

namespace v100::meeting::e2e {
namespace {

using client::meeting_event_name;
using client::MeetingEvent;
using client::MeetingEventKind;
using protocol::MediaEnvelope;
using protocol::MediaKind;

// Joins `p` to the host's meeting through an invitation (out of band, or via the mailbox).
void invite_and_join(Participant& host, Participant& p, bool via_mailbox) {
  auto inv = host.client->invite(p.id->public_identity());
  ASSERT_TRUE(inv.is_ok()) << inv.message();
  std::optional<client::OpenedInvitation> opened;
  if (via_mailbox) {
    ASSERT_TRUE(host.client->post_invitation(p.id->public_identity(), *inv).is_ok());
    auto got = p.client->receive_invitations();
    ASSERT_TRUE(got.is_ok()) << got.message();
    ASSERT_EQ(got->invitations.size(), 1u);
    EXPECT_EQ(got->junk_skipped, 0u);
    opened = std::move(got->invitations[0]);
  } else {
    auto o = client::open_invitation(*p.id, *inv);
    ASSERT_TRUE(o.is_ok()) << o.message();
    opened = std::move(o).value();
  }
  EXPECT_EQ(opened->inviter_id, host.id->user_id());
  Status st = p.client->join(opened->meeting_secret.span(), opened->session);
  ASSERT_TRUE(st.is_ok()) << st.message();
}

// Every participant in `senders` sends `count` frames (alternating audio and video).
void send_round(const std::vector<Participant*>& senders, uint32_t first_seq, uint32_t count) {
  for (uint32_t seq = first_seq; seq < first_seq + count; ++seq) {
    for (Participant* p : senders) {
      Bytes payload = model_payload(p->index, seq);
      Status st = p->client->send_frame(seq % 2 ? MediaKind::kVideo : MediaKind::kAudio, payload);
      ASSERT_TRUE(st.is_ok()) << p->name << ": " << st.message();
    }
    std::this_thread::sleep_for(1ms);
  }
}

std::vector<uint32_t> iota_seqs(uint32_t first, uint32_t count) {
  std::vector<uint32_t> v(count);
  std::iota(v.begin(), v.end(), first);
  return v;
}

// The relay keeps order per sender within a kind class (audio may overtake queued video): the
// audio sequence numbers (even, send_round) in arrival order, then the video ones (odd).
std::vector<uint32_t> per_kind(const std::vector<uint32_t>& seqs) {
  std::vector<uint32_t> out;
  for (int odd = 0; odd < 2; ++odd)
    for (uint32_t s : seqs)
      if (static_cast<int>(s % 2) == odd) out.push_back(s);
  return out;
}

TEST(E2eMeeting, EightMembersMediaRosterAndSecurityCodes) {
  Harness h("eight");
  const std::vector<std::string> names = {"Ada",    "Grace",   "Edsger", "Barbara",
                                          "Donald", "Frances", "Ken",    "Radia"};
  for (const auto& n : names) h.add(n);
  Participant& host = *h.people[0];
  auto created = host.client->create_meeting("Quarterly planning", 3);
  ASSERT_TRUE(created.is_ok()) << created.message();
  for (size_t i = 1; i < h.people.size(); ++i) invite_and_join(host, *h.people[i], i == 1);

  for (auto& p : h.people)
    ASSERT_TRUE(p->client->wait_for_epoch(8, 30s)) << p->name << " never got the 8-member epoch";
  // Everyone sits in the same epoch with the same security code.
  std::string code = host.client->security_code();
  ASSERT_FALSE(code.empty());
  for (auto& p : h.people) {
    EXPECT_EQ(p->client->epoch(), host.client->epoch()) << p->name;
    EXPECT_EQ(p->client->security_code(), code) << p->name;
    EXPECT_EQ(p->client->epoch_members().size(), 8u);
  }
  // The code is the one of the 8 user ids (an independent recomputation).
  std::vector<client::UserId> ids;
  for (auto& p : h.people) ids.push_back(p->id->user_id());
  EXPECT_EQ(client::security_code(ids), code);

  std::vector<Participant*> all;
  for (auto& p : h.people) all.push_back(p.get());
  constexpr uint32_t kFrames = 40;
  send_round(all, 0, kFrames);
  for (auto& p : h.people)
    EXPECT_TRUE(p->wait_total(7 * kFrames, 30s)) << p->name << " got " << p->received_total();

  for (auto& r : h.people) {
    std::lock_guard lk(r->mu);
    EXPECT_EQ(r->corrupt, 0u) << r->name;
    EXPECT_EQ(r->unverified, 0u) << r->name;
    EXPECT_EQ(r->seqs.count(*r->client->slot()), 0u) << r->name << " received its own frames";
    for (auto& s : h.people) {
      if (s.get() == r.get()) continue;
      EXPECT_EQ(per_kind(r->seqs[*s->client->slot()]), per_kind(iota_seqs(0, kFrames)))
          << r->name << " from " << s->name;
    }
  }

  // The roster decrypts to the right names at the right slots, BFV tokens verified.
  for (size_t i : {size_t{0}, size_t{5}}) {
    auto roster = h.people[i]->client->fetch_roster();
    ASSERT_TRUE(roster.is_ok()) << roster.message();
    ASSERT_EQ(roster->size(), 8u);
    for (auto& p : h.people) {
      auto it = std::find_if(roster->begin(), roster->end(),
                             [&](const client::MemberView& v) { return v.slot == *p->client->slot(); });
      ASSERT_NE(it, roster->end());
      EXPECT_EQ(it->display_name, p->name);
      EXPECT_EQ(it->user_id, p->id->user_id());
      EXPECT_TRUE(it->identity_verified) << p->name;
      EXPECT_TRUE(it->token_verified) << p->name;
    }
  }
  auto title = h.people[7]->client->meeting_title();
  ASSERT_TRUE(title.is_ok()) << title.message();
  EXPECT_EQ(*title, "Quarterly planning");
}

TEST(E2eMeeting, KeyChangesOnJoinAndLeave) {
  Harness h("rekey");
  Participant& host = h.add("Host");
  Participant& b = h.add("Bea");
  Participant& c = h.add("Cai");
  Participant& d = h.add("Dov");
  ASSERT_TRUE(host.client->create_meeting("Rekey", 1).is_ok());
  invite_and_join(host, b, false);
  invite_and_join(host, c, false);
  invite_and_join(host, d, false);
  for (auto* p : {&host, &b, &c, &d}) ASSERT_TRUE(p->client->wait_for_epoch(4, 20s)) << p->name;
  std::string code4 = host.client->security_code();
  uint64_t epoch4 = host.client->epoch();

  // Capture what Bea sees from Cai on the wire (before decryption).
  std::mutex tap_mu;
  std::vector<std::pair<MediaEnvelope, Bytes>> from_c;
  uint16_t c_slot = *c.client->slot();
  b.client->set_raw_frame_tap([&](uint16_t slot, MediaEnvelope kind, ByteSpan f) {
    if (slot != c_slot) return;
    std::lock_guard lk(tap_mu);
    from_c.emplace_back(kind, Bytes(f.begin(), f.end()));
  });
  // The tap writes into these locals: remove it on every way out (a failed ASSERT returns early).
  struct TapGuard {
    Client* c;
    ~TapGuard() { c->set_raw_frame_tap(nullptr); }
  } tap_guard{b.client.get()};
  send_round({&c}, 0, 5);
  ASSERT_TRUE(b.wait_total(5, 10s));
  std::vector<std::pair<MediaEnvelope, Bytes>> old_epoch_frames;
  {
    std::lock_guard lk(tap_mu);
    old_epoch_frames = from_c;
    from_c.clear();
  }

  // Dov leaves: a new epoch for the three others, without him.
  ASSERT_TRUE(d.client->leave().is_ok());
  for (auto* p : {&host, &b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;
  EXPECT_GT(host.client->epoch(), epoch4);
  EXPECT_EQ(d.client->epoch(), 0u);  // reset on leave: he holds no current epoch
  std::string code3 = host.client->security_code();
  EXPECT_NE(code3, code4);
  for (auto* p : {&b, &c}) EXPECT_EQ(p->client->security_code(), code3);

  send_round({&c}, 5, 5);
  ASSERT_TRUE(b.wait_total(10, 10s));
  std::vector<std::pair<MediaEnvelope, Bytes>> new_epoch_frames;
  {
    std::lock_guard lk(tap_mu);
    new_epoch_frames = from_c;
    from_c.clear();
  }
  ASSERT_EQ(new_epoch_frames.size(), 5u);
  for (auto& [kind, f] : new_epoch_frames)
    EXPECT_FALSE(d.client->try_decrypt(c_slot, kind, f).is_ok())
        << "a removed member opened a new-epoch frame";
  EXPECT_EQ(d.received_total(), 5u);  // nothing after leaving

  // The host leaves: the longest-present remaining member (Bea) becomes distributor.
  ASSERT_TRUE(host.client->leave().is_ok());
  for (auto* p : {&b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(2, 20s)) << p->name;
  EXPECT_EQ(b.client->security_code(), c.client->security_code());

  // Eve joins (invited by Bea): a new epoch with three members; Eve cannot open frames from
  // before she joined, but receives everything sent after.
  Participant& e = h.add("Eve");
  invite_and_join(b, e, true);
  for (auto* p : {&b, &c, &e}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;
  EXPECT_EQ(e.client->security_code(), b.client->security_code());
  EXPECT_EQ(c.client->security_code(), b.client->security_code());
  for (auto& [kind, f] : old_epoch_frames)
    EXPECT_FALSE(e.client->try_decrypt(c_slot, kind, f).is_ok()) << "a new member opened an old-epoch frame";
  send_round({&b, &c}, 100, 10);
  ASSERT_TRUE(e.wait_total(20, 10s)) << e.received_total();
  std::lock_guard lk(e.mu);
  EXPECT_EQ(per_kind(e.seqs[*b.client->slot()]), per_kind(iota_seqs(100, 10)));
  EXPECT_EQ(per_kind(e.seqs[c_slot]), per_kind(iota_seqs(100, 10)));
  EXPECT_EQ(e.corrupt, 0u);
}

// The relay may hand a member's last frames over after the event saying it left (here a long media
// flush tick holds media while events go out at once). Those frames were sent under an epoch the
// leaver held: the others still get them, named and verified as the leaver's, never "unverified";
// and the leaver itself is handed nothing after leave() returned.
TEST(E2eMeeting, FramesSentJustBeforeLeavingStillNameTheLeaver) {
  Harness h("leaver-frames", "", [](server::ServerOptions& o) { o.media_flush_interval = 300ms; });
  Participant& host = h.add("Host");
  Participant& b = h.add("Bea");
  Participant& c = h.add("Cai");
  ASSERT_TRUE(host.client->create_meeting("Leaver", 1).is_ok());
  invite_and_join(host, b, false);
  invite_and_join(host, c, false);
  for (auto* p : {&host, &b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;
  const uint16_t c_slot = *c.client->slot();
  send_round({&c}, 0, 6);
  ASSERT_TRUE(c.client->leave().is_ok());
  const size_t c_after_leave = c.received_total();
  for (auto* p : {&host, &b}) {
    ASSERT_TRUE(p->wait_total(6, 10s)) << p->name << " got " << p->received_total();
    std::lock_guard lk(p->mu);
    EXPECT_EQ(per_kind(p->seqs[c_slot]), per_kind(iota_seqs(0, 6))) << p->name;
    EXPECT_EQ(p->unverified, 0u) << p->name;
    EXPECT_EQ(p->corrupt, 0u) << p->name;
    EXPECT_EQ(p->client->stats().frames_unchecked, 0u) << p->name;
  }
  std::this_thread::sleep_for(400ms);  // past the tick: nothing more reaches the leaver
  EXPECT_EQ(c.received_total(), c_after_leave);
}

// The SDK's events tell the app what happened without polling: each member announced once with its
// checked identity, then its tracks, then its departure; epochs in order with the code the client
// reports; the connection dropping and coming back. Checked against what the test itself did.
TEST(E2eMeeting, EventsTellTheAppWhoJoinedSentLeftAndRekeyed) {
  Harness h("events");
  Participant& host = h.add("Host");
  Participant& b = h.add("Bea");
  Participant& c = h.add("Cai");
  std::mutex mu;
  std::vector<MeetingEvent> seen;
  host.client->set_event_handler([&](const MeetingEvent& e) {
    std::lock_guard lk(mu);
    seen.push_back(e);
  });
  struct HandlerGuard {  // the handler writes into these locals: removed on every way out
    Client* c;
    ~HandlerGuard() { c->set_event_handler(nullptr); }
  } guard{host.client.get()};
  auto count = [&](MeetingEventKind k) {
    std::lock_guard lk(mu);
    return std::count_if(seen.begin(), seen.end(), [&](const MeetingEvent& e) { return e.kind == k; });
  };
  auto wait_count = [&](MeetingEventKind k, long n) {
    for (int i = 0; i < 1000 && count(k) < n; ++i) std::this_thread::sleep_for(10ms);
    return count(k) >= n;
  };
  ASSERT_TRUE(host.client->create_meeting("Events", 1).is_ok());
  invite_and_join(host, b, false);
  invite_and_join(host, c, false);
  for (auto* p : {&host, &b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;
  const uint16_t bs = *b.client->slot(), cs = *c.client->slot();
  send_round({&b, &c}, 0, 4);  // audio and video each
  ASSERT_TRUE(host.wait_total(8, 10s));
  ASSERT_TRUE(wait_count(MeetingEventKind::kTrackSubscribed, 4));
  ASSERT_TRUE(b.client->leave().is_ok());
  ASSERT_TRUE(host.client->wait_for_epoch(2, 20s));
  ASSERT_TRUE(wait_count(MeetingEventKind::kParticipantLeft, 1));
  host.client->disconnect();
  ASSERT_TRUE(wait_count(MeetingEventKind::kConnectionChanged, 1));
  ASSERT_TRUE(host.client->reconnect().is_ok());  // a rekey follows the reclaim
  ASSERT_TRUE(wait_count(MeetingEventKind::kConnectionChanged, 2));
  ASSERT_TRUE(host.client->wait_for_epoch(2, 20s));
  uint64_t last_epoch = 0;
  for (int i = 0; i < 1000; ++i) {  // the epoch event follows the install by a moment
    last_epoch = host.client->epoch();
    {
      std::lock_guard lk(mu);
      auto it = std::find_if(seen.rbegin(), seen.rend(),
                             [](auto& e) { return e.kind == MeetingEventKind::kEpochChanged; });
      if (it != seen.rend() && it->epoch == last_epoch) break;
    }
    std::this_thread::sleep_for(10ms);
  }

  std::lock_guard lk(mu);
  std::map<uint16_t, std::vector<std::string>> per_slot;  // the order of each member's events
  std::set<std::pair<uint16_t, MediaKind>> tracks;
  std::vector<uint64_t> epochs;
  std::vector<bool> connection;
  for (const auto& e : seen) {
    switch (e.kind) {
      case MeetingEventKind::kParticipantJoined:
      case MeetingEventKind::kParticipantLeft: {
        const Participant& who = e.slot == bs ? b : c;
        EXPECT_TRUE(e.slot == bs || e.slot == cs) << e.slot;
        EXPECT_EQ(e.user, who.id->user_id()) << meeting_event_name(e.kind);
        EXPECT_EQ(e.display_name, who.name);
        per_slot[e.slot].push_back(e.kind == MeetingEventKind::kParticipantJoined ? "joined" : "left");
        break;
      }
      case MeetingEventKind::kTrackSubscribed:
        EXPECT_TRUE(tracks.emplace(e.slot, e.track).second) << "track announced twice";
        EXPECT_EQ(e.user, (e.slot == bs ? b : c).id->user_id());
        per_slot[e.slot].push_back(e.track == MediaKind::kAudio ? "audio" : "video");
        break;
      case MeetingEventKind::kEpochChanged:
        if (!epochs.empty()) {
          EXPECT_GT(e.epoch, epochs.back());
        }
        epochs.push_back(e.epoch);
        break;
      case MeetingEventKind::kConnectionChanged:
        connection.push_back(e.connected);
        break;
      default:
        ADD_FAILURE() << "unexpected " << meeting_event_name(e.kind);
    }
  }
  // Bea: joined, her two tracks (either order), left. Cai: joined, two tracks, still here.
  auto joined_list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += x + " ";
    return out;
  };
  ASSERT_EQ(per_slot[bs].size(), 4u) << joined_list(per_slot[bs]);
  EXPECT_EQ(per_slot[bs].front(), "joined");
  EXPECT_EQ(per_slot[bs].back(), "left");
  ASSERT_EQ(per_slot[cs].size(), 3u) << joined_list(per_slot[cs]);
  EXPECT_EQ(per_slot[cs].front(), "joined");
  EXPECT_EQ(tracks.size(), 4u);
  ASSERT_FALSE(epochs.empty());
  EXPECT_EQ(epochs.back(), last_epoch);
  const auto& last = *std::find_if(seen.rbegin(), seen.rend(),
                                   [](auto& e) { return e.kind == MeetingEventKind::kEpochChanged; });
  EXPECT_EQ(last.security_code, host.client->security_code());
  EXPECT_EQ(last.members.size(), 2u);
  EXPECT_EQ(connection, (std::vector<bool>{false, true}));
}

TEST(E2eMeeting, ServerRestartClientsReconnectAndContinue) {
  Harness h("restart");
  for (const char* n : {"Ama", "Bo", "Cy"}) h.add(n);
  Participant& host = *h.people[0];
  ASSERT_TRUE(host.client->create_meeting("Restart", 2).is_ok());
  invite_and_join(host, *h.people[1], false);
  invite_and_join(host, *h.people[2], false);
  std::vector<Participant*> all;
  for (auto& p : h.people) all.push_back(p.get());
  for (auto* p : all) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;
  send_round(all, 0, 10);
  for (auto* p : all) ASSERT_TRUE(p->wait_total(20, 10s)) << p->name;
  std::string fingerprint = h.server().fingerprint();

  h.restart_server();
  EXPECT_EQ(h.server().fingerprint(), fingerprint);  // same certificate from the data dir
  for (auto* p : all) {
    Status st = p->client->reconnect(h.transport());
    ASSERT_TRUE(st.is_ok()) << p->name << ": " << st.message();
  }
  // Same slots, roster intact (names, identities and BFV tokens came back from the database).
  auto roster = h.people[1]->client->fetch_roster();
  ASSERT_TRUE(roster.is_ok()) << roster.message();
  ASSERT_EQ(roster->size(), 3u);
  for (const auto& m : *roster) {
    EXPECT_TRUE(m.identity_verified && m.token_verified) << m.display_name;
    auto it =
        std::find_if(all.begin(), all.end(), [&](Participant* p) { return *p->client->slot() == m.slot; });
    ASSERT_NE(it, all.end());
    EXPECT_EQ(m.display_name, (*it)->name);
  }
  // Media continues, in order, with agreeing security codes.
  for (auto* p : all) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s));
  std::this_thread::sleep_for(200ms);  // let a possible post-reconnect rekey settle
  send_round(all, 10, 10);
  for (auto* p : all) ASSERT_TRUE(p->wait_total(40, 15s)) << p->name << " got " << p->received_total();
  for (auto* r : all) {
    std::lock_guard lk(r->mu);
    EXPECT_EQ(r->corrupt, 0u);
    for (auto* s : all) {
      if (s == r) continue;
      EXPECT_EQ(per_kind(r->seqs[*s->client->slot()]), per_kind(iota_seqs(0, 20)))
          << r->name << " from " << s->name;
    }
  }
  EXPECT_EQ(h.people[1]->client->security_code(), host.client->security_code());
  EXPECT_EQ(h.people[2]->client->security_code(), host.client->security_code());
}

// UTF-16 (little or big endian) of an ASCII/UTF-8 string's code units (BMP only; the canaries are).
Bytes utf16(const std::string& s, bool big_endian) {
  Bytes out;
  std::u32string cps;
  for (size_t i = 0; i < s.size();) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    char32_t cp;
    int n;
    if (ch < 0x80) {
      cp = ch;
      n = 1;
    } else if ((ch >> 5) == 6) {
      cp = ch & 0x1f;
      n = 2;
    } else {
      cp = ch & 0x0f;
      n = 3;
    }
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += static_cast<size_t>(n);
    uint16_t u = static_cast<uint16_t>(cp);
    if (big_endian) {
      out.push_back(static_cast<uint8_t>(u >> 8));
      out.push_back(static_cast<uint8_t>(u));
    } else {
      out.push_back(static_cast<uint8_t>(u));
      out.push_back(static_cast<uint8_t>(u >> 8));
    }
  }
  return out;
}

bool contains(const Bytes& hay, const Bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

TEST(E2eMeeting, ServerDataDirIsBlind) {
  const std::vector<std::string> names = {"Zephyrine Quattlebaum", "Bartholomew Oyelaran-Vüst",
                                          "Ximena Thorsdottir"};
  const std::string title = "Operation Marmalade Sunrise";
  std::string dir;
  {
    Harness h("blind");
    h.keep_dir();
    dir = h.dir();
    for (const auto& n : names) h.add(n);
    Participant& host = *h.people[0];
    ASSERT_TRUE(host.client->create_meeting(title, 9).is_ok());
    invite_and_join(host, *h.people[1], true);
    invite_and_join(host, *h.people[2], false);
    for (auto& p : h.people) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s));
    std::vector<Participant*> all;
    for (auto& p : h.people) all.push_back(p.get());
    send_round(all, 0, 10);
    for (auto& p : h.people) ASSERT_TRUE(p->wait_total(20, 10s));
    auto roster = h.people[2]->client->fetch_roster();
    ASSERT_TRUE(roster.is_ok());
    EXPECT_EQ(roster->size(), 3u);
    ASSERT_TRUE(h.people[2]->client->leave().is_ok());
    for (size_t i = 0; i < 2; ++i) ASSERT_TRUE(h.people[i]->client->wait_for_epoch(2, 20s));
    h.stop_server();
  }
  std::vector<std::string> canaries = names;
  canaries.push_back(title);
  canaries.push_back("Zephyrine");
  canaries.push_back("Marmalade");
  size_t files = 0, bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ++files;
    bytes += data.size();
    for (const auto& c : canaries) {
      Bytes u8(c.begin(), c.end());
      EXPECT_FALSE(contains(data, u8)) << c << " (UTF-8) in " << entry.path();
      EXPECT_FALSE(contains(data, utf16(c, false))) << c << " (UTF-16LE) in " << entry.path();
      EXPECT_FALSE(contains(data, utf16(c, true))) << c << " (UTF-16BE) in " << entry.path();
    }
  }
  EXPECT_GE(files, 1u);  // at least the database
  EXPECT_GT(bytes, 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace v100::meeting::e2e
