// X-Wing (draft-connolly-cfrg-xwing-kem), the hybrid KEM V100 uses between people, exactly as the
// C++ side does it (src/pq/xwing/xwing.cc): ML-KEM-768 and SHA3/SHAKE from the WebAssembly module
// (web/src/wasm.ts, the same C++ sources), X25519 from WebCrypto. Nothing cryptographic is written
// here; this file only arranges bytes the way the draft does.
//
//   expand     SHAKE256(sk, 96) = d (32) || z (32) || sk_X (32)                    (draft §5.2)
//   keys       (pk_M, dk_M) = ML-KEM-768.KeyGen_internal(d, z); pk_X = X25519(sk_X, 9);
//              pk = pk_M (1184) || pk_X (32)
//   encaps     (ct_M, ss_M) = ML-KEM-768.Encaps_internal(pk_M, eseed[0:32]) after the §7.2 check;
//              ek_X = eseed[32:64], ct_X = X25519(ek_X, 9), ss_X = X25519(ek_X, pk_X);
//              ct = ct_M (1088) || ct_X (32)
//   decaps     ss_M = ML-KEM-768.Decaps(dk_M, ct_M) (implicit rejection), ss_X = X25519(sk_X, ct_X)
//   combiner   ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\")               (draft §5.3)
//
// X25519 public values are computed as X25519(k, 9) with deriveBits against the base point, so
// private keys stay non-extractable CryptoKeys and no copy of a scalar is made that cannot be
// wiped (a JWK export would hand back the scalar as an immutable base64 string).
//
// Errors: untrusted bytes (a peer's public key, a ciphertext) never throw; encapsulate() and
// decapsulate() return a result naming the failure: a wrong length, a public key failing the
// ML-KEM-768 §7.2 check, or X25519 refusing a low-order point (all-zero output; WebCrypto refuses it
// as OpenSSL does on the C++ side). That failure depends only on public values. Caller mistakes (a
// seed or eseed of the wrong length, a wiped key) throw. Secret byte arrays (seeds, the expanded
// key, dk_M, ss_M, ss_X, PKCS#8 buffers, the combiner input) are wiped after use.

import { type Bytes, concat } from "./bytes.js";
import { type PqWasm, WasmError } from "./wasm.js";

export const kXWingSecretKeyBytes = 32;
export const kXWingPublicKeyBytes = 1216;
export const kXWingCiphertextBytes = 1120;
export const kXWingSharedSecretBytes = 32;
/** Bytes of the derandomized encapsulation seed (eseed): 32 for ML-KEM, 32 for X25519. */
export const kXWingEncapsSeedBytes = 64;

const kMlKemPkBytes = 1184;  // ML-KEM-768 encapsulation key (FIPS 203 Table 3)
const kMlKemCtBytes = 1088;  // ML-KEM-768 ciphertext
const kX25519Bytes = 32;

/** The combiner label "\.//^\" (draft §5.3). */
const kLabel = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);

/** DER of PrivateKeyInfo for X25519 (RFC 8410 §7) up to the 32 key bytes: SEQUENCE { version 0,
 * AlgorithmIdentifier { 1.3.101.110 }, OCTET STRING { OCTET STRING (32) } }. */
const kX25519Pkcs8Prefix = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e,
                                         0x04, 0x22, 0x04, 0x20);
/** The X25519 base point u = 9 (RFC 7748 §4.1), little-endian. */
const kBasePoint = (() => {
  const b = new Uint8Array(kX25519Bytes);
  b[0] = 9;
  return b;
})();

