// A person's identity, as src/meeting/client/identity.{h,cc} and keystore.cc have it: an ML-DSA-65
// signing key pair (FIPS 204, from the WebAssembly module) and an X-Wing KEM key pair (xwing.ts).
//
//   public identity   u32 |sig_pk| || sig_pk (1952) || u32 |kem_pk| || kem_pk (1216)
//   user id           SHA3-256("v100/user-id" || public identity)
//   secret            "V100IDS\x01" || xi (the ML-DSA-65 seed, FIPS 204 Alg. 6) || X-Wing seed (32)
//   public text       "v100-identity-v1 " || hex(public identity) || "\n"   (the `me.key.pub` file)
//
// Both key pairs are regenerated from their seeds, so the same 72 secret bytes give the same user id
// and the same public text here and in the C++ SDK. The passphrase key file (scrypt + AES-GCM,
// keystore.cc) is not ported: WebCrypto has no scrypt; a browser keeps the 72 secret bytes in its
// own protected storage.
//
// Errors: parsing untrusted bytes (a public identity, its text, a secret) gives {ok: false, error};
// verifySignature() is false on anything malformed. Caller mistakes (seeds of the wrong size, a
// wiped identity) throw. Seeds, the ML-DSA secret key and the serialized secret are wiped by wipe()
// or after use.

import { type Bytes, concat, constantTimeEqual, fromHex, readLe, toHex, u32le } from "./bytes.js";
import { type Result, utf8 } from "./crypto.js";
import { type PqWasm, WasmError } from "./wasm.js";
import { XWing, XWingSecretKey, kXWingCiphertextBytes, kXWingPublicKeyBytes } from "./xwing.js";

/** Signature context strings (FIPS 204 `ctx`), one per kind of signed object. */
export const kCtxInvitation = "v100/invitation/v1";
export const kCtxEpoch = "v100/epoch/v1";
export const kCtxRoster = "v100/roster/v1";

export const kMlDsa65PublicKeyBytes = 1952;  // FIPS 204 Table 2
export const kMlDsa65SignatureBytes = 3309;
export const kUserIdBytes = 32;
export const kIdentitySecretBytes = 8 + 32 + 32;
export const kPublicIdentityTextPrefix = "v100-identity-v1 ";

const kSecretMagic = Uint8Array.of(0x56, 0x31, 0x30, 0x30, 0x49, 0x44, 0x53, 0x01);  // "V100IDS\x01"
const kMaxKeyBlob = 1 << 14;
const kMlKem768PkBytes = 1184;

/** The public half of an identity: what other members see (inside encrypted blobs). */
export class PublicIdentity {
  private constructor(
    /** ML-DSA-65 public key (1952 bytes). */
    readonly sigPk: Bytes,
    /** X-Wing encapsulation key (1216 bytes). */
    readonly kemPk: Bytes,
  ) {}

  /** u32-length-prefixed sig_pk then kem_pk. */
  serialize(): Bytes {
    return concat(u32le(this.sigPk.length), this.sigPk, u32le(this.kemPk.length), this.kemPk);
  }

  /** SHA3-256("v100/user-id" || serialize()). */
  userId(wasm: PqWasm): Bytes {
    return wasm.sha3_256(concat(utf8("v100/user-id"), this.serialize())) as Bytes;
  }

  /** Parses exactly one serialized public identity, checking the key sizes and the ML-KEM-768
   * §7.2 check of the X-Wing key. */
  static parse(wasm: PqWasm, data: Uint8Array): Result<PublicIdentity> {
    const r = PublicIdentity.read(wasm, data, 0);
    if (!r.ok) return r;
    if (r.value.end !== data.length) return { ok: false, error: "public identity has trailing bytes" };
    return { ok: true, value: r.value.identity };
  }

  /** Reads one public identity at `offset` of `data`; `end` is where it stops. */
  static read(wasm: PqWasm, data: Uint8Array, offset: number): Result<{ identity: PublicIdentity; end: number }> {
    let pos = offset;
    const blob = (): Bytes | null => {
      if (data.length - pos < 4) return null;
      const n = readLe(data, pos, 4);
      if (n > kMaxKeyBlob || data.length - pos - 4 < n) return null;
      const b = data.slice(pos + 4, pos + 4 + n);
      pos += 4 + n;
      return b;
    };
    const s = blob(), k = blob();
    if (s === null || k === null) return { ok: false, error: "public identity truncated" };
    if (s.length !== kMlDsa65PublicKeyBytes) return { ok: false, error: "ML-DSA-65 public key has the wrong size" };
    if (k.length !== kXWingPublicKeyBytes || !mlkemKeyPasses(wasm, k.subarray(0, kMlKem768PkBytes)))
      return { ok: false, error: "X-Wing public key is malformed" };
    return { ok: true, value: { identity: new PublicIdentity(s, k), end: pos } };
  }

  /** @internal For Identity: keys it derived itself. */
  static of(sigPk: Bytes, kemPk: Bytes): PublicIdentity {
    return new PublicIdentity(sigPk, kemPk);
  }
}

/** The FIPS 203 §7.2 modulus check of an ML-KEM-768 encapsulation key. The module checks it at the
 * start of encapsulation (and refuses with code -3), so a throwaway encapsulation is the check. */
function mlkemKeyPasses(wasm: PqWasm, ek: Uint8Array): boolean {
  try {
    const r = wasm.mlkemEncaps(3, ek, new Uint8Array(32));
    r.ss.fill(0);
    return true;
  } catch (e) {
    if (e instanceof WasmError) return false;
    throw e;
  }
}

