// The BFV roster in the WebAssembly module (src/fhe.ts over web/wasm/v100_wasm.h) against the C++
// client::RosterCipher: v100_web_ref bfv prints keys, ciphertexts for fixed seeds and randomness,
// block decryptions and malformed ciphertexts; the module must give the same bytes and values, and
// ciphertexts it makes with fresh randomness must decrypt natively (v100_web_ref bfv-open).
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import { BfvRoster } from "../src/fhe.js";
import { identityToken } from "../src/roster.js";
import { WasmError } from "../src/wasm.js";
import { loadWasm, readRef, reportCount, root } from "./env.js";
import { type RefBfv, type RefBfvDecrypt, checkBfvCase, slotValues } from "./sdk_checks.js";

type RefDecrypt = RefBfvDecrypt;

const tool = () => process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");

test("WASM == native BFV roster on v100_web_ref inputs: keys, ciphertexts, block decryption, malformed refused", async (t) => {
  const wasm = await loadWasm();
  let keys = 0, cts = 0, blocks = 0, malformed = 0;
  for (const c of readRef<RefBfv[]>("bfv")) {
    const n = await checkBfvCase(wasm, c);
    keys += n.keys;
    cts += n.cts;
    blocks += n.blocks;
    malformed += n.malformed;
  }
  reportCount(t, "bfv", "keys", keys);
  reportCount(t, "bfv", "ciphertexts", cts);
  reportCount(t, "bfv", "native_blocks_decrypted", blocks);
  reportCount(t, "bfv", "malformed", malformed);
});

test("BFV roster: module-made ciphertexts (fresh randomness) decrypt natively and in the module", async (t) => {
  const wasm = await loadWasm();
  const seed = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const roster = BfvRoster.create(wasm, seed);
  const slots = [0, 1, 17, 31, 32, 63, 1000];
  const entries: { slot: number; ct: string }[] = [];
  const tokens = new Map<number, number[]>();
  let ms = 0;
  try {
    for (const slot of slots) {
      const token = identityToken(wasm, globalThis.crypto.getRandomValues(new Uint8Array(32)));
      tokens.set(slot, [...token]);
      const rnd = globalThis.crypto.getRandomValues(new Uint8Array(32));
      const t0 = performance.now();
      const ct = await roster.encryptToken(slot, token, rnd);
      ms = performance.now() - t0;
      entries.push({ slot, ct: toHex(ct) });
    }
    const out = JSON.parse(execFileSync(tool(), ["bfv-open"], {
      input: JSON.stringify({ seed: toHex(seed), entries }),
    }).toString()) as RefDecrypt;
    assert.ok(out.ok, out.error);
    for (const slot of slots) {
      assert.deepEqual(out.tokens![String(slot)], [...tokens.get(slot)!, ...new Array<number>(96).fill(0)]);
    }
    // The module's own decryption of block 0 (slots 0, 1, 17, 31 added).
    const b0 = await roster.decryptBlock(entries.filter((e) => e.slot < 32).map((e) => fromHex(e.ct)));
    assert.ok(b0.ok);
    for (const slot of [0, 1, 17, 31]) {
      assert.deepEqual(slotValues(b0.value, slot), out.tokens![String(slot)]);
    }
    // A native refusal for a module-made ciphertext cut short.
    const cut = JSON.parse(execFileSync(tool(), ["bfv-open"], {
      input: JSON.stringify({ seed: toHex(seed), entries: [{ slot: 0, ct: entries[0]!.ct.slice(0, -2) }] }),
    }).toString()) as RefDecrypt;
    assert.equal(cut.ok, false);
  } finally {
    roster.free();
    seed.fill(0);
  }
  t.diagnostic(`one roster-token encryption (last of ${slots.length}, keystream included): ${ms.toFixed(1)} ms`);
  reportCount(t, "bfv", "wasm_to_native", slots.length);
});

test("BFV roster: misuse throws, malformed bytes are results", async (t) => {
  const wasm = await loadWasm();
  assert.throws(() => BfvRoster.create(wasm, new Uint8Array(31)), WasmError);
  const roster = BfvRoster.create(wasm, new Uint8Array(32).fill(7));
  const token = new Uint16Array(32).fill(1);
  await assert.rejects(roster.encryptToken(0, new Uint16Array(31), new Uint8Array(32)), WasmError);
  await assert.rejects(roster.encryptToken(0, token, new Uint8Array(16)), WasmError);
  await assert.rejects(roster.encryptToken(65536, token, new Uint8Array(32)), WasmError);
  const ct = await roster.encryptToken(3, token, new Uint8Array(32).fill(9));
  const bad = [new Uint8Array(0), ct.slice(0, 100), new Uint8Array(ct.length).fill(0xff)];
  for (const b of bad) assert.equal((await roster.decryptBlock([b])).ok, false);
  assert.equal((await roster.decryptBlock([])).ok, false);
  // A ciphertext under another parameter set's shape: a valid one with its level byte region cut.
  const other = BfvRoster.create(wasm, new Uint8Array(32).fill(8));
  const ok = await other.decryptBlock([ct]);  // another key: decrypts (to noise), does not fail
  assert.ok(ok.ok);
  other.free();
  roster.free();
  await assert.rejects(roster.encryptToken(0, token, new Uint8Array(32)), /used after free/);
  reportCount(t, "bfv", "misuse_and_malformed", 9);
});