export type XWingResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The result of encapsulation: the 32-byte shared secret (the caller wipes it) and ct. */
export interface XWingEncapsulation {
  sharedSecret: Bytes;
  ciphertext: Bytes;
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const kX25519 = { name: "X25519" } as const;

/** A non-extractable X25519 private key from 32 raw bytes (`scalar` is left to the caller to wipe). */
async function importX25519Private(scalar: Uint8Array): Promise<CryptoKey> {
  const pkcs8 = concat(kX25519Pkcs8Prefix, scalar);
  try {
    // importKey copies its input before returning the promise (WebCrypto §14.3.9 step 2).
    return await subtle().importKey("pkcs8", pkcs8, kX25519, false, ["deriveBits"]);
  } finally {
    pkcs8.fill(0);
  }
}

/** X25519(key, peer), or null when WebCrypto refuses the peer value (low-order point: all-zero output). */
async function x25519(key: CryptoKey, peer: Uint8Array): Promise<Bytes | null> {
  try {
    const pub = await subtle().importKey("raw", concat(peer), kX25519, true, []);
    const bits = await subtle().deriveBits({ name: "X25519", public: pub }, key, 8 * kX25519Bytes);
    return new Uint8Array(bits);
  } catch {
    return null;
  }
}

/** X25519(key, 9): the public value of `key`. */
async function x25519Public(key: CryptoKey): Promise<Bytes> {
  const pub = await x25519(key, kBasePoint);
  if (pub === null) throw new Error("X-Wing: WebCrypto X25519 refused the base point");
  return pub;
}

/** A copy of secret bytes `b` in an ordinary ArrayBuffer (what WebCrypto takes); `b` is wiped. */
function moveOut(b: Uint8Array): Bytes {
  const out = concat(b);
  b.fill(0);
  return out;
}

function need(what: string, bytes: Uint8Array, len: number): void {
  if (bytes.length !== len) throw new RangeError(`X-Wing: ${what} must be ${len} bytes, got ${bytes.length}`);
}

/**
 * An X-Wing secret key: the 32-byte seed (the draft's sk) kept expanded, so decapsulation costs one
 * ML-KEM-768 decapsulation and one X25519. Call wipe() when done; the X25519 half is a
 * non-extractable CryptoKey and goes with the object.
 */
export class XWingSecretKey {
  private wiped = false;

  private constructor(
    private readonly seed: Bytes,
    private readonly dkM: Bytes,
    private readonly keyX: CryptoKey,
    /** The matching public key pk = pk_M || pk_X (1216 bytes). */
    readonly publicKey: Bytes,
  ) {}

  /** Expands a 32-byte seed (draft §5.2). `seed` is copied, not wiped. Throws RangeError on a wrong length. */
  static async fromSeed(wasm: PqWasm, seed: Uint8Array): Promise<XWingSecretKey> {
    need("the secret key seed", seed, kXWingSecretKeyBytes);
    const expanded = wasm.shake256(seed, 96);
    let dk: Uint8Array | undefined;
    try {
      const kp = wasm.mlkemKeygen(3, expanded.subarray(0, 32), expanded.subarray(32, 64));
      dk = kp.dk;
      const keyX = await importX25519Private(expanded.subarray(64, 96));
      const pk = concat(kp.ek, await x25519Public(keyX));
      return new XWingSecretKey(concat(seed), concat(dk), keyX, pk);
    } finally {
      expanded.fill(0);
      dk?.fill(0);
    }
  }

  /** A copy of the 32-byte seed, for protected storage only; the caller wipes it. */
  exportSeed(): Bytes {
    this.check();
    return concat(this.seed);
  }

  /** Zeroes the seed and dk_M; the object is unusable afterwards. */
  wipe(): void {
    this.seed.fill(0);
    this.dkM.fill(0);
    this.wiped = true;
  }

  /** @internal dk_M, the X25519 key and pk_X for decapsulation. */
  parts(): { dkM: Bytes; keyX: CryptoKey; pkX: Bytes } {
    this.check();
    return { dkM: this.dkM, keyX: this.keyX, pkX: this.publicKey.subarray(kMlKemPkBytes) };
  }

  private check(): void {
    if (this.wiped) throw new Error("X-Wing: the secret key was wiped");
  }
}

/** X-Wing over one instance of the WebAssembly module. */
export class XWing {
  constructor(private readonly wasm: PqWasm) {}

