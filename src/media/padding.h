// Optional padding of frame payloads to size buckets, so an observer of ciphertext sizes learns a
// bucket instead of the exact frame size (DESIGN.md §4: traffic analysis). The padding sits inside
// the encrypted and authenticated plaintext: payload || 0x80 || 0x00*, removed after the tag check.
#pragma once

#include <cstddef>

#include "core/bytes.h"
#include "core/status.h"

namespace v100::media {

/// Buckets are min_bucket, 2*min_bucket, 4*min_bucket, ... up to max_bucket; beyond max_bucket the
/// padded size is the next multiple of max_bucket. min_bucket == 0 disables padding. Sender and
/// receiver must agree on whether padding is on (the buckets themselves only matter to the sender).
struct PaddingPolicy {
  size_t min_bucket = 0;
  size_t max_bucket = 16384;

  bool enabled() const { return min_bucket != 0; }
  /// Padding off.
  static PaddingPolicy none() { return {}; }
  /// Powers-of-two buckets from `min` to `max`. Throws std::invalid_argument if min == 0 or max < min.
  static PaddingPolicy buckets(size_t min, size_t max);

  /// Size of the padded plaintext for a payload of `payload_len` bytes (payload_len if disabled,
  /// otherwise at least payload_len + 1 for the 0x80 marker).
  size_t padded_size(size_t payload_len) const;
};

/// Writes the padding (0x80 then zeros) into buf[payload_len, padded_len). padded_len > payload_len.
void write_padding(uint8_t* buf, size_t payload_len, size_t padded_len);

/// Length of the payload inside an authenticated, padded plaintext. Error if no 0x80 marker ends
/// the data (a sender without padding, or a different configuration).
Result<size_t> strip_padding(ByteSpan padded);

}  // namespace v100::media
