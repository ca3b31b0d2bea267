// The passphrase-protected key file of src/meeting/client/keystore.{h,cc}, byte for byte, so a file
// made by `v100 keygen` opens here and a file exported here opens natively. Layout (little-endian):
//
//   magic "V100KEY\x01" (8) | kdf u8 = 1 (scrypt) | log2_n u8 | r u32 | p u32 | salt (16)
//   | nonce (12) | u32 length || AES-256-GCM ciphertext || 16-byte tag
//
// key = scrypt(passphrase UTF-8, salt, N = 2^log2_n, r, p, 32 bytes); the header from the magic to the
// salt is the AES-GCM associated data, so a tampered cost parameter or salt fails the tag check.
//
// scrypt: WebCrypto has no scrypt, and hand-written crypto is not allowed here, so it comes from
// @noble/hashes (pinned to 1.8.0 by package-lock.json: the last line that supports Node 18, which
// 2.x dropped), a dependency-free, independently audited (Cure53, 2022) implementation that is widely
// used (ethers, viem, the noble-curves family). AES-256-GCM is WebCrypto's (crypto.ts aeadSeal/Open).
//
// The cost parameters of an untrusted file are range-checked with the native limits (log2_n 10..22,
// r 1..32, p 1..16, 128 r N <= 1 GiB) before anything is allocated, so a hostile file cannot make
// the page allocate more than the native client would; errors carry the native messages.
//
// IdentityStore keeps identities in IndexedDB as exactly these files (so what is stored is sealed under
// the passphrase, and exporting hands back the stored bytes), next to the public identity text and a
// display label the person chose (kept only on this device).
import { scryptAsync } from "@noble/hashes/scrypt";
import { ByteReader, concat, type Bytes, toHex, u32le } from "./bytes.js";
import { aeadOpen, aeadSeal, kAeadNonceLen, kAeadTagLen, type Result, utf8 } from "./crypto.js";
import { Identity, publicIdentityText } from "./identity.js";
import type { PqWasm } from "./wasm.js";

export const kKeyFileMagic = new Uint8Array([0x56, 0x31, 0x30, 0x30, 0x4b, 0x45, 0x59, 0x01]);  // "V100KEY\x01"
export const kKdfScrypt = 1;
const kSaltLen = 16;
/** A serialized identity is 72 bytes; refuse anything absurd before allocating (as keystore.cc). */
const kMaxSecretLen = 1 << 20;

/** scrypt cost: N = 2^log2N. The default is the native `ScryptParams{}` (`v100 keygen`). */
export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}
export const kDefaultScrypt: Readonly<ScryptParams> = { log2N: 17, r: 8, p: 1 };
/** `v100 keygen --fast`: cheap, for tests only. */
export const kFastScrypt: Readonly<ScryptParams> = { log2N: 12, r: 8, p: 1 };

/** null when the parameters are acceptable, else the native error (crypto.cc scrypt_derive). */
export function checkScryptParams(p: ScryptParams): string | null {
  const isInt = (v: number): boolean => Number.isInteger(v);
  if (!isInt(p.log2N) || !isInt(p.r) || !isInt(p.p) || p.log2N < 10 || p.log2N > 22 || p.r < 1 || p.r > 32 ||
      p.p < 1 || p.p > 16)
    return "scrypt parameters out of range";
  if (128 * p.r * 2 ** p.log2N > 2 ** 30) return "scrypt parameters need more than 1 GiB";
  return null;
}

/** Progress of a key derivation, 0..1 (scrypt takes a second or more at the default cost). */
export type ScryptProgress = (fraction: number) => void;

