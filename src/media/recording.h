// The on-disk recording format, its writer, and the verifier behind `v100 verify-recording`.
//
// A recording is what a recorder (a participant, or the server relaying opaque frames) stores: the
// SFrame frames exactly as sent, cut into segments, each closed by a signed manifest (manifest.h).
// The frames stay encrypted; verifying needs only the recorder's ML-DSA-65 public key.
//
// File layout (little-endian):
//   header:  "V100REC1" | recording_id[16] | cipher_suite u16
//   records: type u8 | length u32 | body
//     type 1, frame:    len32(metadata) | metadata | sframe bytes
//     type 2, manifest: SegmentManifest::encode()
// Frames of segment k come before manifest k. The last manifest is flagged final.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "media/cipher_suite.h"
#include "media/manifest.h"
#include "pq/mldsa/mldsa.h"

namespace v100::media {

inline constexpr uint8_t kRecordFrame = 1;
inline constexpr uint8_t kRecordManifest = 2;
/// Largest record a reader accepts (a frame or a manifest).
inline constexpr uint32_t kMaxRecordBytes = 64u << 20;

/// Recording parameters.
struct RecordingOptions {
  /// Frames per signed segment (one ML-DSA-65 signature each).
  uint32_t frames_per_segment = 256;
  CipherSuite suite = kDefaultCipherSuite;
  /// Random by default.
  std::optional<RecordingId> recording_id;
};

/// Writes a recording into a growing buffer; drain() hands out what is complete so far, so a
/// caller can stream to disk. Not thread-safe.
class RecordingWriter {
 public:
  /// Signs with (a copy of) `signing_key`.
  RecordingWriter(const pq::mldsa::SecretKey65& signing_key, RecordingOptions options = {});

  /// Appends one frame; closes the segment when it reaches frames_per_segment.
  void add_frame(ByteSpan metadata, ByteSpan sframe);
  /// Closes the current segment now (no-op if empty and no transcript), signing its manifest.
  void close_segment(std::optional<Digest> transcript_hash = std::nullopt, ByteSpan app_metadata = {});
  /// Closes the last segment (flagged final, even if empty) and returns the rest of the output.
  /// The writer accepts nothing afterwards (throws std::logic_error).
  Bytes finish(std::optional<Digest> transcript_hash = std::nullopt, ByteSpan app_metadata = {});
  /// Bytes written since the last drain().
  Bytes drain();

  const RecordingId& recording_id() const { return id_; }
  uint64_t frames_written() const { return next_frame_; }

 private:
  void write_record(uint8_t type, ByteSpan body);
  void emit_manifest(bool final, std::optional<Digest> transcript_hash, ByteSpan app_metadata);

  pq::mldsa::SecretKey65 sk_;
  RecordingOptions options_;
  RecordingId id_{};
  Bytes out_;
  std::vector<Digest> pending_;  // digests of the open segment's frames
  uint64_t segment_ = 0;
  uint64_t next_frame_ = 0;
  uint64_t segment_first_ = 0;
  Digest prev_manifest_{};
  bool finished_ = false;
};

/// What went wrong, if anything.
enum class RecordingProblem {
  kNone,
  kMalformed,        ///< the file cannot be parsed (bad header, truncated record, unknown type)
  kBadSignature,     ///< a manifest's signature or root does not verify
  kBrokenChain,      ///< a manifest is missing, out of order, or belongs to another recording
  kChangedFrame,     ///< a frame's bytes differ from the signed digest
  kMissingFrame,     ///< a signed frame is absent
  kDuplicatedFrame,  ///< a frame appears twice
  kReorderedFrame,   ///< a frame is at the wrong position
  kExtraFrame,       ///< a frame no manifest signed
  kTruncated,        ///< the recording stops before its final manifest
};

/// Result of verify_recording.
struct RecordingReport {
  RecordingProblem problem = RecordingProblem::kNone;
  /// Global index of the first bad frame (position in the recording), when the problem is about a
  /// frame or a segment.
  std::optional<uint64_t> frame;
  std::string message;           ///< human-readable, names segment and frame
  uint64_t frames_verified = 0;  ///< frames checked good before the first problem
  uint64_t segments_verified = 0;
  RecordingId recording_id{};

  bool ok() const { return problem == RecordingProblem::kNone; }
};

/// Verifies a whole recording against the recorder's public key and reports the first problem.
/// Never throws on bad input.
RecordingReport verify_recording(ByteSpan file, const pq::mldsa::PublicKey65& pk);

}  // namespace v100::media
