// X-Wing in TypeScript (web/src/xwing.ts) against the draft's test vectors
// (tests/data/vectors/xwing) and against the C++ pq::xwing: cases printed by v100_web_ref xwing are
// reproduced here byte for byte, and ciphertexts made here are decapsulated natively
// (v100_web_ref xwing-decaps).
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import { XWing, type XWingResult, kXWingCiphertextBytes, kXWingPublicKeyBytes } from "../src/xwing.js";
import { loadWasm, readRef, readVectors, reportCount, root } from "./env.js";

interface Vector { seed: string; sk: string; pk: string; eseed: string; ct: string; ss: string }

function ok<T>(r: XWingResult<T>): T {
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.value;
}

test("X-Wing draft vectors: keys from seed, ct and ss from eseed, decapsulation (all 3)", async (t) => {
  const xw = new XWing(await loadWasm());
  const v = readVectors<Vector[]>("xwing/test-vectors.json");
  for (const [i, c] of v.entries()) {
    assert.equal(c.seed, c.sk);
    const sk = await xw.generateKeyPairDerand(fromHex(c.seed));
    assert.equal(toHex(sk.publicKey), c.pk, `vector ${i} pk`);
    assert.equal(toHex(sk.exportSeed()), c.sk);
    const enc = ok(await xw.encapsulateDerand(fromHex(c.pk), fromHex(c.eseed)));
    assert.equal(toHex(enc.ciphertext), c.ct, `vector ${i} ct`);
    assert.equal(toHex(enc.sharedSecret), c.ss, `vector ${i} ss`);
    assert.equal(toHex(ok(await xw.decapsulate(sk, fromHex(c.ct)))), c.ss, `vector ${i} decaps`);
    sk.wipe();
    await assert.rejects(xw.decapsulate(sk, fromHex(c.ct)), /wiped/);
  }
  assert.equal(v.length, 3);
  reportCount(t, "xwing", "draft_vectors", v.length);
});

interface RefDecaps { ss?: string; error?: string }
interface RefXWing {
  seed: string; pk: string; eseed: string; ct: string; ss: string; decaps: RefDecaps;
  ct_bad_m: string; decaps_bad_m: RefDecaps; ct_bad_x: string; decaps_bad_x: RefDecaps;
  ct_low: string; decaps_low: RefDecaps;
}

// What decapsulate() gave, in the shape v100_web_ref prints.
const asRef = (r: XWingResult<Uint8Array>): RefDecaps => r.ok ? { ss: toHex(r.value) } : { error: r.error };

test("TS == native X-Wing on v100_web_ref inputs: keys, encaps, decaps, tampered and low-order ciphertexts", async (t) => {
  const xw = new XWing(await loadWasm());
  const cases = readRef<RefXWing[]>("xwing");
  for (const c of cases) {
    const sk = await xw.generateKeyPairDerand(fromHex(c.seed));
    assert.equal(toHex(sk.publicKey), c.pk);
    const enc = ok(await xw.encapsulateDerand(sk.publicKey, fromHex(c.eseed)));
    assert.equal(toHex(enc.ciphertext), c.ct);
    assert.equal(toHex(enc.sharedSecret), c.ss);
    assert.deepEqual(asRef(await xw.decapsulate(sk, fromHex(c.ct))), c.decaps);
    // A flipped byte in ct_M (implicit rejection) or in ct_X gives another secret, the same on both sides.
    for (const [ct, want] of [[c.ct_bad_m, c.decaps_bad_m], [c.ct_bad_x, c.decaps_bad_x]] as const) {
      const got = asRef(await xw.decapsulate(sk, fromHex(ct)));
      assert.deepEqual(got, want);
      assert.ok(got.ss !== undefined && got.ss !== c.ss);
    }
    // ct_X = 0 is a low-order point: both sides refuse it (the messages differ only in wording).
    assert.ok(c.decaps_low.error);
    const low = await xw.decapsulate(sk, fromHex(c.ct_low));
    assert.deepEqual(low, { ok: false, error: "X-Wing: X25519 rejected the ciphertext" });
    sk.wipe();
  }
  assert.equal(cases.length, 4);
  reportCount(t, "xwing", "native_cases", cases.length);
  reportCount(t, "xwing", "native_tampered", 2 * cases.length);
  reportCount(t, "xwing", "native_low_order", cases.length);
});

