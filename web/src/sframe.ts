// SFrame (RFC 9605) over WebCrypto, with V100's KID layout and key schedule
// (src/media/key_schedule.h) and V100's frame metadata (src/meeting/client/client.cc). No
// cryptographic primitive is written here: HKDF, HMAC, AES-GCM and AES-CTR are WebCrypto's; this
// file only arranges bytes the way the RFC and the C++ SDK do.
//
//   header     RFC 9605 §4.3: config byte X|K(3)|Y|C(3), then KID and CTR big-endian, minimal length
//   key        RFC 9605 §4.4.2: sframe_key / sframe_salt = HKDF(hash, salt "", base_key,
//              "SFrame 1.0 Secret key " / "... salt " || KID(8 BE) || suite(2 BE))
//   nonce      sframe_salt XOR CTR (big-endian, right-aligned)
//   AAD        header || metadata
//   V100 KID   epoch << 12 | slot
//   V100 base  HKDF(hash, salt "V100 SFrame v1", epoch_secret,
//                   "V100 SFrame base key" || suite(2 BE) || epoch(8 BE) || slot(4 BE), Nh)
//   metadata   slot (u16 LE) || media envelope byte
//
// Untrusted frames never throw: unprotect() returns a result naming the failure. Caller mistakes
// (slot or epoch out of range, a secret too short) throw RangeError.

import { type Bytes, concat, constantTimeEqual } from "./bytes.js";

/** RFC 9605 §4.5 cipher suites. V100 media uses 5 (AES_256_GCM_SHA512_128). */
export type CipherSuite = 1 | 2 | 3 | 4 | 5;
export const kDefaultCipherSuite: CipherSuite = 5;

/** The parameters of a suite (RFC 9605 Table 5): hash, Nh, Nka (AES key), Nk, Nn, Nt. */
export interface SuiteParams {
  readonly id: CipherSuite;
  readonly aead: "AES-GCM" | "AES-CTR-HMAC";
  readonly hash: "SHA-256" | "SHA-512";
  readonly nh: number;
  readonly nka: number;
  readonly nk: number;
  readonly nn: number;
  readonly nt: number;
}

const kSuites: Record<CipherSuite, SuiteParams> = {
  1: { id: 1, aead: "AES-CTR-HMAC", hash: "SHA-256", nh: 32, nka: 16, nk: 48, nn: 12, nt: 10 },
  2: { id: 2, aead: "AES-CTR-HMAC", hash: "SHA-256", nh: 32, nka: 16, nk: 48, nn: 12, nt: 8 },
  3: { id: 3, aead: "AES-CTR-HMAC", hash: "SHA-256", nh: 32, nka: 16, nk: 48, nn: 12, nt: 4 },
  4: { id: 4, aead: "AES-GCM", hash: "SHA-256", nh: 32, nka: 16, nk: 16, nn: 12, nt: 16 },
  5: { id: 5, aead: "AES-GCM", hash: "SHA-512", nh: 64, nka: 32, nk: 32, nn: 12, nt: 16 },
};

