// Invitations, as src/meeting/client/invitation.{h,cc} has them (DESIGN.md §3 step 2): the host hands
// an invitee the meeting secret, encapsulated to the invitee's X-Wing key and signed with the host's
// ML-DSA-65 key. The bytes are opaque to anyone else and may travel out of band or through the
// server's anonymous mailbox, under mailboxId(invitee).
//
// Wire form (little-endian):
//   "V100INV\x01" | inviter PublicIdentity | invitee user_id (32) | u32 |ct| || X-Wing ct |
//   u32 |box| || AES-256-GCM box | u32 |sig| || ML-DSA-65 signature (ctx "v100/invitation/v1") over
//   everything before it
// box key = HKDF-SHA-512(IKM = X-Wing shared secret, salt = "v100/invitation/v1", info = ct),
// box plaintext = ms (32) || u64 session || u32 |title| || title [|| join seed (32)], AAD = everything
// before the box. The join seed is present only after the host removed a member.
//
// Errors: opening untrusted bytes gives {ok: false, error} with the C++ message, never a throw.
// Caller mistakes when making one (ms or join seed of the wrong size, a title over 4096 bytes, a
// session outside u64) throw RangeError. The shared secret, box key and plaintext are wiped.

import { ByteReader, type Bytes, concat, constantTimeEqual, u32le, u64le } from "./bytes.js";
import { type Result, aeadOpen, aeadSeal, hkdfSha512, utf8 } from "./crypto.js";
import { type Identity, PublicIdentity, kCtxInvitation, verifySignature } from "./identity.js";
import type { PqWasm } from "./wasm.js";
import { XWing } from "./xwing.js";

/** Longest meeting title an invitation carries (bytes of UTF-8; invitation.cc kMaxTitle). */
export const kMaxInvitationTitle = 4096;

const kInvMagic = Uint8Array.of(0x56, 0x31, 0x30, 0x30, 0x49, 0x4e, 0x56, 0x01);  // "V100INV\x01"
const kInvLabel = "v100/invitation/v1";

/** What an opened invitation gives the invitee. The caller wipes meetingSecret and joinSeed. */
export interface OpenedInvitation {
  /** ms, 32 bytes. */
  meetingSecret: Bytes;
  /** Which session's handle to join. */
  session: bigint;
  /** The meeting title as UTF-8 text (U+FFFD for invalid bytes), and its bytes as sent. */
  title: string;
  titleBytes: Bytes;
  /** Empty, or the host's replacement join key (after a removal). */
  joinSeed: Bytes;
  /** Who signed it (the app decides whether to trust them). */
  inviter: PublicIdentity;
  inviterId: Bytes;
}

function boxKey(sharedSecret: Uint8Array, ct: Uint8Array): Promise<Bytes> {
  return hkdfSha512(sharedSecret, utf8(kInvLabel), ct, 32);
}

const u32blob = (b: Uint8Array): Bytes => concat(u32le(b.length), b);

/**
 * Makes an invitation for `invitee` from `host` (fresh X-Wing randomness, hedged signature).
 * `joinSeed`: empty, or the 32-byte join key that replaced derive("join-key") after a removal.
 */
export async function makeInvitation(wasm: PqWasm, host: Identity, invitee: PublicIdentity, meetingSecret: Uint8Array,
                                     session: bigint, title: string,
                                     joinSeed: Uint8Array = new Uint8Array(0)): Promise<Bytes> {
  if (meetingSecret.length !== 32) throw new RangeError("makeInvitation: ms must be 32 bytes");
  if (joinSeed.length !== 0 && joinSeed.length !== 32)
    throw new RangeError("makeInvitation: join seed must be empty or 32 bytes");
  const t = utf8(title);
  if (t.length > kMaxInvitationTitle) throw new RangeError("makeInvitation: title too long");
  if (session < 0n || session >= 1n << 64n) throw new RangeError("makeInvitation: session must be a u64");
  const enc = await new XWing(wasm).encapsulate(invitee.kemPk);
  if (!enc.ok) throw new RangeError(`makeInvitation: ${enc.error}`);
  const { sharedSecret, ciphertext } = enc.value;
  const head = concat(kInvMagic, host.publicIdentity.serialize(), invitee.userId(wasm), u32blob(ciphertext));
  const plain = concat(meetingSecret, u64le(session), u32blob(t), joinSeed);
  let key: Bytes | undefined;
  try {
    key = await boxKey(sharedSecret, ciphertext);
    const signed = concat(head, u32blob(await aeadSeal(key, plain, head)));
    return concat(signed, u32blob(host.sign(signed, kCtxInvitation)));
  } finally {
    sharedSecret.fill(0);
    plain.fill(0);
    key?.fill(0);
  }
}

