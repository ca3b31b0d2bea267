// The BFV roster of src/meeting/client/roster_bfv.{h,cc} in the WebAssembly module: the meeting's
// BFV key from the 32-byte BFV seed (KeySchedule.bfvSeed), the seeded encryption of a member's
// identity token at its slot's position of its 32-member block (the `roster_ct` of PutRoster), the
// decryption of a block, and the public / relinearization key blobs of CreateMeeting. The C++
// (src/fhe, portable paths) does the work; the bytes are those of the native client.
//
// Every call is asynchronous: the module's FHE samplers draw AES-256-CTR keystream from WebCrypto
// (src/core/host_aes.h, AesKeystream in wasm.ts), and a call that needed keystream not yet computed
// is repeated once it is (the computation is deterministic, so the repeat gives the real result).
import type { Bytes } from "./bytes.js";
import type { Message } from "./protocol.js";
import { type AesKeystream, type PqWasm, WasmError, type WasmExports } from "./wasm.js";

/** Members per roster block and coefficients per member (roster_bfv.h; the token values per member are roster.ts kTokenCoeffs). */
export const kRosterBlockMembers = 32;
export const kSlotCoeffs = 128;
const kTokenCoeffs = 32;

const kErrKeystream = -4;
const kErrBuffer = -5;
// Keystream rounds per call: the first computes on zeros and records every chunk it read; later
// rounds only add the chunks that rejection sampling reaches further on. 2-3 are typical.
const kMaxRounds = 16;

/** Result of an operation on untrusted bytes: never a throw. */
export type FheResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The meeting's BFV roster keys (client::RosterCipher). Holds the secret key in the module's heap
 * until `free()`, which wipes it. One instance per module (single-threaded).
 */
export class BfvRoster {
  private constructor(
    private readonly x: WasmExports,
    private readonly aes: AesKeystream,
    private handle: number,
    /** Ring degree N (4096) and plaintext modulus t (65537). */
    readonly n: number,
    readonly t: number,
  ) {}

  /** Keys from the 32-byte BFV seed, as the C++ client derives them. Throws WasmError on a bad seed length. */
  static create(wasm: PqWasm, bfvSeed: Uint8Array): BfvRoster {
    if (bfvSeed.length !== 32) throw new WasmError("BfvRoster.create", -2);
    const x = wasm.exports;
    const p = copyIn(x, bfvSeed);
    try {
      const h = x.v100_bfv_roster_new(p);
      if (h === 0) throw new WasmError("BfvRoster.create", -1);
      return new BfvRoster(x, wasm.keystream, h, x.v100_bfv_roster_n(h), x.v100_bfv_roster_t(h));
    } finally {
      x.v100_free(p, 32);
    }
  }

  /** Wipes and frees the key (and the keystream cache, which held secret-derived keys). */
  free(): void {
    if (this.handle !== 0) this.x.v100_bfv_roster_free(this.handle);
    this.handle = 0;
    this.aes.wipe();
  }

  /**
   * The serialized seeded ciphertext of `token` (32 values < t, e.g. roster.ts identityToken) at
   * `slot`'s position of its block: RosterCipher::encrypt_token's bytes. `randomness`: 32 fresh
   * bytes from crypto.getRandomValues, never reused (a reused value under one key reveals the
   * difference of the two tokens). Throws WasmError on misuse (lengths, a value >= t).
   */
  async encryptToken(slot: number, token: Uint16Array, randomness: Uint8Array): Promise<Uint8Array> {
    if (!Number.isInteger(slot) || slot < 0 || slot > 0xffff) throw new WasmError("encryptToken", -2);
    if (token.length !== kTokenCoeffs || randomness.length !== 32) throw new WasmError("encryptToken", -2);
    const tokenBytes = new Uint8Array(token.buffer.slice(token.byteOffset, token.byteOffset + token.byteLength));
    try {
      return await blobCall(this.x, this.aes, "encryptToken", 1 << 16, [tokenBytes, randomness], (out, cap, lenp, [pt, pr]) =>
        this.x.v100_bfv_roster_encrypt(this.live(), out, cap, lenp, slot, pt!, pr!));
    } finally {
      tokenBytes.fill(0);
    }
  }

