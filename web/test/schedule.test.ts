// The key schedule and the join proof (web/src/schedule.ts, join_proof.ts) against the C++
// client::KeySchedule and protocol/join_proof (v100_web_ref schedule): every derivation, the MAC
// membership proof, the Ed25519 join verifier, join proof and remove proof byte for byte.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { KeySchedule } from "../src/schedule.js";
import { ed25519PublicKey, ed25519Sign, ed25519Verify, makeJoinProofEd25519 } from "../src/join_proof.js";
import { readRef, reportCount } from "./env.js";
import { type RefSchedule, checkScheduleCase } from "./sdk_checks.js";

test("TS == native key schedule and join proofs (v100_web_ref schedule)", async (t) => {
  const cases = readRef<RefSchedule[]>("schedule");
  let derivations = 0, proofs = 0, refused = 0;
  for (const c of cases) {
    const r = await checkScheduleCase(c);
    derivations += r.derivations;
    proofs += r.proofs;
    refused += r.refused;
  }
  assert.equal(cases.length, 3);
  reportCount(t, "schedule", "native_cases", cases.length);
  reportCount(t, "schedule", "derivations", derivations);
  reportCount(t, "schedule", "proofs", proofs);
  reportCount(t, "schedule", "altered_proofs_refused", refused);
});

test("key schedule and Ed25519: fresh secrets round trip; bad sizes are results or RangeErrors", async (t) => {
  const ms = KeySchedule.generateSecret();
  const ks = KeySchedule.fromSecret(ms);
  const a = await ks.handle(1n), b = await ks.handle(2n);
  assert.notDeepEqual(a, b);
  assert.equal(a.length, 32);
  const seed = await ks.joinKey(1n);
  const pk = await ed25519PublicKey(seed);
  const proof = await makeJoinProofEd25519(seed, a, b);
  assert.ok(pk.ok && proof.ok);
  assert.equal(await ed25519Verify(pk.value, new Uint8Array(0), proof.value), false);
  assert.throws(() => KeySchedule.fromSecret(new Uint8Array(31)), RangeError);
  await assert.rejects(ks.epochSecret(1n, 0n, new Uint8Array(31)), RangeError);
  await assert.rejects(ks.handle(-1n), RangeError);
  await assert.rejects(ks.handle(1n << 64n), RangeError);
  assert.deepEqual(await ed25519Sign(new Uint8Array(31), a), { ok: false, error: "ed25519: seed must be 32 bytes" });
  assert.deepEqual(await ed25519PublicKey(new Uint8Array(33)), { ok: false, error: "ed25519: seed must be 32 bytes" });
  assert.equal(await ed25519Verify(pk.value.subarray(1), a, proof.value), false);
  assert.equal(await ed25519Verify(new Uint8Array(32).fill(0xff), a, proof.value), false);  // not a point
  ks.wipe();
  assert.throws(() => ks.secret(), /wiped/);
  ms.fill(0);
  seed.fill(0);
  reportCount(t, "schedule", "misuse_and_malformed", 9);
});
