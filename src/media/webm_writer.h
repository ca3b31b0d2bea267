// A small WebM muxer: enough of EBML and Matroska to write VP8 video and Opus audio tracks that
// media players open and seek in.
//
// References (read, not copied): RFC 8794 (EBML: element IDs, variable-size integers, the EBML
// header), RFC 9559 (Matroska: Segment, SeekHead, Info, Tracks, Cluster, SimpleBlock, Cues) and the
// WebM container guidelines (https://www.webmproject.org/docs/container/: DocType "webm", V_VP8 and
// A_OPUS codec ids, clusters starting with video key frames, CodecDelay/SeekPreRoll for Opus).
//
// What it writes:
//   EBML header (DocType "webm", DocTypeVersion 4, DocTypeReadVersion 2)
//   Segment (size known: the file is built in memory)
//     SeekHead -> Info, Tracks, Cues
//     Info      TimestampScale 1 ms, Duration, MuxingApp/WritingApp (no date: nothing identifying)
//     Tracks    one TrackEntry per track (TrackUID = track number, no lacing)
//     Clusters  a new one at every video key frame and at least every 5 s, SimpleBlocks only
//     Cues      one CuePoint per cluster that starts with a key frame (video if there is video)
//
// Thread safety: none. Caller mistakes (bad track spec, unknown track, time going backwards within
// a track, negative time) throw std::invalid_argument: the export layer validates untrusted input
// before it reaches the muxer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"

namespace v100::media {

/// Matroska TrackType values used here.
enum class WebmTrackType : uint8_t { kVideo = 1, kAudio = 2 };

/// One track's TrackEntry.
struct WebmTrackSpec {
  WebmTrackType type = WebmTrackType::kVideo;
  std::string codec_id{};                      ///< "V_VP8", "A_OPUS", ...
  std::string name{};                          ///< optional, shown by players
  Bytes codec_private{};                       ///< e.g. the OpusHead
  uint32_t pixel_width = 0, pixel_height = 0;  ///< video: both non-zero
  double sampling_frequency = 0;               ///< audio: > 0
  uint8_t channels = 0;                        ///< audio: > 0
  uint64_t codec_delay_ns = 0;                 ///< CodecDelay (Opus pre-skip), 0 = not written
  uint64_t seek_preroll_ns = 0;                ///< SeekPreRoll, 0 = not written
};

/// Longest cluster the writer makes (ms): well inside SimpleBlock's signed 16-bit relative time.
inline constexpr int64_t kWebmMaxClusterMs = 5000;
/// Largest number of tracks (track numbers stay 1- or 2-byte EBML integers).
inline constexpr size_t kWebmMaxTracks = 1000;

/// Collects tracks and frames, then builds the file in memory.
class WebmWriter {
 public:
  /// Adds a track and returns its number (1, 2, ...). Throws std::invalid_argument for an empty
  /// codec id, missing video dimensions or audio format, or more than kWebmMaxTracks tracks.
  uint64_t add_track(WebmTrackSpec spec);
  /// Queues one frame of `track` at `time_ms` (>= 0, not earlier than the track's previous frame).
  /// `keyframe` sets the SimpleBlock key flag (set it for every Opus packet). Throws
  /// std::invalid_argument on an unknown track or a time rule broken.
  void add_frame(uint64_t track, int64_t time_ms, bool keyframe, ByteSpan data);
  /// The WebM file, with Info Duration `duration_ms`. The writer can be finished more than once.
  Bytes finish(double duration_ms) const;

  size_t num_tracks() const { return tracks_.size(); }
  size_t num_frames() const { return frames_.size(); }

 private:
  struct Frame {
    uint64_t track;
    int64_t time_ms;
    bool keyframe;
    Bytes data;
  };
  std::vector<WebmTrackSpec> tracks_;
  std::vector<int64_t> last_time_;  // per track, -1 before its first frame
  std::vector<Frame> frames_;
};

}  // namespace v100::media
