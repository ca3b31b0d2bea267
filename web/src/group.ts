// Group keys, as src/meeting/client/group.{h,cc} has them (DESIGN.md §3 step 4). A new epoch starts on
// every join and leave. Its distributor (the longest-present member) picks 32 fresh bytes and sends
// each member of the epoch an epoch blob (protocol PostEpoch / EpochKey): the fresh bytes
// encapsulated to that member's X-Wing key, with the epoch's member slots, signed with the
// distributor's ML-DSA-65 key. Members derive
//
//   epoch_secret = KeySchedule.epochSecret(session, epoch, fresh)
//
// and from it the per-sender SFrame keys (sframe.ts deriveBaseKey, through Sender/ReceiverContext
// setEpoch). A member left out of an epoch cannot compute its secret even though it knows ms.
//
// Epoch blob wire form (little-endian):
//   "V100EPK\x01" | u64 epoch | u16 distributor slot | u16 recipient slot | u16 n | n × u16 slot |
//   u32 |ct| || X-Wing ciphertext | u32 |box| || AES-256-GCM box(fresh) |
//   u32 |sig| || ML-DSA-65 signature (ctx "v100/epoch/v1") over handle || everything before it
// box key = HKDF-SHA-512(IKM = X-Wing shared secret, salt = "v100/epoch/v1", info = ct),
// box AAD = handle || u64 epoch || u16 recipient slot || recipient user id.
//
// The security code of an epoch: SHA3-256("v100/security-code/v1" || u16 n || the members' user ids,
// sorted) read as 4 groups of 5 decimal digits.
//
// Errors: opening or peeking untrusted bytes gives {ok: false, error} with the C++ message, never a
// throw. Caller mistakes when making a blob (unsorted or incomplete slots, fresh not 32 bytes, a
// recipient key the encapsulation refuses) throw RangeError, as the C++ throws
// std::invalid_argument. The X-Wing shared secret, the box key and the box plaintext are wiped.

import { ByteReader, type Bytes, concat, u16le, u32le, u64le } from "./bytes.js";
import { type Result, aeadOpen, aeadSeal, hkdfSha512, utf8 } from "./crypto.js";
import { type Identity, type PublicIdentity, kCtxEpoch, verifySignature } from "./identity.js";
import type { KeySchedule } from "./schedule.js";
import type { PqWasm } from "./wasm.js";
import { XWing } from "./xwing.js";

/** Most member slots an epoch blob lists (group.cc kMaxMembers). */
export const kMaxEpochMembers = 4096;

const kEpochMagic = Uint8Array.of(0x56, 0x31, 0x30, 0x30, 0x45, 0x50, 0x4b, 0x01);  // "V100EPK\x01"
const kEpochLabel = "v100/epoch/v1";

/** The public part of an epoch blob (parsed, signature not yet checked). */
export interface EpochBlobHeader {
  epoch: bigint;
  distributorSlot: number;
  recipientSlot: number;
  /** Sorted, distinct, includes the recipient and the distributor. */
  memberSlots: number[];
}

/** An opened epoch blob: the header and the 32 fresh bytes (the caller wipes them). */
export interface OpenedEpoch {
  header: EpochBlobHeader;
  fresh: Bytes;
}

function u32blob(b: Uint8Array): Bytes {
  return concat(u32le(b.length), b);
}

function boxKey(sharedSecret: Uint8Array, ct: Uint8Array): Promise<Bytes> {
  return hkdfSha512(sharedSecret, utf8(kEpochLabel), ct, 32);
}

function boxAad(handle: Uint8Array, epoch: bigint, slot: number, userId: Uint8Array): Bytes {
  return concat(handle, u64le(epoch), u16le(slot), userId);
}

const isU16 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffff;

/** Sorted, distinct, complete: what both sides demand of a member list. */
function slotsValid(slots: readonly number[], recipient: number, distributor: number): boolean {
  for (let i = 0; i < slots.length; ++i) if (!isU16(slots[i]!) || (i > 0 && slots[i]! <= slots[i - 1]!)) return false;
  return slots.includes(recipient) && slots.includes(distributor);
}

interface Parsed {
  header: EpochBlobHeader;
  ct: Uint8Array;
  box: Uint8Array;
  sig: Uint8Array;
  signedLen: number;
}

