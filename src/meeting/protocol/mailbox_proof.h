// The mailbox's two proofs (docs/protocol.md §4 item 8), shared by the server and the SDK:
//
//  * Owner proof (MailboxFetch). A mailbox id is a KDF of its owner's ML-DSA-65 public key,
//    mailbox_id_for_owner(pk) = SHA3-256("v100/mailbox/v2" || pk), so an inviter computes it from
//    the invitee's public identity and the server can check that a presented key owns the id. The
//    owner signs mailbox_owner_transcript(mailbox, nonce, delete_ids) with FIPS 204 pure ML-DSA-65,
//    context "v100/mailbox"; the nonce is the server's single-use MailboxChallenge, so a recorded
//    proof cannot be replayed, and the signature covers exactly the ids to delete. The public key
//    is public by design (invitations carry it): showing it tells the server nothing a holder of
//    the public identity could not compute from the mailbox id already.
//
//  * Put work (MailboxPut). Hashcash over SHA3-256: the counter `work` is valid for difficulty d
//    when mailbox_put_digest(mailbox, SHA3-256(blob), nonce, work) starts with d zero bits. The
//    server's nonce makes the work fresh (no precomputation, no reuse); the blob hash and mailbox
//    bind it to one item in one mailbox. The server picks d from the mailbox's fill level.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/protocol/messages.h"

namespace v100::meeting::protocol {

/// Label of the mailbox id KDF (v2: keyed by the ML-DSA-65 public key alone).
inline constexpr std::string_view kMailboxIdLabel = "v100/mailbox/v2";
/// FIPS 204 context string of the owner's signature.
inline constexpr std::string_view kMailboxOwnerContext = "v100/mailbox";
/// Domain label at the start of the owner transcript and of every put-work digest.
inline constexpr std::string_view kMailboxOwnerLabel = "v100/mailbox-owner/v1";
inline constexpr std::string_view kMailboxPutLabel = "v100/mailbox-put/v1";

/// SHA3-256("v100/mailbox/v2" || owner_sig_pk): the mailbox of the holder of that ML-DSA-65 key.
MailboxId mailbox_id_for_owner(ByteSpan owner_sig_pk);

/// Bytes the owner signs: label || mailbox || nonce || u16 count || delete ids.
Bytes mailbox_owner_transcript(const MailboxId& mailbox, const Nonce& nonce,
                               std::span<const MailboxItemId> delete_ids);

/// Checks a MailboxFetch's owner proof against `nonce` (the connection's challenge): the key's
/// size, that the mailbox id is mailbox_id_for_owner(key), and the ML-DSA-65 signature. Error with
/// the reason otherwise. Never throws.
Status verify_mailbox_owner(const MailboxFetch& fetch, const Nonce& nonce);

/// SHA3-256(label || mailbox || blob_hash || nonce || u64 work).
std::array<uint8_t, 32> mailbox_put_digest(const MailboxId& mailbox, const std::array<uint8_t, 32>& blob_hash,
                                           const Nonce& nonce, uint64_t work);

/// Leading zero bits of a digest (byte 0 first, most significant bit first).
unsigned leading_zero_bits(const std::array<uint8_t, 32>& digest);

/// Whether `put` carries at least `bits` bits of work for its nonce.
bool mailbox_put_work_ok(const MailboxPut& put, unsigned bits);

/// Finds the smallest counter with `bits` bits of work (2^bits digests expected). `bits` must be
/// <= kMaxMailboxPutBits (std::invalid_argument otherwise). `attempts`, if given, receives the
/// number of digests computed.
uint64_t solve_mailbox_put_work(const MailboxId& mailbox, ByteSpan blob, const Nonce& nonce, unsigned bits,
                                uint64_t* attempts = nullptr);

}  // namespace v100::meeting::protocol
