// A sliding anti-replay window over SFrame counters (the receiver side of RFC 9605 §7.5 / §9.3):
// accepts each counter at most once, and rejects counters more than `size` below the highest one
// accepted so far. One window per KID (i.e. per sender and epoch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace v100::media {

/// Bitmap window of a fixed size (a multiple of 64). Not thread-safe.
class ReplayWindow {
 public:
  /// `size` counters of reordering tolerance; rounded up to a multiple of 64, at least 64.
  explicit ReplayWindow(size_t size = 128);

  /// Whether `ctr` would be accepted (not seen, not too old). Does not change the window.
  bool check(uint64_t ctr) const;
  /// Records `ctr` as seen. Call only after the frame authenticated, so forged frames cannot
  /// advance the window.
  void accept(uint64_t ctr);

  size_t size() const { return bits_.size() * 64; }

 private:
  bool test_bit(uint64_t ctr) const { return (bits_[(ctr / 64) % bits_.size()] >> (ctr % 64)) & 1; }
  void set_bit(uint64_t ctr) { bits_[(ctr / 64) % bits_.size()] |= uint64_t{1} << (ctr % 64); }
  void clear_bit(uint64_t ctr) { bits_[(ctr / 64) % bits_.size()] &= ~(uint64_t{1} << (ctr % 64)); }

  std::vector<uint64_t> bits_;  // bit (ctr mod size) says whether ctr was seen
  uint64_t highest_ = 0;
  bool any_ = false;
};

}  // namespace v100::media
