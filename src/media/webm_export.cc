#include "media/webm_export.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "media/codec_headers.h"
#include "media/webm_writer.h"

namespace v100::media {
namespace {

// Latest time a frame may have (µs): about 35 years, far beyond any meeting, and small enough that
// the ms arithmetic below cannot overflow whatever the (signed but untrusted) clocks say.
constexpr int64_t kMaxTimeUs = int64_t{1} << 50;
constexpr uint32_t kOpusRate = 48000;
constexpr uint64_t kOpusSeekPreRollNs = 80000000;  // 80 ms (WebM Opus mapping)

// Track order within a slot: camera, screen, audio.
int kind_rank(MediaKind k) {
  return k == MediaKind::kVideo ? 0 : k == MediaKind::kScreen ? 1 : 2;
}

const char* kind_name(MediaKind k) {
  return k == MediaKind::kVideo ? "video" : k == MediaKind::kScreen ? "screen" : "audio";
}

struct Block {
  int64_t time_ms;
  bool keyframe;
  double duration_ms;  // audio: the packet's; video: filled from the next frame's time
  const Bytes* data;
};

struct TrackBuild {
  ExportedTrack report;
  std::vector<Block> blocks;
  // Timeline anchor: the track's first recorded frame.
  bool anchored = false;
  uint64_t receive0 = 0, capture0 = 0;
  // Video state.
  bool started = false;
  uint8_t layer = 0;
};

int64_t track_time_us(const TrackBuild& t, const RecordedFrameInfo& info) {
  // capture_us - capture0 as a signed difference (modular, then reinterpreted), clamped.
  const int64_t delta = static_cast<int64_t>(info.capture_us - t.capture0);
  const int64_t base = static_cast<int64_t>(std::min<uint64_t>(t.receive0, kMaxTimeUs));
  const int64_t d = std::clamp<int64_t>(delta, -kMaxTimeUs, kMaxTimeUs);
  return std::clamp<int64_t>(base + d, 0, kMaxTimeUs);
}

}  // namespace

Result<WebmExport> export_webm(const MediaRecordingContents& contents, const ExportOptions& options) {
  using R = Result<WebmExport>;
  WebmExport out;
  std::map<std::tuple<uint16_t, int>, TrackBuild> builds;  // by (slot, kind rank)

  for (size_t i = 0; i < contents.frames.size(); ++i) {
    const RecordedFrame& f = contents.frames[i];
    const RecordedFrameInfo& info = f.info;
    const MediaKind kind = info.kind();
    const auto codec = static_cast<MediaCodec>(info.codec);
    const bool video = (kind == MediaKind::kVideo || kind == MediaKind::kScreen) && codec == MediaCodec::kVp8;
    const bool audio = kind == MediaKind::kAudio && codec == MediaCodec::kOpus;
    if ((options.slot && info.slot != *options.slot) || (!video && !audio)) {
      ++out.frames_ignored;
      continue;
    }
    const std::string where =
        "frame " + std::to_string(i) + " (slot " + std::to_string(info.slot) + " " + kind_name(kind) + "): ";
    TrackBuild& t = builds[{info.slot, kind_rank(kind)}];
    if (!t.anchored) {
      t.anchored = true;
      t.receive0 = info.receive_us;
      t.capture0 = info.capture_us;
      t.report.slot = info.slot;
      t.report.kind = kind;
      t.report.codec_id = video ? "V_VP8" : "A_OPUS";
    }
    bool keyframe = true;
    double duration_ms = 0;
    if (video) {
      Result<Vp8FrameTag> tag = parse_vp8_frame_tag(f.payload);
      if (!tag) return R::error(where + tag.message());
      keyframe = tag->keyframe;
      if (info.keyframe() && !keyframe)
        return R::error(where + "the envelope says key frame, the VP8 frame tag says inter frame");
      if (keyframe) {
        Result<Vp8KeyframeHeader> h = parse_vp8_keyframe_header(f.payload);
        if (!h) return R::error(where + h.message());
        if (!t.started || info.layer() != t.layer) {
          if (!t.started) {
            t.report.width = h->width;
            t.report.height = h->height;
          }
          t.started = true;
          t.layer = info.layer();
        }
      } else if (!t.started || info.layer() != t.layer) {
        ++t.report.skipped;  // undecodable: no key frame of this stream yet
        continue;
      }
    } else {
      Result<uint32_t> samples = opus_packet_samples(f.payload);
      if (!samples) return R::error(where + samples.message());
      duration_ms = *samples * 1000.0 / kOpusRate;
    }
    int64_t time_ms = track_time_us(t, info) / 1000;
    if (!t.blocks.empty()) time_ms = std::max(time_ms, t.blocks.back().time_ms);
    t.blocks.push_back(Block{time_ms, keyframe, duration_ms, &f.payload});
  }

  int64_t origin = std::numeric_limits<int64_t>::max();
  for (auto& [key, t] : builds) {
    out.frames_skipped += t.report.skipped;
    if (!t.blocks.empty()) origin = std::min(origin, t.blocks.front().time_ms);
  }
  if (origin == std::numeric_limits<int64_t>::max())
    return R::error(options.slot ? "nothing to export: no decodable VP8 or Opus frame from slot " +
                                       std::to_string(*options.slot)
                                 : std::string("nothing to export: no decodable VP8 or Opus frame"));

  WebmWriter w;
  double end_ms = 0;
  for (auto& [key, t] : builds) {
    if (t.blocks.empty()) continue;
    const bool video = t.report.codec_id == "V_VP8";
    WebmTrackSpec spec;
    spec.codec_id = t.report.codec_id;
    spec.name = "slot " + std::to_string(t.report.slot) + " " + kind_name(t.report.kind);
    if (video) {
      spec.type = WebmTrackType::kVideo;
      spec.pixel_width = t.report.width;
      spec.pixel_height = t.report.height;
    } else {
      spec.type = WebmTrackType::kAudio;
      spec.sampling_frequency = kOpusRate;
      spec.channels = 1;
      spec.codec_private = make_opus_head(1, options.opus_pre_skip, kOpusRate);
      spec.codec_delay_ns = uint64_t{options.opus_pre_skip} * 1000000000 / kOpusRate;
      spec.seek_preroll_ns = kOpusSeekPreRollNs;
    }
    if (w.num_tracks() >= kWebmMaxTracks)
      return R::error("too many tracks (the muxer writes at most " + std::to_string(kWebmMaxTracks) + ")");
    t.report.number = w.add_track(std::move(spec));
    // A video frame lasts until the next one; the last one as long as the one before it.
    for (size_t b = 0; video && b < t.blocks.size(); ++b) {
      if (b + 1 < t.blocks.size())
        t.blocks[b].duration_ms = static_cast<double>(t.blocks[b + 1].time_ms - t.blocks[b].time_ms);
      else if (b > 0)
        t.blocks[b].duration_ms = t.blocks[b - 1].duration_ms;
    }
    for (const Block& b : t.blocks) {
      w.add_frame(t.report.number, b.time_ms - origin, b.keyframe, *b.data);
      ++t.report.frames;
      if (b.keyframe) ++t.report.keyframes;
    }
    const Block& last = t.blocks.back();
    t.report.start_ms = t.blocks.front().time_ms - origin;
    t.report.duration_ms = static_cast<double>(last.time_ms - t.blocks.front().time_ms) + last.duration_ms;
    end_ms = std::max(end_ms, static_cast<double>(last.time_ms - origin) + last.duration_ms);
    out.tracks.push_back(t.report);
  }
  out.duration_ms = end_ms;
  out.webm = w.finish(end_ms);
  return out;
}

}  // namespace v100::media
