// The V100 wire protocol, version 1 (docs/protocol.md; src/meeting/protocol/messages.{h,cc}): the
// messages a browser participant exchanges, encoded byte for byte like the C++ SDK and decoded as
// strictly (every length bounded before use, enums and flags range-checked, reserved bits zero, no
// trailing bytes). decode() never throws on hostile bytes: it returns { ok: false, error }.
//
// Framing: one message per WebSocket binary message, a 6-byte header
// [u8 wire_version = 1][u8 type][u32 request_id LE], then the body. Integers are little-endian;
// a blob is a u32 length then its bytes; a list is a u16 count then its elements. 64-bit values
// are bigint.
//
// The mailbox messages (messages_mailbox.cc) are here: a Room reads its invitations and posts
// invitations to a person's public identity; RemoveMember is the host's; ServiceRequest /
// ServiceResponse carry the directory look-up (fhe.ts BfvLookup). Not here yet (the browser does not
// send or receive it today): RedeemToken. decode() reports it as "not supported by the web SDK".

import type { Bytes } from "./bytes.js";

export const kWireVersion = 1;
export const kProtocolVersion = 1;
export const kHeaderBytes = 6;

export const kHandleBytes = 32;
export const kNonceBytes = 32;
export const kSlotTokenBytes = 32;
export const kMaxMessageBytes = 16 << 20;
export const kMaxKeyBlobBytes = 12 << 20;
export const kMaxKeyBlobs = 16;
export const kMaxVerifierBytes = 4096;
export const kMaxProofBytes = 8192;
export const kMaxInfoBlobBytes = 64 << 10;
export const kMaxRosterCtBytes = 2 << 20;
export const kMaxNameBlobBytes = 1024;
export const kMaxEpochBlobBytes = 16 << 10;
export const kMaxMembers = 1024;
export const kMaxMediaPayload = 1 << 20;
export const kMaxBundleFrames = 256;
export const kMaxErrorText = 256;
export const kMaxRosterEntries = 1024;
export const kMailboxIdBytes = 32;
export const kMailboxItemIdBytes = 16;
export const kMaxMailboxBlobBytes = 64 << 10;
export const kMaxMailboxItems = 128;
export const kMailboxOwnerKeyBytes = 1952;  // FIPS 204 Table 2, ML-DSA-65 pk
export const kMailboxOwnerSigBytes = 3309;  // FIPS 204 Table 2, ML-DSA-65 signature
export const kMaxMailboxPutBits = 32;
export const kMaxServiceBlobs = 64;
export const kMaxServiceBlobBytes = 12 << 20;

/** Message type codes (header byte 1). */
export const MsgType = {
  Hello: 1, CreateMeeting: 2, JoinChallengeRequest: 3, JoinProve: 4, GetMeeting: 5, GetKeyBlob: 6, PutRoster: 7,
  FetchRoster: 8, PostEpoch: 9, FetchEpochKey: 10, Subscribe: 11, MediaFrame: 12, Leave: 13, MailboxPut: 14,
  MailboxFetch: 15, ServiceRequest: 16, Ping: 17, EndMeeting: 18, PutKeyBlob: 19, MailboxChallengeRequest: 20,
  RemoveMember: 30, RedeemToken: 31,
  ServerHello: 64, Ack: 65, Error: 66, JoinChallenge: 67, JoinAccepted: 68, MeetingInfo: 69, KeyBlob: 70, Roster: 71,
  EpochKey: 72, MemberEvent: 73, MailboxItems: 74, ServiceResponse: 75, Pong: 76, MediaBundle: 77,
  MailboxChallenge: 78,
} as const;
export type MsgTypeName = keyof typeof MsgType;

/** Media kinds (the envelope's low 3 bits). */
export const MediaKind = { Audio: 0, Video: 1, Data: 2, Screen: 3, Control: 4 } as const;
export type MediaKindCode = (typeof MediaKind)[keyof typeof MediaKind];
export const kMaxMediaLayer = 3;