  /**
   * Decrypts one block as RosterCipher::decrypt_tokens does: adds the ciphertexts (members of one
   * block) and decrypts the sum into N values (member k's 128 at 128 k). Untrusted bytes: a
   * ciphertext that does not deserialize under these parameters gives {ok: false}.
   */
  async decryptBlock(cts: readonly Uint8Array[]): Promise<FheResult<Uint32Array>> {
    if (cts.length === 0) return { ok: false, error: "no ciphertext" };
    const total = cts.reduce((a, c) => a + c.length, 0);
    const all = new Uint8Array(total);
    let off = 0;
    for (const c of cts) {
      all.set(c, off);
      off += c.length;
    }
    const lens = new Uint8Array(new Uint32Array(cts.map((c) => c.length)).buffer);
    const x = this.x;
    for (let round = 0; round < kMaxRounds; ++round) {
      const pc = copyIn(x, all), pl = copyIn(x, lens), po = x.v100_alloc(this.n * 4);
      try {
        if (po === 0) throw new Error("v100.wasm: out of memory");
        const rc = x.v100_bfv_roster_decrypt(this.live(), po, pc, total, pl, cts.length);
        if (rc === kErrKeystream && (await this.aes.fill())) continue;
        if (rc === -3) return { ok: false, error: "malformed roster ciphertext" };
        if (rc !== 0) throw new WasmError("decryptBlock", rc);
        return { ok: true, value: new Uint32Array(x.memory.buffer.slice(po, po + this.n * 4)) };
      } finally {
        x.v100_free(pc, total);
        x.v100_free(pl, lens.length);
        x.v100_free(po, this.n * 4);
      }
    }
    throw new WasmError("decryptBlock", kErrKeystream);
  }

  /** The serialized public key (RosterCipher::public_key_blob). */
  publicKey(): Promise<Uint8Array> {
    return blobCall(this.x, this.aes, "publicKey", 1 << 17, [], (out, cap, lenp) =>
      this.x.v100_bfv_roster_public_key(this.live(), out, cap, lenp));
  }

  /** The serialized relinearization keys (RosterCipher::relin_keys_blob). */
  relinKeys(): Promise<Uint8Array> {
    return blobCall(this.x, this.aes, "relinKeys", 1 << 18, [], (out, cap, lenp) =>
      this.x.v100_bfv_roster_relin_keys(this.live(), out, cap, lenp));
  }

  private live(): number {
    if (this.handle === 0) throw new Error("BfvRoster: used after free()");
    return this.handle;
  }

}

/** The look-up service (meeting/services/services.h): service 1, op 1 QUERY [query] -> [replies, slots]. */
export const kLookupService = 1;
export const kLookupQueryOp = 1;

/**
 * The key holder's half of the directory look-up (services::LookupClient in the module): "is user
 * X in this meeting, in which slot?". The query encrypts X's identity token (roster.ts
 * identityToken) under the meeting's BFV key; the server answers on ciphertexts only and the
 * member decrypts the answer to a slot or "not found". The server learns that a look-up happened,
 * not whom or whether found. Holds the secret key in the module's heap until `free()`.
 */
export class BfvLookup {
  private constructor(private readonly x: WasmExports, private readonly aes: AesKeystream, private handle: number) {}

  /** Keys from the 32-byte BFV seed (KeySchedule.bfvSeed), as MetadataClient does. Throws WasmError on a bad seed length. */
  static create(wasm: PqWasm, bfvSeed: Uint8Array): BfvLookup {
    if (bfvSeed.length !== 32) throw new WasmError("BfvLookup.create", -2);
    const x = wasm.exports;
    const p = copyIn(x, bfvSeed);
    try {
      const h = x.v100_bfv_lookup_new(p);
      if (h === 0) throw new WasmError("BfvLookup.create", -1);
      return new BfvLookup(x, wasm.keystream, h);
    } finally {
      x.v100_free(p, 32);
    }
  }

