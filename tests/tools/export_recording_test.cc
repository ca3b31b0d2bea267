// `v100 export-recording` as users run it (the built binary, one process per case): a recording of
// real VP8 and Opus frames written next to its FILE.key and FILE.pub exports to a WebM that ffprobe
// decodes; a flipped byte makes it exit 1 naming the frame verify-recording names; a wrong key
// exits 1 naming frame 0; missing or malformed key files and an unwritable output exit 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/rng.h"
#include "media/media_recording.h"
#include "media/test_codecs.h"
#include "media/webm_probe.h"

namespace v100::tools {
namespace {

namespace fs = std::filesystem;
namespace mldsa = v100::pq::mldsa;

struct CliRun {
  int rc = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

class ExportRecordingCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("v100_export_cli_" + to_hex(random_bytes(6)));
    fs::create_directories(dir_);
    rec_ = (dir_ / "meeting.rec").string();
    const auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
    media::RecordingOptions opts;
    opts.frames_per_segment = 16;
    media::MediaRecorder rec(kp.secret_key, opts);
    const auto cam = media::testing::encode_vp8_pattern(160, 120, 30, 15);
    const auto tone = media::testing::encode_opus_tone(50);
    for (size_t i = 0; i < 50; ++i) {  // audio every 20 ms, video every 33.3 ms, interleaved
      if (i < cam.size()) {
        ASSERT_TRUE(rec.add({1, media::make_envelope(media::MediaKind::kVideo, cam[i].keyframe), 1,
                             static_cast<uint32_t>(i), 1000000 + i * 33333, 10000 + i * 33333},
                            cam[i].data));
      }
      ASSERT_TRUE(rec.add({1, media::make_envelope(media::MediaKind::kAudio, false), 2,
                           static_cast<uint32_t>(i), 2000000 + i * 20000, 10000 + i * 20000},
                          tone[i]));
    }
    ASSERT_TRUE(rec.finish_to_file(rec_));
    ASSERT_TRUE(media::save_recording_key(rec_ + ".key", rec.recording_key()));
    std::ofstream(rec_ + ".pub") << to_hex(kp.public_key.span());
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliRun v100(const std::string& args) {
    CliRun r;
    const std::string cmd = std::string(V100_CLI) + " " + args + " >'" + (dir_ / "o").string() + "' 2>'" +
                            (dir_ / "e").string() + "' </dev/null";
    const int st = std::system(cmd.c_str());
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(dir_ / "o");
    r.err = slurp(dir_ / "e");
    return r;
  }