  /** GenerateKeyPair: a fresh seed from crypto.getRandomValues, expanded. */
  async generateKeyPair(): Promise<XWingSecretKey> {
    const seed = globalThis.crypto.getRandomValues(new Uint8Array(kXWingSecretKeyBytes));
    try {
      return await XWingSecretKey.fromSeed(this.wasm, seed);
    } finally {
      seed.fill(0);
    }
  }

  /** GenerateKeyPairDerand(seed); the public key is `.publicKey` of the result. */
  generateKeyPairDerand(seed: Uint8Array): Promise<XWingSecretKey> {
    return XWingSecretKey.fromSeed(this.wasm, seed);
  }

  /** Encapsulate to `pk` (untrusted bytes) with a fresh eseed from crypto.getRandomValues. */
  async encapsulate(pk: Uint8Array): Promise<XWingResult<XWingEncapsulation>> {
    const eseed = globalThis.crypto.getRandomValues(new Uint8Array(kXWingEncapsSeedBytes));
    try {
      return await this.encapsulateDerand(pk, eseed);
    } finally {
      eseed.fill(0);
    }
  }

  /** EncapsulateDerand(pk, eseed) with a 64-byte eseed, for tests (throws RangeError on another length). */
  async encapsulateDerand(pk: Uint8Array, eseed: Uint8Array): Promise<XWingResult<XWingEncapsulation>> {
    need("eseed", eseed, kXWingEncapsSeedBytes);
    if (pk.length !== kXWingPublicKeyBytes) return { ok: false, error: "X-Wing: public key has the wrong length" };
    const pkM = pk.subarray(0, kMlKemPkBytes), pkX = pk.subarray(kMlKemPkBytes);
    let m: { ct: Uint8Array; ss: Uint8Array };
    try {
      m = this.wasm.mlkemEncaps(3, pkM, eseed.subarray(0, 32));
    } catch (e) {
      if (e instanceof WasmError) return { ok: false, error: `X-Wing: ML-KEM-768 public key: ${e.message}` };
      throw e;
    }
    try {
      const ekX = await importX25519Private(eseed.subarray(32, 64));
      const ctX = await x25519Public(ekX);
      const ssX = await x25519(ekX, pkX);
      if (ssX === null) return { ok: false, error: "X-Wing: X25519 rejected the public key" };
      return { ok: true, value: { sharedSecret: this.combine(m.ss, ssX, ctX, pkX), ciphertext: concat(m.ct, ctX) } };
    } finally {
      m.ss.fill(0);
    }
  }

  /** Decapsulate `ct` (untrusted bytes). A bad ct_M gives a pseudo-random secret (implicit rejection);
   * the result is an error only for a wrong length or a low-order ct_X. */
  async decapsulate(sk: XWingSecretKey, ct: Uint8Array): Promise<XWingResult<Bytes>> {
    if (ct.length !== kXWingCiphertextBytes) return { ok: false, error: "X-Wing: ciphertext has the wrong length" };
    const { dkM, keyX, pkX } = sk.parts();
    const ctX = ct.subarray(kMlKemCtBytes);
    const ssM = this.wasm.mlkemDecaps(3, dkM, ct.subarray(0, kMlKemCtBytes));
    try {
      const ssX = await x25519(keyX, ctX);
      if (ssX === null) return { ok: false, error: "X-Wing: X25519 rejected the ciphertext" };
      return { ok: true, value: this.combine(ssM, ssX, ctX, pkX) };
    } finally {
      ssM.fill(0);
    }
  }

  /** Combiner (draft §5.3): SHA3-256(ss_M || ss_X || ct_X || pk_X || label). Wipes ss_X and its input. */
  private combine(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Bytes {
    const input = concat(ssM, ssX, ctX, pkX, kLabel);
    ssX.fill(0);
    try {
      return moveOut(this.wasm.sha3_256(input));
    } finally {
      input.fill(0);
    }
  }
}
