// SFrame key schedule.
//
// RFC 9605 §4.4.2 (what the RFC fixes): from a base key and a KID,
//   sframe_secret = HKDF-Extract("", base_key)
//   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  || KID(8 BE) || suite(2 BE), Nk)
//   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " || KID(8 BE) || suite(2 BE), Nn)
// with the suite's hash. Nonce for counter CTR: sframe_salt XOR CTR (big-endian, right-aligned).
//
// V100 (what RFC 9605 leaves to the application, §5.2 "per-sender keys"): the KID names the epoch
// and the sender's slot, and each sender's base key is derived from the meeting's epoch secret:
//
//   KID layout (64 bits):  | epoch : 52 bits | slot : 12 bits |     kid = epoch << 12 | slot
//
// so slots 0..4095 exist per epoch (the roster layout of DESIGN.md: 32 blocks x 128) and small
// epochs give short headers (epoch 0: 1-2 bytes of KID, epochs < 16: at most 2 bytes).
//
//   base_key(epoch, slot) = HKDF-Expand(HKDF-Extract("V100 SFrame v1", epoch_secret),
//                                       "V100 SFrame base key" || suite(2 BE) || epoch(8 BE) || slot(4 BE),
//                                       Nh)
// The suite is in the label so one epoch secret never yields the same key for two algorithms.
// HKDF runs through OpenSSL's EVP_KDF("HKDF").
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/secure.h"
#include "media/cipher_suite.h"

namespace v100::media {

/// Bits of the KID that hold the sender slot; the epoch sits above them.
inline constexpr unsigned kSlotBits = 12;
/// Number of sender slots per epoch.
inline constexpr uint32_t kMaxSlots = uint32_t{1} << kSlotBits;
/// Largest epoch number a KID can carry.
inline constexpr uint64_t kMaxEpoch = (uint64_t{1} << (64 - kSlotBits)) - 1;

/// The KID of sender `slot` in `epoch`. Throws std::invalid_argument if slot >= kMaxSlots or
/// epoch > kMaxEpoch.
uint64_t make_kid(uint64_t epoch, uint32_t slot);
/// Epoch part of a KID.
inline uint64_t kid_epoch(uint64_t kid) {
  return kid >> kSlotBits;
}
/// Slot part of a KID.
inline uint32_t kid_slot(uint64_t kid) {
  return static_cast<uint32_t>(kid & (kMaxSlots - 1));
}

/// The per-KID key material of RFC 9605 §4.4.2.
struct FrameKeys {
  SecretBytes secret;  ///< sframe_secret (Nh bytes), kept for tests and diagnostics
  SecretBytes key;     ///< sframe_key (Nk bytes)
  SecretBytes salt;    ///< sframe_salt (Nn bytes)
};

/// RFC 9605 §4.4.2 derive_key_salt(KID, base_key) for `suite`.
FrameKeys derive_frame_keys(CipherSuite suite, uint64_t kid, ByteSpan base_key);

/// V100's base key for sender `slot` in `epoch` (layout above). `epoch_secret` must be at least
/// 16 bytes (throws std::invalid_argument otherwise, and for slot/epoch out of range).
SecretBytes derive_base_key(CipherSuite suite, ByteSpan epoch_secret, uint64_t epoch, uint32_t slot);

/// Convenience for meetings that derive epochs from the meeting secret `ms`:
///   epoch_secret = HKDF-SHA256(ikm = ms, salt = "V100 media", info = "epoch" || epoch(8 BE), 32).
/// Caution: anyone who ever held `ms` can compute every epoch secret, so this gives no protection
/// against a removed participant. On a removal the meeting layer must instead hand the remaining
/// members a fresh random epoch secret (through the KEM); this helper is for join-only rotations.
SecretBytes derive_epoch_secret(ByteSpan meeting_secret, uint64_t epoch);

/// Low-level HKDF (RFC 5869) through OpenSSL EVP_KDF, exposed for tests. Throws std::runtime_error
/// only if OpenSSL fails internally.
SecretBytes hkdf_extract(HashKind hash, ByteSpan salt, ByteSpan ikm);
SecretBytes hkdf_expand(HashKind hash, ByteSpan prk, ByteSpan info, size_t out_len);

/// sframe_salt XOR CTR into `nonce` (kNonceSize bytes).
void make_nonce(ByteSpan salt, uint64_t ctr, uint8_t* nonce);

}  // namespace v100::media
