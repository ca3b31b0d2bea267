#include "demo_media.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "recording_files.h"

namespace v100::tools {

namespace mc = meeting::client;

Status DemoMedia::start(mc::Client& client, bool decode_video, mc::SessionRecorder* recorder) {
  decode_video_ = decode_video;
  mc::MediaSessionOptions o;
  o.decode_video = decode_video;
  o.on_picture = [this](const mc::DecodedPicture& p) { check_.on_picture(p); };
  o.on_audio = [this](const mc::DecodedAudio& a) { check_.on_audio(a); };
  o.on_received = [this, recorder](const mc::DecryptedFrame& f, const mc::MediaHeader& h, ByteSpan bytes) {
    (f.kind == meeting::protocol::MediaKind::kAudio ? rx_audio_ : rx_video_)++;
    if (!f.identity_verified) ++unverified_;
    if (recorder) recorder->on_received(f, h, bytes);
  };
  auto s = mc::MediaSession::create(client, std::move(o));
  if (!s) return s.status();
  session_ = std::move(s).value();
  return Status::ok();
}

void DemoMedia::start_sending(uint16_t slot) {
  if (session_ && !source_) source_ = std::make_unique<mc::TestMediaSource>(*session_, slot, 640, 360, 30);
}

void DemoMedia::stop_sending() {
  if (source_) source_->stop();
}

void DemoMedia::close() {
  source_.reset();
  if (session_) last_sent_ = session_->stats();
  session_.reset();
}

mc::MediaSessionStats DemoMedia::sent() const {
  return session_ ? session_->stats() : last_sent_;
}

namespace {

// ffprobe's view of the file: decoded frames per stream (index order) and the duration. Empty
// streams when ffprobe is missing or fails.
struct Probe {
  bool found = false;
  std::vector<std::pair<std::string, long long>> streams;  // codec, frames
  double duration = -1;
};

Probe run_ffprobe(const std::string& path) {
  Probe p;
  if (std::system("command -v ffprobe >/dev/null 2>&1") != 0) return p;
  p.found = true;
  const std::string cmd =
      "ffprobe -v error -count_frames -show_entries stream=codec_name,nb_read_frames "
      "-show_entries format=duration -of compact=p=0 '" +
      path + "' 2>&1";
  std::FILE* f = popen(cmd.c_str(), "r");
  if (!f) return p;
  std::string text;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) text.append(buf, n);
  pclose(f);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::string codec;
    long long frames = -1;
    std::istringstream fields(line);
    for (std::string kv; std::getline(fields, kv, '|');) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) continue;
      const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
      if (k == "codec_name") codec = v;
      if (k == "nb_read_frames" && !v.empty() && v.find_first_not_of("0123456789") == std::string::npos)
        frames = std::stoll(v);
      if (k == "duration" && !v.empty() && v != "N/A") p.duration = std::strtod(v.c_str(), nullptr);
    }
    if (!codec.empty()) p.streams.push_back({codec, frames});
  }
  return p;
}

}  // namespace

bool finish_demo_recording(mc::SessionRecorder& recorder, const std::string& webm_path) {
  if (Status st = recorder.finish(); !st) {
    std::printf("  recording failed: %s\n", st.message().c_str());
    return false;
  }
  const auto stats = recorder.stats();
  std::printf(
      "  %s: %llu frames, %llu codec bytes, signed (ML-DSA-65) and encrypted under the recording key "
      "(.key), public key in .pub; %llu frames not stored\n",
      recorder.path().c_str(), static_cast<unsigned long long>([&] {
        uint64_t n = 0;
        for (const auto& [track, c] : stats.frames) n += c;
        return n;
      }()),
      static_cast<unsigned long long>(stats.bytes), static_cast<unsigned long long>(stats.errors));
  bool ok = stats.errors == 0;
  std::printf("  v100 export-recording %s --out %s\n", recorder.path().c_str(), webm_path.c_str());
  media::WebmExport ex;
  if (export_recording(recorder.path(), webm_path, recorder.path() + ".key", recorder.path() + ".pub", {},
                       false, &ex) != 0)
    return false;
  // Every stored frame is in its track, or was skipped before the track's first keyframe.
  for (const media::ExportedTrack& t : ex.tracks) {
    const auto it = stats.frames.find({t.slot, static_cast<meeting::protocol::MediaKind>(t.kind)});
    const uint64_t stored = it == stats.frames.end() ? 0 : it->second;
    if (t.frames + t.skipped != stored) {
      std::printf("  track %llu holds %llu + %llu skipped frames, the recorder stored %llu: FAILED\n",
                  static_cast<unsigned long long>(t.number), static_cast<unsigned long long>(t.frames),
                  static_cast<unsigned long long>(t.skipped), static_cast<unsigned long long>(stored));
      ok = false;
    }
  }
  const Probe probe = run_ffprobe(webm_path);
  if (!probe.found) {
    std::printf("  (ffprobe not on PATH: no independent decode of the WebM)\n");
    return ok;
  }
  std::printf("  ffprobe -count_frames: %zu streams, %.3f s\n", probe.streams.size(), probe.duration);
  bool same = probe.streams.size() == ex.tracks.size();
  for (size_t i = 0; i < probe.streams.size(); ++i) {
    const bool match = i < ex.tracks.size() && probe.streams[i].second >= 0 &&
                       static_cast<uint64_t>(probe.streams[i].second) == ex.tracks[i].frames;
    std::printf("    stream %zu: %-5s %6lld frames decoded%s\n", i, probe.streams[i].first.c_str(),
                probe.streams[i].second, match ? "" : "  (export wrote a different count: FAILED)");
    same &= match;
  }
  std::printf("  ffprobe decoded every exported frame: %s\n", same ? "yes" : "NO");
  return ok && same;
}

}  // namespace v100::tools