export function suiteParams(suite: CipherSuite): SuiteParams {
  return kSuites[suite];
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const utf8 = (s: string): Bytes => new TextEncoder().encode(s);
const kMax64 = (1n << 64n) - 1n;

/** `v` as n big-endian bytes. */
function be(v: bigint, n: number): Bytes {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; --i, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

function beLen(v: bigint): number {
  let n = 1;
  while (n < 8 && v >> BigInt(8 * n) !== 0n) ++n;
  return n;
}

// ---- header (RFC 9605 §4.3) ----

/** The encoded SFrame header of (kid, ctr), both in [0, 2^64). */
export function encodeHeader(kid: bigint, ctr: bigint): Bytes {
  if (kid < 0n || kid > kMax64 || ctr < 0n || ctr > kMax64) throw new RangeError("encodeHeader: out of range");
  let config = 0;
  const parts: Bytes[] = [];
  if (kid < 8n) {
    config |= Number(kid) << 4;
  } else {
    const n = beLen(kid);
    config |= 0x80 | ((n - 1) << 4);
    parts.push(be(kid, n));
  }
  if (ctr < 8n) {
    config |= Number(ctr);
  } else {
    const n = beLen(ctr);
    config |= 0x08 | (n - 1);
    parts.push(be(ctr, n));
  }
  return concat(Uint8Array.of(config), ...parts);
}

/** A decoded header: KID, CTR and its size in bytes. */
export interface SFrameHeader {
  kid: bigint;
  ctr: bigint;
  size: number;
}

/** Decodes the header at the start of `frame`; null if the frame is empty or truncated. */
export function decodeHeader(frame: Bytes): SFrameHeader | null {
  const config = frame[0];
  if (config === undefined) return null;
  const x = (config & 0x80) !== 0, y = (config & 0x08) !== 0;
  const k = (config >> 4) & 7, c = config & 7;
  const kidLen = x ? k + 1 : 0, ctrLen = y ? c + 1 : 0;
  const size = 1 + kidLen + ctrLen;
  if (frame.length < size) return null;
  const read = (off: number, n: number): bigint => {
    let v = 0n;
    for (let i = 0; i < n; ++i) v = (v << 8n) | BigInt(frame[off + i]!);
    return v;
  };
  return { kid: x ? read(1, kidLen) : BigInt(k), ctr: y ? read(1 + kidLen, ctrLen) : BigInt(c), size };
}

// ---- key schedule ----

async function hkdf(hash: string, salt: Bytes, ikm: Bytes, info: Bytes, len: number): Promise<Bytes> {
  const key = await subtle().importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await subtle().deriveBits({ name: "HKDF", hash, salt, info }, key, 8 * len));
}

/** RFC 5869 HKDF-Extract(salt, ikm) = HMAC-Hash(salt, ikm); an empty salt is HashLen zeros. */
export async function hkdfExtract(hash: "SHA-256" | "SHA-512", salt: Bytes, ikm: Bytes): Promise<Bytes> {
  const hlen = hash === "SHA-256" ? 32 : 64;
  const key = await subtle().importKey("raw", salt.length === 0 ? new Uint8Array(hlen) : salt,
                                       { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", key, ikm));
}

/** The key material of one KID (RFC 9605 §4.4.2 derive_key_salt). */
export interface FrameKeys {
  key: Bytes;
  salt: Bytes;
}

/** RFC 9605 §4.4.2 derive_key_salt(KID, base_key) for `suite`. */
export async function deriveFrameKeys(suite: CipherSuite, kid: bigint, baseKey: Bytes): Promise<FrameKeys> {
  const p = kSuites[suite];
  const tail = concat(be(kid, 8), be(BigInt(p.id), 2));
  const empty = new Uint8Array(0);
  const [key, salt] = await Promise.all([
    hkdf(p.hash, empty, baseKey, concat(utf8("SFrame 1.0 Secret key "), tail), p.nk),
    hkdf(p.hash, empty, baseKey, concat(utf8("SFrame 1.0 Secret salt "), tail), p.nn),
  ]);
  return { key, salt };
}

/** Bits of the KID holding the sender slot (src/media/key_schedule.h kSlotBits). */
export const kSlotBits = 12;
export const kMaxSlots = 1 << kSlotBits;
export const kMaxEpoch = (1n << BigInt(64 - kSlotBits)) - 1n;

/** The KID of sender `slot` in `epoch`: epoch << 12 | slot. Throws RangeError out of range. */
export function makeKid(epoch: bigint, slot: number): bigint {
  if (!Number.isInteger(slot) || slot < 0 || slot >= kMaxSlots) throw new RangeError("makeKid: slot out of range");
  if (epoch < 0n || epoch > kMaxEpoch) throw new RangeError("makeKid: epoch out of range");
  return (epoch << BigInt(kSlotBits)) | BigInt(slot);
}
export const kidEpoch = (kid: bigint): bigint => kid >> BigInt(kSlotBits);
export const kidSlot = (kid: bigint): number => Number(kid & BigInt(kMaxSlots - 1));

/** V100's base key for sender `slot` in `epoch` (key_schedule.h derive_base_key). */
export async function deriveBaseKey(suite: CipherSuite, epochSecret: Bytes, epoch: bigint,
                                    slot: number): Promise<Bytes> {
  if (epochSecret.length < 16) throw new RangeError("deriveBaseKey: epoch secret too short");
  makeKid(epoch, slot);  // range checks
  const p = kSuites[suite];
  const info = concat(utf8("V100 SFrame base key"), be(BigInt(p.id), 2), be(epoch, 8), be(BigInt(slot), 4));
  return hkdf(p.hash, utf8("V100 SFrame v1"), epochSecret, info, p.nh);
}

/** key_schedule.h derive_epoch_secret: HKDF-SHA256(salt "V100 media", ms, "epoch" || epoch(8 BE), 32). */
export async function deriveEpochSecret(meetingSecret: Bytes, epoch: bigint): Promise<Bytes> {
  if (meetingSecret.length < 16) throw new RangeError("deriveEpochSecret: meeting secret too short");
  return hkdf("SHA-256", utf8("V100 media"), meetingSecret, concat(utf8("epoch"), be(epoch, 8)), 32);
}

/** The V100 SFrame metadata of a frame: slot (u16 LE) || media envelope byte (client.cc). */
export function frameMetadata(slot: number, envelopeByte: number): Bytes {
  return Uint8Array.of(slot & 0xff, (slot >> 8) & 0xff, envelopeByte & 0xff);
}

// ---- one key: protect / unprotect (RFC 9605 §4.4.3, §4.4.4, §4.5.1) ----

/** The RFC 9605 nonce: sframe_salt XOR CTR, the counter big-endian in the last bytes. */
export function makeNonce(salt: Bytes, ctr: bigint): Bytes {
  const nonce = salt.slice();
  const c = be(ctr, 8);
  for (let i = 0; i < 8; ++i) nonce[nonce.length - 8 + i]! ^= c[i]!;
  return nonce;
}

/**
 * The AEAD of one suite (RFC 9605 §4.5) keyed with an sframe_key; the keys live in WebCrypto, not
 * extractable. Exported for the RFC's AEAD vectors; media code uses SFrameKey.
 */
export class Aead {
  private constructor(
    private readonly p: SuiteParams,
    private readonly enc: CryptoKey,
    private readonly auth: CryptoKey | null,
  ) {}

  static async create(p: SuiteParams, key: Bytes): Promise<Aead> {
    if (p.aead === "AES-GCM") {
      return new Aead(p, await subtle().importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"]), null);
    }
    // §4.5.1: sframe_key = enc_key (Nka) || auth_key (Nh).
    const [enc, auth] = await Promise.all([
      subtle().importKey("raw", key.subarray(0, p.nka), "AES-CTR", false, ["encrypt"]),
      subtle().importKey("raw", key.subarray(p.nka), { name: "HMAC", hash: p.hash }, false, ["sign"]),
    ]);
    return new Aead(p, enc, auth);
  }

  /** ct || tag. */
  async seal(nonce: Bytes, aad: Bytes, pt: Bytes): Promise<Bytes> {
    if (this.auth === null) {
      const iv = nonce, tagLength = 8 * this.p.nt;
      return new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv, additionalData: aad, tagLength }, this.enc, pt));
    }
    const ct = await this.ctr(nonce, pt);
    return concat(ct, await this.tag(nonce, aad, ct));
  }

  /** The plaintext, or null if the tag does not verify. */
  async open(nonce: Bytes, aad: Bytes, ctAndTag: Bytes): Promise<Bytes | null> {
    if (this.auth === null) {
      try {
        const iv = nonce, tagLength = 8 * this.p.nt;
        return new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv, additionalData: aad, tagLength }, this.enc,
                                                     ctAndTag));
      } catch {
        return null;
      }
    }
    const ct = ctAndTag.subarray(0, ctAndTag.length - this.p.nt);
    const tag = ctAndTag.subarray(ctAndTag.length - this.p.nt);
    if (!constantTimeEqual(await this.tag(nonce, aad, ct), tag)) return null;
    return this.ctr(nonce, ct);
  }

  // AES-CTR with the initial counter block nonce || 0x00000000 (32-bit block counter).
  private async ctr(nonce: Bytes, data: Bytes): Promise<Bytes> {
    const counter = concat(nonce, new Uint8Array(16 - nonce.length));
    return new Uint8Array(await subtle().encrypt({ name: "AES-CTR", counter, length: 32 }, this.enc, data));
  }

  // compute_tag: HMAC(auth_key, len64(aad) || len64(ct) || len64(Nt) || nonce || aad || ct), truncated to Nt.
  private async tag(nonce: Bytes, aad: Bytes, ct: Bytes): Promise<Bytes> {
    const lens = concat(be(BigInt(aad.length), 8), be(BigInt(ct.length), 8), be(BigInt(this.p.nt), 8));
    const mac = await subtle().sign("HMAC", this.auth!, concat(lens, nonce, aad, ct));
    return new Uint8Array(mac, 0, this.p.nt);
  }
}

