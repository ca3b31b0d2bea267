// Roster entries, as src/meeting/client/roster.{h,cc} has them (DESIGN.md §3 step 3), plus the
// meeting info blob of client.cc. All boxes are AES-256-GCM (crypto.ts: nonce || ct || tag, random
// nonce) under keys of the key schedule:
//
//   name blob      roster_key_k, AAD "v100/name" || handle || u16 slot, of
//                    u16 |name| || name zero-padded to 200 bytes || user id (32)
//   identity blob  roster_key_k, AAD "v100/identity" || handle || u16 slot || u64 join_seq, of
//                    public identity || u16 |name| || name padded to 200 || u32 |sig| || sig
//                  sig = ML-DSA-65 (ctx "v100/roster/v1") over
//                    handle || u16 slot || u64 join_seq || public identity || u32 |name| || name
//   meeting info   info_key_k, AAD handle, of u32 |title| || title, zero-padded to a multiple of 256
//   identity token SHAKE256("v100/token/v1" || user id) read as little-endian u16s
//
// The AAD binds a blob to its meeting, slot (and join_seq), so the server cannot move it. Names are
// bytes on the wire; the SDK takes and returns JS strings (UTF-8), and also hands back the exact
// bytes, since a peer's name is not guaranteed to be UTF-8 (the C++ side does not check it).
//
// Errors: opening untrusted blobs gives {ok: false, error} (tag, layout, signature); a name longer
// than 200 bytes when sealing is a caller mistake (RangeError). Plaintexts are wiped after use.

import { type Bytes, concat, readLe, u16le, u32le, u64le } from "./bytes.js";
import { type Result, aeadOpen, aeadSeal, utf8 } from "./crypto.js";
import { type Identity, PublicIdentity, kCtxRoster, verifySignature } from "./identity.js";
import type { PqWasm } from "./wasm.js";

/** Longest display name accepted (bytes of UTF-8). */
export const kMaxDisplayName = 200;
/** Meeting info is padded to a multiple of this many bytes (client.cc kInfoPad). */
export const kInfoPad = 256;
/** Identity-token values in a BFV roster block (roster_bfv.h kTokenCoeffs). */
export const kTokenCoeffs = 32;

/** A decrypted name blob. */
export interface NameEntry {
  displayName: string;
  /** The name's bytes as sent (displayName is their UTF-8 decoding, U+FFFD for invalid bytes). */
  displayNameBytes: Bytes;
  userId: Bytes;
}

/** A decrypted, signature-checked identity blob. */
export interface IdentityEntry {
  slot: number;
  joinSeq: bigint;
  identity: PublicIdentity;
  userId: Bytes;
  displayName: string;
  displayNameBytes: Bytes;
}

const decodeName = (b: Uint8Array): string => new TextDecoder("utf-8").decode(b);

function nameAad(handle: Uint8Array, slot: number): Bytes {
  return concat(utf8("v100/name"), handle, u16le(slot));
}

function identityAad(handle: Uint8Array, slot: number, joinSeq: bigint): Bytes {
  return concat(utf8("v100/identity"), handle, u16le(slot), u64le(joinSeq));
}

function signedMessage(handle: Uint8Array, slot: number, joinSeq: bigint, pub: Uint8Array, name: Uint8Array): Bytes {
  return concat(handle, u16le(slot), u64le(joinSeq), pub, u32le(name.length), name);
}

/** u16 length, then the name zero-padded to kMaxDisplayName: constant size whatever the name. */
function paddedName(name: Uint8Array): Bytes {
  if (name.length > kMaxDisplayName) throw new RangeError("display name longer than 200 bytes");
  const out = new Uint8Array(2 + kMaxDisplayName);
  out.set(u16le(name.length));
  out.set(name, 2);
  return out;
}

/** Reads a padded name at `off`: its bytes, or null when the length is too big or the padding not zero. */
function readPaddedName(b: Uint8Array, off: number): Bytes | null {
  if (b.length - off < 2 + kMaxDisplayName) return null;
  const n = readLe(b, off, 2);
  if (n > kMaxDisplayName) return null;
  for (let i = off + 2 + n; i < off + 2 + kMaxDisplayName; ++i) if (b[i] !== 0) return null;
  return b.slice(off + 2, off + 2 + n);
}

function checkSlotSeq(slot: number, joinSeq?: bigint): void {
  if (!Number.isInteger(slot) || slot < 0 || slot > 0xffff) throw new RangeError("slot must be a u16");
  if (joinSeq !== undefined && (joinSeq < 0n || joinSeq >= 1n << 64n)) throw new RangeError("join_seq must be a u64");
}

/** Seals a name blob. Throws RangeError on a name longer than kMaxDisplayName bytes. */
export async function sealNameBlob(rosterKey: Uint8Array, handle: Uint8Array, slot: number, displayName: string,
                                   userId: Uint8Array): Promise<Bytes> {
  checkSlotSeq(slot);
  const plain = concat(paddedName(utf8(displayName)), userId);
  try {
    return await aeadSeal(rosterKey, plain, nameAad(handle, slot));
  } finally {
    plain.fill(0);
  }
}

