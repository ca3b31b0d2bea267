#include "media/sframe_header.h"

namespace v100::media {
namespace {

// Bytes needed for v big-endian, at least 1.
inline size_t be_len(uint64_t v) {
  size_t n = 1;
  while (n < 8 && (v >> (8 * n)) != 0) ++n;
  return n;
}

inline void put_be(uint64_t v, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

}  // namespace

size_t header_size(uint64_t kid, uint64_t ctr) {
  return 1 + (kid < 8 ? 0 : be_len(kid)) + (ctr < 8 ? 0 : be_len(ctr));
}

size_t encode_header(uint64_t kid, uint64_t ctr, uint8_t* out) {
  size_t pos = 1;
  uint8_t config = 0;
  if (kid < 8) {
    config |= static_cast<uint8_t>(kid << 4);
  } else {
    size_t n = be_len(kid);
    config |= static_cast<uint8_t>(0x80 | ((n - 1) << 4));
    put_be(kid, n, out + pos);
    pos += n;
  }
  if (ctr < 8) {
    config |= static_cast<uint8_t>(ctr);
  } else {
    size_t n = be_len(ctr);
    config |= static_cast<uint8_t>(0x08 | (n - 1));
    put_be(ctr, n, out + pos);
    pos += n;
  }
  out[0] = config;
  return pos;
}

Bytes encode_header(uint64_t kid, uint64_t ctr) {
  uint8_t buf[kMaxHeaderSize];
  size_t n = encode_header(kid, ctr, buf);
  return Bytes(buf, buf + n);
}

Result<SFrameHeader> decode_header(ByteSpan data) {
  if (data.empty()) return Result<SFrameHeader>::error("sframe: empty frame");
  const uint8_t config = data[0];
  const bool x = (config & 0x80) != 0;
  const bool y = (config & 0x08) != 0;
  const size_t k = (config >> 4) & 0x07;
  const size_t c = config & 0x07;
  const size_t kid_len = x ? k + 1 : 0;
  const size_t ctr_len = y ? c + 1 : 0;
  const size_t total = 1 + kid_len + ctr_len;
  if (data.size() < total) return Result<SFrameHeader>::error("sframe: truncated header");
  SFrameHeader h;
  h.size = total;
  if (x) {
    for (size_t i = 0; i < kid_len; ++i) h.kid = (h.kid << 8) | data[1 + i];
  } else {
    h.kid = k;
  }
  if (y) {
    for (size_t i = 0; i < ctr_len; ++i) h.ctr = (h.ctr << 8) | data[1 + kid_len + i];
  } else {
    h.ctr = c;
  }
  return h;
}

}  // namespace v100::media