  /** Wipes and frees the key (and the keystream cache, which held secret-derived keys). */
  free(): void {
    if (this.handle !== 0) this.x.v100_bfv_lookup_free(this.handle);
    this.handle = 0;
    this.aes.wipe();
  }

  /**
   * The query (LookupClient::encrypt_query's bytes, about 82 KB): the blob of the lookup
   * ServiceRequest. `token`: the 32 values of identityToken(userId); `randomness`: 32 fresh bytes
   * from crypto.getRandomValues, never reused. Throws WasmError on misuse (lengths).
   */
  async encryptQuery(token: Uint16Array, randomness: Uint8Array): Promise<Bytes> {
    if (token.length !== kTokenCoeffs || randomness.length !== 32) throw new WasmError("encryptQuery", -2);
    const tokenBytes = new Uint8Array(token.buffer.slice(token.byteOffset, token.byteOffset + token.byteLength));
    try {
      return await blobCall(this.x, this.aes, "encryptQuery", 1 << 17, [tokenBytes, randomness],
        (out, cap, lenp, [pt, pr]) => this.x.v100_bfv_lookup_query(this.live(), out, cap, lenp, pt!, pr!));
    } finally {
      tokenBytes.fill(0);
    }
  }

  /**
   * Reads the lookup ServiceResponse's blobs (the packed replies, the occupied slots) as the C++
   * MetadataClient::lookup does: the slot that holds the queried token, or null. Untrusted bytes:
   * anything that does not parse gives {ok: false, error} with the native message, never a throw.
   */
  async find(blobs: readonly Uint8Array[]): Promise<FheResult<number | null>> {
    if (blobs.length !== 2 || !blobs.every((b) => b instanceof Uint8Array)) {
      return { ok: false, error: "lookup: malformed answer" };
    }
    const [packed, slots] = blobs as [Uint8Array, Uint8Array];
    const x = this.x, kErrCap = 256;
    for (let round = 0; round < kMaxRounds; ++round) {
      const pp = copyIn(x, packed), ps = copyIn(x, slots), pslot = x.v100_alloc(4), perr = x.v100_alloc(kErrCap);
      try {
        if (pslot === 0 || perr === 0) throw new Error("v100.wasm: out of memory");
        const rc = x.v100_bfv_lookup_find(this.live(), pslot, perr, kErrCap, pp, packed.length, ps, slots.length);
        if (rc === kErrKeystream && (await this.aes.fill())) continue;
        if (rc === -3) {
          const e = new Uint8Array(x.memory.buffer, perr, kErrCap);
          return { ok: false, error: new TextDecoder().decode(e.subarray(0, Math.max(0, e.indexOf(0)))) };
        }
        if (rc !== 0) throw new WasmError("find", rc);
        const slot = new DataView(x.memory.buffer).getInt32(pslot, true);
        return { ok: true, value: slot < 0 ? null : slot };
      } finally {
        x.v100_free(pp, packed.length);
        x.v100_free(ps, slots.length);
        x.v100_free(pslot, 4);
        x.v100_free(perr, kErrCap);
      }
    }
    throw new WasmError("find", kErrKeystream);
  }

  /**
   * The same from a decoded reply (protocol.ts decode): a ServiceResponse of the lookup service with
   * status 0, else {ok: false} (an Error from the server gives its text).
   */
  findInResponse(msg: Message): Promise<FheResult<number | null>> {
    if (msg.type === "Error") return Promise.resolve({ ok: false, error: `server: ${msg.text}` });
    if (msg.type !== "ServiceResponse" || msg.service !== kLookupService || msg.op !== kLookupQueryOp) {
      return Promise.resolve({ ok: false, error: "lookup: not a lookup answer" });
    }
    if (msg.status !== 0) return Promise.resolve({ ok: false, error: `service answered status ${msg.status}` });
    return this.find(msg.blobs);
  }

