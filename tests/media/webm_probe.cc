#include "media/webm_probe.h"

#include <webm/buffer_reader.h>
#include <webm/callback.h>
#include <webm/webm_parser.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/rng.h"

namespace v100::media::testing {
namespace {

class Collector : public webm::Callback {
 public:
  explicit Collector(ParsedWebm& out) : out_(out) {}

  webm::Status OnEbml(const webm::ElementMetadata&, const webm::Ebml& ebml) override {
    out_.doc_type = ebml.doc_type.value();
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnInfo(const webm::ElementMetadata&, const webm::Info& info) override {
    out_.timestamp_scale = info.timecode_scale.value();
    out_.duration = info.duration.value();
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnTrackEntry(const webm::ElementMetadata&, const webm::TrackEntry& t) override {
    ParsedTrack p;
    p.number = t.track_number.value();
    p.uid = t.track_uid.value();
    p.type = static_cast<uint64_t>(t.track_type.value());
    p.codec_id = t.codec_id.value();
    p.name = t.name.value();
    p.codec_private = t.codec_private.value();
    p.codec_delay = t.codec_delay.value();
    p.seek_preroll = t.seek_pre_roll.value();
    if (t.video.is_present()) {
      p.width = t.video.value().pixel_width.value();
      p.height = t.video.value().pixel_height.value();
    }
    if (t.audio.is_present()) {
      p.sampling_frequency = t.audio.value().sampling_frequency.value();
      p.channels = t.audio.value().channels.value();
    }
    out_.tracks.push_back(std::move(p));
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnClusterBegin(const webm::ElementMetadata&, const webm::Cluster& c,
                              webm::Action* action) override {
    cluster_time_ = static_cast<int64_t>(c.timecode.value());
    first_ = true;
    ++out_.clusters;
    *action = webm::Action::kRead;
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnSimpleBlockBegin(const webm::ElementMetadata&, const webm::SimpleBlock& b,
                                  webm::Action* action) override {
    ParsedBlock p;
    p.track = b.track_number;
    p.time = cluster_time_ + b.timecode;
    p.keyframe = b.is_key_frame;
    p.first_in_cluster = first_;
    first_ = false;
    out_.blocks.push_back(std::move(p));
    *action = webm::Action::kRead;
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnFrame(const webm::FrameMetadata&, webm::Reader* reader, uint64_t* remaining) override {
    Bytes& data = out_.blocks.back().data;
    while (*remaining > 0) {
      uint8_t buf[4096];
      uint64_t got = 0;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(*remaining, sizeof buf));
      webm::Status st = reader->Read(want, buf, &got);
      data.insert(data.end(), buf, buf + got);
      *remaining -= got;
      if (!st.completed_ok() && st.code != webm::Status::kOkPartial) return st;
    }
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnCuePoint(const webm::ElementMetadata&, const webm::CuePoint& c) override {
    for (const auto& pos : c.cue_track_positions)
      out_.cues.emplace_back(c.time.value(), pos.value().track.value());
    return webm::Status(webm::Status::kOkCompleted);
  }

 private:
  ParsedWebm& out_;
  int64_t cluster_time_ = 0;
  bool first_ = false;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

ParsedWebm read_webm(const Bytes& file) {
  ParsedWebm out;
  Collector cb(out);
  webm::BufferReader reader(file);
  webm::WebmParser parser;
  out.complete = parser.Feed(&cb, &reader).code == webm::Status::kOkCompleted;
  return out;
}

std::string write_temp(const Bytes& data, const std::string& suffix) {
  const auto path = std::filesystem::temp_directory_path() / ("v100_" + to_hex(random_bytes(8)) + suffix);
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return path.string();
}

ProbeResult run_ffprobe(const std::string& path) {
  ProbeResult r;
  if (std::system("command -v ffprobe >/dev/null 2>&1") != 0) return r;
  const std::string err = path + ".stderr", out = path + ".json";
  const std::string cmd =
      "ffprobe -v error -count_frames -show_entries stream=codec_name,nb_read_frames "
      "-show_entries format=duration -of json '" +
      path + "' >'" + out + "' 2>'" + err + "'";
  const int rc = std::system(cmd.c_str());
  r.stderr_text = slurp(err);
  const std::string json = slurp(out);
  std::filesystem::remove(err);
  std::filesystem::remove(out);
  if (rc != 0) return r;
  r.ran = true;
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded()) return r;
  for (const auto& s : j.value("streams", nlohmann::json::array())) {
    ProbeStream ps;
    ps.codec_name = s.value("codec_name", "");
    ps.nb_read_frames = std::stoll(s.value("nb_read_frames", "-1"));
    r.streams.push_back(ps);
  }
  if (j.contains("format")) r.duration = std::stod(j["format"].value("duration", "-1"));
  return r;
}

}  // namespace v100::media::testing
