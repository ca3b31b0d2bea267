// The CKKS report in the WebAssembly module (CkksReport of src/fhe.ts over web/wasm/v100_wasm.h)
// against the native build (v100_web_ref ckks, the same C ABI natively, itself checked against
// services::AttentionKeys): from the same seed, values and randomness, the encoder's FFT output, the
// encoded plaintext, the report ciphertext and its flooded decryption must be the same bytes; a
// summed report made by the native client decrypts here to the plaintext model; hostile bytes are
// refused.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex } from "../src/bytes.js";
import { CkksReport } from "../src/fhe.js";
import { WasmError } from "../src/wasm.js";
import { loadWasm, readRef, reportCount } from "./env.js";
import { type RefCkks, checkCkksCase, checkCkksSum } from "./sdk_checks.js";

test("WASM == native CKKS report on v100_web_ref inputs: FFT output, plaintext, ciphertext, flooded decryption", async (t) => {
  const wasm = await loadWasm();
  const ref = readRef<RefCkks>("ckks");
  let stages = 0;
  for (const c of ref.cases) stages += (await checkCkksCase(wasm, c)).stages;
  assert.equal(ref.cases.length, 6);
  reportCount(t, "ckks", "cases", ref.cases.length);
  reportCount(t, "ckks", "identical_stages", stages);
});

test("CKKS: a summed report of three members made natively decrypts in the module to the plaintext model", async (t) => {
  const wasm = await loadWasm();
  const r = await checkCkksSum(wasm, readRef<RefCkks>("ckks").sum);
  t.diagnostic(`max error ${r.maxError}`);
  reportCount(t, "ckks", "sum_slots", r.slots);
});

test("CKKS report: hostile ciphertexts are refused, misuse throws", async (t) => {
  const wasm = await loadWasm();
  const ref = readRef<RefCkks>("ckks");
  const report = CkksReport.create(wasm, fromHex(ref.sum.seed));
  const rnd = new Uint8Array(32);
  let refused = 0;
  try {
    const good = fromHex(ref.sum.ct);
    const flipped = good.slice();
    flipped[0]! ^= 1;
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    for (const bad of [good.subarray(0, good.length - 1), new Uint8Array(0), flipped, longer,
                       good.subarray(0, 40)]) {
      const r = await report.decrypt(bad, 4, rnd);
      assert.equal(r.ok, false);
      ++refused;
    }
    await assert.rejects(report.encrypt(new Float64Array([0.5, Number.NaN]), rnd), WasmError);
    await assert.rejects(report.encrypt(new Float64Array(4097), rnd), WasmError);
    await assert.rejects(report.encrypt(new Float64Array(3), new Uint8Array(31)), WasmError);
  } finally {
    report.free();
  }
  assert.throws(() => CkksReport.create(wasm, new Uint8Array(31)), WasmError);
  reportCount(t, "ckks", "refused", refused);
});
