// SFrame in TypeScript (web/src/sframe.ts) against the RFC 9605 vectors (tests/data/vectors/sframe)
// and against the C++ SDK: frames printed by v100_web_ref sframe open here, and frames protected
// here open in media::ReceiverContext (v100_web_ref sframe-open).
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import {
  Aead, type CipherSuite, ReceiverContext, SFrameKey, SenderContext, decodeHeader, deriveBaseKey, deriveEpochSecret,
  deriveFrameKeys, encodeHeader, frameMetadata, hkdfExtract, makeKid, makeNonce, suiteParams,
} from "../src/sframe.js";
import { readRef, readVectors, root } from "./env.js";

interface Rfc {
  header: { kid: number | string; ctr: number | string; encoded: string }[];
  aes_ctr_hmac: { cipher_suite: number; key: string; enc_key: string; auth_key: string; nonce: string; aad: string;
                  pt: string; ct: string }[];
  sframe: { cipher_suite: number; kid: number | string; ctr: number | string; base_key: string; sframe_secret: string;
            sframe_key: string; sframe_salt: string; metadata: string; nonce: string; aad: string; pt: string;
            ct: string }[];
}
const rfc = (): Rfc => readVectors<Rfc>("sframe/rfc9605-test-vectors.json");

test("RFC 9605 header vectors: encode and decode (all 289)", () => {
  const v = rfc().header;
  for (const c of v) {
    const kid = BigInt(c.kid), ctr = BigInt(c.ctr);
    assert.equal(toHex(encodeHeader(kid, ctr)), c.encoded, `kid ${kid} ctr ${ctr}`);
    const h = decodeHeader(fromHex(c.encoded));
    assert.deepEqual(h, { kid, ctr, size: c.encoded.length / 2 });
  }
  assert.equal(v.length, 289);
  assert.equal(decodeHeader(new Uint8Array(0)), null);
  assert.equal(decodeHeader(Uint8Array.of(0x88, 1)), null);  // KID of 1 byte + CTR of 1 byte, truncated
});

test("RFC 9605 AES-CTR+HMAC AEAD vectors (suites 1-3) via WebCrypto AES-CTR + HMAC", async () => {
  const v = rfc().aes_ctr_hmac;
  for (const c of v) {
    const suite = c.cipher_suite as CipherSuite;
    assert.equal(c.key, c.enc_key + c.auth_key);
    const aead = await Aead.create(suiteParams(suite), fromHex(c.key));
    const ct = await aead.seal(fromHex(c.nonce), fromHex(c.aad), fromHex(c.pt));
    assert.equal(toHex(ct), c.ct, `suite ${suite}`);
    assert.equal(toHex((await aead.open(fromHex(c.nonce), fromHex(c.aad), ct))!), c.pt);
    ct[0]! ^= 1;
    assert.equal(await aead.open(fromHex(c.nonce), fromHex(c.aad), ct), null);
  }
  assert.equal(v.length, 3);
});

test("RFC 9605 SFrame vectors, suites 1-5: secret, key, salt, nonce, aad, protect, unprotect", async () => {
  const v = rfc().sframe;
  for (const c of v) {
    const suite = c.cipher_suite as CipherSuite, kid = BigInt(c.kid), ctr = BigInt(c.ctr);
    const p = suiteParams(suite);
    assert.equal(toHex(await hkdfExtract(p.hash, new Uint8Array(0), fromHex(c.base_key))), c.sframe_secret);
    const fk = await deriveFrameKeys(suite, kid, fromHex(c.base_key));
    assert.equal(toHex(fk.key), c.sframe_key, `suite ${suite} key`);
    assert.equal(toHex(fk.salt), c.sframe_salt);
    assert.equal(toHex(makeNonce(fk.salt, ctr)), c.nonce);
    const header = encodeHeader(kid, ctr);
    assert.equal(toHex(header) + c.metadata, c.aad);
    const key = await SFrameKey.derive(suite, kid, fromHex(c.base_key));
    const frame = await key.protect(ctr, fromHex(c.metadata), fromHex(c.pt));
    assert.equal(toHex(frame), c.ct, `suite ${suite} ct`);
    const h = decodeHeader(frame)!;
    assert.equal(toHex((await key.unprotect(h, frame, fromHex(c.metadata)))!), c.pt);
    assert.equal(await key.unprotect(h, frame, fromHex(c.metadata + "00")), null);  // metadata is authenticated
  }
  assert.deepEqual(v.map((c) => c.cipher_suite), [1, 2, 3, 4, 5]);
});

interface RefSFrame {
  meeting_secret: string;
  epochs: { epoch: number; epoch_secret: string;
            senders: { slot: number; kid: number; base_key: string;
                       frames: { envelope: number; payload: string; frame: string }[] }[] }[];
}

