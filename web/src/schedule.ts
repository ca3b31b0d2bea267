// The meeting key schedule, as src/meeting/client/schedule.{h,cc} has it (DESIGN.md §2): everything
// a meeting needs comes from the host's 32-byte meeting secret `ms` through labelled HKDF-SHA-512
// calls (WebCrypto), so holding `ms` (delivered in an invitation) is what makes someone a member,
// and the server, which never sees `ms`, gets only one-way outputs (handles, a join verifier).
//
//   derive(l, c)   = HKDF-SHA-512(salt = "v100/meeting/v1", IKM = ms, info = "v100/" || l || 0x00 || c)
//   handle_k       = derive("handle",      u64le(k))       32 bytes, public (the server's key)
//   join_key_k     = derive("join-key",    u64le(k))       the Ed25519 seed of the join proof
//   bfv_seed       = derive("bfv-seed",    "")             seed of the shared BFV secret key
//   ckks_seed      = derive("ckks-seed",   "")             seed of the shared CKKS secret key
//   info_key_k     = derive("info-key",    u64le(k))       AES-256-GCM key of the meeting info
//   roster_key_k   = derive("roster-key",  u64le(k))       AES-256-GCM key of roster entries
//   epoch_base_k   = derive("epoch-base",  u64le(k))       salt of every epoch secret
//   epoch_secret_e = HKDF(salt = epoch_base_k, IKM = fresh_e, info = "v100/epoch" || u64le(e))
//
// plus membership_proof = HMAC-SHA-512/256(join_key, "v100/join-proof" || handle || nonce), the
// MAC form of the proof that schedule.h keeps next to the schedule (the server checks the Ed25519
// form of join_proof.ts).
//
// Every derived key is a fresh Uint8Array the caller owns and wipes (fill(0)) after use.

import { type Bytes, concat, u64le } from "./bytes.js";
import { hkdfSha512, hmacSha512_256, utf8 } from "./crypto.js";

export const kMeetingSecretLen = 32;
export const kHandleLen = 32;

const kExtractSalt = utf8("v100/meeting/v1");

function need(what: string, b: Uint8Array, len: number): void {
  if (b.length !== len) throw new RangeError(`KeySchedule: ${what} must be ${len} bytes, got ${b.length}`);
}

function checkU64(what: string, v: bigint): void {
  if (v < 0n || v >= 1n << 64n) throw new RangeError(`KeySchedule: ${what} must be a u64`);
}

/**
 * Holds one meeting secret (a private copy) and derives its labelled keys. wipe() zeroes the copy;
 * the schedule is unusable afterwards. Sessions and epochs are u64 values as bigint.
 */
export class KeySchedule {
  private wiped = false;

  private constructor(private readonly ms: Bytes) {}

  /** A schedule over a copy of `ms` (the caller keeps and wipes its own). Throws RangeError unless
   * `ms` is 32 bytes (as the C++ constructor throws std::invalid_argument). */
  static fromSecret(ms: Uint8Array): KeySchedule {
    need("the meeting secret", ms, kMeetingSecretLen);
    return new KeySchedule(concat(ms));
  }

  /** A fresh random meeting secret (for a host), from crypto.getRandomValues. */
  static generateSecret(): Bytes {
    return globalThis.crypto.getRandomValues(new Uint8Array(kMeetingSecretLen));
  }

  /** A copy of the meeting secret (for sealing it into invitations); the caller wipes it. */
  secret(): Bytes {
    this.check();
    return concat(this.ms);
  }

  /** The raw labelled derivation: `len` bytes of derive(label, context). */
  async derive(label: string, context: Uint8Array, len: number): Promise<Bytes> {
    this.check();
    const info = concat(utf8("v100/"), utf8(label), Uint8Array.of(0), context);
    // Full HKDF (extract + expand) per call, as the C++ does: only `ms` is kept, one secret to wipe.
    return hkdfSha512(this.ms, kExtractSalt, info, len);
  }

  /** The server-side handle of session `session` (public). */
  handle(session: bigint): Promise<Bytes> {
    return this.sessionKey("handle", session);
  }
  /** The Ed25519 seed of the membership proof for session `session`. */
  joinKey(session: bigint): Promise<Bytes> {
    return this.sessionKey("join-key", session);
  }
  /** 32-byte seed of the shared BFV secret key. */
  bfvSeed(): Promise<Bytes> {
    return this.derive("bfv-seed", new Uint8Array(0), 32);
  }
  /** 32-byte seed of the shared CKKS secret key. */
  ckksSeed(): Promise<Bytes> {
    return this.derive("ckks-seed", new Uint8Array(0), 32);
  }
  /** AES-256-GCM key of the meeting info blob. */
  infoKey(session: bigint): Promise<Bytes> {
    return this.sessionKey("info-key", session);
  }
  /** AES-256-GCM key of roster entries (name and identity blobs). */
  rosterKey(session: bigint): Promise<Bytes> {
    return this.sessionKey("roster-key", session);
  }

  /** Epoch secret of epoch `epoch` from the distributor's 32 fresh bytes (RangeError on another length). */
  async epochSecret(session: bigint, epoch: bigint, fresh: Uint8Array): Promise<Bytes> {
    need("the fresh epoch input", fresh, 32);
    checkU64("epoch", epoch);
    const base = await this.sessionKey("epoch-base", session);
    try {
      return await hkdfSha512(fresh, base, concat(utf8("v100/epoch"), u64le(epoch)), 32);
    } finally {
      base.fill(0);
    }
  }

  /** Zeroes the meeting secret. */
  wipe(): void {
    this.ms.fill(0);
    this.wiped = true;
  }

  private async sessionKey(label: string, session: bigint): Promise<Bytes> {
    checkU64("session", session);
    return this.derive(label, u64le(session), 32);
  }

  private check(): void {
    if (this.wiped) throw new Error("KeySchedule: the meeting secret was wiped");
  }
}

/** The membership proof MAC: HMAC-SHA-512/256(join_key, "v100/join-proof" || handle || nonce). */
export function membershipProof(joinKey: Uint8Array, handle: Uint8Array, serverNonce: Uint8Array): Promise<Bytes> {
  return hmacSha512_256(joinKey, concat(utf8("v100/join-proof"), handle, serverNonce));
}