  void flip_frame_byte(uint64_t index) {
    Bytes f;
    {
      std::ifstream in(rec_, std::ios::binary);
      f.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    size_t pos = 26, seen = 0;
    while (pos + 5 <= f.size()) {
      const uint32_t len = f[pos + 1] | f[pos + 2] << 8 | f[pos + 3] << 16 | uint32_t{f[pos + 4]} << 24;
      if (f[pos] == media::kRecordFrame && seen++ == index) {
        f[pos + 5 + len - 2] ^= 0x40;  // inside the SFrame tag
        break;
      }
      pos += 5 + len;
    }
    std::ofstream(rec_, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
  }

  fs::path dir_;
  std::string rec_;
};

TEST_F(ExportRecordingCli, ExportsAPlayableWebm) {
  const std::string out = (dir_ / "meeting.webm").string();
  CliRun r = v100("export-recording " + rec_ + " --out " + out + " --json");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  ASSERT_EQ(j["tracks"].size(), 2u);
  EXPECT_EQ(j["tracks"][0]["codec"], "V_VP8");
  EXPECT_EQ(j["tracks"][0]["frames"], 30);
  EXPECT_EQ(j["tracks"][0]["keyframes"], 2);
  EXPECT_EQ(j["tracks"][0]["width"], 160);
  EXPECT_EQ(j["tracks"][1]["codec"], "A_OPUS");
  EXPECT_EQ(j["tracks"][1]["frames"], 50);
  EXPECT_NEAR(j["duration_ms"].get<double>(), 1000.0, 1.0);

  Bytes webm;
  {
    const std::string s = slurp(out);
    webm.assign(s.begin(), s.end());
  }
  const auto probe = media::testing::run_ffprobe(out);
  if (probe.ran || !probe.stderr_text.empty()) {
    ASSERT_TRUE(probe.ran) << probe.stderr_text;
    EXPECT_EQ(probe.stderr_text, "");
    ASSERT_EQ(probe.streams.size(), 2u);
    EXPECT_EQ(probe.streams[0].codec_name, "vp8");
    EXPECT_EQ(probe.streams[0].nb_read_frames, 30);
    EXPECT_EQ(probe.streams[1].codec_name, "opus");
    EXPECT_EQ(probe.streams[1].nb_read_frames, 50);
    EXPECT_NEAR(probe.duration, 1.0, 0.034);
  }
  EXPECT_TRUE(media::testing::read_webm(webm).complete);

  CliRun text = v100("export-recording " + rec_ + " --out " + out + " --slot 1");
  ASSERT_EQ(text.rc, 0) << text.err;
  EXPECT_NE(text.out.find("track 1: slot 1 video"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("30 frames (2 key)"), std::string::npos) << text.out;
  EXPECT_EQ(v100("export-recording " + rec_ + " --out " + out + " --slot 9").rc, 1);
  EXPECT_EQ(v100("verify-recording " + rec_ + " --pubkey " + rec_ + ".pub").rc, 0);
}

TEST_F(ExportRecordingCli, TamperedFrameNamedLikeVerifyRecording) {
  flip_frame_byte(37);
  CliRun v = v100("verify-recording " + rec_ + " --pubkey " + rec_ + ".pub --json");
  EXPECT_EQ(v.rc, 1);
  CliRun e = v100("export-recording " + rec_ + " --out " + (dir_ / "x.webm").string() + " --json");
  EXPECT_EQ(e.rc, 1) << e.err;
  auto jv = nlohmann::json::parse(v.out), je = nlohmann::json::parse(e.out);
  EXPECT_EQ(jv["frame"], 37);
  EXPECT_EQ(je["frame"], 37);
  EXPECT_EQ(je["problem"], "changed_frame");
  EXPECT_FALSE(fs::exists(dir_ / "x.webm"));
  CliRun t = v100("export-recording " + rec_ + " --out " + (dir_ / "x.webm").string());
  EXPECT_EQ(t.rc, 1);
  EXPECT_NE(t.out.find("first bad frame: 37"), std::string::npos) << t.out;
}

TEST_F(ExportRecordingCli, KeyProblems) {
  const std::string out = (dir_ / "x.webm").string();
  const std::string wrong = (dir_ / "wrong.key").string();
  ASSERT_TRUE(media::save_recording_key(wrong, random_bytes(32)));
  CliRun r = v100("export-recording " + rec_ + " --out " + out + " --key " + wrong);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("frame 0"), std::string::npos) << r.err;
  EXPECT_EQ(v100("export-recording " + rec_ + " --out " + out + " --key " + (dir_ / "none").string()).rc, 2);
  std::ofstream(dir_ / "bad.key") << "not hex";
  EXPECT_EQ(v100("export-recording " + rec_ + " --out " + out + " --key " + (dir_ / "bad.key").string()).rc,
            2);
  EXPECT_EQ(v100("export-recording " + rec_ + " --out " + out + " --pubkey " + (dir_ / "none").string()).rc,
            2);
  EXPECT_EQ(v100("export-recording " + rec_ + " --out " + (dir_ / "no" / "dir" / "x.webm").string()).rc, 2);
  // Another recorder's public key: the recording does not verify.
  const auto other = mldsa::generate_key<mldsa::kMlDsa65>();
  std::ofstream(dir_ / "other.pub") << to_hex(other.public_key.span());
  EXPECT_EQ(
      v100("export-recording " + rec_ + " --out " + out + " --pubkey " + (dir_ / "other.pub").string()).rc,
      1);
}

}  // namespace
}  // namespace v100::tools
