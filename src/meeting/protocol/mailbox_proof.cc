#include "meeting/protocol/mailbox_proof.h"

#include <stdexcept>

#include "core/secure.h"
#include "hash/sha3.h"
#include "pq/mldsa/mldsa.h"

namespace v100::meeting::protocol {

static_assert(kMailboxOwnerKeyBytes == pq::mldsa::PublicKey65::kBytes);
static_assert(kMailboxOwnerSigBytes == pq::mldsa::Sizes<pq::mldsa::kMlDsa65>::kSignatureBytes);

MailboxId mailbox_id_for_owner(ByteSpan owner_sig_pk) {
  hash::Sha3_256 h;
  h.update(as_bytes(kMailboxIdLabel));
  h.update(owner_sig_pk);
  return h.final();
}

Bytes mailbox_owner_transcript(const MailboxId& mailbox, const Nonce& nonce,
                               std::span<const MailboxItemId> delete_ids) {
  ByteWriter w;
  w.bytes(as_bytes(kMailboxOwnerLabel));
  w.bytes(mailbox);
  w.bytes(nonce);
  w.u16(static_cast<uint16_t>(delete_ids.size()));
  for (const auto& id : delete_ids) w.bytes(id);
  return w.take();
}

Status verify_mailbox_owner(const MailboxFetch& f, const Nonce& nonce) {
  auto key = pq::mldsa::PublicKey65::parse(f.owner_key);
  if (!key) return Status::error("mailbox owner key malformed");
  if (!ct_equal(mailbox_id_for_owner(f.owner_key), f.mailbox))
    return Status::error("owner key does not own this mailbox");
  if (f.delete_ids.size() > kMaxMailboxItems) return Status::error("too many ids");
  const Bytes transcript = mailbox_owner_transcript(f.mailbox, nonce, f.delete_ids);
  Status s = pq::mldsa::verify(*key, transcript, f.signature, pq::mldsa::as_context(kMailboxOwnerContext));
  if (!s) return Status::error("mailbox owner signature does not verify");
  return Status::ok();
}

std::array<uint8_t, 32> mailbox_put_digest(const MailboxId& mailbox, const std::array<uint8_t, 32>& blob_hash,
                                           const Nonce& nonce, uint64_t work) {
  hash::Sha3_256 h;
  h.update(as_bytes(kMailboxPutLabel));
  h.update(mailbox);
  h.update(blob_hash);
  h.update(nonce);
  uint8_t ctr[8];
  for (int i = 0; i < 8; ++i) ctr[i] = static_cast<uint8_t>(work >> (8 * i));
  h.update(ctr);
  return h.final();
}

unsigned leading_zero_bits(const std::array<uint8_t, 32>& d) {
  unsigned n = 0;
  for (uint8_t b : d) {
    if (b == 0) {
      n += 8;
      continue;
    }
    while ((b & 0x80) == 0) {
      ++n;
      b = static_cast<uint8_t>(b << 1);
    }
    break;
  }
  return n;
}

bool mailbox_put_work_ok(const MailboxPut& put, unsigned bits) {
  const auto blob_hash = hash::sha3_256(put.blob);
  return leading_zero_bits(mailbox_put_digest(put.mailbox, blob_hash, put.nonce, put.work)) >= bits;
}

uint64_t solve_mailbox_put_work(const MailboxId& mailbox, ByteSpan blob, const Nonce& nonce, unsigned bits,
                                uint64_t* attempts) {
  if (bits > kMaxMailboxPutBits) throw std::invalid_argument("solve_mailbox_put_work: difficulty too high");
  const auto blob_hash = hash::sha3_256(blob);
  uint64_t work = 0;
  while (leading_zero_bits(mailbox_put_digest(mailbox, blob_hash, nonce, work)) < bits) ++work;
  if (attempts) *attempts = work + 1;
  return work;
}

}  // namespace v100::meeting::protocol