/** Error codes of Error messages. */
export const ErrorCode = {
  BadMessage: 1, UnsupportedVersion: 2, HelloRequired: 3, UnknownMeeting: 4, MeetingExists: 5, NotMember: 6,
  BadProof: 7, NoChallenge: 8, MeetingFull: 9, BadSlot: 10, StaleEpoch: 11, RateLimited: 12, MailboxFull: 13,
  UnknownService: 14, ServiceError: 15, Internal: 16, UnsupportedScheme: 17, NotFound: 18, AlreadyJoined: 19,
  Busy: 20, NotDistributor: 30, NotHost: 31, AdmissionRequired: 32,
} as const;

/** MemberEvent kinds. */
export const MemberEventKind = { Joined: 1, Left: 2, Online: 3, Offline: 4, MeetingEnded: 5, Removed: 6 } as const;
/** Join proof schemes. */
export const JoinScheme = { Ed25519: 1, MlDsa65: 2 } as const;
/** Subscribe modes. */
export const SubscribeMode = { None: 0, All: 1, List: 2 } as const;

/** The media envelope: what the relay may know about a frame (one byte on the wire). */
export interface MediaEnvelope {
  kind: MediaKindCode;
  keyframe: boolean;
  layer: number;
}

/** The envelope byte: bits 0-2 kind, bit 3 keyframe, bits 4-5 layer. */
export function envelopeByte(e: MediaEnvelope): number {
  return e.kind | (e.keyframe ? 0x08 : 0) | (e.layer << 4);
}

/** Parses an envelope byte; null for a byte no sender may produce. */
export function parseEnvelope(b: number): MediaEnvelope | null {
  const kind = b & 0x07, key = (b & 0x08) !== 0;
  if (kind > MediaKind.Control || (b & 0xc0) !== 0) return null;
  if (key && kind !== MediaKind.Video && kind !== MediaKind.Screen) return null;
  return { kind: kind as MediaKindCode, keyframe: key, layer: (b >> 4) & 0x03 };
}

export interface KeyBlobEntry { kind: number; blob: Bytes }
export interface MemberInfo { slot: number; joinSeq: bigint; online: boolean }
export interface KeyBlobInfo { kind: number; size: number }
export interface RosterEntry { slot: number; rosterCt: Bytes; nameBlob: Bytes }
export interface EpochEntry { slot: number; blob: Bytes }
export interface MediaFrameBody { slot: number; envelope: MediaEnvelope; payload: Bytes }
export interface MailboxItem { id: Bytes; blob: Bytes }

