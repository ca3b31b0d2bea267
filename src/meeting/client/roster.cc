#include "meeting/client/roster.h"

#include <stdexcept>

#include "hash/sha3.h"
#include "meeting/client/crypto.h"

namespace v100::meeting::client {
namespace {

Bytes name_aad(ByteSpan handle, uint16_t slot) {
  ByteWriter w;
  w.bytes(as_bytes("v100/name"));
  w.bytes(handle);
  w.u16(slot);
  return w.take();
}

Bytes identity_aad(ByteSpan handle, uint16_t slot, uint64_t join_seq) {
  ByteWriter w;
  w.bytes(as_bytes("v100/identity"));
  w.bytes(handle);
  w.u16(slot);
  w.u64(join_seq);
  return w.take();
}

Bytes signed_message(ByteSpan handle, uint16_t slot, uint64_t join_seq, ByteSpan pub, std::string_view name) {
  ByteWriter w;
  w.bytes(handle);
  w.u16(slot);
  w.u64(join_seq);
  w.bytes(pub);
  w.blob(as_bytes(name));
  return w.take();
}

// u16 length, then the name zero-padded to kMaxDisplayName: constant size whatever the name.
void write_padded_name(ByteWriter& w, std::string_view name) {
  if (name.size() > kMaxDisplayName) throw std::invalid_argument("display name longer than 200 bytes");
  w.u16(static_cast<uint16_t>(name.size()));
  w.bytes(as_bytes(name));
  for (size_t i = name.size(); i < kMaxDisplayName; ++i) w.u8(0);
}

bool read_padded_name(ByteReader& r, std::string& name) {
  uint16_t n = 0;
  ByteSpan all;
  if (!r.u16(n) || n > kMaxDisplayName || !r.bytes(kMaxDisplayName, all)) return false;
  for (size_t i = n; i < kMaxDisplayName; ++i)
    if (all[i] != 0) return false;
  name.assign(reinterpret_cast<const char*>(all.data()), n);
  return true;
}

}  // namespace

Bytes seal_name_blob(ByteSpan roster_key, ByteSpan handle, uint16_t slot, std::string_view display_name,
                     const UserId& user_id) {
  ByteWriter w;
  write_padded_name(w, display_name);
  w.bytes(user_id);
  Bytes out = aead_seal(roster_key, w.buffer(), name_aad(handle, slot));
  secure_wipe(w.buffer());
  return out;
}

Result<NameEntry> open_name_blob(ByteSpan roster_key, ByteSpan handle, uint16_t slot, ByteSpan blob) {
  using R = Result<NameEntry>;
  if (roster_key.size() != 32) return R::error("roster key must be 32 bytes");
  auto plain = aead_open(roster_key, blob, name_aad(handle, slot));
  if (!plain) return R::error("name blob: " + plain.message());
  ByteReader r(plain->span());
  NameEntry e;
  ByteSpan id;
  if (!read_padded_name(r, e.display_name) || !r.bytes(32, id) || !r.at_end())
    return R::error("name blob malformed");
  std::copy(id.begin(), id.end(), e.user_id.begin());
  return e;
}

Bytes seal_identity_blob(const Identity& me, ByteSpan roster_key, ByteSpan handle, uint16_t slot,
                         uint64_t join_seq, std::string_view display_name) {
  Bytes pub = me.public_identity().serialize();
  ByteWriter w;
  w.bytes(pub);
  write_padded_name(w, display_name);
  w.blob(me.sign(signed_message(handle, slot, join_seq, pub, display_name), kCtxRoster));
  Bytes out = aead_seal(roster_key, w.buffer(), identity_aad(handle, slot, join_seq));
  secure_wipe(w.buffer());
  return out;
}

Result<IdentityEntry> open_identity_blob(ByteSpan roster_key, ByteSpan handle, uint16_t slot,
                                         uint64_t join_seq, ByteSpan blob) {
  using R = Result<IdentityEntry>;
  if (roster_key.size() != 32) return R::error("roster key must be 32 bytes");
  auto plain = aead_open(roster_key, blob, identity_aad(handle, slot, join_seq));
  if (!plain) return R::error("identity blob: " + plain.message());
  ByteReader r(plain->span());
  auto pub = PublicIdentity::read(r);
  if (!pub) return R::error("identity blob: " + pub.message());
  ByteSpan pub_bytes = plain->span().subspan(0, r.position());
  IdentityEntry e;
  ByteSpan sig;
  if (!read_padded_name(r, e.display_name) || !r.blob(sig, 1 << 14) || !r.at_end())
    return R::error("identity blob malformed");
  if (!verify_signature(*pub, signed_message(handle, slot, join_seq, pub_bytes, e.display_name), kCtxRoster,
                        sig))
    return R::error("identity blob signature does not verify");
  e.slot = slot;
  e.join_seq = join_seq;
  e.user_id = pub->user_id();
  e.identity = std::move(pub).value();
  return e;
}

std::vector<uint16_t> identity_token(const UserId& user_id, size_t count) {
  hash::Shake256 xof;
  xof.absorb(as_bytes("v100/token/v1"));
  xof.absorb(user_id);
  Bytes raw(2 * count);
  xof.squeeze(raw);
  std::vector<uint16_t> out(count);
  for (size_t i = 0; i < count; ++i) out[i] = static_cast<uint16_t>(raw[2 * i] | (raw[2 * i + 1] << 8));
  return out;
}

}  // namespace v100::meeting::client
