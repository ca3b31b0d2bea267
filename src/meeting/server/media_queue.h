// One subscriber's outbound media queue: what the relay does when a subscriber cannot keep up.
//
// The relay reads only the media envelope (protocol::MediaEnvelope: kind, keyframe bit, layer)
// and the sender's slot; the frames stay opaque SFrame bytes. The policy:
//
//   - Two queues. Audio, data and control frames go in the first and always leave before video:
//     a talker is heard even while pictures lag. They are never dropped for congestion; if even
//     they do not fit (a subscriber that stopped reading), the connection is a slow consumer.
//   - Video and screen frames go in the second. A subscriber is behind when its video queue holds
//     more than `video_bytes` or its oldest queued video frame is older than `max_video_lag`.
//     Then an arriving delta is dropped and its stream (sender slot and kind) waits for a
//     keyframe: every later delta of that stream is dropped too (it could not be decoded), up to
//     the next keyframe (only for a stream that marks keyframes: one that never set the bit, e.g.
//     an app's own codec, has each delta dropped while behind but is never held). A keyframe is
//     never dropped for congestion: it replaces the deltas of its
//     stream still queued (they are superseded) and is queued, up to a hard cap of twice
//     `video_bytes` (a keyframe beyond that is dropped and counted: the subscriber is hopeless).
//   - Every drop is counted with its reason (DropReason), per queue and by the server.
//
// Receivers see a gap in the stream's inner sequence numbers and ask the sender for a keyframe
// through an encrypted control frame (docs/protocol.md §5), so a congested subscriber resumes
// on the next keyframe without the relay knowing anything more.
//
// Not thread-safe: the session guards it with its send lock. Unit-tested without sockets.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "core/bytes.h"
#include "meeting/protocol/messages.h"

namespace v100::meeting::server {

/// Why a relayed frame did not reach a subscriber's queue.
enum class DropReason : uint8_t {
  kNone = 0,
  kVideoBehind,       ///< a video delta arriving while the subscriber's video queue is behind
  kAwaitingKeyframe,  ///< a delta of a stream that lost a frame, before its next keyframe
  kSuperseded,        ///< a queued delta removed because a keyframe of its stream arrived
  kKeyframeOverflow,  ///< a keyframe beyond the video hard cap (should stay zero)
  kAudioOverflow,     ///< audio/data/control beyond their queue (a subscriber not reading)
  kBudget,            ///< the server's memory budget refused the bytes
};
inline constexpr size_t kNumDropReasons = 7;
const char* drop_reason_name(DropReason r);

struct MediaQueueLimits {
  size_t audio_bytes = 1u << 20;  ///< audio + data + control queued
  size_t video_bytes = 3u << 20;  ///< video queued before the subscriber counts as behind
  std::chrono::milliseconds max_video_lag{400};
};

struct QueuedFrame {
  std::shared_ptr<const Bytes> data;  ///< the whole encoded MediaFrame message
  uint16_t slot = 0;
  protocol::MediaEnvelope env;
  std::chrono::steady_clock::time_point at{};
};

class MediaQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit MediaQueue(MediaQueueLimits limits = {});

  /// Result of push(): whether the frame was queued, else why not; and how many queued deltas
  /// it superseded (removed, counted as kSuperseded).
  struct Push {
    bool queued = false;
    DropReason reason = DropReason::kNone;
    size_t superseded = 0;
    size_t superseded_bytes = 0;
  };
  /// Queues one relayed frame per the policy above.
  Push push(std::shared_ptr<const Bytes> data, uint16_t slot, protocol::MediaEnvelope env,
            Clock::time_point now);
  /// Records a drop decided outside the queue (the memory budget): a dropped video delta also
  /// makes its stream wait for a keyframe.
  void note_external_drop(uint16_t slot, protocol::MediaEnvelope env, DropReason reason);

  bool empty() const { return audio_.empty() && video_.empty(); }
  /// The next frame to send (audio first), or nullptr.
  const QueuedFrame* front() const;
  /// Removes front().
  void pop();
  void clear();

  size_t bytes() const { return audio_bytes_ + video_bytes_; }
  size_t audio_bytes() const { return audio_bytes_; }
  size_t video_bytes() const { return video_bytes_; }
  size_t frames() const { return audio_.size() + video_.size(); }
  /// Drops so far by reason (index: DropReason).
  const std::array<uint64_t, kNumDropReasons>& drops() const { return drops_; }
  /// Whether the stream (slot, kind) is waiting for a keyframe.
  bool awaiting_keyframe(uint16_t slot, protocol::MediaKind kind) const;

 private:
  static size_t stream_of(uint16_t slot, protocol::MediaKind kind) {
    return static_cast<size_t>(slot) * 2 + (kind == protocol::MediaKind::kScreen ? 1 : 0);
  }
  void count(DropReason r, uint64_t n = 1) { drops_[static_cast<size_t>(r)] += n; }

  MediaQueueLimits limits_;
  std::deque<QueuedFrame> audio_, video_;
  size_t audio_bytes_ = 0, video_bytes_ = 0;
  std::vector<bool> awaiting_;  // per stream (slot x {video, screen})
  std::vector<bool> keyed_;     // the stream has marked a keyframe: it may be held for the next
  std::array<uint64_t, kNumDropReasons> drops_{};
};

}  // namespace v100::meeting::server
