// WebM export of media recordings, checked by readers that are not ours: real VP8 and Opus frames
// (v100_codec) are recorded with MediaRecorder, opened, exported, then parsed back by Debian's
// libwebm (tracks, codec ids, block counts, key flags, timestamps, payloads) and decoded by
// ffprobe (streams, decoded frame counts, duration, no errors). Hostile frames are refused.
#include "media/webm_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "media/codec_headers.h"
#include "media/test_codecs.h"
#include "media/webm_probe.h"
#include "media/webm_writer.h"

namespace v100::media {
namespace {

namespace mldsa = v100::pq::mldsa;
using testing::ParsedWebm;

// What a track should hold: (time in ms before the global shift, key frame, payload).
struct Expected {
  std::string codec_id;
  uint64_t width = 0, height = 0;
  std::vector<std::tuple<int64_t, bool, Bytes>> blocks;
  uint64_t skipped = 0;
};

struct Scenario {
  MediaRecordingContents contents;
  std::map<std::string, Expected> tracks;  // by track name
  uint64_t ignored = 0;
};

// The exporter's timeline, written out independently: receive_us of the track's first frame plus
// the capture clock's progress since that frame.
int64_t expected_ms(uint64_t receive0, uint64_t capture0, uint64_t capture) {
  return static_cast<int64_t>((receive0 + (capture - capture0)) / 1000);
}

void add_video(Scenario& s, uint16_t slot, MediaKind kind, const std::vector<testing::Vp8Frame>& frames,
               uint64_t capture0, uint64_t receive0, uint64_t period_us, unsigned w, unsigned h) {
  Expected& e =
      s.tracks["slot " + std::to_string(slot) + (kind == MediaKind::kScreen ? " screen" : " video")];
  e.codec_id = "V_VP8";
  e.width = w;
  e.height = h;
  bool started = false;
  for (size_t i = 0; i < frames.size(); ++i) {
    RecordedFrame f;
    f.info = {slot,
              make_envelope(kind, frames[i].keyframe),
              1,
              static_cast<uint32_t>(i),
              capture0 + i * period_us,
              receive0 + i * period_us + (i % 3) * 4000};
    f.payload = frames[i].data;
    started = started || frames[i].keyframe;
    if (started)
      e.blocks.emplace_back(expected_ms(receive0, capture0, f.info.capture_us), frames[i].keyframe,
                            f.payload);
    else
      ++e.skipped;
    s.contents.frames.push_back(std::move(f));
  }
}

Scenario make_scenario() {
  Scenario s;
  const auto cam1 = testing::encode_vp8_pattern(320, 240, 60, 30);
  const auto cam2 = testing::encode_vp8_pattern(176, 144, 85, 30);
  const auto screen2 = testing::encode_vp8_pattern(640, 360, 10, 5);
  const auto tone = testing::encode_opus_tone(100);
  add_video(s, 1, MediaKind::kVideo, cam1, 5000000, 100000, 33333, 320, 240);
  // Slot 2 joins late, mid-stream: its first 5 frames come before a key frame.
  add_video(s, 2, MediaKind::kVideo, {cam2.begin() + 25, cam2.end()}, 9000000, 300000, 33333, 176, 144);
  add_video(s, 2, MediaKind::kScreen, screen2, 1, 500000, 200000, 640, 360);
  Expected& a = s.tracks["slot 1 audio"];
  a.codec_id = "A_OPUS";
  for (size_t i = 0; i < tone.size(); ++i) {
    RecordedFrame f;
    f.info = {1,
              make_envelope(MediaKind::kAudio, false),
              2,
              static_cast<uint32_t>(i),
              7000000 + i * 20000,
              90000 + i * 20000 + (i % 2) * 3000};
    f.payload = tone[i];
    a.blocks.emplace_back(expected_ms(90000, 7000000, f.info.capture_us), true, f.payload);
    s.contents.frames.push_back(std::move(f));
  }
  for (uint32_t i = 0; i < 3; ++i) {  // data frames are not exported
    s.contents.frames.push_back({{1, make_envelope(MediaKind::kData, false), 0, i, i, i}, Bytes{1, 2, 3}});
    ++s.ignored;
  }
  // Interleave the senders by receive time, as a recorder sees them.
  std::stable_sort(
      s.contents.frames.begin(), s.contents.frames.end(),
      [](const RecordedFrame& x, const RecordedFrame& y) { return x.info.receive_us < y.info.receive_us; });
  return s;
}

// Records, opens, exports: the whole pipeline.
Result<WebmExport> record_and_export(const MediaRecordingContents& contents, const ExportOptions& opts = {}) {
  static const auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  RecordingOptions ro;
  ro.frames_per_segment = 64;
  MediaRecorder rec(kp.secret_key, ro);
  for (const RecordedFrame& f : contents.frames) EXPECT_TRUE(rec.add(f.info, f.payload));
  Bytes file = rec.drain();
  Bytes rest = rec.finish();
  file.insert(file.end(), rest.begin(), rest.end());
  auto opened = open_media_recording(file, kp.public_key, rec.recording_key());
  if (!opened) return Result<WebmExport>::error(opened.message());
  return export_webm(*opened, opts);
}

TEST(WebmExport, LibwebmReadsTracksBlocksAndTimes) {
  const Scenario s = make_scenario();
  auto ex = record_and_export(s.contents);
  ASSERT_TRUE(ex) << ex.message();
  EXPECT_EQ(ex->frames_ignored, s.ignored);
  EXPECT_EQ(ex->frames_skipped, 5u);

  const ParsedWebm p = testing::read_webm(ex->webm);
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.doc_type, "webm");
  EXPECT_EQ(p.timestamp_scale, 1000000u);
  EXPECT_DOUBLE_EQ(p.duration, ex->duration_ms);
  // Slot order, then camera, screen, audio.
  ASSERT_EQ(p.tracks.size(), 4u);
  const char* order[] = {"slot 1 video", "slot 1 audio", "slot 2 video", "slot 2 screen"};
  int64_t origin = INT64_MAX;
  for (const auto& [name, e] : s.tracks) origin = std::min(origin, std::get<0>(e.blocks.front()));
  EXPECT_EQ(origin, 90);
  double end = 0;
  for (size_t t = 0; t < 4; ++t) {
    const testing::ParsedTrack& pt = p.tracks[t];
    const Expected& e = s.tracks.at(order[t]);
    SCOPED_TRACE(order[t]);
    EXPECT_EQ(pt.number, t + 1);
    EXPECT_EQ(pt.uid, t + 1);
    EXPECT_EQ(pt.name, order[t]);
    EXPECT_EQ(pt.codec_id, e.codec_id);
    if (e.codec_id == "V_VP8") {
      EXPECT_EQ(pt.type, 1u);
      EXPECT_EQ(pt.width, e.width);
      EXPECT_EQ(pt.height, e.height);
    } else {
      EXPECT_EQ(pt.type, 2u);
      EXPECT_EQ(pt.sampling_frequency, 48000.0);
      EXPECT_EQ(pt.channels, 1u);
      EXPECT_EQ(pt.codec_private, make_opus_head(1, 312));
      EXPECT_EQ(pt.codec_delay, 6500000u);  // 312 samples at 48 kHz
      EXPECT_EQ(pt.seek_preroll, 80000000u);
    }
    std::vector<const testing::ParsedBlock*> blocks;
    for (const auto& b : p.blocks)
      if (b.track == pt.number) blocks.push_back(&b);
    ASSERT_EQ(blocks.size(), e.blocks.size());
    const ExportedTrack& rt = ex->tracks[t];
    EXPECT_EQ(rt.number, t + 1);
    EXPECT_EQ(rt.frames, e.blocks.size());
    EXPECT_EQ(rt.skipped, e.skipped);
    for (size_t i = 0; i < blocks.size(); ++i) {
      const auto& [time, key, data] = e.blocks[i];
      EXPECT_EQ(blocks[i]->time, time - origin) << i;
      EXPECT_EQ(blocks[i]->keyframe, key) << i;
      EXPECT_EQ(blocks[i]->data, data) << i;
      // Clusters open at video key frames.
      if (key && e.codec_id == "V_VP8") {
        EXPECT_TRUE(blocks[i]->first_in_cluster) << i;
      }
    }
    // The last Opus packet lasts 20 ms, the last video frame as long as the one before it.
    const size_t n = blocks.size();
    const double last =
        e.codec_id == "A_OPUS" ? 20.0 : static_cast<double>(blocks[n - 1]->time - blocks[n - 2]->time);
    end = std::max(end, static_cast<double>(blocks.back()->time) + last);
  }
  EXPECT_NEAR(ex->duration_ms, end, 1.0);
  // Clusters stay within 5 s and every key-frame cluster has a cue.
  int64_t cluster_start = 0;
  for (const auto& b : p.blocks) {
    if (b.first_in_cluster) cluster_start = b.time;
    EXPECT_LE(b.time - cluster_start, kWebmMaxClusterMs);
  }
  EXPECT_EQ(p.cues.size(), 6u);  // one per video key frame: 2 + 2 + 2
}

TEST(WebmExport, FfprobeDecodesEveryFrameWithoutErrors) {
  const Scenario s = make_scenario();
  auto ex = record_and_export(s.contents);
  ASSERT_TRUE(ex) << ex.message();
  const std::string path = testing::write_temp(ex->webm, ".webm");
  const testing::ProbeResult r = testing::run_ffprobe(path);
  std::filesystem::remove(path);
  if (!r.ran && r.stderr_text.empty()) GTEST_SKIP() << "ffprobe not installed";
  ASSERT_TRUE(r.ran) << r.stderr_text;
  EXPECT_EQ(r.stderr_text, "");
  ASSERT_EQ(r.streams.size(), 4u);
  const char* codec[] = {"vp8", "opus", "vp8", "vp8"};
  for (size_t t = 0; t < 4; ++t) {
    EXPECT_EQ(r.streams[t].codec_name, codec[t]) << t;
    EXPECT_EQ(static_cast<uint64_t>(r.streams[t].nb_read_frames), ex->tracks[t].frames) << t;
  }
  EXPECT_NEAR(r.duration, ex->duration_ms / 1000.0, 0.034);  // within one video frame
}

TEST(WebmExport, SlotFilterAndAudioOnly) {
  const Scenario s = make_scenario();
  auto ex = record_and_export(s.contents, ExportOptions{.slot = 2});
  ASSERT_TRUE(ex) << ex.message();
  ASSERT_EQ(ex->tracks.size(), 2u);
  EXPECT_EQ(ex->tracks[0].kind, MediaKind::kVideo);
  EXPECT_EQ(ex->tracks[1].kind, MediaKind::kScreen);
  EXPECT_EQ(ex->tracks[0].start_ms, 0);  // shifted to the slot's own first frame
  EXPECT_FALSE(record_and_export(s.contents, ExportOptions{.slot = 9}));

  MediaRecordingContents audio;
  for (const auto& f : s.contents.frames)
    if (f.info.kind() == MediaKind::kAudio) audio.frames.push_back(f);
  auto ea = export_webm(audio);
  ASSERT_TRUE(ea) << ea.message();
  const ParsedWebm p = testing::read_webm(ea->webm);
  ASSERT_TRUE(p.complete);
  EXPECT_EQ(p.blocks.size(), 100u);
  EXPECT_GE(p.clusters, 1u);
  EXPECT_FALSE(p.cues.empty());
  EXPECT_NEAR(ea->duration_ms, 2000.0, 1.0);
}

RecordedFrame vp8(uint16_t slot, bool envelope_key, Bytes payload, uint64_t t_us = 0, uint8_t layer = 0) {
  return {{slot, make_envelope(MediaKind::kVideo, envelope_key, layer), 1, 0, t_us, t_us},
          std::move(payload)};
}

TEST(WebmExport, RefusesMalformedFramesByIndex) {
  const auto cam = testing::encode_vp8_pattern(64, 48, 3, 30);
  auto refuse = [&](RecordedFrame bad, const std::string& want) {
    MediaRecordingContents c;
    c.frames.push_back(vp8(1, true, cam[0].data));
    c.frames.push_back(std::move(bad));
    auto ex = export_webm(c);
    ASSERT_FALSE(ex) << want;
    EXPECT_NE(ex.message().find("frame 1 (slot"), std::string::npos) << ex.message();
    EXPECT_NE(ex.message().find(want), std::string::npos) << ex.message();
  };
  Bytes bad_start = cam[0].data;
  bad_start[3] = 0x00;
  refuse(vp8(1, true, bad_start), "bad start code");
  Bytes zero_size = cam[0].data;
  zero_size[6] = zero_size[7] = 0;
  refuse(vp8(1, true, zero_size), "zero width");
  refuse(vp8(1, true, Bytes(cam[0].data.begin(), cam[0].data.begin() + 8)),
         "runs past the end of the 8-byte frame");
  refuse(vp8(1, true, cam[1].data), "the envelope says key frame");
  refuse(vp8(1, false, Bytes{0x01}), "shorter than its frame tag");
  refuse({{1, make_envelope(MediaKind::kAudio, false), 2, 0, 0, 0}, Bytes{}}, "Opus packet: empty");
  // A VP8 key frame unflagged in the envelope is still checked.
  refuse(vp8(1, false, bad_start), "bad start code");
}

TEST(WebmExport, SkipsUndecodableFramesAndHoldsTimeOnClockSteps) {
  const auto cam = testing::encode_vp8_pattern(64, 48, 6, 3);  // key frames at 0 and 3
  MediaRecordingContents c;
  c.frames.push_back(vp8(1, false, cam[1].data, 0));          // before any key frame: skipped
  c.frames.push_back(vp8(1, true, cam[0].data, 100000));      // layer 0 starts
  c.frames.push_back(vp8(1, false, cam[2].data, 50000));      // capture clock steps back: held
  c.frames.push_back(vp8(1, false, cam[4].data, 200000, 1));  // layer 1 without key frame: skipped
  c.frames.push_back(vp8(1, true, cam[3].data, 300000, 1));   // switch to layer 1
  c.frames.push_back(vp8(1, false, cam[5].data, 400000, 1));
  c.frames.push_back({{1, make_envelope(MediaKind::kVideo, false), 2, 0, 0, 0}, Bytes{1}});  // Opus on video
  auto ex = export_webm(c);
  ASSERT_TRUE(ex) << ex.message();
  ASSERT_EQ(ex->tracks.size(), 1u);
  EXPECT_EQ(ex->tracks[0].frames, 4u);
  EXPECT_EQ(ex->tracks[0].keyframes, 2u);
  EXPECT_EQ(ex->tracks[0].skipped, 2u);
  EXPECT_EQ(ex->frames_ignored, 1u);
  const ParsedWebm p = testing::read_webm(ex->webm);
  ASSERT_TRUE(p.complete);
  ASSERT_EQ(p.blocks.size(), 4u);
  // Anchored at the first recorded frame (receive 0, capture 0), shifted to start at 0.
  const int64_t want[] = {0, 0, 200, 300};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(p.blocks[i].time, want[i]) << i;

  MediaRecordingContents none;
  none.frames.push_back(vp8(1, false, cam[1].data));
  EXPECT_FALSE(export_webm(none));
}

TEST(WebmWriter, ClustersSplitEveryFiveSecondsAndHugeGaps) {
  WebmWriter w;
  const uint64_t a = w.add_track(
      {.type = WebmTrackType::kAudio, .codec_id = "A_OPUS", .sampling_frequency = 48000, .channels = 1});
  const Bytes pkt = {15 << 3, 0, 0};
  for (int64_t t : {int64_t{0}, int64_t{20}, int64_t{4999}, int64_t{5001}, int64_t{5002}, int64_t{40000},
                    int64_t{1000000000000}})
    w.add_frame(a, t, true, pkt);
  EXPECT_THROW(w.add_frame(a, 5, true, pkt), std::invalid_argument);
  EXPECT_THROW(w.add_frame(9, 5, true, pkt), std::invalid_argument);
  EXPECT_THROW(w.add_track({.type = WebmTrackType::kVideo, .codec_id = "V_VP8"}), std::invalid_argument);
  const ParsedWebm p = testing::read_webm(w.finish(1000000000020.0));
  ASSERT_TRUE(p.complete);
  ASSERT_EQ(p.blocks.size(), 7u);
  EXPECT_EQ(p.clusters, 4u);  // [0, 20, 4999], [5001, 5002], [40000], [1e12]
  EXPECT_EQ(p.blocks.back().time, 1000000000000);
}

}  // namespace
}  // namespace v100::media
