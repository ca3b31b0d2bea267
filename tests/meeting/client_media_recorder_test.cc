// SessionRecorder (meeting/client/media_recorder.h) on a real meeting: three participants on the
// loopback server send their test pattern and tone through MediaSession, one records what it
// receives. The recording verifies and exports to a WebM whose streams ffprobe decodes with exactly
// the frames the recorder stored per track, lasting as long as the media was sent; `v100
// verify-recording` names the frame of a flipped byte.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "codec/test_pattern.h"
#include "media/media_recording.h"
#include "media/webm_export.h"
#include "media/webm_probe.h"
#include "meeting/client/media_recorder.h"
#include "meeting/client/media_session.h"
#include "meeting/e2e_harness.h"

namespace v100::meeting::e2e {
namespace {

namespace fs = std::filesystem;
using protocol::MediaKind;

Bytes slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void join(Participant& host, Participant& p) {
  auto inv = host.client->invite(p.id->public_identity());
  ASSERT_TRUE(inv.is_ok()) << inv.message();
  auto opened = client::open_invitation(*p.id, *inv);
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  ASSERT_TRUE(p.client->join(opened->meeting_secret.span(), opened->session).is_ok());
}

// Flips a bit inside the SFrame tag of the recording's frame record number `index` (records follow
// the 26-byte file header as type u8 | length u32 LE | body).
void flip_frame_byte(const std::string& path, uint64_t index) {
  Bytes f = slurp(path);
  size_t pos = 26, seen = 0;
  bool flipped = false;
  while (pos + 5 <= f.size()) {
    const uint32_t len = f[pos + 1] | f[pos + 2] << 8 | f[pos + 3] << 16 | uint32_t{f[pos + 4]} << 24;
    if (f[pos] == media::kRecordFrame && seen++ == index) {
      f[pos + 5 + len - 2] ^= 0x40;
      flipped = true;
      break;
    }
    pos += 5 + len;
  }
  ASSERT_TRUE(flipped);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
}

TEST(SessionRecorder, RecordsAMeetingThatExportsPlaysAndVerifies) {
  Harness h("recorder");
  Participant& a = h.add("Ada");
  Participant& b = h.add("Grace");
  Participant& c = h.add("Alan");
  ASSERT_TRUE(a.client->create_meeting("Recorded", 1).is_ok());
  join(a, b);
  join(a, c);
  for (Participant* p : {&a, &b, &c}) ASSERT_TRUE(p->client->wait_for_epoch(3, 20s)) << p->name;

  const std::string path = (fs::path(h.dir()) / "meeting.v100rec").string();
  auto recorder = client::SessionRecorder::create(path);
  ASSERT_TRUE(recorder.is_ok()) << recorder.message();
  std::mutex mu;
  uint64_t pictures = 0, bad_pictures = 0;
  client::MediaSessionOptions recording;
  recording.on_received = (*recorder)->hook();
  recording.on_picture = [&](const client::DecodedPicture& p) {
    const auto info = codec::read_test_pattern(p.picture);
    std::lock_guard lk(mu);
    ++pictures;
    bad_pictures += !info || info->sender != p.slot;
  };
  std::vector<std::unique_ptr<client::MediaSession>> sessions;
  client::MediaSessionOptions senders_only;
  senders_only.decode_video = false;
  for (Participant* p : {&a, &b}) {
    auto s = client::MediaSession::create(*p->client, senders_only);
    ASSERT_TRUE(s.is_ok()) << s.message();
    sessions.push_back(std::move(s).value());
  }
  auto rs = client::MediaSession::create(*c.client, std::move(recording));
  ASSERT_TRUE(rs.is_ok()) << rs.message();
  sessions.push_back(std::move(rs).value());

  constexpr auto kSending = 3s;
  {
    std::vector<std::unique_ptr<client::TestMediaSource>> sources;
    for (size_t i = 0; i < 3; ++i)
      sources.push_back(std::make_unique<client::TestMediaSource>(*sessions[i], *h.people[i]->client->slot(),
                                                                  320, 180, 30));
    std::this_thread::sleep_for(kSending);
  }
  std::this_thread::sleep_for(300ms);  // frames in flight
  sessions.clear();
  ASSERT_TRUE((*recorder)->finish().is_ok());

  // What the recorder stored: both other members' camera and microphone, nothing of its own.
  const auto stats = (*recorder)->stats();
  EXPECT_EQ(stats.errors, 0u);
  const uint16_t sa = *a.client->slot(), sb = *b.client->slot();
  ASSERT_EQ(stats.frames.size(), 4u);
  for (uint16_t s : {sa, sb}) {
    EXPECT_GT(stats.frames.at({s, MediaKind::kVideo}), 60u);   // ~90 sent at 30 fps
    EXPECT_GT(stats.frames.at({s, MediaKind::kAudio}), 100u);  // ~150 sent at 50 packets/s
  }
  EXPECT_GT(pictures, 120u);
  EXPECT_EQ(bad_pictures, 0u);

  // Verify, decrypt, export (the library path behind `v100 export-recording`).
  const Bytes pub_text = slurp(path + ".pub");  // hex and a newline
  ASSERT_FALSE(pub_text.empty());
  const auto pub = from_hex(std::string(pub_text.begin(), pub_text.end() - 1));
  ASSERT_TRUE(pub.is_ok());
  auto pk = pq::mldsa::PublicKey65::parse(*pub);
  ASSERT_TRUE(pk.is_ok());
  auto key = media::load_recording_key(path + ".key");
  ASSERT_TRUE(key.is_ok()) << key.message();
  auto contents = media::open_media_recording(slurp(path), *pk, key->span());
  ASSERT_TRUE(contents.is_ok()) << contents.message();
  auto ex = media::export_webm(*contents);
  ASSERT_TRUE(ex.is_ok()) << ex.message();
  ASSERT_EQ(ex->tracks.size(), 4u);
  // Durations: each track lasts as long as its frames at their rate (audio 20 ms a packet, video
  // 1/30 s a picture, both from the senders' capture clocks), the file as long as its longest
  // track, and about as long as the media was sent (minus start-up and in-flight frames).
  double end_ms = 0;
  for (const media::ExportedTrack& t : ex->tracks) {
    EXPECT_EQ(t.frames, stats.frames.at({t.slot, static_cast<MediaKind>(t.kind)})) << "track " << t.number;
    EXPECT_EQ(t.skipped, 0u);
    const double period_ms = t.kind == media::MediaKind::kAudio ? 20.0 : 1000.0 / 30;
    EXPECT_NEAR(t.duration_ms, static_cast<double>(t.frames) * period_ms, 3 * period_ms)
        << "track " << t.number;
    end_ms = std::max(end_ms, static_cast<double>(t.start_ms) + t.duration_ms);
  }
  EXPECT_NEAR(ex->duration_ms, end_ms, 1.0);
  const double sent_s = std::chrono::duration<double>(kSending).count();
  EXPECT_GT(ex->duration_ms / 1000.0, sent_s - 1.0);
  EXPECT_LT(ex->duration_ms / 1000.0, sent_s + 0.2);

  // ffprobe decodes every frame of every stream.
  const std::string webm = (fs::path(h.dir()) / "meeting.webm").string();
  std::ofstream(webm, std::ios::binary)
      .write(reinterpret_cast<const char*>(ex->webm.data()), static_cast<std::streamsize>(ex->webm.size()));
  const auto probe = media::testing::run_ffprobe(webm);
  if (!probe.ran && probe.stderr_text.empty()) GTEST_SKIP() << "ffprobe not installed";
  ASSERT_TRUE(probe.ran) << probe.stderr_text;
  EXPECT_EQ(probe.stderr_text, "");
  ASSERT_EQ(probe.streams.size(), ex->tracks.size());
  for (size_t i = 0; i < probe.streams.size(); ++i) {
    const media::ExportedTrack& t = ex->tracks[i];
    EXPECT_EQ(probe.streams[i].codec_name, t.kind == media::MediaKind::kAudio ? "opus" : "vp8");
    EXPECT_EQ(static_cast<uint64_t>(probe.streams[i].nb_read_frames),
              stats.frames.at({t.slot, static_cast<MediaKind>(t.kind)}))
        << "stream " << i;
  }
  EXPECT_NEAR(probe.duration, ex->duration_ms / 1000.0, 0.002);

  // The recording verifies as written, and names the frame whose byte was flipped.
  auto run_verify = [&] {
    const std::string out = (fs::path(h.dir()) / "verify.json").string();
    const std::string cmd = std::string(V100_CLI) + " verify-recording " + path + " --pubkey " + path +
                            ".pub --json >'" + out + "' 2>/dev/null </dev/null";
    const int st = std::system(cmd.c_str());
    const Bytes text = slurp(out);
    return std::pair{WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                     nlohmann::json::parse(std::string(text.begin(), text.end()))};
  };
  EXPECT_EQ(run_verify().first, 0);
  const uint64_t victim = contents->frames.size() / 2;
  flip_frame_byte(path, victim);
  const auto [rc, report] = run_verify();
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(report["frame"], victim);
  EXPECT_EQ(report["problem"], "changed_frame");
}

}  // namespace
}  // namespace v100::meeting::e2e
