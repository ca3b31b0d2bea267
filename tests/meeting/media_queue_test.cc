// The relay's per-subscriber media queue (server/media_queue.h), without sockets: audio first, video
// deltas dropped while behind and up to the next keyframe, keyframes never dropped for congestion,
// every drop counted with its reason. Checked against a small model of what must come out.
#include "meeting/server/media_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace v100::meeting::server {
namespace {

using protocol::MediaEnvelope;
using protocol::MediaKind;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::shared_ptr<const Bytes> frame(size_t n, uint8_t tag) {
  return std::make_shared<const Bytes>(n, tag);
}

MediaEnvelope audio() {
  return {MediaKind::kAudio};
}
MediaEnvelope delta() {
  return {MediaKind::kVideo};
}
MediaEnvelope key() {
  return {MediaKind::kVideo, true};
}

std::vector<uint8_t> drain(MediaQueue& q) {
  std::vector<uint8_t> tags;
  while (const QueuedFrame* f = q.front()) {
    tags.push_back((*f->data)[0]);
    q.pop();
  }
  return tags;
}

TEST(MediaQueue, AudioLeavesBeforeQueuedVideo) {
  MediaQueue q;
  const auto t = Clock::now();
  ASSERT_TRUE(q.push(frame(3000, 1), 0, key(), t).queued);
  ASSERT_TRUE(q.push(frame(3000, 2), 0, delta(), t).queued);
  ASSERT_TRUE(q.push(frame(100, 3), 1, audio(), t).queued);
  ASSERT_TRUE(q.push(frame(100, 4), 2, {MediaKind::kControl}, t).queued);
  EXPECT_EQ(q.bytes(), 6200u);
  EXPECT_EQ(drain(q), (std::vector<uint8_t>{3, 4, 1, 2}));
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(MediaQueue, BehindDropsDeltasUpToTheNextKeyframeOfThatStreamOnly) {
  MediaQueue q({.audio_bytes = 1000, .video_bytes = 10000, .max_video_lag = 10s});
  const auto t = Clock::now();
  // Slot 1 marks keyframes (one went out already).
  ASSERT_TRUE(q.push(frame(100, 9), 1, key(), t).queued);
  q.pop();
  // Fill the video queue: three 3000-byte deltas of slot 0 (9000 bytes).
  for (uint8_t i = 1; i <= 3; ++i) ASSERT_TRUE(q.push(frame(3000, i), 0, delta(), t).queued);
  // Slot 1's delta does not fit: dropped, and slot 1 now waits for a keyframe.
  auto r = q.push(frame(3000, 10), 1, delta(), t);
  EXPECT_FALSE(r.queued);
  EXPECT_EQ(r.reason, DropReason::kVideoBehind);
  EXPECT_TRUE(q.awaiting_keyframe(1, MediaKind::kVideo));
  EXPECT_FALSE(q.awaiting_keyframe(0, MediaKind::kVideo));
  // Audio still goes in.
  EXPECT_TRUE(q.push(frame(100, 20), 1, audio(), t).queued);
  // The queue drains; slot 1's small delta would fit now but cannot be decoded: dropped.
  q.pop();  // audio
  q.pop();
  q.pop();
  r = q.push(frame(500, 11), 1, delta(), t);
  EXPECT_FALSE(r.queued);
  EXPECT_EQ(r.reason, DropReason::kAwaitingKeyframe);
  // Slot 1's keyframe is queued and ends the wait; its next delta is queued again.
  EXPECT_TRUE(q.push(frame(4000, 12), 1, key(), t).queued);
  EXPECT_FALSE(q.awaiting_keyframe(1, MediaKind::kVideo));
  EXPECT_TRUE(q.push(frame(500, 13), 1, delta(), t).queued);
  EXPECT_EQ(drain(q), (std::vector<uint8_t>{3, 12, 13}));
  EXPECT_EQ(q.drops()[static_cast<size_t>(DropReason::kVideoBehind)], 1u);
  EXPECT_EQ(q.drops()[static_cast<size_t>(DropReason::kAwaitingKeyframe)], 1u);
}

TEST(MediaQueue, KeyframeSupersedesQueuedDeltasOfItsStreamAndIsNeverDroppedForCongestion) {
  MediaQueue q({.audio_bytes = 1000, .video_bytes = 10000, .max_video_lag = 10s});
  const auto t = Clock::now();
  ASSERT_TRUE(q.push(frame(3000, 1), 0, delta(), t).queued);
  ASSERT_TRUE(q.push(frame(3000, 2), 1, delta(), t).queued);
  ASSERT_TRUE(q.push(frame(3000, 3), 0, delta(), t).queued);
  // Behind: slot 0's keyframe replaces slot 0's queued deltas, slot 1's stays.
  auto r = q.push(frame(8000, 4), 0, key(), t);
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.superseded, 2u);
  EXPECT_EQ(r.superseded_bytes, 6000u);
  EXPECT_EQ(q.video_bytes(), 11000u);  // over the soft limit, under the hard cap (2x)
  // Screen is its own stream: its keyframe does not touch camera deltas.
  r = q.push(frame(9000, 5), 1, {MediaKind::kScreen, true}, t);
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.superseded, 0u);
  // Beyond the hard cap even a keyframe cannot be held: counted, and its stream waits.
  r = q.push(frame(5000, 6), 2, key(), t);
  EXPECT_FALSE(r.queued);
  EXPECT_EQ(r.reason, DropReason::kKeyframeOverflow);
  EXPECT_TRUE(q.awaiting_keyframe(2, MediaKind::kVideo));
  EXPECT_EQ(drain(q), (std::vector<uint8_t>{2, 4, 5}));
  EXPECT_EQ(q.drops()[static_cast<size_t>(DropReason::kSuperseded)], 2u);
}

