// Test-only readers for exported WebM files, both independent of our muxer:
//   - read_webm: Debian's libwebm parser (libwebm-dev, webm/webm_parser.h);
//   - run_ffprobe: the ffprobe command line (ffmpeg), which also decodes every frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"

namespace v100::media::testing {

struct ParsedTrack {
  uint64_t number = 0, uid = 0, type = 0;
  std::string codec_id, name;
  Bytes codec_private;
  uint64_t codec_delay = 0, seek_preroll = 0;
  uint64_t width = 0, height = 0;
  double sampling_frequency = 0;
  uint64_t channels = 0;
};

struct ParsedBlock {
  uint64_t track = 0;
  int64_t time = 0;  ///< cluster timestamp + relative timestamp
  bool keyframe = false;
  bool first_in_cluster = false;
  Bytes data;
};

struct ParsedWebm {
  bool complete = false;  ///< the parser returned kOkCompleted
  std::string doc_type;
  uint64_t timestamp_scale = 0;
  double duration = 0;
  std::vector<ParsedTrack> tracks;
  std::vector<ParsedBlock> blocks;                  ///< file order
  std::vector<std::pair<uint64_t, uint64_t>> cues;  ///< (time, track)
  uint64_t clusters = 0;
};

/// Parses `file` with libwebm.
ParsedWebm read_webm(const Bytes& file);

struct ProbeStream {
  std::string codec_name;
  int64_t nb_read_frames = -1;
};
struct ProbeResult {
  bool ran = false;         ///< ffprobe found and exited 0
  std::string stderr_text;  ///< what `-v error` printed (empty for a clean file)
  std::vector<ProbeStream> streams;
  double duration = -1;  ///< format duration, seconds
};

/// `ffprobe -v error -count_frames -show_entries stream=codec_name,nb_read_frames -show_entries
/// format=duration -of json PATH`. ran = false when ffprobe is not installed.
ProbeResult run_ffprobe(const std::string& path);

/// Writes `data` to a fresh file in the temp directory and returns its path.
std::string write_temp(const Bytes& data, const std::string& suffix);

}  // namespace v100::media::testing
