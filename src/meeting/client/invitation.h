// Invitations (DESIGN.md §3 step 2): the host hands an invitee the meeting secret, encapsulated to
// the invitee's X-Wing key and signed with the host's ML-DSA-65 key. The bytes are opaque to
// anyone else and may travel out of band (a file, a chat message) or through the server's
// anonymous mailbox, which stores them under a random mailbox id the two parties agree on.
//
// Wire form (little-endian):
//   "V100INV\x01" | inviter PublicIdentity | invitee user_id (32) | u32 |ct| || X-Wing ct |
//   u32 |box| || AES-256-GCM box | u32 |sig| || ML-DSA-65 signature over everything before it
// box key = HKDF-SHA-512(IKM = X-Wing shared secret, salt = "v100/invitation/v1", info = ct),
// box plaintext = ms (32) || u64 session || u32 |title| || title [|| join seed (32)], AAD =
// everything before the box. The join seed is present only after the host removed a member: the
// join key is then no longer KDF(ms, "join"), which the removed member could still derive.
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/client/identity.h"

namespace v100::meeting::client {

/// What an opened invitation gives the invitee.
struct OpenedInvitation {
  SecretBytes meeting_secret;  ///< ms, 32 bytes
  uint64_t session = 0;        ///< which session's handle to join
  std::string title;           ///< the meeting title, as the host wrote it (may be empty)
  SecretBytes join_seed;       ///< empty, or the host's replacement join key (after a removal)
  PublicIdentity inviter;      ///< who signed it (the app decides whether to trust them)
  UserId inviter_id{};
};

/// Makes an invitation for `invitee` from `host`.
/// `join_seed`: empty, or the 32-byte join key that replaced KDF(ms, "join") after a removal.
/// Throws std::invalid_argument on a wrong-size ms or join seed or a too-long title.
Bytes make_invitation(const Identity& host, const PublicIdentity& invitee, ByteSpan meeting_secret,
                      uint64_t session, std::string_view title, ByteSpan join_seed = {});

/// Opens an invitation addressed to `me`. Error on anything malformed, a bad signature, an
/// invitation for someone else or a failed decryption. Never throws.
Result<OpenedInvitation> open_invitation(const Identity& me, ByteSpan invitation);

/// The anonymous-mailbox id where invitations for `invitee` are posted:
/// protocol::mailbox_id_for_owner(invitee.sig_pk) = SHA3-256("v100/mailbox/v2" || ML-DSA-65 pk),
/// the derivation the server checks the owner's proof against. The server sees a random-looking
/// id and sealed bytes; the known limit: a server that already holds someone's public keys can
/// tell that *an* invitation (not from whom, nor for which meeting) waits for them.
std::array<uint8_t, 32> mailbox_id(const PublicIdentity& invitee);

}  // namespace v100::meeting::client
