// Roster entries (DESIGN.md §3 step 3). For its slot, each member uploads:
//  * its identity token, BFV-encrypted into the slot's position of its 32-member block
//    (protocol PutRoster.roster_ct; see roster_bfv.h). The server adds ciphertexts, never sees a
//    token;
//  * a name blob (PutRoster.name_blob, <= 1 KiB): AES-256-GCM under roster_key_k of
//      u16 |name| || name zero-padded to 200 bytes || user id (32)
//    with AAD "v100/name" || handle || u16 slot, so the server does not even learn the name's
//    length and an entry cannot be moved to another slot or meeting;
//  * an identity blob (PutKeyBlob, kind protocol::identity_key_kind(slot): the server lets only
//    the member in that slot write it and deletes it with the slot): AES-256-GCM under roster_key_k of
//      PublicIdentity || u16 |name| || name padded to 200 || u32 |sig| || ML-DSA-65 signature
//    (ctx "v100/roster/v1") over handle || u16 slot || u64 join_seq || PublicIdentity || name,
//    AAD "v100/identity" || handle || u16 slot || u64 join_seq. Other members need these public
//    keys to send epoch secrets (X-Wing) and to check epoch signatures (ML-DSA); they are too big
//    for the 1 KiB name blob, hence a separate meeting key blob.
// A member that decrypts the roster checks that the token in each slot is the token of the
// identity in that slot's blobs: the identity is then "verified".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/client/identity.h"

namespace v100::meeting::client {

/// Longest display name accepted (bytes of UTF-8).
inline constexpr size_t kMaxDisplayName = 200;

/// A decrypted name blob.
struct NameEntry {
  std::string display_name;
  UserId user_id{};
};

/// A decrypted, signature-checked identity blob.
struct IdentityEntry {
  uint16_t slot = 0;
  uint64_t join_seq = 0;
  PublicIdentity identity;
  UserId user_id{};
  std::string display_name;
};

/// Seals a name blob. Throws std::invalid_argument on a name longer than kMaxDisplayName.
Bytes seal_name_blob(ByteSpan roster_key, ByteSpan handle, uint16_t slot, std::string_view display_name,
                     const UserId& user_id);
/// Opens a name blob. Never throws.
Result<NameEntry> open_name_blob(ByteSpan roster_key, ByteSpan handle, uint16_t slot, ByteSpan blob);

/// Seals `me`'s identity blob. Throws std::invalid_argument on a too-long name.
Bytes seal_identity_blob(const Identity& me, ByteSpan roster_key, ByteSpan handle, uint16_t slot,
                         uint64_t join_seq, std::string_view display_name);
/// Opens and checks an identity blob (tag, layout, signature). Never throws.
Result<IdentityEntry> open_identity_blob(ByteSpan roster_key, ByteSpan handle, uint16_t slot,
                                         uint64_t join_seq, ByteSpan blob);

/// The identity token of a user: `count` 16-bit values, SHAKE256("v100/token/v1" || user id) read
/// as little-endian u16s. The BFV roster block holds the first 32 (roster_bfv.h kTokenCoeffs; the
/// look-up's multi-score layout, fhe/bfv/match.h), each < 2^16 < t. Two different users share a
/// 32-value token with probability 2^-512. A shorter token is a prefix of a longer one.
std::vector<uint16_t> identity_token(const UserId& user_id, size_t count = 32);

}  // namespace v100::meeting::client
