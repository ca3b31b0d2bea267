// v100::meeting::client::SessionRecorder — records what a MediaSession receives into a signed,
// encrypted media recording (media/media_recording.h), streamed to disk as it grows.
//
//   auto rec = SessionRecorder::create("meeting.v100rec");
//   MediaSessionOptions o;
//   o.on_received = (*rec)->hook();                 // every audio/video/screen frame, before decoding
//   auto media = MediaSession::create(client, o);
//   ...
//   media.reset();                                  // no more frames
//   (*rec)->finish();                               // meeting.v100rec, .key (0600), .pub
//
// Each received frame is stored with its clear facts: sender slot, the envelope byte
// (protocol::MediaEnvelope{kind, keyframe, layer}), the codec, seq and capture time of the inner media
// header, and receive_us, the recorder's steady clock in µs since create(). The codec bytes are
// re-encrypted under the recording key; `v100 export-recording FILE --out X.webm` turns the file into
// a WebM (media/webm_export.h).
//
// Signing: every recording gets a fresh ML-DSA-65 key pair; its public key goes to FILE.pub (hex), so
// the file verifies against it (`v100 verify-recording FILE --pubkey FILE.pub`). Keep FILE.pub where
// the recording cannot change it (or publish it) for the check to mean something. The recording key
// goes to FILE.key (hex, mode 0600): whoever holds it can play the recording.
//
// Threading: on_received() / hook() may be called from any thread (the session's decode thread),
// finish() and stats() from another; a mutex serialises them. The recorder never throws on the media
// path: a frame it cannot store is counted in stats().errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "core/bytes.h"
#include "core/status.h"
#include "media/media_recording.h"
#include "meeting/client/client.h"
#include "meeting/client/media_session.h"

namespace v100::meeting::client {

/// What a SessionRecorder stored.
struct SessionRecorderStats {
  /// Frames stored per (sender slot, kind).
  std::map<std::pair<uint16_t, protocol::MediaKind>, uint64_t> frames;
  uint64_t bytes = 0;   ///< codec bytes stored
  uint64_t errors = 0;  ///< frames not stored (recorder error, write error, after finish)
};

class SessionRecorder {
 public:
  /// Creates (truncates) `path` and starts the recorder's clock. Error when the file cannot be
  /// created.
  static Result<std::unique_ptr<SessionRecorder>> create(const std::string& path,
                                                         media::RecordingOptions options = {});
  ~SessionRecorder();  ///< closes the file without finishing it (an unsigned tail) if finish() was not called
  SessionRecorder(const SessionRecorder&) = delete;
  SessionRecorder& operator=(const SessionRecorder&) = delete;

  /// Records one received frame (the MediaSessionOptions::on_received signature).
  void on_received(const DecryptedFrame& f, const MediaHeader& header, ByteSpan codec_bytes);
  /// A callable for MediaSessionOptions::on_received that forwards to this recorder (which must
  /// outlive the session).
  std::function<void(const DecryptedFrame&, const MediaHeader&, ByteSpan)> hook();

  /// Signs the last segment and writes the rest of the recording, then `path`.key and `path`.pub.
  /// Frames arriving afterwards are counted as errors. Error on a write failure or a second call.
  Status finish();

  SessionRecorderStats stats() const;
  const std::string& path() const { return path_; }

 private:
  SessionRecorder(std::string path, std::FILE* file, const pq::mldsa::KeyPair<pq::mldsa::kMlDsa65>& keys,
                  media::RecordingOptions options);
  Status write_locked(ByteSpan bytes);

  const std::string path_;
  std::FILE* file_;
  pq::mldsa::PublicKey65 public_key_;
  std::unique_ptr<media::MediaRecorder> recorder_;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  SessionRecorderStats stats_;
  bool finished_ = false;
  bool write_failed_ = false;
};

}  // namespace v100::meeting::client
