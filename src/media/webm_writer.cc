#include "media/webm_writer.h"

#include <algorithm>
#include <bit>
#include <numeric>
#include <stdexcept>

namespace v100::media {
namespace {

// Element IDs (RFC 8794 §11.2 for the EBML header, RFC 9559 §5.1 for Matroska), with their
// length-marker bits, as they appear on disk.
enum : uint32_t {
  kEbml = 0x1A45DFA3,
  kEbmlVersion = 0x4286,
  kEbmlReadVersion = 0x42F7,
  kEbmlMaxIdLength = 0x42F2,
  kEbmlMaxSizeLength = 0x42F3,
  kDocType = 0x4282,
  kDocTypeVersion = 0x4287,
  kDocTypeReadVersion = 0x4285,
  kSegment = 0x18538067,
  kSeekHead = 0x114D9B74,
  kSeek = 0x4DBB,
  kSeekId = 0x53AB,
  kSeekPosition = 0x53AC,
  kInfo = 0x1549A966,
  kTimestampScale = 0x2AD7B1,
  kDuration = 0x4489,
  kMuxingApp = 0x4D80,
  kWritingApp = 0x5741,
  kTracks = 0x1654AE6B,
  kTrackEntry = 0xAE,
  kTrackNumber = 0xD7,
  kTrackUid = 0x73C5,
  kTrackType = 0x83,
  kFlagLacing = 0x9C,
  kName = 0x536E,
  kCodecId = 0x86,
  kCodecPrivate = 0x63A2,
  kCodecDelay = 0x56AA,
  kSeekPreRoll = 0x56BB,
  kVideo = 0xE0,
  kPixelWidth = 0xB0,
  kPixelHeight = 0xBA,
  kAudio = 0xE1,
  kSamplingFrequency = 0xB5,
  kChannels = 0x9F,
  kCluster = 0x1F43B675,
  kTimestamp = 0xE7,
  kSimpleBlock = 0xA3,
  kCues = 0x1C53BB6B,
  kCuePoint = 0xBB,
  kCueTime = 0xB3,
  kCueTrackPositions = 0xB7,
  kCueTrack = 0xF7,
  kCueClusterPosition = 0xF1,
};

// Nanoseconds per timestamp unit: 1 ms (Matroska's default TimestampScale).
constexpr uint64_t kTimestampScaleNs = 1000000;

void put_be(Bytes& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// An element ID is written as is: its leading bits already say its length (RFC 8794 §5).
void put_id(Bytes& out, uint32_t id) {
  const int n = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
  put_be(out, id, n);
}

// Variable-size integer (RFC 8794 §4): the shortest VINT_WIDTH whose data bits hold `v`; the
// all-ones value of each width is reserved ("unknown size"), so it is skipped.
void put_vint(Bytes& out, uint64_t v) {
  int n = 1;
  while (n < 8 && v >= (uint64_t{1} << (7 * n)) - 1) ++n;
  put_be(out, v | (uint64_t{1} << (7 * n)), n);
}

void element(Bytes& out, uint32_t id, ByteSpan payload) {
  put_id(out, id);
  put_vint(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

// Unsigned integer element in the fewest big-endian bytes (at least one).
void element_uint(Bytes& out, uint32_t id, uint64_t v) {
  const int n = v == 0 ? 1 : (64 - std::countl_zero(v) + 7) / 8;
  put_id(out, id);
  put_vint(out, static_cast<uint64_t>(n));
  put_be(out, v, n);
}

// Unsigned integer element in exactly 8 bytes (so the SeekHead's size does not depend on positions).
void element_uint8(Bytes& out, uint32_t id, uint64_t v) {
  put_id(out, id);
  put_vint(out, 8);
  put_be(out, v, 8);
}

void element_float(Bytes& out, uint32_t id, double v) {
  put_id(out, id);
  put_vint(out, 8);
  put_be(out, std::bit_cast<uint64_t>(v), 8);
}

void element_string(Bytes& out, uint32_t id, const std::string& s) {
  element(out, id, as_bytes(s));
}

Bytes ebml_header() {
  Bytes body;
  element_uint(body, kEbmlVersion, 1);
  element_uint(body, kEbmlReadVersion, 1);
  element_uint(body, kEbmlMaxIdLength, 4);
  element_uint(body, kEbmlMaxSizeLength, 8);
  element_string(body, kDocType, "webm");
  // CodecDelay and SeekPreRoll arrived in DocTypeVersion 4; a version-2 reader plays the file.
  element_uint(body, kDocTypeVersion, 4);
  element_uint(body, kDocTypeReadVersion, 2);
  Bytes out;
  element(out, kEbml, body);
  return out;
}

Bytes track_entry(const WebmTrackSpec& t, uint64_t number) {
  Bytes body;
  element_uint(body, kTrackNumber, number);
  element_uint(body, kTrackUid, number);  // unique within the file is all RFC 9559 asks
  element_uint(body, kTrackType, static_cast<uint8_t>(t.type));
  element_uint(body, kFlagLacing, 0);
  if (!t.name.empty()) element_string(body, kName, t.name);
  element_string(body, kCodecId, t.codec_id);
  if (!t.codec_private.empty()) element(body, kCodecPrivate, t.codec_private);
  if (t.codec_delay_ns) element_uint(body, kCodecDelay, t.codec_delay_ns);
  if (t.seek_preroll_ns) element_uint(body, kSeekPreRoll, t.seek_preroll_ns);
  Bytes sub;
  if (t.type == WebmTrackType::kVideo) {
    element_uint(sub, kPixelWidth, t.pixel_width);
    element_uint(sub, kPixelHeight, t.pixel_height);
    element(body, kVideo, sub);
  } else {
    element_float(sub, kSamplingFrequency, t.sampling_frequency);
    element_uint(sub, kChannels, t.channels);
    element(body, kAudio, sub);
  }
  Bytes out;
  element(out, kTrackEntry, body);
  return out;
}

// SeekHead pointing at Info, Tracks and (when `with_cues`) Cues.
Bytes seek_head(uint64_t info_pos, uint64_t tracks_pos, bool with_cues, uint64_t cues_pos) {
  Bytes body;
  const std::pair<uint32_t, uint64_t> entries[] = {
      {kInfo, info_pos}, {kTracks, tracks_pos}, {kCues, cues_pos}};
  for (const auto& [id, pos] : entries) {
    if (id == kCues && !with_cues) break;
    Bytes seek, idb;
    put_id(idb, id);
    element(seek, kSeekId, idb);
    element_uint8(seek, kSeekPosition, pos);
    element(body, kSeek, seek);
  }
  Bytes out;
  element(out, kSeekHead, body);
  return out;
}

}  // namespace

uint64_t WebmWriter::add_track(WebmTrackSpec spec) {
  if (spec.codec_id.empty()) throw std::invalid_argument("WebmWriter: empty codec id");
  if (spec.type == WebmTrackType::kVideo && (spec.pixel_width == 0 || spec.pixel_height == 0))
    throw std::invalid_argument("WebmWriter: video track without dimensions");
  if (spec.type == WebmTrackType::kAudio && (!(spec.sampling_frequency > 0) || spec.channels == 0))
    throw std::invalid_argument("WebmWriter: audio track without sampling frequency or channels");
  if (tracks_.size() >= kWebmMaxTracks) throw std::invalid_argument("WebmWriter: too many tracks");
  tracks_.push_back(std::move(spec));
  last_time_.push_back(-1);
  return tracks_.size();
}

void WebmWriter::add_frame(uint64_t track, int64_t time_ms, bool keyframe, ByteSpan data) {
  if (track == 0 || track > tracks_.size()) throw std::invalid_argument("WebmWriter: unknown track");
  if (time_ms < 0 || time_ms < last_time_[track - 1])
    throw std::invalid_argument("WebmWriter: frame time negative or earlier than the track's previous frame");
  last_time_[track - 1] = time_ms;
  frames_.push_back(Frame{track, time_ms, keyframe, Bytes(data.begin(), data.end())});
}

Bytes WebmWriter::finish(double duration_ms) const {
  // Interleave the tracks by time. At equal times a video key frame goes first, so it can open
  // the cluster the other tracks' frames of that instant join.
  auto opens = [&](const Frame& f) {
    return f.keyframe && tracks_[f.track - 1].type == WebmTrackType::kVideo;
  };
  std::vector<size_t> order(frames_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (frames_[a].time_ms != frames_[b].time_ms) return frames_[a].time_ms < frames_[b].time_ms;
    return opens(frames_[a]) && !opens(frames_[b]);
  });
  const bool has_video = std::any_of(tracks_.begin(), tracks_.end(),
                                     [](const WebmTrackSpec& t) { return t.type == WebmTrackType::kVideo; });

  struct Cue {
    int64_t time;
    uint64_t track;
    uint64_t offset;  // of the cluster, within `clusters`
  };
  std::vector<Cue> cues;
  Bytes clusters, body;
  int64_t cluster_time = 0;
  auto close_cluster = [&] {
    if (body.empty()) return;
    Bytes head;
    element_uint(head, kTimestamp, static_cast<uint64_t>(cluster_time));
    head.insert(head.end(), body.begin(), body.end());
    element(clusters, kCluster, head);
    body.clear();
  };
  for (size_t i : order) {
    const Frame& f = frames_[i];
    const bool open_new = body.empty() || opens(f) || f.time_ms - cluster_time > kWebmMaxClusterMs;
    if (open_new) {
      close_cluster();
      cluster_time = f.time_ms;
      if (f.keyframe && (opens(f) || !has_video)) cues.push_back(Cue{f.time_ms, f.track, clusters.size()});
    }
    // SimpleBlock (RFC 9559 §10.2): track number (VINT) | relative timestamp (int16 BE) | flags.
    Bytes block;
    put_vint(block, f.track);
    put_be(block, static_cast<uint16_t>(static_cast<int16_t>(f.time_ms - cluster_time)), 2);
    block.push_back(f.keyframe ? 0x80 : 0x00);
    block.insert(block.end(), f.data.begin(), f.data.end());
    element(body, kSimpleBlock, block);
  }
  close_cluster();

  Bytes info_body;
  element_uint(info_body, kTimestampScale, kTimestampScaleNs);
  element_string(info_body, kMuxingApp, "v100");
  element_string(info_body, kWritingApp, "v100 export-recording");
  element_float(info_body, kDuration, duration_ms);
  Bytes info;
  element(info, kInfo, info_body);

  Bytes tracks_body;
  for (size_t t = 0; t < tracks_.size(); ++t) {
    Bytes e = track_entry(tracks_[t], t + 1);
    tracks_body.insert(tracks_body.end(), e.begin(), e.end());
  }
  Bytes tracks;
  element(tracks, kTracks, tracks_body);

  // Positions in SeekHead and Cues are relative to the first byte of the Segment's data. The
  // SeekHead uses fixed-width positions, so its size is known before the positions are.
  const bool with_cues = !cues.empty();
  const uint64_t seek_size = seek_head(0, 0, with_cues, 0).size();
  const uint64_t info_pos = seek_size;
  const uint64_t tracks_pos = info_pos + info.size();
  const uint64_t clusters_pos = tracks_pos + tracks.size();
  const uint64_t cues_pos = clusters_pos + clusters.size();

  Bytes cues_body;
  for (const Cue& c : cues) {
    Bytes pos, point;
    element_uint(pos, kCueTrack, c.track);
    element_uint(pos, kCueClusterPosition, clusters_pos + c.offset);
    element_uint(point, kCueTime, static_cast<uint64_t>(c.time));
    element(point, kCueTrackPositions, pos);
    element(cues_body, kCuePoint, point);
  }
  Bytes cues_el;
  if (with_cues) element(cues_el, kCues, cues_body);

  Bytes sh = seek_head(info_pos, tracks_pos, with_cues, cues_pos);
  Bytes seg;
  seg.reserve(cues_pos + cues_el.size());
  for (const Bytes* part : {&sh, &info, &tracks, &clusters, &cues_el})
    seg.insert(seg.end(), part->begin(), part->end());

  Bytes out = ebml_header();
  put_id(out, kSegment);
  put_be(out, seg.size() | (uint64_t{1} << 56), 8);  // 8-byte size, known
  out.insert(out.end(), seg.begin(), seg.end());
  return out;
}

}  // namespace v100::media