function parse(blob: Uint8Array): Result<Parsed> {
  const r = new ByteReader(blob);
  const magic = r.bytes(8);
  if (magic === null || !magic.every((b, i) => b === kEpochMagic[i])) return { ok: false, error: "not an epoch blob" };
  const epoch = r.u64(), dist = r.uint(2), rcpt = r.uint(2), n = r.uint(2);
  if (epoch === null || dist === null || rcpt === null || n === null) return { ok: false, error: "epoch blob truncated" };
  if (n === 0 || n > kMaxEpochMembers) return { ok: false, error: "epoch blob member count out of range" };
  const slots: number[] = [];
  for (let i = 0; i < n; ++i) {
    const s = r.uint(2);
    if (s === null) return { ok: false, error: "epoch blob truncated" };
    if (slots.length > 0 && s <= slots[slots.length - 1]!) return { ok: false, error: "epoch blob member slots not sorted" };
    slots.push(s);
  }
  if (!slots.includes(rcpt) || !slots.includes(dist))
    return { ok: false, error: "epoch blob member list lacks its recipient or distributor" };
  const ct = r.blob(1 << 14);
  const box = ct === null ? null : r.blob(256);
  if (ct === null || box === null) return { ok: false, error: "epoch blob truncated" };
  const signedLen = r.pos;
  const sig = r.blob(1 << 14);
  if (sig === null || !r.atEnd()) return { ok: false, error: "epoch blob signature truncated" };
  return { ok: true, value: { header: { epoch, distributorSlot: dist, recipientSlot: rcpt, memberSlots: slots }, ct, box,
                              sig, signedLen } };
}

/**
 * Makes the epoch blob for one recipient: `fresh` (32 bytes) encapsulated to `recipient`'s X-Wing key
 * with fresh randomness, signed by `distributor`. `memberSlots` must be sorted, distinct and contain
 * both slots; `epoch` a u64. Throws RangeError otherwise.
 */
export async function makeEpochBlob(wasm: PqWasm, distributor: Identity, distributorSlot: number, handle: Uint8Array,
                                    epoch: bigint, memberSlots: readonly number[], recipientSlot: number,
                                    recipient: PublicIdentity, fresh: Uint8Array): Promise<Bytes> {
  if (memberSlots.length === 0 || memberSlots.length > kMaxEpochMembers)
    throw new RangeError("makeEpochBlob: member count");
  if (!slotsValid(memberSlots, recipientSlot, distributorSlot))
    throw new RangeError("makeEpochBlob: member slots must be sorted, distinct, complete");
  if (fresh.length !== 32) throw new RangeError("makeEpochBlob: fresh must be 32 bytes");
  if (epoch < 0n || epoch >= 1n << 64n) throw new RangeError("makeEpochBlob: epoch must be a u64");
  const enc = await new XWing(wasm).encapsulate(recipient.kemPk);
  if (!enc.ok) throw new RangeError(`makeEpochBlob: ${enc.error}`);
  const { sharedSecret, ciphertext } = enc.value;
  let key: Bytes | undefined;
  try {
    key = await boxKey(sharedSecret, ciphertext);
    const box = await aeadSeal(key, fresh, boxAad(handle, epoch, recipientSlot, recipient.userId(wasm)));
    const body = concat(kEpochMagic, u64le(epoch), u16le(distributorSlot), u16le(recipientSlot),
                        u16le(memberSlots.length), ...memberSlots.map(u16le), u32blob(ciphertext), u32blob(box));
    // The handle is signed but not sent: it binds the blob to this meeting session.
    const sig = distributor.sign(concat(handle, body), kCtxEpoch);
    return concat(body, u32blob(sig));
  } finally {
    sharedSecret.fill(0);
    key?.fill(0);
  }
}

/** Parses a blob's public header (to find out who must have signed it). Never throws. */
export function peekEpochBlob(blob: Uint8Array): Result<EpochBlobHeader> {
  const p = parse(blob);
  return p.ok ? { ok: true, value: p.value.header } : p;
}

/**
 * Verifies the signature against `distributor`, checks the blob is for (`mySlot`, `me`) and decrypts
 * the fresh bytes. Never throws on hostile bytes; the error messages are the C++ ones.
 */
