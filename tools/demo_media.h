// The real media of `v100 demo` (cmd_demo.cc): each participant's MediaSession and TestMediaSource
// (VP8 640x360 at 30 fps of its own test pattern, Opus of its own tone, sender id = its slot), what
// it decodes (media_check.h), and one participant's recording, exported to WebM and probed.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "media_check.h"
#include "meeting/client/client.h"
#include "meeting/client/media_recorder.h"
#include "meeting/client/media_session.h"

namespace v100::tools {

/// One participant's media.
class DemoMedia {
 public:
  /// Creates the session on `client` (before it joins, so no frame is missed). `decode_video` false:
  /// video is counted, not decoded. `recorder`, if given, stores every received frame.
  Status start(meeting::client::Client& client, bool decode_video,
               meeting::client::SessionRecorder* recorder);
  /// Starts the test pattern and tone of `slot` (sender id = slot).
  void start_sending(uint16_t slot);
  void stop_sending();
  /// Stops sending and closes the session (no more callbacks).
  void close();

  bool decodes_video() const { return decode_video_; }
  uint64_t received_audio() const { return rx_audio_; }
  uint64_t received_video() const { return rx_video_; }
  uint64_t unverified() const { return unverified_; }
  meeting::client::MediaSessionStats sent() const;
  const ReceivedMediaCheck& check() const { return check_; }

 private:
  // Declared before the session: its decode thread calls into these until it is destroyed.
  ReceivedMediaCheck check_;
  bool decode_video_ = true;
  std::atomic<uint64_t> rx_audio_{0}, rx_video_{0}, unverified_{0};
  meeting::client::MediaSessionStats last_sent_{};
  std::unique_ptr<meeting::client::MediaSession> session_;
  std::unique_ptr<meeting::client::TestMediaSource> source_;
};

/// Finishes `recorder` (FILE, FILE.key, FILE.pub), exports it the way `v100 export-recording` does
/// to `webm_path`, checks that every sender's tracks hold what the recorder stored, and, when
/// ffprobe is on PATH, prints its stream summary and checks its decoded frame counts against the
/// export. Returns whether all of that worked.
bool finish_demo_recording(meeting::client::SessionRecorder& recorder, const std::string& webm_path);

}  // namespace v100::tools
