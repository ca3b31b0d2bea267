// Group keys (DESIGN.md §3 step 4). A new epoch starts on every join and leave. Its distributor
// (the longest-present member: the host while the host stays) picks 32 fresh bytes and sends each
// member of the new epoch an "epoch blob" (protocol PostEpoch / EpochKey): the fresh bytes
// encapsulated to that member's X-Wing key, with the list of the epoch's member slots, signed
// with the distributor's ML-DSA-65 key. Members derive
//   epoch_secret = KeySchedule::epoch_secret(session, epoch, fresh)
// and from it the per-sender SFrame keys (media/key_schedule.h). A member left out of an epoch
// (one who has left) cannot compute its secret even though it knows ms.
//
// Epoch blob wire form (little-endian):
//   "V100EPK\x01" | u64 epoch | u16 distributor slot | u16 recipient slot | u16 n | n × u16 slot |
//   u32 |ct| || X-Wing ciphertext | u32 |box| || AES-256-GCM box(fresh) |
//   u32 |sig| || ML-DSA-65 signature (ctx "v100/epoch/v1") over handle || everything before it
// box key = HKDF-SHA-512(IKM = X-Wing shared secret, salt = "v100/epoch/v1", info = ct),
// box AAD = handle || u64 epoch || u16 recipient slot || recipient user id.
// One signature per recipient keeps each blob self-contained (the server stores one per slot)
// and small enough for the protocol's 16 KiB limit even at 1024 members (2 bytes per slot).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/client/identity.h"

namespace v100::meeting::client {

/// The public part of an epoch blob (parsed, signature not yet checked).
struct EpochBlobHeader {
  uint64_t epoch = 0;
  uint16_t distributor_slot = 0;
  uint16_t recipient_slot = 0;
  std::vector<uint16_t> member_slots;  ///< sorted, distinct, includes recipient and distributor
};

/// An opened epoch blob: the header and the fresh bytes.
struct OpenedEpoch {
  EpochBlobHeader header;
  SecretBytes fresh;
};

/// Makes the blob for one recipient. `member_slots` must be sorted, distinct and contain both
/// slots (std::invalid_argument otherwise).
Bytes make_epoch_blob(const Identity& distributor, uint16_t distributor_slot, ByteSpan handle, uint64_t epoch,
                      const std::vector<uint16_t>& member_slots, uint16_t recipient_slot,
                      const PublicIdentity& recipient, ByteSpan fresh);

/// Parses a blob's public header (to find out who must have signed it). Never throws.
Result<EpochBlobHeader> peek_epoch_blob(ByteSpan blob);

/// Verifies the signature against `distributor`, checks the blob is for (`my_slot`, `me`) and
/// decrypts the fresh bytes. Never throws.
Result<OpenedEpoch> open_epoch_blob(const Identity& me, uint16_t my_slot, const PublicIdentity& distributor,
                                    ByteSpan handle, ByteSpan blob);

/// The meeting security code of an epoch: SHA3-256("v100/security-code/v1" || u16 n || the
/// members' user ids, sorted) read as 4 groups of 5 decimal digits ("01234 56789 01234 56789").
/// Every honest member of the same epoch computes the same code; a key injected by the server
/// (or anyone) changes it.
std::string security_code(std::vector<UserId> members);

}  // namespace v100::meeting::client
