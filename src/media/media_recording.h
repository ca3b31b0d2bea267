// Playable recordings: the media a participant receives, stored in the signed recording format
// (recording.h) with every payload re-encrypted under a fresh recording key.
//
// A participant (never the server: it holds no media keys) decrypts the meeting's SFrame frames as
// usual and hands each decoded codec frame (a VP8 frame, an Opus packet) to a MediaRecorder with
// its clear media envelope and timing. The recorder
//   - stores the frame's metadata (layout below) in the record's metadata field, signed like any
//     recorded frame (manifest.h: digest, Merkle root, ML-DSA-65 per segment);
//   - re-protects the payload with SFrame (RFC 9605, suite 5 AES_256_GCM_SHA512_128) under a
//     32-byte recording key drawn from the OS CSPRNG, KID = slot * 8 + kind, the metadata as AAD,
//     so the file holds no plaintext media and a frame's metadata cannot be swapped for another's.
// Each KID gets its own SFrame key and salt (RFC 9605 §4.4.2 derives both from the KID), and its
// counter starts at 0 and only grows, so no (key, nonce) pair repeats.
//
// The recording key is the only secret: whoever has it and the file can play the recording; the
// recorder's public key alone verifies it (verify_recording). The CLI and SDK store the key next to
// the file as FILE.key (hex, mode 0600): save_recording_key / load_recording_key.
//
// Frame metadata, version 1 (25 bytes, little-endian, fixed layout):
//   version u8 = 1 | slot u16 | envelope u8 | codec u8 | seq u32 | capture_us u64 | receive_us u64
// envelope: bits 0-2 kind (MediaKind), bit 3 keyframe, bits 4-5 layer, bits 6-7 zero.
//
// Errors: untrusted input (files, keys, metadata) never throws; it gives a Status/Result with a
// message naming the frame. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "media/recording.h"
#include "media/sframe_context.h"
#include "pq/mldsa/mldsa.h"

namespace v100::media {

/// What a frame carries (envelope bits 0-2).
enum class MediaKind : uint8_t { kAudio = 0, kVideo = 1, kData = 2, kScreen = 3, kControl = 4 };
/// Codec of a frame's payload.
enum class MediaCodec : uint8_t { kRaw = 0, kVp8 = 1, kOpus = 2 };

inline constexpr uint8_t kFrameMetadataVersion = 1;
/// Encoded size of version-1 frame metadata.
inline constexpr size_t kFrameMetadataBytes = 1 + 2 + 1 + 1 + 4 + 8 + 8;
static_assert(kFrameMetadataBytes == 25);
/// Size of a recording key.
inline constexpr size_t kRecordingKeyBytes = 32;
/// Largest payload a recorder accepts (a frame record must stay below kMaxRecordBytes).
inline constexpr size_t kMaxRecordedPayload = 16u << 20;

/// The clear facts about one recorded frame.
struct RecordedFrameInfo {
  uint16_t slot = 0;        ///< sender slot
  uint8_t envelope = 0;     ///< clear media envelope byte (layout in the file comment)
  uint8_t codec = 0;        ///< MediaCodec value
  uint32_t seq = 0;         ///< per sender track
  uint64_t capture_us = 0;  ///< sender's capture clock, µs
  uint64_t receive_us = 0;  ///< recorder's clock since the recording started, µs

  MediaKind kind() const { return static_cast<MediaKind>(envelope & 7); }
  bool keyframe() const { return (envelope & 8) != 0; }
  uint8_t layer() const { return static_cast<uint8_t>((envelope >> 4) & 3); }

  friend bool operator==(const RecordedFrameInfo&, const RecordedFrameInfo&) = default;
};

/// The envelope byte for `kind`, `keyframe` and `layer` (0..3).
inline uint8_t make_envelope(MediaKind kind, bool keyframe, uint8_t layer = 0) {
  return static_cast<uint8_t>(static_cast<uint8_t>(kind) | (keyframe ? 8 : 0) | ((layer & 3) << 4));
}

/// Version-1 metadata of `info` (kFrameMetadataBytes bytes).
Bytes encode_frame_metadata(const RecordedFrameInfo& info);
/// Parses metadata from untrusted bytes. Errors: wrong length, unknown version, kind above 4,
/// reserved envelope bits set, unknown codec.
Result<RecordedFrameInfo> parse_frame_metadata(ByteSpan metadata);
/// The SFrame KID of a frame: slot * 8 + kind.
inline uint64_t recording_kid(const RecordedFrameInfo& info) {
  return uint64_t{info.slot} * 8 + static_cast<uint8_t>(info.kind());
}

/// Records decoded media into a signed, encrypted recording. Move-only (holds the key).
class MediaRecorder {
 public:
  /// Signs with (a copy of) `signing_key`. Draws a fresh recording key. `options.suite` must be
  /// kAes256GcmSha512_128 (throws std::invalid_argument otherwise, and for the RecordingWriter's
  /// own option checks).
  MediaRecorder(const pq::mldsa::SecretKey65& signing_key, RecordingOptions options = {});

  /// Encrypts and appends one frame. Errors (the frame is not recorded): envelope or codec out of
  /// range, payload above kMaxRecordedPayload, recorder finished, SFrame failure.
  Status add(const RecordedFrameInfo& info, ByteSpan payload);
  /// Bytes completed since the last drain() (stream them to disk).
  Bytes drain() { return writer_.drain(); }
  /// Closes the last segment (signed, flagged final) and returns the rest of the output. add()
  /// refuses afterwards; calling finish() twice throws std::logic_error.
  Bytes finish();
  /// Convenience for recordings kept in memory (never drained): finish() and write the whole
  /// output to `path` (created or truncated). Error if the file cannot be written.
  Status finish_to_file(const std::string& path);

  /// The recording key (secret: store it with save_recording_key, never print it).
  ByteSpan recording_key() const { return key_.span(); }
  const RecordingId& recording_id() const { return writer_.recording_id(); }
  uint64_t frames_written() const { return writer_.frames_written(); }

 private:
  SecretBytes key_;
  RecordingWriter writer_;
  std::map<uint64_t, std::unique_ptr<SenderContext>> senders_;  // by KID
  bool finished_ = false;
};

/// One decrypted frame.
struct RecordedFrame {
  RecordedFrameInfo info;
  Bytes payload;
};

/// A verified, decrypted recording, frames in file order.
struct MediaRecordingContents {
  RecordingId recording_id{};
  uint64_t segments = 0;
  std::vector<RecordedFrame> frames;
};

/// Verifies `file` against the recorder's public key (verify_recording) and, only if it verifies,
/// decrypts every frame with `recording_key`. Errors: the recording does not verify (the message
/// is verify_recording's and names the first bad frame; `report`, if given, receives the full
/// report either way), malformed frame metadata, a KID that does not match the metadata, a wrong
/// recording key or another failed tag check ("frame N: ..."). No plaintext of a failed frame is
/// returned.
Result<MediaRecordingContents> open_media_recording(ByteSpan file, const pq::mldsa::PublicKey65& pk,
                                                    ByteSpan recording_key,
                                                    RecordingReport* report = nullptr);

/// Writes `key` as lower-case hex and a newline to `path`, created or truncated with mode 0600.
Status save_recording_key(const std::string& path, ByteSpan key);
/// Reads a key written by save_recording_key (hex, surrounding whitespace allowed). Errors:
/// unreadable file, not hex, not kRecordingKeyBytes bytes.
Result<SecretBytes> load_recording_key(const std::string& path);

}  // namespace v100::media