TEST(MediaQueue, StaleVideoCountsAsBehindEvenWhenSmall) {
  MediaQueue q({.audio_bytes = 1000, .video_bytes = 1u << 20, .max_video_lag = 100ms});
  const auto t = Clock::now();
  ASSERT_TRUE(q.push(frame(100, 1), 0, delta(), t).queued);
  // 50 ms later the queue is young enough; 150 ms later the oldest frame is stale.
  EXPECT_TRUE(q.push(frame(100, 2), 0, delta(), t + 50ms).queued);
  auto r = q.push(frame(100, 3), 0, delta(), t + 150ms);
  EXPECT_FALSE(r.queued);
  EXPECT_EQ(r.reason, DropReason::kVideoBehind);
}

TEST(MediaQueue, AudioIsDroppedOnlyWhenItsOwnQueueIsFull) {
  MediaQueue q({.audio_bytes = 300, .video_bytes = 100, .max_video_lag = 10s});
  const auto t = Clock::now();
  ASSERT_TRUE(q.push(frame(100, 1), 0, key(), t).queued);  // video full
  for (uint8_t i = 0; i < 3; ++i) EXPECT_TRUE(q.push(frame(100, i), 1, audio(), t).queued);
  auto r = q.push(frame(100, 9), 1, audio(), t);
  EXPECT_FALSE(r.queued);
  EXPECT_EQ(r.reason, DropReason::kAudioOverflow);
}

TEST(MediaQueue, AStreamThatNeverMarksKeyframesIsNeverHeldForOne) {
  MediaQueue q({.audio_bytes = 1000, .video_bytes = 3000, .max_video_lag = 10s});
  const auto t = Clock::now();
  ASSERT_TRUE(q.push(frame(3000, 1), 0, delta(), t).queued);
  auto r = q.push(frame(3000, 2), 2, delta(), t);  // behind: dropped
  EXPECT_EQ(r.reason, DropReason::kVideoBehind);
  EXPECT_FALSE(q.awaiting_keyframe(2, MediaKind::kVideo));
  q.pop();
  EXPECT_TRUE(q.push(frame(3000, 3), 2, delta(), t).queued);  // not behind any more: queued
  q.note_external_drop(2, delta(), DropReason::kBudget);
  EXPECT_FALSE(q.awaiting_keyframe(2, MediaKind::kVideo));
}

TEST(MediaQueue, ExternalDropOfADeltaMakesItsStreamWait) {
  MediaQueue q;
  ASSERT_TRUE(q.push(frame(100, 0), 7, key(), Clock::now()).queued);
  q.pop();
  q.note_external_drop(7, delta(), DropReason::kBudget);
  EXPECT_TRUE(q.awaiting_keyframe(7, MediaKind::kVideo));
  EXPECT_FALSE(q.push(frame(100, 1), 7, delta(), Clock::now()).queued);
  q.note_external_drop(8, audio(), DropReason::kBudget);
  EXPECT_TRUE(q.push(frame(100, 2), 8, audio(), Clock::now()).queued);
  EXPECT_EQ(q.drops()[static_cast<size_t>(DropReason::kBudget)], 2u);
}

}  // namespace
}  // namespace v100::meeting::server
