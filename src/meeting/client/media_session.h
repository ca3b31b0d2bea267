// v100::meeting::client::MediaSession — real audio and video over a Client: VP8 and Opus encoders
// and decoders (codec/), the inner media header, keyframes on demand. Apps with their own codecs
// bypass it and call Client::send_frame() as before.
//
//   auto media = MediaSession::create(*client, {.on_picture = [](const DecodedPicture& p) { ... },
//                                              .on_audio = [](const DecodedAudio& a) { ... }});
//   (*media)->send_picture(camera_picture, now_us());   // 640x360 I420 -> VP8 -> SFrame -> relay
//   (*media)->send_audio(pcm_20ms, now_us());           // 960 samples -> Opus -> SFrame -> relay
//
// What travels: the clear media envelope (kind, keyframe bit; protocol::MediaEnvelope, the only
// thing the relay reads) and, inside the SFrame ciphertext, the media payload
//
//   codec u8 (1 VP8, 2 Opus) | seq u32 LE (per sender and kind) | capture_us u64 LE | codec bytes
//
// (capture_us: the sender's wall clock in µs when the picture or sound was taken; the server never
// sees it). Receivers decode on a thread of their own, never on the connection's I/O thread.
//
// Keyframes: a sender sends one at start, at each new epoch, and when a receiver asks. A receiver
// asks (Client::request_keyframe: an encrypted control frame) whenever a stream has no decodable
// reference: it joined after the last keyframe, frames went missing (a gap in seq: dropped by a
// congested relay, lost in a rekey, or undecryptable) or a frame failed to decode. Until then it
// drops that stream's deltas (counted). Audio gaps are concealed by Opus (counted as lost).
//
// Threading: send_* from any one thread per kind; callbacks run on the session's decode thread.
// The session installs the Client's frame, keyframe-request and epoch handlers (replacing any):
// frames it does not handle (data) go to `on_other`. Destroy the session before the Client.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "codec/opus.h"
#include "codec/picture.h"
#include "codec/vp8.h"
#include "core/bytes.h"
#include "core/status.h"
#include "meeting/client/client.h"

namespace v100::meeting::client {

inline constexpr uint8_t kCodecVp8 = 1;
inline constexpr uint8_t kCodecOpus = 2;
inline constexpr size_t kMediaHeaderBytes = 13;

/// The inner media header (encrypted with the frame).
struct MediaHeader {
  uint8_t codec = 0;
  uint32_t seq = 0;
  uint64_t capture_us = 0;
};
/// codec bytes prefixed with the header.
Bytes encode_media_payload(const MediaHeader& h, ByteSpan codec_bytes);
/// Splits a decrypted payload; error if shorter than the header or the codec is unknown.
Result<std::pair<MediaHeader, ByteSpan>> parse_media_payload(ByteSpan payload);

/// Microseconds of the wall clock (capture timestamps).
uint64_t wall_clock_us();

struct DecodedPicture {
  uint16_t slot = 0;
  protocol::MediaKind kind = protocol::MediaKind::kVideo;  ///< kVideo or kScreen
  bool keyframe = false;
  uint32_t seq = 0;
  uint64_t capture_us = 0;
  std::string sender_name;  ///< from the sender's verified identity (empty otherwise)
  bool identity_verified = false;
  codec::Picture picture;
};

struct DecodedAudio {
  uint16_t slot = 0;
  uint32_t seq = 0;
  uint64_t capture_us = 0;
  bool concealed = false;    ///< packet-loss concealment for a missing packet
  std::vector<int16_t> pcm;  ///< 48 kHz mono
};

/// Per remote sender.
struct SenderMediaStats {
  uint64_t video_frames = 0;    ///< decoded pictures (video + screen)
  uint64_t keyframes = 0;       ///< decoded keyframes
  uint64_t video_gaps = 0;      ///< seq gaps seen (frames that never arrived)
  uint64_t deltas_skipped = 0;  ///< deltas dropped while waiting for a keyframe
  uint64_t decode_errors = 0;
  uint64_t keyframe_requests = 0;  ///< requests this receiver sent to that sender
  uint64_t audio_packets = 0;      ///< decoded Opus packets
  uint64_t audio_lost = 0;         ///< missing packets (concealed)
  uint64_t queue_drops = 0;        ///< frames dropped because the decode thread fell behind
};

struct MediaSessionStats {
  uint64_t video_sent = 0, keyframes_sent = 0, video_bytes_sent = 0;
  uint64_t audio_sent = 0, audio_bytes_sent = 0;
  uint64_t keyframes_on_request = 0;  ///< keyframes forced by a receiver's request
  uint64_t keyframes_on_epoch = 0;    ///< keyframes forced by a new epoch
  uint64_t send_errors = 0;
};

struct MediaSessionOptions {
  codec::Vp8Config video{};  ///< camera encoder (640x360, 30 fps by default)
  codec::Vp8Config screen{
      .width = 1280, .height = 720, .fps = 5, .bitrate_kbps = 1200, .keyframe_interval = 50};
  codec::OpusConfig audio{};
  std::function<void(const DecodedPicture&)> on_picture = nullptr;
  std::function<void(const DecodedAudio&)> on_audio = nullptr;
  std::function<void(const DecryptedFrame&)> on_other = nullptr;  ///< data frames, on the decode thread
  /// Every audio/video/screen frame as received, before decoding (decode thread): a recorder
  /// stores these (media/media_recording.h), header parsed, codec bytes in `codec_bytes`.
  std::function<void(const DecryptedFrame&, const MediaHeader&, ByteSpan codec_bytes)> on_received = nullptr;
  size_t max_queue = 512;    ///< frames waiting for the decode thread
  bool decode_video = true;  ///< false: count video frames without decoding them
};

class MediaSession {
 public:
  static Result<std::unique_ptr<MediaSession>> create(Client& client, MediaSessionOptions options = {});
  ~MediaSession();
  MediaSession(const MediaSession&) = delete;
  MediaSession& operator=(const MediaSession&) = delete;

  /// Encodes and sends one picture of the camera (kVideo) or the screen (kScreen).
  Status send_picture(const codec::Picture& picture, uint64_t capture_us,
                      protocol::MediaKind kind = protocol::MediaKind::kVideo);
  /// Encodes and sends 20 ms of 48 kHz mono audio (codec::kOpusFrameSamples samples).
  Status send_audio(std::span<const int16_t> pcm, uint64_t capture_us);
  /// The next picture of `kind` is sent as a keyframe.
  void force_keyframe(protocol::MediaKind kind = protocol::MediaKind::kVideo);

  MediaSessionStats stats() const;
  std::map<uint16_t, SenderMediaStats> receive_stats() const;

  struct Impl;

 private:
  explicit MediaSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A synthetic participant's camera and microphone for demos and tests: the moving test pattern of
/// `sender` (codec::render_test_pattern) at the encoder's size and rate, and the tone at
/// codec::tone_frequency(sender), sent through `session` on a thread of its own until stopped.
class TestMediaSource {
 public:
  TestMediaSource(MediaSession& session, uint16_t sender, int width = 640, int height = 360, int fps = 30,
                  bool video = true, bool audio = true);
  ~TestMediaSource();  ///< stops
  void stop();
  uint32_t frames_sent() const { return frames_.load(); }
  uint32_t audio_sent() const { return packets_.load(); }

 private:
  void run();
  MediaSession& session_;
  uint16_t sender_;
  int width_, height_, fps_;
  bool video_, audio_;
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> frames_{0}, packets_{0};
  std::thread thread_;
};

}  // namespace v100::meeting::client
