// The WebAssembly module against the native build (byte identity on the same inputs, printed by
// v100_web_ref pq) and against the NIST ACVP vectors in tests/data/vectors/acvp.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import type { MlDsaSet, MlKemRank } from "../src/wasm.js";
import { loadWasm, readRef, readVectors } from "./env.js";

type RefCase = { op: string } & Record<string, string | number>;
const h = (c: RefCase, key: string): Uint8Array => fromHex(String(c[key]));

test("WASM == native: ML-KEM, ML-DSA, SHA3-256, SHAKE256 on v100_web_ref inputs", async () => {
  const w = await loadWasm();
  const cases = readRef<RefCase[]>("pq");
  const seen = new Map<string, number>();
  for (const c of cases) {
    seen.set(c.op, (seen.get(c.op) ?? 0) + 1);
    if (c.op === "mlkem") {
      const k = c["k"] as MlKemRank;
      const kp = w.mlkemKeygen(k, h(c, "d"), h(c, "z"));
      assert.equal(toHex(kp.ek), c["ek"]);
      assert.equal(toHex(kp.dk), c["dk"]);
      const e = w.mlkemEncaps(k, kp.ek, h(c, "m"));
      assert.equal(toHex(e.ct), c["ct"]);
      assert.equal(toHex(e.ss), c["ss"]);
      assert.equal(toHex(w.mlkemDecaps(k, kp.dk, e.ct)), c["ss_decaps"]);
      assert.equal(toHex(w.mlkemDecaps(k, kp.dk, h(c, "ct_bad"))), c["ss_bad"]);
    } else if (c.op === "mldsa") {
      const set = c["set"] as MlDsaSet;
      const kp = w.mldsaKeygen(set, h(c, "xi"));
      assert.equal(toHex(kp.pk), c["pk"]);
      assert.equal(toHex(kp.sk), c["sk"]);
      const msg = h(c, "msg"), ctx = h(c, "ctx");
      assert.equal(toHex(w.mldsaSign(set, kp.sk, msg, ctx, new Uint8Array(32))), c["sig_det"]);
      const sig = w.mldsaSign(set, kp.sk, msg, ctx, h(c, "rnd"));
      assert.equal(toHex(sig), c["sig_hedged"]);
      assert.equal(w.mldsaVerify(set, kp.pk, msg, ctx, sig), c["verify"] === 0);
      assert.equal(w.mldsaVerify(set, kp.pk, h(c, "msg_bad"), ctx, sig), c["verify_bad"] === 0);
    } else if (c.op === "sha3_256") {
      assert.equal(toHex(w.sha3_256(h(c, "in"))), c["out"]);
    } else if (c.op === "shake256") {
      assert.equal(toHex(w.shake256(h(c, "in"), String(c["out"]).length / 2)), c["out"]);
    } else {
      assert.fail(`unknown reference op ${c.op}`);
    }
  }
  assert.deepEqual(Object.fromEntries(seen), { mlkem: 9, mldsa: 6, sha3_256: 6, shake256: 4 });
});

// ---- NIST ACVP (internalProjection.json; see tests/data/vectors/README.md) ----

interface AcvpFile<G> {
  testGroups: G[];
}
type Hex = string;
const rank = (set: string): MlKemRank => ({ "ML-KEM-512": 2, "ML-KEM-768": 3, "ML-KEM-1024": 4 })[set] as MlKemRank;
const dsa = (set: string): MlDsaSet => ({ "ML-DSA-44": 44, "ML-DSA-65": 65, "ML-DSA-87": 87 })[set] as MlDsaSet;

test("ACVP ML-KEM keyGen (all three sets)", async () => {
  const w = await loadWasm();
  const f = readVectors<AcvpFile<{ parameterSet: string; tests: { d: Hex; z: Hex; ek: Hex; dk: Hex }[] }>>(
    "acvp/ML-KEM-keyGen-FIPS203/internalProjection.json");
  let n = 0;
  for (const g of f.testGroups)
    for (const t of g.tests) {
      const kp = w.mlkemKeygen(rank(g.parameterSet), fromHex(t.d), fromHex(t.z));
      assert.equal(toHex(kp.ek), t.ek.toLowerCase());
      assert.equal(toHex(kp.dk), t.dk.toLowerCase());
      ++n;
    }
  assert.equal(n, 75);
});