/** One KID's key: encrypts and decrypts frames under it. */
export class SFrameKey {
  private constructor(
    readonly suite: CipherSuite,
    readonly kid: bigint,
    private readonly salt: Bytes,
    private readonly aead: Aead,
  ) {}

  /** Derives the frame key and salt of `kid` from `baseKey` (RFC 9605 §4.4.2). */
  static async derive(suite: CipherSuite, kid: bigint, baseKey: Bytes): Promise<SFrameKey> {
    return SFrameKey.fromFrameKeys(suite, kid, await deriveFrameKeys(suite, kid, baseKey));
  }

  /** From already derived key material; `keys.key` is wiped once imported into WebCrypto. */
  static async fromFrameKeys(suite: CipherSuite, kid: bigint, keys: FrameKeys): Promise<SFrameKey> {
    const aead = await Aead.create(kSuites[suite], keys.key);
    keys.key.fill(0);
    return new SFrameKey(suite, kid, keys.salt, aead);
  }

  get tagSize(): number {
    return kSuites[this.suite].nt;
  }

  /** header || ct || tag for counter `ctr` (RFC 9605 §4.4.3). The caller never repeats a ctr. */
  async protect(ctr: bigint, metadata: Bytes, plaintext: Bytes): Promise<Bytes> {
    const header = encodeHeader(this.kid, ctr);
    const sealed = await this.aead.seal(makeNonce(this.salt, ctr), concat(header, metadata), plaintext);
    return concat(header, sealed);
  }