/** Opens a name blob (untrusted bytes). */
export async function openNameBlob(rosterKey: Uint8Array, handle: Uint8Array, slot: number,
                                   blob: Uint8Array): Promise<Result<NameEntry>> {
  if (rosterKey.length !== 32) return { ok: false, error: "roster key must be 32 bytes" };
  if (!Number.isInteger(slot) || slot < 0 || slot > 0xffff) return { ok: false, error: "slot must be a u16" };
  const plain = await aeadOpen(rosterKey, blob, nameAad(handle, slot));
  if (!plain.ok) return { ok: false, error: `name blob: ${plain.error}` };
  const p = plain.value;
  try {
    const name = readPaddedName(p, 0);
    if (name === null || p.length !== 2 + kMaxDisplayName + 32) return { ok: false, error: "name blob malformed" };
    return { ok: true, value: { displayName: decodeName(name), displayNameBytes: name,
                                userId: p.slice(2 + kMaxDisplayName) } };
  } finally {
    p.fill(0);
  }
}

/** Seals `me`'s identity blob for (handle, slot, joinSeq). Throws RangeError on a too-long name. */
export async function sealIdentityBlob(me: Identity, rosterKey: Uint8Array, handle: Uint8Array, slot: number,
                                       joinSeq: bigint, displayName: string): Promise<Bytes> {
  checkSlotSeq(slot, joinSeq);
  const pub = me.publicIdentity.serialize();
  const name = utf8(displayName);
  const padded = paddedName(name);
  const sig = me.sign(signedMessage(handle, slot, joinSeq, pub, name), kCtxRoster);
  const plain = concat(pub, padded, u32le(sig.length), sig);
  try {
    return await aeadSeal(rosterKey, plain, identityAad(handle, slot, joinSeq));
  } finally {
    plain.fill(0);
  }
}

/** Opens and checks an identity blob (tag, layout, ML-DSA-65 signature) of untrusted bytes. */
export async function openIdentityBlob(wasm: PqWasm, rosterKey: Uint8Array, handle: Uint8Array, slot: number,
                                       joinSeq: bigint, blob: Uint8Array): Promise<Result<IdentityEntry>> {
  if (rosterKey.length !== 32) return { ok: false, error: "roster key must be 32 bytes" };
  if (!Number.isInteger(slot) || slot < 0 || slot > 0xffff || joinSeq < 0n || joinSeq >= 1n << 64n)
    return { ok: false, error: "slot or join_seq out of range" };
  const plain = await aeadOpen(rosterKey, blob, identityAad(handle, slot, joinSeq));
  if (!plain.ok) return { ok: false, error: `identity blob: ${plain.error}` };
  const p = plain.value;
  try {
    const pub = PublicIdentity.read(wasm, p, 0);
    if (!pub.ok) return { ok: false, error: `identity blob: ${pub.error}` };
    const end = pub.value.end;
    const name = readPaddedName(p, end);
    let off = end + 2 + kMaxDisplayName;
    if (name === null || p.length - off < 4) return { ok: false, error: "identity blob malformed" };
    const sigLen = readLe(p, off, 4);
    off += 4;
    if (sigLen > 1 << 14 || p.length - off !== sigLen) return { ok: false, error: "identity blob malformed" };
    const identity = pub.value.identity;
    if (!verifySignature(wasm, identity, signedMessage(handle, slot, joinSeq, p.subarray(0, end), name), kCtxRoster,
                         p.subarray(off)))
      return { ok: false, error: "identity blob signature does not verify" };
    return { ok: true, value: { slot, joinSeq, identity, userId: identity.userId(wasm), displayName: decodeName(name),
                                displayNameBytes: name } };
  } finally {
    p.fill(0);
  }
}

/**
 * The identity token of a user: `count` 16-bit values, SHAKE256("v100/token/v1" || user id) read as
 * little-endian u16s (the first kTokenCoeffs go into the BFV roster block). A shorter token is a
 * prefix of a longer one.
 */
export function identityToken(wasm: PqWasm, userId: Uint8Array, count = kTokenCoeffs): Uint16Array {
  const raw = wasm.shake256(concat(utf8("v100/token/v1"), userId), 2 * count);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; ++i) out[i] = raw[2 * i]! | (raw[2 * i + 1]! << 8);
  return out;
}

/** Seals the meeting info (the title) as a host's CreateMeeting does. */
export async function sealMeetingInfo(infoKey: Uint8Array, handle: Uint8Array, title: string): Promise<Bytes> {
  const t = utf8(title);
  const n = 4 + t.length;
  const plain = new Uint8Array(Math.ceil(n / kInfoPad) * kInfoPad);
  plain.set(u32le(t.length));
  plain.set(t, 4);
  try {
    return await aeadSeal(infoKey, plain, handle);
  } finally {
    plain.fill(0);
  }
}

/** Opens a meeting info blob (MeetingInfo.infoBlob, untrusted): the title. */
export async function openMeetingInfo(infoKey: Uint8Array, handle: Uint8Array,
                                      blob: Uint8Array): Promise<Result<{ title: string; titleBytes: Bytes }>> {
  if (infoKey.length !== 32) return { ok: false, error: "info key must be 32 bytes" };
  const plain = await aeadOpen(infoKey, blob, handle);
  if (!plain.ok) return { ok: false, error: `meeting info: ${plain.error}` };
  const p = plain.value;
  try {
    // As client.cc reads it: a u32-prefixed title within the plaintext; the padding is not checked.
    if (p.length < 4 || readLe(p, 0, 4) > p.length - 4) return { ok: false, error: "meeting info malformed" };
    const t = p.slice(4, 4 + readLe(p, 0, 4));
    return { ok: true, value: { title: decodeName(t), titleBytes: t } };
  } finally {
    p.fill(0);
  }
}