test("ACVP ML-KEM encapsulation / decapsulation / key checks", async () => {
  const w = await loadWasm();
  interface T { ek?: Hex; dk?: Hex; m?: Hex; c?: Hex; k?: Hex; testPassed?: boolean }
  const f = readVectors<AcvpFile<{ parameterSet: string; function: string; tests: T[] }>>(
    "acvp/ML-KEM-encapDecap-FIPS203/internalProjection.json");
  const count: Record<string, number> = {};
  for (const g of f.testGroups) {
    const k = rank(g.parameterSet);
    for (const t of g.tests) {
      count[g.function] = (count[g.function] ?? 0) + 1;
      if (g.function === "encapsulation") {
        const e = w.mlkemEncaps(k, fromHex(t.ek!), fromHex(t.m!));
        assert.equal(toHex(e.ct), t.c!.toLowerCase());
        assert.equal(toHex(e.ss), t.k!.toLowerCase());
      } else if (g.function === "decapsulation") {
        assert.equal(toHex(w.mlkemDecaps(k, fromHex(t.dk!), fromHex(t.c!))), t.k!.toLowerCase());
      } else if (g.function === "encapsulationKeyCheck") {
        let ok = true;
        try { w.mlkemEncaps(k, fromHex(t.ek!), new Uint8Array(32)); } catch { ok = false; }
        assert.equal(ok, t.testPassed);
      } else if (g.function === "decapsulationKeyCheck") {
        let ok = true;
        const ctLen = { 2: 768, 3: 1088, 4: 1568 }[k];
        try { w.mlkemDecaps(k, fromHex(t.dk!), new Uint8Array(ctLen)); } catch { ok = false; }
        assert.equal(ok, t.testPassed);
      }
    }
  }
  assert.deepEqual(count, { encapsulation: 75, decapsulation: 30, decapsulationKeyCheck: 30, encapsulationKeyCheck: 30 });
});

test("ACVP ML-DSA keyGen, sigGen (internal, deterministic + hedged), sigVer (internal)", async () => {
  const w = await loadWasm();
  const kg = readVectors<AcvpFile<{ parameterSet: string; tests: { seed: Hex; pk: Hex; sk: Hex }[] }>>(
    "acvp/ML-DSA-keyGen-FIPS204/internalProjection.json");
  let n = 0;
  for (const g of kg.testGroups)
    for (const t of g.tests) {
      const kp = w.mldsaKeygen(dsa(g.parameterSet), fromHex(t.seed));
      assert.equal(toHex(kp.pk), t.pk.toLowerCase());
      assert.equal(toHex(kp.sk), t.sk.toLowerCase());
      ++n;
    }
  assert.equal(n, 75);
  const sg = readVectors<AcvpFile<{ parameterSet: string; deterministic: boolean;
                                    tests: { sk: Hex; message: Hex; rnd?: Hex; signature: Hex }[] }>>(
    "acvp/ML-DSA-sigGen-FIPS204/internalProjection.json");
  n = 0;
  for (const g of sg.testGroups)
    for (const t of g.tests) {
      const rnd = g.deterministic ? new Uint8Array(32) : fromHex(t.rnd!);
      const sig = w.mldsaSignInternal(dsa(g.parameterSet), fromHex(t.sk), fromHex(t.message), rnd);
      assert.equal(toHex(sig), t.signature.toLowerCase());
      ++n;
    }
  assert.equal(n, 60);
  const sv = readVectors<AcvpFile<{ parameterSet: string; pk: Hex;
                                    tests: { message: Hex; signature: Hex; testPassed: boolean }[] }>>(
    "acvp/ML-DSA-sigVer-FIPS204/internalProjection.json");
  n = 0;
  for (const g of sv.testGroups)
    for (const t of g.tests) {
      const ok = w.mldsaVerifyInternal(dsa(g.parameterSet), fromHex(g.pk), fromHex(t.message), fromHex(t.signature));
      assert.equal(ok, t.testPassed);
      ++n;
    }
  assert.equal(n, 45);
});

test("WASM errors are typed, never aborts: bad lengths and a bad ek", async () => {
  const w = await loadWasm();
  assert.throws(() => w.mlkemEncaps(3, new Uint8Array(10), new Uint8Array(32)), /wrong length/);
  const ek = w.mlkemKeygen(3, new Uint8Array(32), new Uint8Array(32)).ek;
  ek.fill(0xff, 0, 2);  // a coefficient >= q: fails the FIPS 203 §7.2 modulus check
  assert.throws(() => w.mlkemEncaps(3, ek, new Uint8Array(32)), /standard check/);
  assert.equal(w.mldsaVerify(65, new Uint8Array(1952), new Uint8Array(1), new Uint8Array(0), new Uint8Array(5)), false);
  // The module still works after the errors.
  assert.equal(toHex(w.sha3_256(new Uint8Array(0))), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
});