  private live(): number {
    if (this.handle === 0) throw new Error("BfvLookup: used after free()");
    return this.handle;
  }
}

// Runs a call that writes a blob of unknown size: repeats it after computing missing keystream,
// and with a larger buffer on kV100ErrBuffer. Heap copies are wiped and freed.
async function blobCall(x: WasmExports, aes: AesKeystream, fn: string, cap: number, inputs: Uint8Array[],
                        call: (out: number, cap: number, lenp: number, ins: number[]) => number): Promise<Bytes> {
  for (let round = 0; round < kMaxRounds; ++round) {
    const ins = inputs.map((b) => copyIn(x, b));
    const outCap = cap, out = x.v100_alloc(outCap), lenp = x.v100_alloc(4);
    try {
      if (out === 0 || lenp === 0) throw new Error("v100.wasm: out of memory");
      const rc = call(out, outCap, lenp, ins);
      const len = new DataView(x.memory.buffer).getUint32(lenp, true);
      if (rc === kErrKeystream && (await aes.fill())) continue;
      if (rc === kErrBuffer) {
        cap = len;
        continue;
      }
      if (rc !== 0) throw new WasmError(fn, rc);
      return new Uint8Array(x.memory.buffer.slice(out, out + len));
    } finally {
      ins.forEach((p, i) => x.v100_free(p, inputs[i]!.length));
      x.v100_free(out, outCap);
      x.v100_free(lenp, 4);
    }
  }
  throw new WasmError(fn, kErrKeystream);
}

/** Slots of a CKKS report ("ckks-8192": N/2) and the most values one report carries (services::kMaxAttentionIntervals). */
export const kReportSlots = 4096;
const kErrInput = -3;

const bytesOf = (v: Float64Array): Uint8Array => new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));

/**
 * A meeting's CKKS report keys (services::AttentionKeys of src/services/analytics.h) in the module:
 * the secret key from the 32-byte CKKS seed (KeySchedule.ckksSeed). A member encrypts its values
 * (attention scores, clamped to [0, 1], at most 4096) into a report the server adds to the others
 * without seeing them; the host decrypts the sum with flooding noise (so that publishing it does not
 * leak the key). The bytes are those of the native client for the same randomness. Holds the key in
 * the module's heap until `free()`, which wipes it.
 */
export class CkksReport {
  private constructor(
    private readonly x: WasmExports,
    private readonly aes: AesKeystream,
    private handle: number,
    /** Slots per report (4096) and ring degree N (8192). */
    readonly slots: number,
  ) {}

  /** Keys from the 32-byte CKKS seed. Throws WasmError on a bad seed length. */
  static create(wasm: PqWasm, ckksSeed: Uint8Array): CkksReport {
    if (ckksSeed.length !== 32) throw new WasmError("CkksReport.create", -2);
    const x = wasm.exports;
    const p = copyIn(x, ckksSeed);
    try {
      const h = x.v100_ckks_report_new(p);
      if (h === 0) throw new WasmError("CkksReport.create", -1);
      return new CkksReport(x, wasm.keystream, h, x.v100_ckks_report_slots(h));
    } finally {
      x.v100_free(p, 32);
    }
  }

  /** Wipes and frees the key (and the keystream cache). */
  free(): void {
    if (this.handle !== 0) this.x.v100_ckks_report_free(this.handle);
    this.handle = 0;
    this.aes.wipe();
  }

  /**
   * A member's report of `values` (each clamped to [0, 1]; at most 4096): the serialized seeded
   * ciphertext. `randomness`: 32 fresh bytes from crypto.getRandomValues, never reused. Throws
   * WasmError on misuse (too many values, a value that is not finite, randomness not 32 bytes).
   */
  encrypt(values: Float64Array, randomness: Uint8Array): Promise<Uint8Array> {
    if (values.length > kReportSlots || randomness.length !== 32) return Promise.reject(new WasmError("CkksReport.encrypt", -2));
    return blobCall(this.x, this.aes, "CkksReport.encrypt", 1 << 18, [bytesOf(values), randomness],
                    (out, cap, lenp, [pv, pr]) =>
                      this.x.v100_ckks_report_encrypt(this.live(), out, cap, lenp, pv!, values.length, pr!));
  }