/**
 * Opens an invitation addressed to `me`: an error on anything malformed, a bad signature, an
 * invitation for someone else or a failed decryption. Never throws on hostile bytes.
 */
export async function openInvitation(wasm: PqWasm, me: Identity,
                                     invitation: Uint8Array): Promise<Result<OpenedInvitation>> {
  const r = new ByteReader(invitation);
  const magic = r.bytes(8);
  if (magic === null || !constantTimeEqual(magic, kInvMagic)) return { ok: false, error: "not a V100 invitation" };
  const inv = PublicIdentity.read(wasm, invitation, r.pos);
  if (!inv.ok) return { ok: false, error: `invitation: ${inv.error}` };
  r.pos = inv.value.end;
  const to = r.bytes(32);
  const ct = to === null ? null : r.blob(1 << 16);
  if (to === null || ct === null) return { ok: false, error: "invitation truncated" };
  const aadLen = r.pos;
  const box = r.blob(1 << 16);
  if (box === null) return { ok: false, error: "invitation truncated" };
  const signedLen = r.pos;
  const sig = r.blob(1 << 16);
  if (sig === null || !r.atEnd()) return { ok: false, error: "invitation truncated or has trailing bytes" };
  if (!constantTimeEqual(to, me.userId)) return { ok: false, error: "invitation is addressed to someone else" };
  const inviter = inv.value.identity;
  if (!verifySignature(wasm, inviter, invitation.subarray(0, signedLen), kCtxInvitation, sig))
    return { ok: false, error: "invitation signature does not verify" };
  const ss = await me.decapsulate(ct);
  if (!ss.ok) return { ok: false, error: `invitation: ${ss.error}` };
  let key: Bytes | undefined, plain: Bytes | undefined;
  try {
    key = await boxKey(ss.value, ct);
    const opened = await aeadOpen(key, box, invitation.subarray(0, aadLen));
    if (!opened.ok) return { ok: false, error: `invitation does not decrypt: ${opened.error}` };
    plain = opened.value;
    const pr = new ByteReader(plain);
    const ms = pr.bytes(32), session = pr.u64(), title = pr.blob(kMaxInvitationTitle);
    if (ms === null || session === null || title === null) return { ok: false, error: "invitation payload malformed" };
    let joinSeed = new Uint8Array(0);
    if (!pr.atEnd()) {
      const s = pr.bytes(32);
      if (s === null || !pr.atEnd()) return { ok: false, error: "invitation payload malformed" };
      joinSeed = s.slice();
    }
    const titleBytes = title.slice();
    return { ok: true, value: { meetingSecret: ms.slice(), session, title: new TextDecoder("utf-8").decode(titleBytes),
                                titleBytes, joinSeed, inviter, inviterId: inviter.userId(wasm) } };
  } finally {
    ss.value.fill(0);
    key?.fill(0);
    plain?.fill(0);
  }
}

/**
 * The anonymous-mailbox id where invitations for `invitee` are posted:
 * SHA3-256("v100/mailbox/v2" || ML-DSA-65 public key), protocol::mailbox_id_for_owner.
 */
export function mailboxId(wasm: PqWasm, invitee: PublicIdentity): Bytes {
  return concat(wasm.sha3_256(concat(utf8("v100/mailbox/v2"), invitee.sigPk)));
}