/** Every message the web SDK speaks, tagged by `type`. */
export type Message =
  | { type: "Hello"; minVersion: number; maxVersion: number }
  | { type: "ServerHello"; version: number; maxMessageBytes: number; maxMediaPayload: number; maxMembers: number }
  | { type: "CreateMeeting"; handle: Bytes; maxMembers: number; scheme: number; joinVerifier: Bytes; infoBlob: Bytes;
      keys: KeyBlobEntry[] }
  | { type: "JoinChallengeRequest"; handle: Bytes }
  | { type: "JoinChallenge"; nonce: Bytes }
  | { type: "JoinProve"; handle: Bytes; nonce: Bytes; proof: Bytes; reclaim: { slot: number; token: Bytes } | null }
  | { type: "JoinAccepted"; slot: number; slotToken: Bytes; epoch: bigint; joinSeq: bigint; members: MemberInfo[] }
  | { type: "GetMeeting" }
  | { type: "MeetingInfo"; maxMembers: number; scheme: number; epoch: bigint; infoBlob: Bytes; keys: KeyBlobInfo[] }
  | { type: "GetKeyBlob"; kind: number }
  | { type: "PutKeyBlob"; kind: number; blob: Bytes }
  | { type: "KeyBlob"; kind: number; blob: Bytes }
  | { type: "PutRoster"; slot: number; rosterCt: Bytes; nameBlob: Bytes }
  | { type: "FetchRoster"; firstSlot: number; maxEntries: number }
  | { type: "Roster"; entries: RosterEntry[]; more: boolean; nextSlot: number }
  | { type: "PostEpoch"; epoch: bigint; entries: EpochEntry[] }
  | { type: "FetchEpochKey" }
  | { type: "EpochKey"; epoch: bigint; fromSlot: number; blob: Bytes }
  | { type: "Subscribe"; mode: number; slots: number[] }
  | ({ type: "MediaFrame" } & MediaFrameBody)
  | { type: "MediaBundle"; frames: MediaFrameBody[] }
  | { type: "Leave" }
  | { type: "EndMeeting" }
  | { type: "Ping"; token: bigint }
  | { type: "Pong"; token: bigint }
  | { type: "Ack" }
  | { type: "Error"; code: number; text: string }
  | { type: "MemberEvent"; kind: number; slot: number; joinSeq: bigint }
  | { type: "RemoveMember"; slot: number; nonce: Bytes; newJoinVerifier: Bytes; proof: Bytes }
  | { type: "MailboxChallengeRequest"; mailbox: Bytes }
  | { type: "MailboxChallenge"; nonce: Bytes; putBits: number }
  | { type: "MailboxPut"; mailbox: Bytes; nonce: Bytes; work: bigint; blob: Bytes }
  | { type: "MailboxFetch"; mailbox: Bytes; nonce: Bytes; ownerKey: Bytes; deleteIds: Bytes[]; signature: Bytes }
  | { type: "MailboxItems"; items: MailboxItem[]; more: boolean }
  | { type: "ServiceRequest"; service: number; op: number; blobs: Bytes[] }
  | { type: "ServiceResponse"; service: number; op: number; status: number; blobs: Bytes[] };

export type Decoded = { ok: true; requestId: number; msg: Message } | { ok: false; error: string };

// ---- writer ----

class Writer {
  private buf = new Uint8Array(64);
  private n = 0;

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.n++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16(v >>> 16);
  }
  u64(v: bigint): void {
    this.u32(Number(v & 0xffffffffn));
    this.u32(Number((v >> 32n) & 0xffffffffn));
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  blob(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes(b);
  }
  fixed(b: Uint8Array, len: number, what: string): void {
    if (b.length !== len) throw new RangeError(`encode: ${what} must be ${len} bytes`);
    this.bytes(b);
  }
  count(n: number): void {
    this.u16(n);
  }
  take(): Bytes {
    return this.buf.slice(0, this.n);
  }
}

// ---- reader: strict; any failure throws Bad, which decode() turns into { ok: false } ----

class Bad extends Error {}

class Reader {
  private pos = 0;
  constructor(private readonly b: Uint8Array, private readonly msg: string) {}

