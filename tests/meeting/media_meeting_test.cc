// Real media end to end (issue #14): native participants with real codecs (VP8 640x360 at 30 fps,
// Opus 20 ms) over the real server. Every receiver checks what it decoded against the sender, not a
// count: the test pattern names the sender and a frame number (read back from the decoded pixels),
// the audio's dominant frequency is the sender's tone. Then a late joiner, a subscriber on a slow
// link (throttled socket reads) and a hostile relay.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "codec/test_pattern.h"
#include "codec/tone.h"
#include "meeting/client/media_session.h"
#include "meeting/e2e_harness.h"

namespace v100::meeting::e2e {
namespace {

using client::DecodedAudio;
using client::DecodedPicture;
using client::MediaSession;
using client::TestMediaSource;
using protocol::MediaKind;
using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// What one participant decoded, per sender slot, checked against the sender's pattern and tone.
struct MediaPeer {
  Participant* p = nullptr;
  std::unique_ptr<MediaSession> media;
  std::unique_ptr<TestMediaSource> source;
  std::mutex mu;
  std::map<uint16_t, std::vector<uint32_t>> frames;  // pattern frame numbers, in decode order
  std::map<uint16_t, size_t> wrong_sender, unreadable;
  std::map<uint16_t, std::vector<int16_t>> pcm;  // decoded (not concealed) audio
  std::map<uint16_t, Clock::time_point> first_picture;

  // The session's decode thread calls back into the maps above, so it stops before they go.
  ~MediaPeer() {
    source.reset();
    media.reset();
  }
  MediaPeer() = default;
  MediaPeer(const MediaPeer&) = delete;
  MediaPeer& operator=(const MediaPeer&) = delete;

