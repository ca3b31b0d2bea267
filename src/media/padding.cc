#include "media/padding.h"

#include <cstring>
#include <stdexcept>

namespace v100::media {

PaddingPolicy PaddingPolicy::buckets(size_t min, size_t max) {
  if (min == 0 || max < min) throw std::invalid_argument("PaddingPolicy: need 0 < min <= max");
  return PaddingPolicy{min, max};
}

size_t PaddingPolicy::padded_size(size_t payload_len) const {
  if (!enabled()) return payload_len;
  const size_t need = payload_len + 1;  // the 0x80 marker
  size_t b = min_bucket;
  while (b < need && b < max_bucket) b = (b > max_bucket / 2) ? max_bucket : b * 2;
  if (need <= b) return b;
  return (need + max_bucket - 1) / max_bucket * max_bucket;
}

void write_padding(uint8_t* buf, size_t payload_len, size_t padded_len) {
  buf[payload_len] = 0x80;
  if (padded_len > payload_len + 1) std::memset(buf + payload_len + 1, 0, padded_len - payload_len - 1);
}

Result<size_t> strip_padding(ByteSpan padded) {
  // The plaintext is authenticated, so its length and layout are not secret from the receiver;
  // a plain scan is fine.
  size_t i = padded.size();
  while (i > 0 && padded[i - 1] == 0) --i;
  if (i == 0 || padded[i - 1] != 0x80) return Result<size_t>::error("sframe: frame padding malformed");
  return i - 1;
}

}  // namespace v100::media