async function deriveKey(passphrase: string, salt: Uint8Array, p: ScryptParams,
                         onProgress?: ScryptProgress): Promise<Result<Bytes>> {
  const bad = checkScryptParams(p);
  if (bad !== null) return { ok: false, error: bad };
  const n = 2 ** p.log2N;
  const pw = utf8(passphrase);
  try {
    // maxmem as the native EVP_PBE_scrypt call: V (128 r N) and B (128 r p) with slack.
    const key = await scryptAsync(pw, salt, {
      N: n, r: p.r, p: p.p, dkLen: 32, maxmem: 128 * p.r * (n + p.p + 2) + (1 << 20),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
    return { ok: true, value: key as Bytes };
  } catch (e) {
    return { ok: false, error: `scrypt failed (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    pw.fill(0);
  }
}

/** Seals `secret` under `passphrase` (fresh salt and nonce): the key-file bytes. Throws RangeError on
 * parameters out of range (a caller mistake; files from elsewhere go through keystoreOpen). */
export async function keystoreSeal(secret: Uint8Array, passphrase: string,
                                   params: ScryptParams = kDefaultScrypt, onProgress?: ScryptProgress): Promise<Bytes> {
  const bad = checkScryptParams(params);
  if (bad !== null) throw new RangeError(`keystoreSeal: ${bad}`);
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(kSaltLen));
  const header = concat(kKeyFileMagic, new Uint8Array([kKdfScrypt, params.log2N]), u32le(params.r), u32le(params.p),
                        salt);
  const key = await deriveKey(passphrase, salt, params, onProgress);
  if (!key.ok) throw new Error(`keystoreSeal: ${key.error}`);
  try {
    const box = await aeadSeal(key.value, secret, header);
    return concat(header, box.subarray(0, kAeadNonceLen), u32le(box.length - kAeadNonceLen),
                  box.subarray(kAeadNonceLen));
  } finally {
    key.value.fill(0);
  }
}

/** Cost parameters and salt of a key file, or the native error for a malformed one (no derivation). */
export function keystoreHeader(file: Uint8Array): Result<{ params: ScryptParams; salt: Uint8Array; aadLen: number;
                                                            nonce: Uint8Array; ct: Uint8Array }> {
  const r = new ByteReader(file);
  const magic = r.bytes(8);
  if (magic === null || magic.some((b, i) => b !== kKeyFileMagic[i])) return { ok: false, error: "not a V100 key file" };
  const kdf = r.bytes(1);
  if (kdf === null || kdf[0] !== kKdfScrypt) return { ok: false, error: "unknown key-file KDF" };
  const log2N = r.bytes(1);
  const rr = r.uint(4);
  const pp = r.uint(4);
  const salt = r.bytes(kSaltLen);
  if (log2N === null || rr === null || pp === null || salt === null) return { ok: false, error: "truncated key file" };
  const aadLen = r.pos;
  const nonce = r.bytes(kAeadNonceLen);
  const ct = nonce === null ? null : r.blob(kMaxSecretLen + kAeadTagLen);
  if (nonce === null || ct === null || !r.atEnd()) return { ok: false, error: "truncated or oversized key file" };
  return { ok: true, value: { params: { log2N: log2N[0]!, r: rr, p: pp }, salt, aadLen, nonce, ct } };
}

/** Opens key-file bytes (untrusted): the sealed secret, or the native error for a wrong passphrase, a
 * damaged file or out-of-range parameters. Never throws. The caller wipes the secret. */
export async function keystoreOpen(file: Uint8Array, passphrase: string,
                                   onProgress?: ScryptProgress): Promise<Result<Bytes>> {
  const h = keystoreHeader(file);
  if (!h.ok) return h;
  const key = await deriveKey(passphrase, h.value.salt, h.value.params, onProgress);
  if (!key.ok) return { ok: false, error: `key file: ${key.error}` };
  try {
    const opened = await aeadOpen(key.value, concat(h.value.nonce, h.value.ct), file.subarray(0, h.value.aadLen));
    return opened.ok ? opened : { ok: false, error: "wrong passphrase or damaged key file" };
  } finally {
    key.value.fill(0);
  }
}

/** An identity's key file (`v100 keygen`'s format) under `passphrase`. */
export async function sealIdentity(identity: Identity, passphrase: string, params: ScryptParams = kDefaultScrypt,
                                   onProgress?: ScryptProgress): Promise<Bytes> {
  const secret = identity.serializeSecret();
  try {
    return await keystoreSeal(secret, passphrase, params, onProgress);
  } finally {
    secret.fill(0);
  }
}

/** The identity in a key file (untrusted bytes), or an error; never throws on bad bytes. */
export async function openIdentity(wasm: PqWasm, file: Uint8Array, passphrase: string,
                                   onProgress?: ScryptProgress): Promise<Result<Identity>> {
  const secret = await keystoreOpen(file, passphrase, onProgress);
  if (!secret.ok) return secret;
  try {
    return await Identity.parseSecret(wasm, secret.value);
  } finally {
    secret.value.fill(0);
  }
}

/** One stored identity: the key file (sealed) and what may be shown without the passphrase. */
export interface StoredIdentity {
  /** Hex user id (SHA3-256 of the public identity): the record's key. */
  id: string;
  /** A label the person chose for this identity (kept on this device only). */
  label: string;
  /** The `me.key.pub` line (`v100-identity-v1 <hex>`). */
  publicText: string;
  /** The key file, exactly as `v100 keygen` writes it. */
  keyFile: Uint8Array;
  created: number;
}

const kDbName = "v100";
const kStoreName = "identities";

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
  });
}

/** Identities in the browser's IndexedDB (database "v100", store "identities"), sealed key files only. */
export class IdentityStore {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (creating on first use) the store; `factory` defaults to the page's indexedDB. */
  static async open(factory: IDBFactory = globalThis.indexedDB): Promise<IdentityStore> {
    const req = factory.open(kDbName, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(kStoreName)) req.result.createObjectStore(kStoreName, { keyPath: "id" });
    };
    return new IdentityStore(await request(req));
  }

  async list(): Promise<StoredIdentity[]> {
    const tx = this.db.transaction(kStoreName, "readonly");
    const all = await request(tx.objectStore(kStoreName).getAll() as IDBRequest<StoredIdentity[]>);
    return all.sort((a, b) => a.created - b.created);
  }

  /** Stores (or replaces) the key file of `identity`, already sealed as `keyFile`. */
  async put(identity: Identity, label: string, keyFile: Uint8Array): Promise<StoredIdentity> {
    const rec: StoredIdentity = { id: toHex(identity.userId), label, publicText: publicIdentityText(identity.publicIdentity),
                                  keyFile: new Uint8Array(keyFile), created: Date.now() };
    const tx = this.db.transaction(kStoreName, "readwrite");
    await request(tx.objectStore(kStoreName).put(rec));
    return rec;
  }

  async remove(id: string): Promise<void> {
    const tx = this.db.transaction(kStoreName, "readwrite");
    await request(tx.objectStore(kStoreName).delete(id));
  }

  close(): void {
    this.db.close();
  }
}