  void on_picture(const DecodedPicture& d) {
    auto info = codec::read_test_pattern(d.picture);
    std::lock_guard lk(mu);
    if (!first_picture.count(d.slot)) first_picture[d.slot] = Clock::now();
    if (!info) {
      ++unreadable[d.slot];
    } else if (info->sender != d.slot) {
      ++wrong_sender[d.slot];
    } else {
      frames[d.slot].push_back(info->frame);
    }
  }
  void on_audio(const DecodedAudio& a) {
    if (a.concealed) return;
    std::lock_guard lk(mu);
    auto& v = pcm[a.slot];
    if (v.size() < 48000 * 4) v.insert(v.end(), a.pcm.begin(), a.pcm.end());
  }
  size_t pictures_from(uint16_t slot) {
    std::lock_guard lk(mu);
    return frames[slot].size();
  }
};

std::unique_ptr<MediaPeer> attach(Participant& p) {
  auto m = std::make_unique<MediaPeer>();
  m->p = &p;
  MediaPeer* raw = m.get();
  auto s =
      MediaSession::create(*p.client, {.on_picture = [raw](const DecodedPicture& d) { raw->on_picture(d); },
                                       .on_audio = [raw](const DecodedAudio& a) { raw->on_audio(a); }});
  EXPECT_TRUE(s.is_ok()) << s.message();
  m->media = std::move(s).value();
  return m;
}

void start_source(MediaPeer& m) {
  m.source = std::make_unique<TestMediaSource>(*m.media, *m.p->client->slot());
}

void join_by_invitation(Participant& host, Participant& p) {
  auto inv = host.client->invite(p.id->public_identity());
  ASSERT_TRUE(inv.is_ok()) << inv.message();
  auto o = client::open_invitation(*p.id, *inv);
  ASSERT_TRUE(o.is_ok()) << o.message();
  ASSERT_TRUE(p.client->join(o->meeting_secret.span(), o->session).is_ok());
}

// Every receiver decoded every sender's own pattern with increasing frame numbers, and its tone.
void expect_decoded_senders(MediaPeer& rx, const std::vector<MediaPeer*>& senders, size_t min_pictures) {
  std::lock_guard lk(rx.mu);
  for (MediaPeer* tx : senders) {
    if (tx == &rx) continue;
    const uint16_t s = *tx->p->client->slot();
    const auto& f = rx.frames[s];
    EXPECT_GE(f.size(), min_pictures) << rx.p->name << " from " << tx->p->name;
    EXPECT_EQ(rx.wrong_sender[s], 0u) << rx.p->name << " decoded another sender's pattern in slot " << s;
    EXPECT_EQ(rx.unreadable[s], 0u) << rx.p->name << " decoded an unreadable picture from " << tx->p->name;
    EXPECT_TRUE(std::is_sorted(f.begin(), f.end()) && std::adjacent_find(f.begin(), f.end()) == f.end())
        << rx.p->name << ": frame numbers of " << tx->p->name << " do not increase";
    const auto& a = rx.pcm[s];
    ASSERT_GE(a.size(), 48000u / 2) << rx.p->name << " heard too little of " << tx->p->name;
    // Skip the codec's start-up, then the peak must be the sender's tone.
    const double f0 = codec::dominant_frequency(std::span<const int16_t>(a).subspan(4800));
    EXPECT_NEAR(f0, codec::tone_frequency(s), 10.0) << rx.p->name << " hearing " << tx->p->name;
  }
}

TEST(MediaMeeting, EveryReceiverDecodesEverySendersPatternAndToneAndALateJoinerSeesPicturesWithinASecond) {
  Harness h("media");
  Participant& host = h.add("Ada");
  auto created = host.client->create_meeting("Real media", 1);
  ASSERT_TRUE(created.is_ok()) << created.message();
  Participant& b = h.add("Bea");
  Participant& c = h.add("Cai");
  join_by_invitation(host, b);
  join_by_invitation(host, c);
  for (Participant* p : {&host, &b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;

  std::vector<std::unique_ptr<MediaPeer>> peers;
  for (Participant* p : {&host, &b, &c}) peers.push_back(attach(*p));
  for (auto& m : peers) start_source(*m);
  std::this_thread::sleep_for(3s);

  // A late joiner: it must show each sender's picture within a second of joining (the senders
  // send a keyframe under the new epoch; it asks for one if it still lacks it).
  Participant& d = h.add("Dov");
  auto late = attach(d);
  const auto join_start = Clock::now();
  join_by_invitation(host, d);
  ASSERT_TRUE(d.client->wait_for_epoch(4, 20s));
  const auto deadline = join_start + 10s;
  while (Clock::now() < deadline) {
    size_t have = 0;
    for (auto& m : peers) have += late->pictures_from(*m->p->client->slot()) > 0;
    if (have == peers.size()) break;
    std::this_thread::sleep_for(10ms);
  }
  double worst_ms = 0;
  {
    std::lock_guard lk(late->mu);
    for (auto& m : peers) {
      auto it = late->first_picture.find(*m->p->client->slot());
      ASSERT_NE(it, late->first_picture.end()) << "the late joiner never saw " << m->p->name;
      worst_ms =
          std::max(worst_ms, std::chrono::duration<double, std::milli>(it->second - join_start).count());
    }
  }
  std::printf("[ figures ] late joiner: first picture of every sender %.0f ms after join() started\n",
              worst_ms);
  EXPECT_LT(worst_ms, kSanitized ? 3000.0 : 1000.0);
  std::this_thread::sleep_for(1500ms);
  for (auto& m : peers) m->source->stop();
  std::this_thread::sleep_for(500ms);

  std::vector<MediaPeer*> senders;
  for (auto& m : peers) senders.push_back(m.get());
  for (auto& m : peers) expect_decoded_senders(*m, senders, kSanitized ? 20 : 60);
  expect_decoded_senders(*late, senders, kSanitized ? 5 : 20);
  for (auto& m : peers) {
    auto st = m->media->stats();
    EXPECT_GE(st.keyframes_on_epoch, 1u) << m->p->name;  // Dov's join
    std::printf("[ figures ] %s sent %llu video frames (%llu keyframes, %.1f KB/s) and %llu audio packets\n",
                m->p->name.c_str(), static_cast<unsigned long long>(st.video_sent),
                static_cast<unsigned long long>(st.keyframes_sent), st.video_bytes_sent / 1024.0 / 6.0,
                static_cast<unsigned long long>(st.audio_sent));
  }
  late.reset();
  peers.clear();
}

TEST(MediaMeeting, ASlowLinkLosesOnlyVideoDeltasItsAudioStaysCompleteAndOthersAreUnaffected) {
  Harness h("media-slow", "", [](server::ServerOptions& o) { o.socket_send_buffer = 64u << 10; });
  Participant& host = h.add("Ada");
  ASSERT_TRUE(host.client->create_meeting("Slow link", 1).is_ok());
  Participant& b = h.add("Bea");
  join_by_invitation(host, b);
  // Cai's link is slow: he reads at most 48 KB/s, less than the two video streams need.
  client::ClientOptions co;
  co.transport = h.transport();
  co.transport.read_limit_bytes_per_s = 48 * 1024;
  co.display_name = "Cai";
  auto cid = std::make_shared<const client::Identity>(client::Identity::generate());
  auto cc = client::Client::connect(cid, co);
  ASSERT_TRUE(cc.is_ok()) << cc.message();
  Participant c;
  c.name = "Cai";
  c.id = cid;
  c.client = std::move(cc).value();
  join_by_invitation(host, c);
  for (Participant* p : {&host, &b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;

  auto ma = attach(host), mb = attach(b), mc = attach(c);
  start_source(*ma);
  start_source(*mb);
  std::this_thread::sleep_for(6s);
  ma->source->stop();
  mb->source->stop();
  const uint64_t audio_a = ma->media->stats().audio_sent, audio_b = mb->media->stats().audio_sent;
  const uint16_t sa = *host.client->slot(), sb = *b.client->slot();

  // Cai's backlog drains (audio was queued ahead of video all along).
  auto received_audio = [&](MediaSession& m, uint16_t slot) {
    auto st = m.receive_stats();
    return st.count(slot) ? st[slot].audio_packets : 0;
  };
  const auto deadline = Clock::now() + 30s;
  while (Clock::now() < deadline &&
         (received_audio(*mc->media, sa) < audio_a || received_audio(*mc->media, sb) < audio_b))
    std::this_thread::sleep_for(50ms);

  const auto rx_c = mc->media->receive_stats();
  const auto srv = h.server().stats();
  std::printf(
      "[ figures ] slow link: audio %llu/%llu and %llu/%llu packets; video from Ada %llu decoded, %llu "
      "gaps, %llu deltas skipped, %llu keyframe requests; relay dropped %llu deltas (%llu behind, %llu "
      "awaiting keyframe, %llu superseded), %llu keyframes, %llu audio\n",
      static_cast<unsigned long long>(rx_c.at(sa).audio_packets), static_cast<unsigned long long>(audio_a),
      static_cast<unsigned long long>(rx_c.at(sb).audio_packets), static_cast<unsigned long long>(audio_b),
      static_cast<unsigned long long>(rx_c.at(sa).video_frames),
      static_cast<unsigned long long>(rx_c.at(sa).video_gaps),
      static_cast<unsigned long long>(rx_c.at(sa).deltas_skipped),
      static_cast<unsigned long long>(rx_c.at(sa).keyframe_requests),
      static_cast<unsigned long long>(srv.video_deltas_dropped),
      static_cast<unsigned long long>(srv.video_dropped_behind),
      static_cast<unsigned long long>(srv.video_dropped_awaiting_keyframe),
      static_cast<unsigned long long>(srv.video_dropped_superseded),
      static_cast<unsigned long long>(srv.keyframes_dropped),
      static_cast<unsigned long long>(srv.audio_dropped));
  // Cai: every audio packet, none lost; video deltas dropped by the relay, never a keyframe.
  for (uint16_t s : {sa, sb}) {
    EXPECT_EQ(rx_c.at(s).audio_lost, 0u);
    EXPECT_EQ(rx_c.at(s).queue_drops, 0u);
    EXPECT_GT(rx_c.at(s).video_gaps, 0u) << "the slow link lost no video: the throttle did not bite";
    EXPECT_GT(rx_c.at(s).keyframes, 0u);
  }
  EXPECT_EQ(rx_c.at(sa).audio_packets, audio_a);
  EXPECT_EQ(rx_c.at(sb).audio_packets, audio_b);
  EXPECT_GT(srv.video_deltas_dropped, 0u);
  EXPECT_EQ(srv.keyframes_dropped, 0u);
  EXPECT_EQ(srv.audio_dropped, 0u);
  EXPECT_EQ(srv.budget_dropped, 0u);
  // What Cai decoded is still the senders' own pattern, in order.
  expect_decoded_senders(*mc, {ma.get(), mb.get()}, 3);
  // Ada and Bea, on good links, lost nothing from each other.
  for (auto [rx, s, sent] : {std::tuple{ma.get(), sb, &audio_b}, std::tuple{mb.get(), sa, &audio_a}}) {
    auto st = rx->media->receive_stats().at(s);
    EXPECT_EQ(st.video_gaps, 0u) << rx->p->name;
    EXPECT_EQ(st.deltas_skipped, 0u) << rx->p->name;
    EXPECT_EQ(st.audio_lost, 0u) << rx->p->name;
    EXPECT_EQ(st.audio_packets, *sent) << rx->p->name;
  }
  mc.reset();
  ma.reset();
  mb.reset();
}

// A relay that rewrites the envelope or the slot of a frame: the frame fails to decrypt (the
// envelope and slot are SFrame AAD) and is counted; no receiver ever decodes a forged picture.
TEST(MediaMeeting, ARelayThatFlipsTheKeyframeBitTheKindOrTheSlotMakesTheFrameFailToDecrypt) {
  std::atomic<uint64_t> tampered{0}, seen{0};
  std::atomic<uint16_t> victim_slot{0xffff}, other_slot{0xffff};
  Harness h("media-hostile", "", [&](server::ServerOptions& o) {
    o.test_relay_tamper = [&](Bytes& m) {
      // Frame layout after the header: slot u16 | envelope u8 | len u32 | sframe.
      const size_t at = protocol::kHeaderBytes;
      const uint16_t slot = static_cast<uint16_t>(m[at] | (m[at + 1] << 8));
      auto env = protocol::MediaEnvelope::parse(m[at + 2]);
      if (slot != victim_slot.load() || !env || !env->is_video()) return;
      // Video frames 10..39 of the victim are rewritten, in turn each of three ways; then the
      // relay behaves and the stream must recover (keyframe request, then decoding resumes).
      const uint64_t n = seen++;
      if (n < 10 || n >= 40) return;
      if (n % 3 == 0) {
        m[at + 2] ^= 0x08;  // keyframe bit
      } else if (n % 3 == 1) {
        m[at + 2] = protocol::MediaEnvelope{MediaKind::kScreen, env->keyframe}.byte();  // kind
      } else {
        m[at] = static_cast<uint8_t>(other_slot.load());  // relabel the sender
        m[at + 1] = static_cast<uint8_t>(other_slot.load() >> 8);
      }
      ++tampered;
    };
  });
  Participant& host = h.add("Ada");
  ASSERT_TRUE(host.client->create_meeting("Hostile relay", 1).is_ok());
  Participant& b = h.add("Bea");
  join_by_invitation(host, b);
  Participant& c = h.add("Cai");
  join_by_invitation(host, c);
  for (Participant* p : {&host, &b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s));
  victim_slot = *host.client->slot();
  other_slot = *c.client->slot();
  auto ma = attach(host), mb = attach(b);
  start_source(*ma);
  std::this_thread::sleep_for(3s);
  ma->source->stop();
  std::this_thread::sleep_for(500ms);
  const uint64_t bad = b.client->stats().frames_undecryptable;
  std::printf("[ figures ] hostile relay: %llu of %llu video frames rewritten; Bea refused %llu\n",
              static_cast<unsigned long long>(tampered.load()), static_cast<unsigned long long>(seen.load()),
              static_cast<unsigned long long>(bad));
  ASSERT_EQ(tampered.load(), 30u);
  EXPECT_EQ(bad, tampered.load());
  // Bea decoded only Ada's genuine frames: her pattern, in order; nothing under Cai's slot.
  std::lock_guard lk(mb->mu);
  EXPECT_EQ(mb->wrong_sender[victim_slot], 0u);
  EXPECT_EQ(mb->unreadable[victim_slot], 0u);
  EXPECT_TRUE(mb->frames[other_slot].empty());
  EXPECT_GT(mb->frames[victim_slot].size(), 30u);  // before the attack and after recovery
  EXPECT_TRUE(std::is_sorted(mb->frames[victim_slot].begin(), mb->frames[victim_slot].end()));
}

}  // namespace
}  // namespace v100::meeting::e2e
