// SFrame encryption under one KID (RFC 9605 §4.4): the per-KID key and salt, and protect /
// unprotect with an explicit counter. This is the RFC-level building block; SenderContext and
// ReceiverContext (sframe_context.h) add V100's key schedule, counters, replay windows, epochs and
// padding, and are what the meeting SDK uses.
//
// Frame layout: header (1..17 bytes) || ciphertext || tag (Nt bytes). AAD = header || metadata
// (RFC 9605 §4.4.3); metadata is sent separately by the application (e.g. RTP header fields).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "media/aead.h"
#include "media/cipher_suite.h"
#include "media/sframe_header.h"

namespace v100::media {

struct FrameKeys;

/// The keys of one KID with an AEAD keyed once. Move-only; the salt is wiped on destruction and
/// OpenSSL cleanses the expanded AES/HMAC keys. Not thread-safe.
class SFrameKey {
 public:
  /// Derives sframe_key and sframe_salt from `base_key` (RFC 9605 §4.4.2) and keys the AEAD.
  SFrameKey(CipherSuite suite, uint64_t kid, ByteSpan base_key);

  uint64_t kid() const { return kid_; }
  CipherSuite suite() const { return suite_; }
  size_t tag_size() const { return aead_.tag_size(); }

  /// Bytes of a protected frame carrying `plaintext_len` bytes under counter `ctr`.
  size_t protected_size(uint64_t ctr, size_t plaintext_len) const {
    return header_size(kid_, ctr) + plaintext_len + tag_size();
  }

  /// Writes header || ciphertext || tag of `plaintext` under `ctr` to `out` and returns the size.
  /// `plaintext` may lie exactly at out + header_size(kid, ctr) (in-place). The caller guarantees
  /// that `ctr` is never reused with this key. Error if `out` is too small or OpenSSL fails.
  Result<size_t> protect(uint64_t ctr, ByteSpan metadata, ByteSpan plaintext, MutableByteSpan out);

  /// Decrypts a frame whose header `h` was parsed from `frame` (h.kid must equal kid()). Writes the
  /// plaintext to `out` (at least frame.size() - h.size - tag_size() bytes; it may start exactly at
  /// the ciphertext, frame.data() + h.size, but must not overlap it otherwise) and returns its length.
  /// Errors: frame shorter than header + tag; authentication failure (one generic message, and the
  /// plaintext region of `out` is zeroed).
  Result<size_t> unprotect(const SFrameHeader& h, ByteSpan frame, ByteSpan metadata, MutableByteSpan out);

 private:
  SFrameKey(CipherSuite suite, uint64_t kid, FrameKeys keys);

  CipherSuite suite_;
  uint64_t kid_;
  SecretBytes salt_;
  Aead aead_;
};

/// The error text of every failed tag check (one message, whatever went wrong inside).
inline constexpr const char* kAuthFailed = "sframe: authentication failed";

}  // namespace v100::media