/** The one-line public identity text ("v100-identity-v1 <hex>\n"), for people who want to invite you. */
export function publicIdentityText(pub: PublicIdentity): string {
  return `${kPublicIdentityTextPrefix}${toHex(pub.serialize())}\n`;
}

/** Parses publicIdentityText() output (surrounding spaces, CR and LF allowed). */
export function parsePublicIdentityText(wasm: PqWasm, text: string): Result<PublicIdentity> {
  const t = text.replace(/^[ \r\n]+/, "").replace(/[ \r\n]+$/, "");
  if (!t.startsWith(kPublicIdentityTextPrefix)) return { ok: false, error: "not a V100 public identity" };
  const hex = t.slice(kPublicIdentityTextPrefix.length);
  if (hex.length % 2 !== 0) return { ok: false, error: "hex: odd length" };
  if (!/^[0-9a-fA-F]*$/.test(hex)) return { ok: false, error: "hex: invalid character" };
  return PublicIdentity.parse(wasm, fromHex(hex));
}

/** Verifies an ML-DSA-65 signature by `from` over `msg` with context `ctx`; false on anything malformed. */
export function verifySignature(wasm: PqWasm, from: PublicIdentity, msg: Uint8Array, ctx: string,
                                sig: Uint8Array): boolean {
  try {
    return wasm.mldsaVerify(65, from.sigPk, msg, utf8(ctx), sig);
  } catch {
    return false;
  }
}

/** Short hex form of a user id for display (first and last 4 bytes, "3fa2b1c0..9c01d2e3"). */
export function shortId(userId: Uint8Array): string {
  const h = toHex(userId);
  return `${h.slice(0, 8)}..${h.slice(56, 64)}`;
}

/**
 * A full identity (both key pairs). wipe() zeroes the ML-DSA seed and secret key and the X-Wing
 * seed and expansion; the object is unusable afterwards.
 */
export class Identity {
  private wiped = false;

  private constructor(
    private readonly wasm: PqWasm,
    private readonly xi: Bytes,
    private readonly sigSk: Bytes,
    private readonly kemSk: XWingSecretKey,
    /** The public half. */
    readonly publicIdentity: PublicIdentity,
    /** SHA3-256 user id of the public half. */
    readonly userId: Bytes,
  ) {}

  /** The identity of an ML-DSA-65 seed `xi` and an X-Wing seed (32 bytes each; copied, not wiped).
   * Throws RangeError on other lengths. */
  static async fromSeeds(wasm: PqWasm, xi: Uint8Array, kemSeed: Uint8Array): Promise<Identity> {
    if (xi.length !== 32 || kemSeed.length !== 32) throw new RangeError("Identity: seeds must be 32 bytes");
    const kem = await new XWing(wasm).generateKeyPairDerand(kemSeed);
    const kp = wasm.mldsaKeygen(65, xi);
    const pub = PublicIdentity.of(kp.pk as Bytes, concat(kem.publicKey));
    return new Identity(wasm, concat(xi), kp.sk as Bytes, kem, pub, pub.userId(wasm));
  }

  /** Fresh seeds from crypto.getRandomValues. */
  static async generate(wasm: PqWasm): Promise<Identity> {
    const seeds = globalThis.crypto.getRandomValues(new Uint8Array(64));
    try {
      return await Identity.fromSeeds(wasm, seeds.subarray(0, 32), seeds.subarray(32));
    } finally {
      seeds.fill(0);
    }
  }

  /** Parses the C++ secret serialization ("V100IDS\x01" || xi || X-Wing seed), regenerating both keys. */
  static async parseSecret(wasm: PqWasm, data: Uint8Array): Promise<Result<Identity>> {
    if (data.length !== kIdentitySecretBytes || !constantTimeEqual(data.subarray(0, 8), kSecretMagic))
      return { ok: false, error: "not a V100 identity secret" };
    return { ok: true, value: await Identity.fromSeeds(wasm, data.subarray(8, 40), data.subarray(40, 72)) };
  }

  /** The secret serialization (both seeds), for protected storage only; the caller wipes it. */
  serializeSecret(): Bytes {
    this.check();
    const seed = this.kemSk.exportSeed();
    try {
      return concat(kSecretMagic, this.xi, seed);
    } finally {
      seed.fill(0);
    }
  }

  /** ML-DSA-65 signature (hedged: fresh rnd from crypto.getRandomValues) over `msg` with context `ctx`. */
  sign(msg: Uint8Array, ctx: string): Bytes {
    this.check();
    const rnd = globalThis.crypto.getRandomValues(new Uint8Array(32));
    try {
      return this.wasm.mldsaSign(65, this.sigSk, msg, utf8(ctx), rnd) as Bytes;
    } finally {
      rnd.fill(0);
    }
  }

  /** X-Wing decapsulation of `ciphertext` (untrusted): an error only for a wrong size or a low-order
   * ct_X; a forged ciphertext gives an unrelated secret (implicit rejection). The caller wipes it. */
  async decapsulate(ciphertext: Uint8Array): Promise<Result<Bytes>> {
    this.check();
    if (ciphertext.length !== kXWingCiphertextBytes)
      return { ok: false, error: "X-Wing ciphertext: X-Wing: ciphertext has the wrong length" };
    const r = await new XWing(this.wasm).decapsulate(this.kemSk, ciphertext);
    return r.ok ? r : { ok: false, error: `X-Wing decapsulation: ${r.error}` };
  }

  /** Zeroes every secret; the identity is unusable afterwards. */
  wipe(): void {
    this.xi.fill(0);
    this.sigSk.fill(0);
    this.kemSk.wipe();
    this.wiped = true;
  }

  private check(): void {
    if (this.wiped) throw new Error("Identity: wiped");
  }
}
