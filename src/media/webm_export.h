// Turns a verified, decrypted media recording (media_recording.h) into a WebM file (webm_writer.h)
// that media players open: behind `v100 export-recording`.
//
// Tracks: per sender slot, one V_VP8 track for its camera (kind video), one for its screen (kind
// screen) and one A_OPUS track (kind audio), ordered by slot then video, screen, audio. Frames of
// other kinds or codecs are not exported (counted in frames_ignored).
//
// Timeline: a track's frame sits at receive_us(first frame of the track) + (capture_us - capture_us
// of that first frame), so each sender keeps its own capture spacing while the senders stay aligned
// by when the recorder received them; then the whole file is shifted so its first frame is at 0.
// Times are in ms (TimestampScale 1 ms), never decreasing within a track (a capture clock that
// steps back is held at the previous frame's time).
//
// Video: the VP8 frame tag (RFC 6386 §9.1) decides what is a key frame; frames before a track's
// first key frame cannot be decoded and are skipped (counted). A frame from another simulcast
// layer than the current one is skipped too, until a key frame of that layer switches the track to
// it. Width and height come from the first key frame's header.
// Audio: Opus, 48 kHz, 1 channel, OpusHead CodecPrivate (RFC 7845 §5.1), CodecDelay = pre-skip and
// SeekPreRoll = 80 ms as the WebM Opus mapping asks; every block is a key frame.
//
// Hostile content: the recording is signed, but by a participant; the exporter still refuses
// (error naming the frame) a VP8 frame whose tag or key-frame header is malformed, a frame the
// envelope calls a key frame that VP8 does not, and an Opus packet without a valid TOC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "media/media_recording.h"

namespace v100::media {

/// Export choices.
struct ExportOptions {
  /// Only this sender slot; every sender by default.
  std::optional<uint16_t> slot;
  /// Opus pre-skip in 48 kHz samples written to OpusHead and CodecDelay (libopus' encoder
  /// look-ahead at 48 kHz is 312).
  uint16_t opus_pre_skip = 312;
};

/// What went into one WebM track.
struct ExportedTrack {
  uint64_t number = 0;  ///< WebM track number
  uint16_t slot = 0;
  MediaKind kind = MediaKind::kVideo;
  std::string codec_id;            ///< "V_VP8" or "A_OPUS"
  uint32_t width = 0, height = 0;  ///< video
  uint64_t frames = 0;             ///< blocks written
  uint64_t keyframes = 0;          ///< of which key frames (all, for audio)
  uint64_t skipped = 0;            ///< frames before the first key frame or of another layer
  int64_t start_ms = 0;            ///< first block's time in the file
  double duration_ms = 0;          ///< from the first block to the end of the last
};

/// An exported file and its report.
struct WebmExport {
  Bytes webm;
  std::vector<ExportedTrack> tracks;
  double duration_ms = 0;       ///< Info Duration
  uint64_t frames_ignored = 0;  ///< frames of another slot, kind or codec
  uint64_t frames_skipped = 0;  ///< sum of the tracks' skipped frames (also of unwritten tracks)
};

/// Builds the WebM file. Errors: nothing to export (no decodable VP8 or Opus frame, for the slot
/// if one was asked for), a malformed frame (see the file comment; the message names the frame's
/// index in the recording), more tracks than the muxer allows.
Result<WebmExport> export_webm(const MediaRecordingContents& contents, const ExportOptions& options = {});

}  // namespace v100::media
