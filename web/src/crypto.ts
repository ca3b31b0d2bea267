// The symmetric building blocks of the client SDK, as src/meeting/client/crypto.{h,cc} has them
// (there from OpenSSL, here from WebCrypto; no hand-written primitive): HKDF-SHA-512 (RFC 5869, extract
// then expand; composed from WebCrypto HMAC where the info is longer than Node's WebCrypto HKDF
// takes), HMAC-SHA-512 truncated to 32 bytes, and AES-256-GCM boxes
//
//   box = nonce (12, random) || ciphertext || tag (16)
//
// with a fresh random 96-bit nonce per seal (safe for < 2^32 seals per key). scrypt, the key-file
// KDF of keystore.cc, has no WebCrypto counterpart and is not here.
//
// Errors: opening untrusted bytes (a short box, a wrong key, tampered bytes or AAD) gives
// {ok: false, error}, never a throw, and no plaintext at all (WebCrypto releases none when the tag
// fails). Caller mistakes (a key that is not 32 bytes, an impossible HKDF length) throw RangeError.

import { type Bytes, concat } from "./bytes.js";

/** A value, or the reason there is none. What every SDK function given untrusted bytes returns. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export const kAeadKeyLen = 32;
export const kAeadNonceLen = 12;
export const kAeadTagLen = 16;
/** Bytes a sealed box adds to its plaintext: nonce || ciphertext || tag. */
export const kAeadOverhead = kAeadNonceLen + kAeadTagLen;

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** A copy in an ordinary ArrayBuffer (WebCrypto copies its inputs; subarrays of a shared or larger
 * buffer are fine to pass, but a typed copy keeps the types exact). */
const own = (b: Uint8Array): Bytes => concat(b);

/** Imports secret bytes as a non-extractable key through a private copy (WebCrypto wants an
 * ArrayBuffer-backed view), wiped once importKey has taken its own (WebCrypto §14.3.9 step 2). */
async function importSecret(bytes: Uint8Array, alg: AlgorithmIdentifier | HmacImportParams,
                            usages: KeyUsage[]): Promise<CryptoKey> {
  const copy = own(bytes);
  try {
    return await subtle().importKey("raw", copy, alg, false, usages);
  } finally {
    copy.fill(0);
  }
}

/**
 * HKDF-SHA-512 (extract then expand) of `ikm` with `salt` and `info`: `len` bytes (1..16320, RFC 5869
 * §2.3). The caller wipes the result.
 */
export async function hkdfSha512(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Promise<Bytes> {
  if (!Number.isInteger(len) || len < 1 || len > 255 * 64) throw new RangeError("hkdfSha512: bad output length");
  if (info.length > kMaxWebCryptoHkdfInfo) return hkdfSha512ViaHmac(ikm, salt, info, len);
  const key = await importSecret(ikm, "HKDF", ["deriveBits"]);
  // The salt is secret too where it is an epoch base key: its copy is wiped like the IKM's.
  const s = own(salt);
  try {
    return new Uint8Array(await subtle().deriveBits({ name: "HKDF", hash: "SHA-512", salt: s, info: own(info) }, key,
                                                    8 * len));
  } finally {
    s.fill(0);
  }
}

/** Longest HKDF `info` handed to WebCrypto's HKDF: Node's implementation refuses more than 1024 bytes
 * (OpenSSL's EVP_PKEY HKDF limit), while the epoch and invitation boxes use an X-Wing ciphertext
 * (1120 bytes) as info. */
const kMaxWebCryptoHkdfInfo = 1024;

/** Full 64-byte HMAC-SHA-512 of `data` under `key` (WebCrypto); the caller wipes it. */
async function hmacSha512(key: Uint8Array, data: Uint8Array): Promise<Bytes> {
  // WebCrypto refuses a zero-length HMAC key; HMAC pads the key with zeros to the block size
  // (RFC 2104 §2), so one zero byte is the same key.
  const k = await importSecret(key.length === 0 ? new Uint8Array(1) : key, { name: "HMAC", hash: "SHA-512" },
                               ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", k, own(data)));
}

/** HKDF-SHA-512 composed from WebCrypto's HMAC exactly as RFC 5869 §2.2-2.3 defines it (PRK =
 * HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) || info || i)), for an `info` WebCrypto's HKDF refuses.
 * PRK and every T(i) are wiped. */
async function hkdfSha512ViaHmac(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Promise<Bytes> {
  const prk = await hmacSha512(salt, ikm);
  const out = new Uint8Array(len);
  let t: Bytes = new Uint8Array(0);
  try {
    for (let i = 1, off = 0; off < len; ++i, off += 64) {
      const input = concat(t, info, Uint8Array.of(i));
      t.fill(0);
      t = await hmacSha512(prk, input);
      input.fill(0);
      out.set(t.subarray(0, Math.min(64, len - off)), off);
    }
    return out;
  } finally {
    prk.fill(0);
    t.fill(0);
  }
}

/** HMAC-SHA-512 of `data` under `key`, truncated to 32 bytes (the membership proof's MAC). */
export async function hmacSha512_256(key: Uint8Array, data: Uint8Array): Promise<Bytes> {
  const full = await hmacSha512(key, data);
  const out = full.slice(0, 32);
  full.fill(0);
  return out;
}

async function aesKey(key: Uint8Array, use: "encrypt" | "decrypt"): Promise<CryptoKey> {
  if (key.length !== kAeadKeyLen) throw new RangeError("AES-256-GCM: key must be 32 bytes");
  return importSecret(key, "AES-GCM", [use]);
}

/** Seals `plaintext` under a 32-byte key with associated data `aad`: nonce || ciphertext || tag. */
export async function aeadSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Bytes> {
  const k = await aesKey(key, "encrypt");
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(kAeadNonceLen));
  const pt = own(plaintext);
  try {
    const ct = await subtle().encrypt({ name: "AES-GCM", iv: nonce, additionalData: own(aad), tagLength: 128 }, k, pt);
    return concat(nonce, new Uint8Array(ct));
  } finally {
    pt.fill(0);
  }
}

/** Opens a box made by aeadSeal (or the C++ aead_seal). The caller wipes the plaintext. */
export async function aeadOpen(key: Uint8Array, box: Uint8Array, aad: Uint8Array): Promise<Result<Bytes>> {
  const k = await aesKey(key, "decrypt");
  if (box.length < kAeadOverhead) return { ok: false, error: "sealed box too short" };
  try {
    const pt = await subtle().decrypt({ name: "AES-GCM", iv: own(box.subarray(0, kAeadNonceLen)),
                                        additionalData: own(aad), tagLength: 128 },
                                      k, own(box.subarray(kAeadNonceLen)));
    return { ok: true, value: new Uint8Array(pt) };
  } catch {
    return { ok: false, error: "authentication failed (wrong key or tampered data)" };
  }
}

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Bytes {
  return new TextEncoder().encode(s) as Bytes;
}
