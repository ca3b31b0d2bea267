// The AEAD of an SFrame cipher suite, keyed once: AES-GCM, or AES-CTR + truncated HMAC built as in
// RFC 9605 §4.5.1. OpenSSL EVP contexts are created and keyed in the constructor and reused for
// every frame, so a frame costs no key schedule (only an IV reset).
//
// Thread safety: an Aead is not safe for concurrent use (the EVP contexts hold per-call state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "core/status.h"
#include "media/cipher_suite.h"

namespace v100::media {

/// A keyed AEAD. Move-only; the key material inside OpenSSL is wiped when the contexts are freed.
class Aead {
 public:
  /// Keys the contexts with `key` (params.nk bytes). Throws std::invalid_argument (caller bug) on
  /// a key that is not params.nk bytes and on parameters this class cannot honour: an AES key
  /// (params.nka) other than 16 or 32 bytes, a nonce other than 12, a GCM key with an HMAC part, a
  /// CTR+HMAC key without one, or a tag size out of range. Throws std::runtime_error if OpenSSL
  /// cannot allocate a context.
  Aead(const SuiteParams& params, ByteSpan key);
  ~Aead();
  Aead(Aead&&) noexcept;
  Aead& operator=(Aead&&) noexcept;
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;

  const SuiteParams& params() const { return params_; }
  size_t tag_size() const { return params_.nt; }

  /// Encrypts `pt` to `ct_out` (pt.size() bytes; may alias pt exactly) and writes the tag to
  /// `tag_out` (tag_size() bytes). The AAD is aad_a || aad_b (two pieces so the SFrame header and
  /// the frame metadata need no copy). Error only if OpenSSL fails internally.
  Status seal(const uint8_t* nonce, ByteSpan aad_a, ByteSpan aad_b, ByteSpan pt, uint8_t* ct_out,
              uint8_t* tag_out);

  /// Decrypts `ct` to `pt_out` (ct.size() bytes; may alias ct exactly) and checks `tag`. Returns
  /// false when the tag does not verify; then `pt_out` has been overwritten with zeros, so no
  /// unauthenticated plaintext escapes.
  [[nodiscard]] bool open(const uint8_t* nonce, ByteSpan aad_a, ByteSpan aad_b, ByteSpan ct, ByteSpan tag,
                          uint8_t* pt_out);

 private:
  struct Impl;
  SuiteParams params_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v100::media
