#include "media/sframe.h"

#include <cstring>

#include "media/key_schedule.h"

namespace v100::media {
namespace {

Aead make_aead(CipherSuite suite, const FrameKeys& keys) {
  return Aead(suite_params(suite), keys.key.span());
}

}  // namespace

SFrameKey::SFrameKey(CipherSuite suite, uint64_t kid, ByteSpan base_key)
    : SFrameKey(suite, kid, derive_frame_keys(suite, kid, base_key)) {}

SFrameKey::SFrameKey(CipherSuite suite, uint64_t kid, FrameKeys keys)
    : suite_(suite), kid_(kid), salt_(std::move(keys.salt)), aead_(make_aead(suite, keys)) {}

Result<size_t> SFrameKey::protect(uint64_t ctr, ByteSpan metadata, ByteSpan plaintext, MutableByteSpan out) {
  const size_t hlen = header_size(kid_, ctr);
  const size_t total = hlen + plaintext.size() + tag_size();
  if (out.size() < total) return Result<size_t>::error("sframe: output buffer too small");
  // Write the header into a local first: the plaintext may already sit right after it in `out`.
  uint8_t header[kMaxHeaderSize];
  encode_header(kid_, ctr, header);
  std::memcpy(out.data(), header, hlen);
  uint8_t nonce[kNonceSize];
  make_nonce(salt_.span(), ctr, nonce);
  uint8_t* ct = out.data() + hlen;
  Status s = aead_.seal(nonce, ByteSpan(header, hlen), metadata, plaintext, ct, ct + plaintext.size());
  if (!s) return s;
  return total;
}

Result<size_t> SFrameKey::unprotect(const SFrameHeader& h, ByteSpan frame, ByteSpan metadata,
                                    MutableByteSpan out) {
  if (frame.size() < h.size + tag_size()) return Result<size_t>::error("sframe: frame too short");
  const size_t ct_len = frame.size() - h.size - tag_size();
  if (out.size() < ct_len) return Result<size_t>::error("sframe: output buffer too small");
  uint8_t nonce[kNonceSize];
  make_nonce(salt_.span(), h.ctr, nonce);
  ByteSpan ct = frame.subspan(h.size, ct_len);
  ByteSpan tag = frame.subspan(h.size + ct_len);
  // The AAD is the header exactly as received (RFC 9605 §4.4.3), not a re-encoding.
  if (!aead_.open(nonce, frame.first(h.size), metadata, ct, tag, out.data()))
    return Result<size_t>::error(kAuthFailed);
  return ct_len;
}

}  // namespace v100::media