test("TS -> C++: ciphertexts from encapsulate() (crypto.getRandomValues) decapsulate natively", async (t) => {
  const xw = new XWing(await loadWasm());
  const seed = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const sk = await xw.generateKeyPairDerand(seed);
  const cts: string[] = [], secrets: string[] = [];
  for (let i = 0; i < 3; ++i) {
    const enc = ok(await xw.encapsulate(sk.publicKey));
    assert.equal(enc.ciphertext.length, kXWingCiphertextBytes);
    assert.equal(toHex(ok(await xw.decapsulate(sk, enc.ciphertext))), toHex(enc.sharedSecret));
    cts.push(toHex(enc.ciphertext));
    secrets.push(toHex(enc.sharedSecret));
  }
  assert.equal(new Set(cts).size, 3);  // fresh randomness each time
  const tampered = fromHex(cts[0]!);
  tampered[500]! ^= 0x40;
  cts.push(toHex(tampered));
  const tool = process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
  const out = JSON.parse(execFileSync(tool, ["xwing-decaps"], {
    input: JSON.stringify({ seed: toHex(seed), cts }),
  }).toString()) as RefDecaps[];
  assert.deepEqual(out.slice(0, 3), secrets.map((ss) => ({ ss })));
  assert.ok(out[3]!.ss !== undefined && out[3]!.ss !== secrets[0]);
  assert.deepEqual(asRef(await xw.decapsulate(sk, tampered)), out[3]);
  seed.fill(0);
  sk.wipe();
  reportCount(t, "xwing", "ts_to_native", cts.length);
});

test("X-Wing: generateKeyPair round trip; malformed public keys and ciphertexts are results, misuse throws", async (t) => {
  const xw = new XWing(await loadWasm());
  const a = await xw.generateKeyPair(), b = await xw.generateKeyPair();
  assert.notEqual(toHex(a.publicKey), toHex(b.publicKey));
  const enc = ok(await xw.encapsulate(a.publicKey));
  const wrong = ok(await xw.decapsulate(b, enc.ciphertext));  // another key: an unrelated secret
  assert.notEqual(toHex(wrong), toHex(enc.sharedSecret));

  assert.deepEqual(await xw.encapsulate(a.publicKey.subarray(1)),
                   { ok: false, error: "X-Wing: public key has the wrong length" });
  // pk_M failing the FIPS 203 §7.2 modulus check: a coefficient of 0xfff >= q.
  const badM = a.publicKey.slice();
  badM[0] = 0xff;
  badM[1] = 0x0f;
  const r = await xw.encapsulate(badM);
  assert.ok(!r.ok && /ML-KEM-768 public key/.test(r.error), JSON.stringify(r));
  // pk_X = 0 is a low-order point.
  const badX = a.publicKey.slice();
  badX.fill(0, kXWingPublicKeyBytes - 32);
  assert.deepEqual(await xw.encapsulate(badX), { ok: false, error: "X-Wing: X25519 rejected the public key" });
  assert.deepEqual(await xw.decapsulate(a, enc.ciphertext.subarray(0, 1119)),
                   { ok: false, error: "X-Wing: ciphertext has the wrong length" });

  await assert.rejects(xw.generateKeyPairDerand(new Uint8Array(31)), RangeError);
  await assert.rejects(xw.encapsulateDerand(a.publicKey, new Uint8Array(32)), RangeError);
  a.wipe();
  b.wipe();
  reportCount(t, "xwing", "malformed_and_misuse", 7);
});
