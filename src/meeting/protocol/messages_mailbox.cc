// The mailbox messages (challenge, put, owner-signed fetch, items). Declared in messages.h; the
// owner proof and the put work they carry are checked in mailbox_proof.h.

#include <set>

#include "meeting/protocol/messages.h"
#include "meeting/protocol/messages_internal.h"

namespace v100::meeting::protocol {

using namespace internal;  // NOLINT: the shared body readers and writers of every message

// ---- mailbox ----

void MailboxChallengeRequest::write(ByteWriter& w) const {
  w.bytes(mailbox);
}
Result<MailboxChallengeRequest> MailboxChallengeRequest::read(ByteReader& r) {
  MailboxChallengeRequest m;
  if (!read_fixed(r, m.mailbox)) return fail<MailboxChallengeRequest>("MailboxChallengeRequest", "mailbox");
  return m;
}
V100_MESSAGE_CODEC(MailboxChallengeRequest)

void MailboxChallenge::write(ByteWriter& w) const {
  w.bytes(nonce);
  w.u8(put_bits);
}
Result<MailboxChallenge> MailboxChallenge::read(ByteReader& r) {
  MailboxChallenge m;
  if (!read_fixed(r, m.nonce)) return fail<MailboxChallenge>("MailboxChallenge", "nonce");
  if (!r.u8(m.put_bits) || m.put_bits > kMaxMailboxPutBits)
    return fail<MailboxChallenge>("MailboxChallenge", "put_bits");
  return m;
}
V100_MESSAGE_CODEC(MailboxChallenge)

void MailboxPut::write(ByteWriter& w) const {
  w.bytes(mailbox);
  w.bytes(nonce);
  w.u64(work);
  w.blob(blob);
}
Result<MailboxPut> MailboxPut::read(ByteReader& r) {
  MailboxPut m;
  constexpr const char* kN = "MailboxPut";
  if (!read_fixed(r, m.mailbox)) return fail<MailboxPut>(kN, "mailbox");
  if (!read_fixed(r, m.nonce)) return fail<MailboxPut>(kN, "nonce");
  if (!r.u64(m.work)) return fail<MailboxPut>(kN, "work");
  if (!read_blob(r, m.blob, 1, kMaxMailboxBlobBytes)) return fail<MailboxPut>(kN, "blob");
  return m;
}
V100_MESSAGE_CODEC(MailboxPut)

namespace {
// A list of distinct item ids; the count is bounded before anything is allocated.
bool read_item_ids(ByteReader& r, std::vector<MailboxItemId>& out) {
  size_t n = 0;
  if (!read_count(r, n, kMaxMailboxItems, kMailboxItemIdBytes)) return false;
  out.resize(n);
  std::set<MailboxItemId> seen;
  for (auto& id : out)
    if (!read_fixed(r, id) || !seen.insert(id).second) return false;
  return true;
}
}  // namespace

void MailboxFetch::write(ByteWriter& w) const {
  w.bytes(mailbox);
  w.bytes(nonce);
  w.blob(owner_key);
  write_u16_count(w, delete_ids.size());
  for (const auto& id : delete_ids) w.bytes(id);
  w.blob(signature);
}
Result<MailboxFetch> MailboxFetch::read(ByteReader& r) {
  MailboxFetch m;
  constexpr const char* kN = "MailboxFetch";
  if (!read_fixed(r, m.mailbox)) return fail<MailboxFetch>(kN, "mailbox");
  if (!read_fixed(r, m.nonce)) return fail<MailboxFetch>(kN, "nonce");
  if (!read_blob(r, m.owner_key, kMailboxOwnerKeyBytes, kMailboxOwnerKeyBytes))
    return fail<MailboxFetch>(kN, "owner_key");
  if (!read_item_ids(r, m.delete_ids)) return fail<MailboxFetch>(kN, "delete_ids");
  if (!read_blob(r, m.signature, kMailboxOwnerSigBytes, kMailboxOwnerSigBytes))
    return fail<MailboxFetch>(kN, "signature");
  return m;
}
V100_MESSAGE_CODEC(MailboxFetch)

void MailboxItems::write(ByteWriter& w) const {
  write_u16_count(w, items.size());
  for (const auto& it : items) {
    w.bytes(it.id);
    w.blob(it.blob);
  }
  w.u8(more ? 1 : 0);
}
Result<MailboxItems> MailboxItems::read(ByteReader& r) {
  MailboxItems m;
  constexpr const char* kN = "MailboxItems";
  size_t n = 0;
  if (!read_count(r, n, kMaxMailboxItems, kMailboxItemIdBytes + 5))
    return fail<MailboxItems>(kN, "item count");
  m.items.resize(n);
  std::set<MailboxItemId> seen;
  for (auto& it : m.items) {
    if (!read_fixed(r, it.id) || !seen.insert(it.id).second) return fail<MailboxItems>(kN, "item id");
    if (!read_blob(r, it.blob, 1, kMaxMailboxBlobBytes)) return fail<MailboxItems>(kN, "item blob");
  }
  if (!read_bool(r, m.more)) return fail<MailboxItems>(kN, "more");
  return m;
}
V100_MESSAGE_CODEC(MailboxItems)

}  // namespace v100::meeting::protocol
