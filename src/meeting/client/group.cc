#include "meeting/client/group.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "hash/sha3.h"
#include "meeting/client/crypto.h"

namespace v100::meeting::client {
namespace {

constexpr uint8_t kMagic[8] = {'V', '1', '0', '0', 'E', 'P', 'K', 1};
constexpr size_t kMaxMembers = 4096;

SecretBytes box_key(ByteSpan shared_secret, ByteSpan ct) {
  SecretBytes key(32);
  hkdf_sha512(key.span(), shared_secret, as_bytes("v100/epoch/v1"), ct);
  return key;
}

Bytes box_aad(ByteSpan handle, uint64_t epoch, uint16_t slot, ByteSpan user_id) {
  ByteWriter w;
  w.bytes(handle);
  w.u64(epoch);
  w.u16(slot);
  w.bytes(user_id);
  return w.take();
}

struct Parsed {
  EpochBlobHeader header;
  ByteSpan ct, box, sig;
  size_t signed_len = 0;
};

Result<Parsed> parse(ByteSpan blob) {
  using R = Result<Parsed>;
  ByteReader r(blob);
  ByteSpan magic;
  Parsed p;
  uint16_t n = 0;
  if (!r.bytes(8, magic) || std::memcmp(magic.data(), kMagic, 8) != 0) return R::error("not an epoch blob");
  if (!r.u64(p.header.epoch) || !r.u16(p.header.distributor_slot) || !r.u16(p.header.recipient_slot) ||
      !r.u16(n))
    return R::error("epoch blob truncated");
  if (n == 0 || n > kMaxMembers) return R::error("epoch blob member count out of range");
  p.header.member_slots.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    uint16_t s = 0;
    if (!r.u16(s)) return R::error("epoch blob truncated");
    if (!p.header.member_slots.empty() && s <= p.header.member_slots.back())
      return R::error("epoch blob member slots not sorted");
    p.header.member_slots.push_back(s);
  }
  auto& ms = p.header.member_slots;
  if (!std::binary_search(ms.begin(), ms.end(), p.header.recipient_slot) ||
      !std::binary_search(ms.begin(), ms.end(), p.header.distributor_slot))
    return R::error("epoch blob member list lacks its recipient or distributor");
  if (!r.blob(p.ct, 1 << 14) || !r.blob(p.box, 256)) return R::error("epoch blob truncated");
  p.signed_len = r.position();
  if (!r.blob(p.sig, 1 << 14) || !r.at_end()) return R::error("epoch blob signature truncated");
  return p;
}

}  // namespace

Bytes make_epoch_blob(const Identity& distributor, uint16_t distributor_slot, ByteSpan handle, uint64_t epoch,
                      const std::vector<uint16_t>& member_slots, uint16_t recipient_slot,
                      const PublicIdentity& recipient, ByteSpan fresh) {
  if (member_slots.empty() || member_slots.size() > kMaxMembers)
    throw std::invalid_argument("make_epoch_blob: member count");
  if (!std::is_sorted(member_slots.begin(), member_slots.end()) ||
      std::adjacent_find(member_slots.begin(), member_slots.end()) != member_slots.end() ||
      !std::binary_search(member_slots.begin(), member_slots.end(), recipient_slot) ||
      !std::binary_search(member_slots.begin(), member_slots.end(), distributor_slot))
    throw std::invalid_argument("make_epoch_blob: member slots must be sorted, distinct, complete");
  if (fresh.size() != 32) throw std::invalid_argument("make_epoch_blob: fresh must be 32 bytes");
  ByteWriter w;
  w.bytes(handle);  // signed but not sent: binds the blob to this meeting session
  w.bytes(kMagic);
  w.u64(epoch);
  w.u16(distributor_slot);
  w.u16(recipient_slot);
  w.u16(static_cast<uint16_t>(member_slots.size()));
  for (uint16_t s : member_slots) w.u16(s);
  UserId id = recipient.user_id();
  Encapsulation enc = encapsulate_to(recipient);
  SecretBytes key = box_key(enc.shared_secret.span(), enc.ciphertext);
  Bytes box = aead_seal(key.span(), fresh, box_aad(handle, epoch, recipient_slot, id));
  w.blob(enc.ciphertext);
  w.blob(box);
  Bytes sig = distributor.sign(w.buffer(), kCtxEpoch);
  w.blob(sig);
  Bytes all = w.take();
  return Bytes(all.begin() + static_cast<std::ptrdiff_t>(handle.size()), all.end());
}

Result<EpochBlobHeader> peek_epoch_blob(ByteSpan blob) {
  auto p = parse(blob);
  if (!p) return p.status();
  return std::move(p->header);
}

Result<OpenedEpoch> open_epoch_blob(const Identity& me, uint16_t my_slot, const PublicIdentity& distributor,
                                    ByteSpan handle, ByteSpan blob) {
  using R = Result<OpenedEpoch>;
  auto p = parse(blob);
  if (!p) return p.status();
  if (p->header.recipient_slot != my_slot) return R::error("epoch blob is for another slot");
  Bytes signed_msg(handle.begin(), handle.end());
  signed_msg.insert(signed_msg.end(), blob.begin(),
                    blob.begin() + static_cast<std::ptrdiff_t>(p->signed_len));
  if (!verify_signature(distributor, signed_msg, kCtxEpoch, p->sig))
    return R::error("epoch blob signature does not verify");
  auto ss = me.decapsulate(p->ct);
  if (!ss) return R::error("epoch blob: " + ss.message());
  SecretBytes key = box_key(ss->span(), p->ct);
  UserId mine = me.user_id();
  auto fresh = aead_open(key.span(), p->box, box_aad(handle, p->header.epoch, my_slot, mine));
  if (!fresh || fresh->size() != 32)
    return R::error("epoch blob does not decrypt (not addressed to this identity)");
  OpenedEpoch out;
  out.header = std::move(p->header);
  out.fresh = std::move(fresh).value();
  return out;
}

std::string security_code(std::vector<UserId> members) {
  std::sort(members.begin(), members.end());
  hash::Sha3_256 h;
  h.update(as_bytes("v100/security-code/v1"));
  uint8_t n[2] = {static_cast<uint8_t>(members.size()), static_cast<uint8_t>(members.size() >> 8)};
  h.update(n);
  for (const UserId& id : members) h.update(id);
  auto d = h.final();
  std::string out;
  // Four groups of 5 digits, each from 3 bytes reduced mod 10^5 (bias < 0.6%: irrelevant for a
  // comparison code whose strength is its ~66 bits).
  for (int g = 0; g < 4; ++g) {
    uint32_t v = (uint32_t{d[3 * g]} << 16) | (uint32_t{d[3 * g + 1]} << 8) | d[3 * g + 2];
    char buf[8];
    std::snprintf(buf, sizeof buf, "%05u", v % 100000u);
    if (g) out.push_back(' ');
    out += buf;
  }
  return out;
}

}  // namespace v100::meeting::client