export async function openEpochBlob(wasm: PqWasm, me: Identity, mySlot: number, distributor: PublicIdentity,
                                    handle: Uint8Array, blob: Uint8Array): Promise<Result<OpenedEpoch>> {
  const p = parse(blob);
  if (!p.ok) return p;
  const { header, ct, box, sig, signedLen } = p.value;
  if (header.recipientSlot !== mySlot) return { ok: false, error: "epoch blob is for another slot" };
  if (!verifySignature(wasm, distributor, concat(handle, blob.subarray(0, signedLen)), kCtxEpoch, sig))
    return { ok: false, error: "epoch blob signature does not verify" };
  const ss = await me.decapsulate(ct);
  if (!ss.ok) return { ok: false, error: `epoch blob: ${ss.error}` };
  let key: Bytes | undefined;
  try {
    key = await boxKey(ss.value, ct);
    const fresh = await aeadOpen(key, box, boxAad(handle, header.epoch, mySlot, me.userId));
    if (!fresh.ok || fresh.value.length !== 32) {
      if (fresh.ok) fresh.value.fill(0);
      return { ok: false, error: "epoch blob does not decrypt (not addressed to this identity)" };
    }
    return { ok: true, value: { header, fresh: fresh.value } };
  } finally {
    ss.value.fill(0);
    key?.fill(0);
  }
}

/** An EpochKey the server delivered (protocol EpochKey / the EpochKeyItem of a push). */
export interface EpochKeyItem {
  epoch: bigint;
  fromSlot: number;
  blob: Uint8Array;
}

/** An epoch ready to install: its header and the epoch secret (the caller wipes it after handing it
 * to SenderContext / ReceiverContext.setEpoch). */
export interface InstalledEpoch {
  header: EpochBlobHeader;
  epochSecret: Bytes;
}

/**
 * What the C++ client does with an EpochKey (client_keys.cc handle_epoch_key, install_epoch): the
 * blob's header must name the sender slot and epoch the server delivered it under; `distributor` is
 * the checked identity of that slot (from its identity blob); the opened fresh bytes give
 * KeySchedule.epochSecret(session, epoch, fresh), which is then the input of the SFrame base keys.
 * The fresh bytes are wiped. Never throws on hostile bytes.
 */
export async function openEpochKey(wasm: PqWasm, me: Identity, mySlot: number, distributor: PublicIdentity,
                                   ks: KeySchedule, session: bigint, handle: Uint8Array,
                                   item: EpochKeyItem): Promise<Result<InstalledEpoch>> {
  const hdr = peekEpochBlob(item.blob);
  if (!hdr.ok) return hdr;
  if (hdr.value.distributorSlot !== item.fromSlot || hdr.value.epoch !== item.epoch)
    return { ok: false, error: "epoch blob does not match its EpochKey (sender slot or epoch)" };
  const opened = await openEpochBlob(wasm, me, mySlot, distributor, handle, item.blob);
  if (!opened.ok) return opened;
  try {
    return { ok: true,
             value: { header: opened.value.header,
                      epochSecret: await ks.epochSecret(session, opened.value.header.epoch, opened.value.fresh) } };
  } finally {
    opened.value.fresh.fill(0);
  }
}

/** Lexicographic byte order (std::array's operator<). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ++i) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The meeting security code of an epoch: SHA3-256("v100/security-code/v1" || u16 n || the members'
 * 32-byte user ids, sorted) read as 4 groups of 5 decimal digits ("01234 56789 01234 56789"). Every
 * honest member of the same epoch computes the same code. Throws RangeError on an id that is not 32
 * bytes (a UserId is a fixed-size array in the C++).
 */
export function securityCode(wasm: PqWasm, members: readonly Uint8Array[]): string {
  if (members.some((m) => m.length !== 32)) throw new RangeError("securityCode: user ids are 32 bytes");
  const sorted = [...members].sort(compareBytes);
  // The count is a u16 on the wire of the hash, as the C++ truncates it.
  const d = wasm.sha3_256(concat(utf8("v100/security-code/v1"), u16le(sorted.length & 0xffff), ...sorted));
  const groups: string[] = [];
  // Each group from 3 bytes reduced mod 10^5 (bias < 0.6%: irrelevant for a ~66-bit comparison code).
  for (let g = 0; g < 4; ++g) {
    const v = (d[3 * g]! << 16) | (d[3 * g + 1]! << 8) | d[3 * g + 2]!;
    groups.push(String(v % 100000).padStart(5, "0"));
  }
  return groups.join(" ");
}