  fail(field: string): never {
    throw new Bad(`${this.msg}: bad ${field}`);
  }
  remaining(): number {
    return this.b.length - this.pos;
  }
  atEnd(): boolean {
    return this.pos === this.b.length;
  }
  private need(n: number, field: string): void {
    if (this.remaining() < n) this.fail(field);
  }
  u8(field: string): number {
    this.need(1, field);
    return this.b[this.pos++]!;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.b[this.pos]! | (this.b[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = (this.b[this.pos]! | (this.b[this.pos + 1]! << 8) | (this.b[this.pos + 2]! << 16)) +
              this.b[this.pos + 3]! * 0x1000000;
    this.pos += 4;
    return v;
  }
  u64(field: string): bigint {
    const lo = this.u32(field), hi = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  bool(field: string): boolean {
    const v = this.u8(field);
    if (v > 1) this.fail(field);
    return v === 1;
  }
  fixed(n: number, field: string): Bytes {
    this.need(n, field);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** u32 length (minLen..maxLen) then the bytes; the bound is checked before anything is copied. */
  blob(minLen: number, maxLen: number, field: string): Bytes {
    const n = this.u32(field);
    if (n < minLen || n > maxLen || n > this.remaining()) this.fail(field);
    return this.fixed(n, field);
  }
  /** A u16 list count, bounded by maxCount and by the bytes left (each element >= minElemBytes). */
  count(maxCount: number, minElemBytes: number, field: string): number {
    const n = this.u16(field);
    if (n > maxCount || (minElemBytes > 0 && n > Math.floor(this.remaining() / minElemBytes))) this.fail(field);
    return n;
  }
  slot(field: string): number {
    const s = this.u16(field);
    if (s >= kMaxMembers) this.fail(field);
    return s;
  }
}

function distinct(r: Reader, seen: Set<number>, v: number, field: string): void {
  if (seen.has(v)) r.fail(field);
  seen.add(v);
}

function writeFrame(w: Writer, f: MediaFrameBody): void {
  w.u16(f.slot);
  w.u8(envelopeByte(f.envelope));
  w.blob(f.payload);
}

function readFrame(r: Reader): MediaFrameBody {
  const slot = r.slot("frame");
  const envelope = parseEnvelope(r.u8("frame"));
  if (envelope === null) r.fail("frame");
  const payload = r.blob(1, kMaxMediaPayload, "frame");
  return { slot, envelope, payload };
}

// ---- per-message bodies (the order of src/meeting/protocol/messages*.cc) ----

function writeBody(w: Writer, m: Message): void {
  switch (m.type) {
    case "Hello": w.u16(m.minVersion); w.u16(m.maxVersion); return;
    case "ServerHello":
      w.u16(m.version); w.u32(m.maxMessageBytes); w.u32(m.maxMediaPayload); w.u16(m.maxMembers); return;
    case "CreateMeeting":
      w.fixed(m.handle, kHandleBytes, "handle"); w.u16(m.maxMembers); w.u8(m.scheme); w.blob(m.joinVerifier);
      w.blob(m.infoBlob); w.count(m.keys.length);
      for (const k of m.keys) { w.u16(k.kind); w.blob(k.blob); }
      return;
    case "JoinChallengeRequest": w.fixed(m.handle, kHandleBytes, "handle"); return;
    case "JoinChallenge": w.fixed(m.nonce, kNonceBytes, "nonce"); return;
    case "JoinProve":
      w.fixed(m.handle, kHandleBytes, "handle"); w.fixed(m.nonce, kNonceBytes, "nonce"); w.blob(m.proof);
      w.bool(m.reclaim !== null);
      if (m.reclaim !== null) { w.u16(m.reclaim.slot); w.fixed(m.reclaim.token, kSlotTokenBytes, "reclaim token"); }
      return;
    case "JoinAccepted":
      w.u16(m.slot); w.fixed(m.slotToken, kSlotTokenBytes, "slot token"); w.u64(m.epoch); w.u64(m.joinSeq);
      w.count(m.members.length);
      for (const mi of m.members) { w.u16(mi.slot); w.u64(mi.joinSeq); w.bool(mi.online); }
      return;
    case "GetMeeting": case "FetchEpochKey": case "Leave": case "EndMeeting": case "Ack": return;
    case "MeetingInfo":
      w.u16(m.maxMembers); w.u8(m.scheme); w.u64(m.epoch); w.blob(m.infoBlob); w.count(m.keys.length);
      for (const k of m.keys) { w.u16(k.kind); w.u32(k.size); }
      return;
    case "GetKeyBlob": w.u16(m.kind); return;
    case "PutKeyBlob": case "KeyBlob": w.u16(m.kind); w.blob(m.blob); return;
    case "PutRoster": w.u16(m.slot); w.blob(m.rosterCt); w.blob(m.nameBlob); return;
    case "FetchRoster": w.u16(m.firstSlot); w.u16(m.maxEntries); return;
    case "Roster":
      w.count(m.entries.length);
      for (const e of m.entries) { w.u16(e.slot); w.blob(e.rosterCt); w.blob(e.nameBlob); }
      w.bool(m.more); w.u16(m.nextSlot);
      return;
    case "PostEpoch":
      w.u64(m.epoch); w.count(m.entries.length);
      for (const e of m.entries) { w.u16(e.slot); w.blob(e.blob); }
      return;
    case "EpochKey": w.u64(m.epoch); w.u16(m.fromSlot); w.blob(m.blob); return;
    case "Subscribe":
      w.u8(m.mode);
      if (m.mode === SubscribeMode.List) { w.count(m.slots.length); for (const s of m.slots) w.u16(s); }
      return;
    case "MediaFrame": writeFrame(w, m); return;
    case "MediaBundle": w.count(m.frames.length); for (const f of m.frames) writeFrame(w, f); return;
    case "Ping": case "Pong": w.u64(m.token); return;
    case "Error": {
      const text = new TextEncoder().encode(m.text);
      w.u16(m.code); w.blob(text);
      return;
    }
    case "MemberEvent": w.u8(m.kind); w.u16(m.slot); w.u64(m.joinSeq); return;
    case "RemoveMember":
      w.u16(m.slot); w.fixed(m.nonce, kNonceBytes, "nonce"); w.blob(m.newJoinVerifier); w.blob(m.proof);
      return;
    case "MailboxChallengeRequest": w.fixed(m.mailbox, kMailboxIdBytes, "mailbox"); return;
    case "MailboxChallenge": w.fixed(m.nonce, kNonceBytes, "nonce"); w.u8(m.putBits); return;
    case "MailboxPut":
      w.fixed(m.mailbox, kMailboxIdBytes, "mailbox"); w.fixed(m.nonce, kNonceBytes, "nonce"); w.u64(m.work);
      w.blob(m.blob);
      return;
    case "MailboxFetch":
      w.fixed(m.mailbox, kMailboxIdBytes, "mailbox"); w.fixed(m.nonce, kNonceBytes, "nonce");
      if (m.ownerKey.length !== kMailboxOwnerKeyBytes) throw new RangeError("encode: owner key size");
      w.blob(m.ownerKey); w.count(m.deleteIds.length);
      for (const id of m.deleteIds) w.fixed(id, kMailboxItemIdBytes, "item id");
      if (m.signature.length !== kMailboxOwnerSigBytes) throw new RangeError("encode: owner signature size");
      w.blob(m.signature);
      return;
    case "MailboxItems":
      w.count(m.items.length);
      for (const it of m.items) { w.fixed(it.id, kMailboxItemIdBytes, "item id"); w.blob(it.blob); }
      w.bool(m.more);
      return;
    case "ServiceRequest": w.u16(m.service); w.u16(m.op); writeBlobs(w, m.blobs); return;
    case "ServiceResponse": w.u16(m.service); w.u16(m.op); w.u16(m.status); writeBlobs(w, m.blobs); return;
  }
}

/** A list of distinct 16-byte item ids (u16 count, bounded by kMaxMailboxItems and the bytes left). */
function readItemIds(r: Reader, field: string): Bytes[] {
  const n = r.count(kMaxMailboxItems, kMailboxItemIdBytes, field);
  const out: Bytes[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; ++i) {
    const id = r.fixed(kMailboxItemIdBytes, field);
    const k = id.join(",");
    if (seen.has(k)) r.fail(field);
    seen.add(k);
    out.push(id);
  }
  return out;
}

function writeBlobs(w: Writer, blobs: readonly Bytes[]): void {
  w.count(blobs.length);
  for (const b of blobs) w.blob(b);
}

// A service's blob list (messages.cc read_blob_list): at most kMaxServiceBlobs, each 0..12 MiB.
function readBlobs(r: Reader): Bytes[] {
  const n = r.count(kMaxServiceBlobs, 4, "blobs");
  const blobs: Bytes[] = [];
  for (let i = 0; i < n; ++i) blobs.push(r.blob(0, kMaxServiceBlobBytes, "blobs"));
  return blobs;
}

const validErrorCode = (c: number): boolean => (c >= 1 && c <= 20) || c === 30 || c === 31 || c === 32;
const validScheme = (s: number): boolean => s === 1 || s === 2;

function readBody(r: Reader, type: MsgTypeName): Message {
  switch (type) {
    case "Hello": {
      const minVersion = r.u16("version range"), maxVersion = r.u16("version range");
      if (minVersion === 0 || minVersion > maxVersion) r.fail("version range");
      return { type, minVersion, maxVersion };
    }
    case "ServerHello": {
      const version = r.u16("version");
      if (version === 0) r.fail("version");
      const maxMessageBytes = r.u32("max_message_bytes");
      if (maxMessageBytes < 1024 || maxMessageBytes > kMaxMessageBytes) r.fail("max_message_bytes");
      const maxMediaPayload = r.u32("max_media_payload");
      if (maxMediaPayload === 0 || maxMediaPayload > kMaxMediaPayload) r.fail("max_media_payload");
      const maxMembers = r.u16("max_members");
      if (maxMembers === 0 || maxMembers > kMaxMembers) r.fail("max_members");
      return { type, version, maxMessageBytes, maxMediaPayload, maxMembers };
    }
    case "CreateMeeting": {
      const handle = r.fixed(kHandleBytes, "handle");
      const maxMembers = r.u16("max_members");
      if (maxMembers === 0 || maxMembers > kMaxMembers) r.fail("max_members");
      const scheme = r.u8("scheme");
      if (!validScheme(scheme)) r.fail("scheme");
      const joinVerifier = r.blob(1, kMaxVerifierBytes, "join_verifier");
      const infoBlob = r.blob(0, kMaxInfoBlobBytes, "info_blob");
      const n = r.count(kMaxKeyBlobs, 6, "key count");
      const keys: KeyBlobEntry[] = [];
      const kinds = new Set<number>();
      for (let i = 0; i < n; ++i) {
        const kind = r.u16("key kind");
        distinct(r, kinds, kind, "key kind");
        keys.push({ kind, blob: r.blob(1, kMaxKeyBlobBytes, "key blob") });
      }
      return { type, handle, maxMembers, scheme, joinVerifier, infoBlob, keys };
    }
    case "JoinChallengeRequest": return { type, handle: r.fixed(kHandleBytes, "handle") };
    case "JoinChallenge": return { type, nonce: r.fixed(kNonceBytes, "nonce") };
    case "JoinProve": {
      const handle = r.fixed(kHandleBytes, "handle"), nonce = r.fixed(kNonceBytes, "nonce");
      const proof = r.blob(1, kMaxProofBytes, "proof");
      const reclaim = r.bool("reclaim flag")
        ? { slot: r.slot("reclaim_slot"), token: r.fixed(kSlotTokenBytes, "reclaim_token") } : null;
      return { type, handle, nonce, proof, reclaim };
    }
    case "JoinAccepted": {
      const slot = r.slot("slot"), slotToken = r.fixed(kSlotTokenBytes, "slot_token");
      const epoch = r.u64("epoch"), joinSeq = r.u64("epoch");
      const n = r.count(kMaxMembers, 11, "member count");
      const members: MemberInfo[] = [];
      const seen = new Set<number>();
      for (let i = 0; i < n; ++i) {
        const s = r.slot("member slot");
        distinct(r, seen, s, "member slot");
        members.push({ slot: s, joinSeq: r.u64("member"), online: r.bool("member") });
      }
      return { type, slot, slotToken, epoch, joinSeq, members };
    }
    case "GetMeeting": case "FetchEpochKey": case "Leave": case "EndMeeting": case "Ack": return { type };
    case "MeetingInfo": {
      const maxMembers = r.u16("max_members");
      if (maxMembers === 0 || maxMembers > kMaxMembers) r.fail("max_members");
      const scheme = r.u8("scheme");
      if (!validScheme(scheme)) r.fail("scheme");
      const epoch = r.u64("epoch"), infoBlob = r.blob(0, kMaxInfoBlobBytes, "info_blob");
      const n = r.count(1024, 6, "key count");
      const keys: KeyBlobInfo[] = [];
      for (let i = 0; i < n; ++i) {
        const kind = r.u16("key info"), size = r.u32("key info");
        if (size === 0 || size > kMaxKeyBlobBytes) r.fail("key info");
        keys.push({ kind, size });
      }
      return { type, maxMembers, scheme, epoch, infoBlob, keys };
    }
    case "GetKeyBlob": return { type, kind: r.u16("kind") };
    case "PutKeyBlob": case "KeyBlob": {
      const kind = r.u16("kind");
      return { type, kind, blob: r.blob(1, kMaxKeyBlobBytes, "blob") };
    }
    case "PutRoster": {
      const slot = r.slot("slot");
      const rosterCt = r.blob(1, kMaxRosterCtBytes, "roster_ct");
      return { type, slot, rosterCt, nameBlob: r.blob(1, kMaxNameBlobBytes, "name_blob") };
    }
    case "FetchRoster": {
      const firstSlot = r.slot("first_slot"), maxEntries = r.u16("max_entries");
      if (maxEntries > kMaxRosterEntries) r.fail("max_entries");
      return { type, firstSlot, maxEntries };
    }
    case "Roster": {
      const n = r.count(kMaxRosterEntries, 10, "entry count");
      const entries: RosterEntry[] = [];
      let prev = -1;
      for (let i = 0; i < n; ++i) {
        const slot = r.slot("entry slot");
        if (slot <= prev) r.fail("entry slot");  // strictly increasing: canonical, no duplicates
        prev = slot;
        const rosterCt = r.blob(1, kMaxRosterCtBytes, "roster_ct");
        entries.push({ slot, rosterCt, nameBlob: r.blob(1, kMaxNameBlobBytes, "name_blob") });
      }
      const more = r.bool("more"), nextSlot = r.slot("next_slot");
      if (!more && nextSlot !== 0) r.fail("next_slot");
      return { type, entries, more, nextSlot };
    }
    case "PostEpoch": {
      const epoch = r.u64("epoch");
      if (epoch === 0n) r.fail("epoch");
      const n = r.count(kMaxMembers, 6, "entry count");
      if (n === 0) r.fail("entry count");
      const entries: EpochEntry[] = [];
      const seen = new Set<number>();
      for (let i = 0; i < n; ++i) {
        const slot = r.slot("entry slot");
        distinct(r, seen, slot, "entry slot");
        entries.push({ slot, blob: r.blob(1, kMaxEpochBlobBytes, "entry blob") });
      }
      return { type, epoch, entries };
    }
    case "EpochKey": {
      const epoch = r.u64("epoch");
      if (epoch === 0n) r.fail("epoch");
      const fromSlot = r.slot("from_slot");
      return { type, epoch, fromSlot, blob: r.blob(1, kMaxEpochBlobBytes, "blob") };
    }
    case "Subscribe": {
      const mode = r.u8("mode");
      if (mode > 2) r.fail("mode");
      const slots: number[] = [];
      if (mode === SubscribeMode.List) {
        const n = r.count(kMaxMembers, 2, "slot count");
        const seen = new Set<number>();
        for (let i = 0; i < n; ++i) {
          const s = r.slot("slot");
          distinct(r, seen, s, "slot");
          slots.push(s);
        }
      }
      return { type, mode, slots };
    }
    case "MediaFrame": return { type, ...readFrame(r) };
    case "MediaBundle": {
      const n = r.count(kMaxBundleFrames, 8, "count");
      if (n === 0) r.fail("count");
      const frames: MediaFrameBody[] = [];
      for (let i = 0; i < n; ++i) frames.push(readFrame(r));
      return { type, frames };
    }
    case "Ping": case "Pong": return { type, token: r.u64("token") };
    case "Error": {
      const code = r.u16("code");
      if (!validErrorCode(code)) r.fail("code");
      const t = r.blob(0, kMaxErrorText, "text");
      // Printable ASCII only: an error text is never a channel for arbitrary bytes.
      for (const ch of t) if (ch < 0x20 || ch > 0x7e) r.fail("text");
      return { type, code, text: String.fromCharCode(...t) };
    }
    case "MemberEvent": {
      const kind = r.u8("kind");
      if (kind === 0 || kind > 6) r.fail("kind");
      return { type, kind, slot: r.slot("slot"), joinSeq: r.u64("join_seq") };
    }
    case "RemoveMember": {
      const slot = r.slot("slot"), nonce = r.fixed(kNonceBytes, "nonce");
      const newJoinVerifier = r.blob(1, kMaxVerifierBytes, "new_join_verifier");
      return { type, slot, nonce, newJoinVerifier, proof: r.blob(1, kMaxProofBytes, "proof") };
    }
    case "MailboxChallengeRequest": return { type, mailbox: r.fixed(kMailboxIdBytes, "mailbox") };
    case "MailboxChallenge": {
      const nonce = r.fixed(kNonceBytes, "nonce");
      const putBits = r.u8("put_bits");
      if (putBits > kMaxMailboxPutBits) r.fail("put_bits");
      return { type, nonce, putBits };
    }
    case "MailboxPut": {
      const mailbox = r.fixed(kMailboxIdBytes, "mailbox"), nonce = r.fixed(kNonceBytes, "nonce");
      const work = r.u64("work");
      return { type, mailbox, nonce, work, blob: r.blob(1, kMaxMailboxBlobBytes, "blob") };
    }
    case "MailboxFetch": {
      const mailbox = r.fixed(kMailboxIdBytes, "mailbox"), nonce = r.fixed(kNonceBytes, "nonce");
      const ownerKey = r.blob(kMailboxOwnerKeyBytes, kMailboxOwnerKeyBytes, "owner_key");
      const deleteIds = readItemIds(r, "delete_ids");
      return { type, mailbox, nonce, ownerKey, deleteIds,
               signature: r.blob(kMailboxOwnerSigBytes, kMailboxOwnerSigBytes, "signature") };
    }
    case "MailboxItems": {
      const n = r.count(kMaxMailboxItems, kMailboxItemIdBytes + 5, "item count");
      const items: MailboxItem[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < n; ++i) {
        const id = r.fixed(kMailboxItemIdBytes, "item id");
        const k = id.join(",");
        if (seen.has(k)) r.fail("item id");
        seen.add(k);
        items.push({ id, blob: r.blob(1, kMaxMailboxBlobBytes, "item blob") });
      }
      return { type, items, more: r.bool("more") };
    }
    case "ServiceRequest": {
      const service = r.u16("service"), op = r.u16("service");
      return { type, service, op, blobs: readBlobs(r) };
    }
    case "ServiceResponse": {
      const service = r.u16("service"), op = r.u16("service"), status = r.u16("service");
      return { type, service, op, status, blobs: readBlobs(r) };
    }
    default:
      throw new Bad(`${type}: not supported by the web SDK`);
  }
}

const kNameOf = new Map<number, MsgTypeName>(
  Object.entries(MsgType).map(([name, code]) => [code, name as MsgTypeName]));

/** Encodes `msg` with `requestId` (0 for pushes and media). Throws RangeError on a malformed value. */
export function encode(msg: Message, requestId = 0): Bytes {
  const w = new Writer();
  w.u8(kWireVersion);
  w.u8(MsgType[msg.type]);
  w.u32(requestId >>> 0);
  writeBody(w, msg);
  return w.take();
}

/** Decodes one message strictly; never throws on bad bytes. */
export function decode(bytes: Uint8Array): Decoded {
  try {
    if (bytes.length < kHeaderBytes) return { ok: false, error: "message: truncated header" };
    if (bytes[0] !== kWireVersion) return { ok: false, error: "message: unsupported wire version" };
    const type = kNameOf.get(bytes[1]!);
    if (type === undefined) return { ok: false, error: "message: unknown type" };
    const requestId = (bytes[2]! | (bytes[3]! << 8) | (bytes[4]! << 16)) + bytes[5]! * 0x1000000;
    const r = new Reader(bytes.subarray(kHeaderBytes), type);
    const msg = readBody(r, type);
    if (!r.atEnd()) return { ok: false, error: `${type}: trailing bytes` };
    return { ok: true, requestId, msg };
  } catch (e) {
    if (e instanceof Bad) return { ok: false, error: e.message };
    throw e;
  }
}
