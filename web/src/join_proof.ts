// The membership proof of JoinProve (src/meeting/protocol/join_proof.{h,cc}, docs/protocol.md §4):
// the meeting's join key is an Ed25519 seed every member derives from the meeting secret
// (KeySchedule.joinKey); CreateMeeting registers its public key as the join verifier, and a joiner
// signs join_transcript(handle, nonce) for a fresh server nonce. Ed25519 (RFC 8032) is WebCrypto's
// ({name: "Ed25519"}: Chromium 137+, Node >= 18.4), deterministic, so a proof here is byte for byte
// the C++ one.
//
//   join transcript    "V100-join-v1"   || handle (32) || nonce (32)
//   remove transcript  "V100-remove-v1" || handle || nonce || u16 slot || u32 |new_verifier| || new_verifier
//
// A 32-byte seed is imported as PKCS#8 (RFC 8410 §7: the fixed 16-byte DER prefix, then the seed),
// non-extractable for signing. The public key needs an extractable copy exported as JWK, whose
// `x` is the public key; its `d` (the seed, base64url) is an immutable JS string that cannot be
// wiped, so ed25519PublicKey() is only for the host's CreateMeeting / RemoveMember paths; joining
// signs only.
//
// Errors: a seed of the wrong size gives {ok: false}; verification of untrusted bytes is a boolean,
// false on any malformed input.

import { type Bytes, concat, u16le, u32le } from "./bytes.js";
import { type Result, utf8 } from "./crypto.js";
import { JoinScheme } from "./protocol.js";

export const kJoinTranscriptLabel = "V100-join-v1";
export const kRemoveTranscriptLabel = "V100-remove-v1";
export const kEd25519SeedBytes = 32;
export const kEd25519PublicKeyBytes = 32;
export const kEd25519SignatureBytes = 64;

/** PrivateKeyInfo for Ed25519 (RFC 8410 §7) up to the 32 seed bytes: SEQUENCE { version 0,
 * AlgorithmIdentifier { 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }. */
const kEd25519Pkcs8Prefix = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                          0x04, 0x22, 0x04, 0x20);
const kEd25519 = { name: "Ed25519" } as const;
const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/** Bytes signed by the joining member: label || handle || nonce. */
export function joinTranscript(handle: Uint8Array, nonce: Uint8Array): Bytes {
  return concat(utf8(kJoinTranscriptLabel), handle, nonce);
}

/** Bytes signed by the host to remove a member. */
export function removeTranscript(handle: Uint8Array, nonce: Uint8Array, slot: number,
                                 newJoinVerifier: Uint8Array): Bytes {
  return concat(utf8(kRemoveTranscriptLabel), handle, nonce, u16le(slot), u32le(newJoinVerifier.length),
                newJoinVerifier);
}

/** Verifier (public key) and proof (signature) sizes of a scheme; 0 for an unknown one. */
export function joinVerifierSize(scheme: number): number {
  return scheme === JoinScheme.Ed25519 ? 32 : scheme === JoinScheme.MlDsa65 ? 1952 : 0;  // FIPS 204 Table 2
}
export function joinProofSize(scheme: number): number {
  return scheme === JoinScheme.Ed25519 ? 64 : scheme === JoinScheme.MlDsa65 ? 3309 : 0;
}

async function importSeed(seed: Uint8Array, extractable: boolean): Promise<CryptoKey> {
  const pkcs8 = concat(kEd25519Pkcs8Prefix, seed);
  try {
    // importKey copies its input before returning the promise (WebCrypto §14.3.9 step 2).
    return await subtle().importKey("pkcs8", pkcs8, kEd25519, extractable, ["sign"]);
  } finally {
    pkcs8.fill(0);
  }
}

function base64urlDecode(s: string): Bytes | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; ++i) out[i] = bin.charCodeAt(i);
  return out;
}

/** The Ed25519 public key (32 bytes) of `seed` (see the note on JWK above). */
export async function ed25519PublicKey(seed: Uint8Array): Promise<Result<Bytes>> {
  if (seed.length !== kEd25519SeedBytes) return { ok: false, error: "ed25519: seed must be 32 bytes" };
  try {
    const jwk = await subtle().exportKey("jwk", await importSeed(seed, true));
    const x = jwk.x === undefined ? null : base64urlDecode(jwk.x);
    if (x === null || x.length !== kEd25519PublicKeyBytes) return { ok: false, error: "ed25519: public key export failed" };
    return { ok: true, value: x };
  } catch {
    return { ok: false, error: "ed25519: key setup failed" };
  }
}

/** Ed25519 signature (64 bytes) of `msg` under seed `seed`. */
export async function ed25519Sign(seed: Uint8Array, msg: Uint8Array): Promise<Result<Bytes>> {
  if (seed.length !== kEd25519SeedBytes) return { ok: false, error: "ed25519: seed must be 32 bytes" };
  try {
    const key = await importSeed(seed, false);
    return { ok: true, value: new Uint8Array(await subtle().sign(kEd25519, key, concat(msg))) };
  } catch {
    return { ok: false, error: "ed25519: signing failed" };
  }
}

/** Verifies an Ed25519 signature; false on any malformed input. */
export async function ed25519Verify(publicKey: Uint8Array, msg: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== kEd25519PublicKeyBytes || signature.length !== kEd25519SignatureBytes) return false;
  try {
    const key = await subtle().importKey("raw", concat(publicKey), kEd25519, false, ["verify"]);
    return await subtle().verify(kEd25519, key, concat(signature), concat(msg));
  } catch {
    return false;
  }
}

/** The proof for JoinProve with an Ed25519 join-key seed (KeySchedule.joinKey). */
export function makeJoinProofEd25519(joinSeed: Uint8Array, handle: Uint8Array, nonce: Uint8Array): Promise<Result<Bytes>> {
  return ed25519Sign(joinSeed, joinTranscript(handle, nonce));
}

/** Verifies a membership proof as the server does. Ed25519 only (the C++ server verifies ML-DSA-65
 * through a registered verifier); false on another scheme, wrong sizes or a bad signature. */
export async function verifyJoinProof(scheme: number, verifier: Uint8Array, handle: Uint8Array, nonce: Uint8Array,
                                      proof: Uint8Array): Promise<boolean> {
  if (scheme !== JoinScheme.Ed25519) return false;
  if (verifier.length !== joinVerifierSize(scheme) || proof.length !== joinProofSize(scheme)) return false;
  return ed25519Verify(verifier, joinTranscript(handle, nonce), proof);
}
