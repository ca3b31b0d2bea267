#include "meeting/client/invitation.h"

#include <cstring>

#include "hash/sha3.h"
#include "meeting/client/crypto.h"
#include "meeting/protocol/mailbox_proof.h"

namespace v100::meeting::client {
namespace {

constexpr uint8_t kMagic[8] = {'V', '1', '0', '0', 'I', 'N', 'V', 1};
constexpr size_t kMaxTitle = 4096;

SecretBytes box_key(ByteSpan shared_secret, ByteSpan ct) {
  SecretBytes key(32);
  hkdf_sha512(key.span(), shared_secret, as_bytes("v100/invitation/v1"), ct);
  return key;
}

}  // namespace

Bytes make_invitation(const Identity& host, const PublicIdentity& invitee, ByteSpan meeting_secret,
                      uint64_t session, std::string_view title, ByteSpan join_seed) {
  if (meeting_secret.size() != 32) throw std::invalid_argument("make_invitation: ms must be 32 bytes");
  if (!join_seed.empty() && join_seed.size() != 32)
    throw std::invalid_argument("make_invitation: join seed must be empty or 32 bytes");
  if (title.size() > kMaxTitle) throw std::invalid_argument("make_invitation: title too long");
  Encapsulation enc = encapsulate_to(invitee);
  ByteWriter w;
  w.bytes(kMagic);
  w.bytes(host.public_identity().serialize());
  UserId to = invitee.user_id();
  w.bytes(to);
  w.blob(enc.ciphertext);
  ByteWriter pt;
  pt.bytes(meeting_secret);
  pt.u64(session);
  pt.blob(as_bytes(title));
  pt.bytes(join_seed);
  SecretBytes plain(pt.buffer());
  secure_wipe(pt.buffer());
  SecretBytes key = box_key(enc.shared_secret.span(), enc.ciphertext);
  Bytes box = aead_seal(key.span(), plain.span(), w.buffer());
  w.blob(box);
  Bytes sig = host.sign(w.buffer(), kCtxInvitation);
  w.blob(sig);
  return w.take();
}

Result<OpenedInvitation> open_invitation(const Identity& me, ByteSpan invitation) {
  using R = Result<OpenedInvitation>;
  ByteReader r(invitation);
  ByteSpan magic, to, ct, box, sig;
  if (!r.bytes(8, magic) || std::memcmp(magic.data(), kMagic, 8) != 0)
    return R::error("not a V100 invitation");
  auto inviter = PublicIdentity::read(r);
  if (!inviter) return R::error("invitation: " + inviter.message());
  if (!r.bytes(32, to) || !r.blob(ct, 1 << 16)) return R::error("invitation truncated");
  size_t aad_len = r.position();
  if (!r.blob(box, 1 << 16)) return R::error("invitation truncated");
  size_t signed_len = r.position();
  if (!r.blob(sig, 1 << 16) || !r.at_end()) return R::error("invitation truncated or has trailing bytes");
  UserId mine = me.user_id();
  if (!ct_equal(to, mine)) return R::error("invitation is addressed to someone else");
  if (!verify_signature(*inviter, invitation.subspan(0, signed_len), kCtxInvitation, sig))
    return R::error("invitation signature does not verify");
  auto ss = me.decapsulate(ct);
  if (!ss) return R::error("invitation: " + ss.message());
  SecretBytes key = box_key(ss->span(), ct);
  auto plain = aead_open(key.span(), box, invitation.subspan(0, aad_len));
  if (!plain) return R::error("invitation does not decrypt: " + plain.message());
  ByteReader pr(plain->span());
  ByteSpan ms, title;
  OpenedInvitation out;
  ByteSpan join_seed;
  if (!pr.bytes(32, ms) || !pr.u64(out.session) || !pr.blob(title, kMaxTitle))
    return R::error("invitation payload malformed");
  if (!pr.at_end() && (!pr.bytes(32, join_seed) || !pr.at_end()))
    return R::error("invitation payload malformed");
  out.meeting_secret = SecretBytes(ms);
  if (!join_seed.empty()) out.join_seed = SecretBytes(join_seed);
  out.title.assign(title.begin(), title.end());
  out.inviter_id = inviter->user_id();
  out.inviter = std::move(inviter).value();
  return out;
}

std::array<uint8_t, 32> mailbox_id(const PublicIdentity& invitee) {
  return protocol::mailbox_id_for_owner(invitee.sig_pk);
}

}  // namespace v100::meeting::client
