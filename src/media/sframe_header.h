// The SFrame header (RFC 9605 §4.3): a config byte |X|K K K|Y|C C C| followed by the KID and then
// the CTR, each a big-endian integer of 1..8 bytes. X=0: K is the KID itself (0..7); X=1: K+1 is the
// KID's byte length. Y and C do the same for CTR. The encoder always writes the shortest form.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace v100::media {

/// The longest header: config byte + 8-byte KID + 8-byte CTR.
inline constexpr size_t kMaxHeaderSize = 17;

/// A decoded header and how many bytes of the input it occupied.
struct SFrameHeader {
  uint64_t kid = 0;
  uint64_t ctr = 0;
  size_t size = 0;  ///< encoded length in bytes (1..17)
};

/// Length of the minimal encoding of (kid, ctr).
size_t header_size(uint64_t kid, uint64_t ctr);

/// Writes the minimal encoding of (kid, ctr) to `out` (at least kMaxHeaderSize bytes, or at least
/// header_size(kid, ctr)) and returns its length. Never fails.
size_t encode_header(uint64_t kid, uint64_t ctr, uint8_t* out);

/// Convenience: the encoded header as bytes.
Bytes encode_header(uint64_t kid, uint64_t ctr);

/// Parses the header at the start of untrusted `data`. Errors: empty input, or fewer bytes than
/// the config byte announces. Non-minimal encodings are accepted (RFC 9605 does not forbid them;
/// the header is authenticated as AAD, so a re-encoded header fails the tag check anyway).
Result<SFrameHeader> decode_header(ByteSpan data);

}  // namespace v100::media