  /** The plaintext of `frame` whose header is `h`, or null (too short, or the tag check failed). */
  async unprotect(h: SFrameHeader, frame: Bytes, metadata: Bytes): Promise<Bytes | null> {
    if (frame.length < h.size + this.tagSize) return null;
    const aad = concat(frame.subarray(0, h.size), metadata);
    return this.aead.open(makeNonce(this.salt, h.ctr), aad, frame.subarray(h.size));
  }
}

// ---- contexts (src/media/sframe_context.h) ----

/** Encrypts this participant's frames: one counter per key, never repeated. */
export class SenderContext {
  private key: SFrameKey | null = null;
  private epoch: bigint | null = null;
  private nextCtr = 0n;

  constructor(
    readonly slot: number,
    readonly suite: CipherSuite = kDefaultCipherSuite,
  ) {
    makeKid(0n, slot);  // range check
  }

  /**
   * Switches to `epoch` (derives this slot's base key from `epochSecret`). Epochs only move forward:
   * a stale or repeated epoch changes nothing and returns false (re-entering an epoch would reuse
   * nonces).
   */
  async setEpoch(epoch: bigint, epochSecret: Bytes, firstCounter = 0n): Promise<boolean> {
    if (this.epoch !== null && epoch <= this.epoch) return false;
    this.epoch = epoch;  // claimed before the awaits, so a concurrent older call cannot win
    const base = await deriveBaseKey(this.suite, epochSecret, epoch, this.slot);
    const key = await SFrameKey.derive(this.suite, makeKid(epoch, this.slot), base);
    base.fill(0);
    if (this.epoch !== epoch) return false;  // a newer epoch arrived meanwhile
    this.key = key;
    this.nextCtr = firstCounter;
    return true;
  }

  get hasKey(): boolean {
    return this.key !== null;
  }
  get kid(): bigint {
    return this.key?.kid ?? 0n;
  }

  /** The SFrame of `payload` under the current key; throws if no key is set or the counter ran out. */
  async protect(metadata: Bytes, payload: Bytes): Promise<Bytes> {
    const key = this.key;
    if (key === null) throw new Error("SenderContext.protect: no epoch key yet");
    if (this.nextCtr > kMax64) throw new Error("SenderContext.protect: counter exhausted; rotate the epoch");
    const ctr = this.nextCtr++;  // taken synchronously: concurrent calls never share a counter
    return key.protect(ctr, metadata, payload);
  }
}

/** What unprotect() learned about an authenticated frame. */
export interface ReceivedFrame {
  kid: bigint;
  epoch: bigint;
  slot: number;
  counter: bigint;
  payload: Bytes;
}

/** Why a frame was dropped. */
export type DropReason = "malformed" | "unknown-kid" | "replayed" | "auth-failed";

export type UnprotectResult = ({ ok: true } & ReceivedFrame) | { ok: false; reason: DropReason };

/** Options of a ReceiverContext (defaults as the C++ SDK's client). */
export interface ReceiverOptions {
  suite?: CipherSuite;
  /** How long the previous epoch's keys stay usable after setEpoch (frames in flight). */
  gracePeriodMs?: number;
  /** Reordering tolerance per KID, in frames. */
  replayWindow?: number;
  /** Time source in ms (tests inject a fake clock). */
  now?: () => number;
}