  /**
   * Decrypts a (summed) report: the first `count` slots, with flooding noise from `randomness` (32
   * fresh bytes). Untrusted bytes: what is not a ciphertext of this parameter set gives {ok: false}.
   */
  async decrypt(ct: Uint8Array, count: number, randomness: Uint8Array): Promise<FheResult<Float64Array>> {
    if (!Number.isInteger(count) || count < 0 || count > this.slots || randomness.length !== 32)
      throw new WasmError("CkksReport.decrypt", -2);
    const x = this.x;
    for (let round = 0; round < kMaxRounds; ++round) {
      const pc = copyIn(x, ct), pr = copyIn(x, randomness), po = x.v100_alloc(Math.max(8, count * 8));
      try {
        if (po === 0) throw new Error("v100.wasm: out of memory");
        const rc = x.v100_ckks_report_decrypt(this.live(), po, count, pc, ct.length, pr);
        if (rc === kErrKeystream && (await this.aes.fill())) continue;
        if (rc === kErrInput) return { ok: false, error: "not a CKKS report ciphertext of this parameter set" };
        if (rc !== 0) throw new WasmError("CkksReport.decrypt", rc);
        return { ok: true, value: new Float64Array(x.memory.buffer.slice(po, po + count * 8)) };
      } finally {
        x.v100_free(pc, ct.length);
        x.v100_free(pr, 32);
        x.v100_free(po, Math.max(8, count * 8));
      }
    }
    throw new WasmError("CkksReport.decrypt", kErrKeystream);
  }

  /** The plaintext a report of `values` encrypts: (level + 1) * N residue words (for the identity checks). */
  encode(values: Float64Array): BigUint64Array {
    const x = this.x, cap = 8 * 2 * this.slots;
    const pv = copyIn(x, bytesOf(values)), out = x.v100_alloc(cap * 8), lenp = x.v100_alloc(4);
    try {
      if (out === 0 || lenp === 0) throw new Error("v100.wasm: out of memory");
      const rc = x.v100_ckks_report_encode(this.live(), out, cap, lenp, pv, values.length);
      if (rc !== 0) throw new WasmError("CkksReport.encode", rc);
      const len = new DataView(x.memory.buffer).getUint32(lenp, true);
      return new BigUint64Array(x.memory.buffer.slice(out, out + len * 8));
    } finally {
      x.v100_free(pv, values.length * 8);
      x.v100_free(out, cap * 8);
      x.v100_free(lenp, 4);
    }
  }

  /** The encoder's unrounded special-FFT output for real slot values: N doubles (for the identity checks). */
  slotsToCoeffs(values: Float64Array): Float64Array {
    const x = this.x, n = 2 * this.slots;
    const pv = copyIn(x, bytesOf(values)), out = x.v100_alloc(n * 8);
    try {
      if (out === 0) throw new Error("v100.wasm: out of memory");
      const rc = x.v100_ckks_report_slots_to_coeffs(this.live(), out, n, pv, values.length);
      if (rc !== 0) throw new WasmError("CkksReport.slotsToCoeffs", rc);
      return new Float64Array(x.memory.buffer.slice(out, out + n * 8));
    } finally {
      x.v100_free(pv, values.length * 8);
      x.v100_free(out, n * 8);
    }
  }

  private live(): number {
    if (this.handle === 0) throw new Error("CkksReport: used after free()");
    return this.handle;
  }
}

// A heap copy of `bytes` (freed, and so wiped, by v100_free).
function copyIn(x: WasmExports, bytes: Uint8Array): number {
  const p = x.v100_alloc(bytes.length);
  if (p === 0) throw new Error("v100.wasm: out of memory");
  new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
  return p;
}
