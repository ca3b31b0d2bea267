#include "meeting/server/media_queue.h"

#include <algorithm>

namespace v100::meeting::server {

using protocol::MediaEnvelope;
using protocol::MediaKind;

const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kNone:
      return "none";
    case DropReason::kVideoBehind:
      return "video_behind";
    case DropReason::kAwaitingKeyframe:
      return "awaiting_keyframe";
    case DropReason::kSuperseded:
      return "superseded";
    case DropReason::kKeyframeOverflow:
      return "keyframe_overflow";
    case DropReason::kAudioOverflow:
      return "audio_overflow";
    case DropReason::kBudget:
      return "budget";
  }
  return "unknown";
}

MediaQueue::MediaQueue(MediaQueueLimits limits)
    : limits_(limits),
      awaiting_(2 * protocol::kMaxMembers, false),
      keyed_(2 * protocol::kMaxMembers, false) {}

bool MediaQueue::awaiting_keyframe(uint16_t slot, MediaKind kind) const {
  return slot < protocol::kMaxMembers && awaiting_[stream_of(slot, kind)];
}

void MediaQueue::note_external_drop(uint16_t slot, MediaEnvelope env, DropReason reason) {
  count(reason);
  if (env.is_video() && slot < protocol::kMaxMembers && keyed_[stream_of(slot, env.kind)])
    awaiting_[stream_of(slot, env.kind)] = true;
}

MediaQueue::Push MediaQueue::push(std::shared_ptr<const Bytes> data, uint16_t slot, MediaEnvelope env,
                                  Clock::time_point now) {
  Push r;
  const size_t size = data->size();
  if (!env.is_video()) {
    if (audio_bytes_ + size > limits_.audio_bytes) {
      count(r.reason = DropReason::kAudioOverflow);
      return r;
    }
    audio_bytes_ += size;
    audio_.push_back({std::move(data), slot, env, now});
    r.queued = true;
    return r;
  }

  const size_t stream = stream_of(slot, env.kind);
  if (env.keyframe) keyed_[stream] = true;
  const bool behind = video_bytes_ + size > limits_.video_bytes ||
                      (!video_.empty() && now - video_.front().at > limits_.max_video_lag);
  if (!env.keyframe) {
    if (awaiting_[stream]) {
      count(r.reason = DropReason::kAwaitingKeyframe);
      return r;
    }
    if (behind) {
      awaiting_[stream] = keyed_[stream];  // a stream without keyframes is never held for one
      count(r.reason = DropReason::kVideoBehind);
      return r;
    }
  } else if (behind) {
    // The keyframe makes its stream's queued deltas unnecessary: the receiver restarts from it.
    auto superseded = [&](const QueuedFrame& f) {
      return f.slot == slot && f.env.kind == env.kind && !f.env.keyframe;
    };
    for (const auto& f : video_)
      if (superseded(f)) {
        ++r.superseded;
        r.superseded_bytes += f.data->size();
      }
    if (r.superseded) {
      video_.erase(std::remove_if(video_.begin(), video_.end(), superseded), video_.end());
      video_bytes_ -= r.superseded_bytes;
      count(DropReason::kSuperseded, r.superseded);
    }
    if (video_bytes_ + size > 2 * limits_.video_bytes) {
      awaiting_[stream] = true;
      count(r.reason = DropReason::kKeyframeOverflow);
      return r;
    }
  }
  if (env.keyframe) awaiting_[stream] = false;
  video_bytes_ += size;
  video_.push_back({std::move(data), slot, env, now});
  r.queued = true;
  return r;
}

const QueuedFrame* MediaQueue::front() const {
  if (!audio_.empty()) return &audio_.front();
  if (!video_.empty()) return &video_.front();
  return nullptr;
}

void MediaQueue::pop() {
  if (!audio_.empty()) {
    audio_bytes_ -= audio_.front().data->size();
    audio_.pop_front();
  } else if (!video_.empty()) {
    video_bytes_ -= video_.front().data->size();
    video_.pop_front();
  }
}

void MediaQueue::clear() {
  audio_.clear();
  video_.clear();
  audio_bytes_ = video_bytes_ = 0;
}

}  // namespace v100::meeting::server