/** Highest counter seen and which of the `size` counters below it were seen, per KID. */
class ReplayWindow {
  private top = -1n;
  private readonly seen = new Set<bigint>();
  constructor(private readonly size: number) {}

  /** Whether ctr is new and not older than the window (checked before decryption). */
  fresh(ctr: bigint): boolean {
    if (ctr > this.top) return true;
    return this.top - ctr < BigInt(this.size) && !this.seen.has(ctr);
  }

  /** Records an authenticated ctr. */
  accept(ctr: bigint): void {
    this.seen.add(ctr);
    if (ctr > this.top) {
      this.top = ctr;
      const floor = ctr - BigInt(this.size);
      if (this.seen.size > 2 * this.size) for (const c of this.seen) if (c <= floor) this.seen.delete(c);
    }
  }
}

interface EpochKeys {
  epoch: bigint;
  secret: Bytes;
  senders: Map<number, { key: Promise<SFrameKey>; window: ReplayWindow }>;
}

/** Decrypts other participants' frames of the current (and, for a grace period, previous) epoch. */
export class ReceiverContext {
  private current: EpochKeys | null = null;
  private previous: EpochKeys | null = null;
  private previousUntil = 0;
  private readonly suite: CipherSuite;
  private readonly graceMs: number;
  private readonly windowSize: number;
  private readonly now: () => number;

  constructor(options: ReceiverOptions = {}) {
    this.suite = options.suite ?? kDefaultCipherSuite;
    this.graceMs = options.gracePeriodMs ?? 2000;
    this.windowSize = options.replayWindow ?? 2048;
    this.now = options.now ?? (() => Date.now());
  }

  /** Installs `epoch`; the current one becomes the previous for the grace period. False if not newer. */
  setEpoch(epoch: bigint, epochSecret: Bytes): boolean {
    if (epochSecret.length < 16) throw new RangeError("ReceiverContext.setEpoch: epoch secret too short");
    if (this.current !== null && epoch <= this.current.epoch) return false;
    makeKid(epoch, 0);  // range check
    this.wipe(this.previous);
    this.previous = this.current;
    this.previousUntil = this.now() + this.graceMs;
    this.current = { epoch, secret: epochSecret.slice(), senders: new Map() };
    return true;
  }

  get currentEpoch(): bigint | null {
    return this.current?.epoch ?? null;
  }

  /** Checks and decrypts one SFrame; never throws on bad bytes. */
  async unprotect(metadata: Bytes, frame: Bytes): Promise<UnprotectResult> {
    const h = decodeHeader(frame);
    if (h === null) return { ok: false, reason: "malformed" };
    const epoch = kidEpoch(h.kid), slot = kidSlot(h.kid);
    const keys = this.keysFor(epoch);
    if (keys === null) return { ok: false, reason: "unknown-kid" };
    let sender = keys.senders.get(slot);
    if (sender === undefined) {
      const secret = keys.secret, suite = this.suite;
      const key = deriveBaseKey(suite, secret, epoch, slot).then(async (base) => {
        const k = await SFrameKey.derive(suite, h.kid, base);
        base.fill(0);
        return k;
      });
      sender = { key, window: new ReplayWindow(this.windowSize) };
      keys.senders.set(slot, sender);
    }
    if (!sender.window.fresh(h.ctr)) return { ok: false, reason: "replayed" };
    const payload = await (await sender.key).unprotect(h, frame, metadata);
    if (payload === null) return { ok: false, reason: "auth-failed" };
    if (!sender.window.fresh(h.ctr)) return { ok: false, reason: "replayed" };  // raced with a copy
    sender.window.accept(h.ctr);
    return { ok: true, kid: h.kid, epoch, slot, counter: h.ctr, payload };
  }

  /** Wipes every epoch secret and forgets the keys (the context accepts nothing until setEpoch). */
  close(): void {
    this.wipe(this.current);
    this.wipe(this.previous);
    this.current = null;
    this.previous = null;
  }

  private keysFor(epoch: bigint): EpochKeys | null {
    if (this.current?.epoch === epoch) return this.current;
    if (this.previous?.epoch === epoch) {
      if (this.now() <= this.previousUntil) return this.previous;
      this.wipe(this.previous);
      this.previous = null;
    }
    return null;
  }

  private wipe(k: EpochKeys | null): void {
    if (k !== null) k.secret.fill(0);
  }
}
