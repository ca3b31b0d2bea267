// The meeting key schedule (DESIGN.md §2): everything a meeting needs is derived from the host's
// 32-byte meeting secret `ms` with labelled HKDF-SHA-512 calls, so that holding `ms` (delivered in
// an invitation) is what makes someone a member, and the server, which never sees `ms`, gets only
// one-way outputs (handles, a join verifier) that it cannot link across sessions.
//
//   derive(l, c)   = HKDF-SHA-512(salt = "v100/meeting/v1", IKM = ms, info = "v100/" || l || 0x00 || c)
//   handle_k       = derive("handle",      u64le(k))       32 bytes, public (the server's key)
//   join_key_k     = derive("join-key",    u64le(k))       MAC key of the membership proof
//   bfv_seed       = derive("bfv-seed",    "")             seed of the shared BFV secret key
//   ckks_seed      = derive("ckks-seed",   "")             seed of the shared CKKS secret key
//   info_key_k     = derive("info-key",    u64le(k))       AES-256-GCM key of the meeting info
//   roster_key_k   = derive("roster-key",  u64le(k))       AES-256-GCM key of roster entries
//   epoch_base_k   = derive("epoch-base",  u64le(k))       salt of every epoch secret
//   epoch_secret_e = HKDF(salt = epoch_base_k, IKM = fresh_e, info = "v100/epoch" || u64le(e))
//
// `fresh_e` is 32 random bytes picked by the epoch's distributor and sent to the epoch's members
// only (X-Wing, see group.h), so a member removed before epoch e cannot compute epoch_secret_e
// even though it still knows ms.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/secure.h"

namespace v100::meeting::client {

/// Length of the meeting secret, handles and derived keys.
inline constexpr size_t kMeetingSecretLen = 32;
inline constexpr size_t kHandleLen = 32;

/// Holds one meeting secret and derives its labelled keys. Move-only; the secret is wiped on
/// destruction. Thread-safe for concurrent const calls.
class KeySchedule {
 public:
  /// `ms` must be 32 bytes (std::invalid_argument otherwise).
  explicit KeySchedule(ByteSpan ms);
  /// A fresh random meeting secret (for the host).
  static SecretBytes generate_secret();

  /// The meeting secret itself (for sealing it into invitations).
  ByteSpan secret() const { return ms_.span(); }

  /// The raw labelled derivation: `len` bytes of derive(label, context) above.
  SecretBytes derive(std::string_view label, ByteSpan context, size_t len) const;

  /// The server-side handle of session `session` (public; random-looking, unlinkable across k).
  std::array<uint8_t, kHandleLen> handle(uint64_t session) const;
  /// MAC key of the membership proof for session `session`.
  SecretBytes join_key(uint64_t session) const;
  /// 32-byte seeds of the shared BFV and CKKS secret keys.
  SecretBytes bfv_seed() const;
  SecretBytes ckks_seed() const;
  /// AEAD keys for the meeting info blob and for roster entries (display name + identity).
  SecretBytes info_key(uint64_t session) const;
  SecretBytes roster_key(uint64_t session) const;
  /// Epoch secret of epoch `epoch` from the distributor's fresh 32 bytes.
  SecretBytes epoch_secret(uint64_t session, uint64_t epoch, ByteSpan fresh) const;

 private:
  SecretBytes ms_;
};

/// The membership proof: HMAC-SHA-512/256(join_key, "v100/join-proof" || handle || nonce). The
/// server, which stores the join key as the session's verifier, learns only "a holder of ms".
std::array<uint8_t, 32> membership_proof(ByteSpan join_key, ByteSpan handle, ByteSpan server_nonce);

}  // namespace v100::meeting::client