test("C++ -> TS: frames protected by media::SenderContext open in ReceiverContext (suite 5, V100 KIDs)", async () => {
  const ref = readRef<RefSFrame>("sframe");
  let n = 0;
  for (const e of ref.epochs) {
    const epoch = BigInt(e.epoch);
    assert.equal(toHex(await deriveEpochSecret(fromHex(ref.meeting_secret), epoch)), e.epoch_secret);
    const rx = new ReceiverContext();
    assert.equal(rx.setEpoch(epoch, fromHex(e.epoch_secret)), true);
    for (const s of e.senders) {
      assert.equal(makeKid(epoch, s.slot), BigInt(s.kid));
      assert.equal(toHex(await deriveBaseKey(5, fromHex(e.epoch_secret), epoch, s.slot)), s.base_key);
      let ctr = 0n;
      for (const f of s.frames) {
        const r = await rx.unprotect(frameMetadata(s.slot, f.envelope), fromHex(f.frame));
        assert.ok(r.ok, `epoch ${epoch} slot ${s.slot}: ${r.ok ? "" : r.reason}`);
        assert.equal(toHex(r.payload), f.payload);
        assert.equal(r.slot, s.slot);
        assert.equal(r.counter, ctr++);
        // Replays and a relay that rewrites the envelope or the slot are refused.
        assert.deepEqual(await rx.unprotect(frameMetadata(s.slot, f.envelope), fromHex(f.frame)),
                         { ok: false, reason: "replayed" });
        ++n;
      }
      const last = s.frames[s.frames.length - 1]!;
      const fresh = new ReceiverContext();
      fresh.setEpoch(epoch, fromHex(e.epoch_secret));
      assert.deepEqual(await fresh.unprotect(frameMetadata(s.slot, last.envelope ^ 0x08), fromHex(last.frame)),
                       { ok: false, reason: "auth-failed" });
      assert.deepEqual(await fresh.unprotect(frameMetadata(s.slot ^ 1, last.envelope), fromHex(last.frame)),
                       { ok: false, reason: "auth-failed" });
    }
  }
  assert.equal(n, 45);
});

test("TS -> C++: frames protected by the TS SenderContext open in media::ReceiverContext", async () => {
  const ref = readRef<RefSFrame>("sframe");
  const e = ref.epochs[1]!;
  const epoch = BigInt(e.epoch), secret = fromHex(e.epoch_secret);
  const frames: { slot: number; envelope: number; frame: string }[] = [];
  const payloads: string[] = [];
  for (const slot of [1, 77, 4095]) {
    const tx = new SenderContext(slot);
    assert.equal(await tx.setEpoch(epoch, secret), true);
    assert.equal(await tx.setEpoch(epoch, secret), false);  // epochs only move forward
    for (const [i, envelope] of [0x00, 0x09, 0x11, 0x2b, 0x04].entries()) {
      const payload = globalThis.crypto.getRandomValues(new Uint8Array([0, 1, 40, 333, 1200][i]!));
      frames.push({ slot, envelope, frame: toHex(await tx.protect(frameMetadata(slot, envelope), payload)) });
      payloads.push(toHex(payload));
    }
  }
  // A frame with a tampered ciphertext, and one under a slot the metadata does not name.
  frames.push({ ...frames[0]!, frame: frames[0]!.frame.slice(0, -2) + "00" });
  frames.push({ ...frames[6]!, slot: 2 });
  const tool = process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
  const out = JSON.parse(execFileSync(tool, ["sframe-open"], {
    input: JSON.stringify({ epoch_secret: e.epoch_secret, epoch: e.epoch, frames }),
  }).toString()) as { payload?: string; slot?: number; counter?: number; error?: string }[];
  assert.equal(out.length, frames.length);
  for (let i = 0; i < payloads.length; ++i) {
    assert.equal(out[i]!.error, undefined, `frame ${i}: ${out[i]!.error}`);
    assert.equal(out[i]!.payload, payloads[i]);
    assert.equal(out[i]!.slot, frames[i]!.slot);
    assert.equal(out[i]!.counter, i % 5);
  }
  assert.ok(out[payloads.length]!.error);
  assert.ok(out[payloads.length + 1]!.error);
});

test("ReceiverContext: previous epoch usable for the grace period only; unknown epochs dropped", async () => {
  let now = 1000;
  const s1 = new Uint8Array(32).fill(1), s2 = new Uint8Array(32).fill(2);
  const tx = new SenderContext(9);
  await tx.setEpoch(1n, s1);
  const old = await tx.protect(frameMetadata(9, 0), Uint8Array.of(1, 2, 3));
  const rx = new ReceiverContext({ gracePeriodMs: 500, now: () => now });
  rx.setEpoch(1n, s1);
  rx.setEpoch(2n, s2);
  assert.equal((await rx.unprotect(frameMetadata(9, 0), old)).ok, true);
  const older = await tx.protect(frameMetadata(9, 0), Uint8Array.of(4));
  now += 501;
  assert.deepEqual(await rx.unprotect(frameMetadata(9, 0), older), { ok: false, reason: "unknown-kid" });
  assert.deepEqual(await rx.unprotect(frameMetadata(9, 0), new Uint8Array(0)), { ok: false, reason: "malformed" });
  assert.equal(rx.setEpoch(2n, s2), false);
});
