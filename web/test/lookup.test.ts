// The directory look-up in the WebAssembly module (src/fhe.ts BfvLookup over services::LookupClient)
// against the native build: v100_web_ref lookup prints a fixed 32-member roster, queries made
// natively from fixed randomness and a native server's answers (ServiceResponse messages); the
// module must make the same query bytes and decrypt each answer to the slot the plaintext model
// says (found at slots 0, 13, 31; an outsider not found). Queries the module makes with fresh
// randomness are answered by the native server (v100_web_ref lookup-answer) and found. Hostile
// answers are refused with the native message, and random damage never throws.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import { BfvLookup, kLookupQueryOp, kLookupService } from "../src/fhe.js";
import { decode, encode } from "../src/protocol.js";
import { identityToken } from "../src/roster.js";
import { WasmError } from "../src/wasm.js";
import { loadWasm, readRef, reportCount, root } from "./env.js";
import { type RefLookup, type RefLookupAnswer, checkLookupRef, findInNativeResponse, lookupModel } from "./lookup_checks.js";

const tool = () => process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");

test("look-up: WASM query == native bytes; native answers decrypt to the plaintext model's slot; hostile refused", async (t) => {
  const wasm = await loadWasm();
  const ref = readRef<RefLookup>("lookup");
  assert.equal(ref.members.length, 32);
  const slots = ref.queries.map((q) => lookupModel(ref, q.user_id));
  assert.deepEqual(slots, [0, 13, 31, null]);  // the fixture covers both ends, the middle, not found
  const [queries, hostile] = await checkLookupRef(wasm, ref);
  reportCount(t, "lookup", "native_queries_equal_and_answers_found", queries);
  reportCount(t, "lookup", "hostile_answers_refused_as_native", hostile);
});

test("look-up: module queries with fresh randomness, answered by the native server, find the model's slot", async (t) => {
  const wasm = await loadWasm();
  const ref = readRef<RefLookup>("lookup");
  const lookup = BfvLookup.create(wasm, fromHex(ref.seed));
  const outsider = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const who = [ref.members[7]!.user_id, ref.members[31]!.user_id, ref.members[0]!.user_id, toHex(outsider)];
  try {
    const queries: Uint8Array[] = [];
    for (const u of who) {
      const token = identityToken(wasm, fromHex(u));
      const q = await lookup.encryptQuery(token, globalThis.crypto.getRandomValues(new Uint8Array(32)));
      // The request a page sends: encodes and decodes back to the same query.
      const req = decode(encode({ type: "ServiceRequest", service: kLookupService, op: kLookupQueryOp, blobs: [q] }, 9));
      assert.ok(req.ok && req.msg.type === "ServiceRequest");
      assert.equal(toHex(req.msg.blobs[0]!), toHex(q));
      queries.push(q);
    }
    // Fresh randomness: two queries for the same member differ.
    const again = await lookup.encryptQuery(identityToken(wasm, fromHex(who[0]!)),
                                            globalThis.crypto.getRandomValues(new Uint8Array(32)));
    assert.notEqual(toHex(again), toHex(queries[0]!));
    const out = JSON.parse(execFileSync(tool(), ["lookup-answer"], {
      input: JSON.stringify({ queries: queries.map(toHex) }), maxBuffer: 64 << 20,
    }).toString()) as RefLookupAnswer[];
    assert.equal(out.length, who.length);
    for (let i = 0; i < who.length; ++i) {
      const slot = await findInNativeResponse(lookup, out[i]!);
      assert.equal(slot, lookupModel(ref, who[i]!), `query ${i}`);
      assert.equal(out[i]!.native_slot, slot, `query ${i}: native client`);
    }
  } finally {
    lookup.free();
  }
  reportCount(t, "lookup", "wasm_queries_answered_natively", who.length);
});

test("look-up: damaged answers and misuse: results, never a throw from bytes", async (t) => {
  const wasm = await loadWasm();
  const ref = readRef<RefLookup>("lookup");
  const lookup = BfvLookup.create(wasm, fromHex(ref.seed));
  let cases = 0;
  try {
    const d = decode(fromHex(ref.queries[0]!.response));
    assert.ok(d.ok && d.msg.type === "ServiceResponse");
    const packed = d.msg.blobs[0]!, slots = d.msg.blobs[1]!;
    // Blob lists of the wrong size, other messages, a non-zero status.
    for (const blobs of [[], [packed], [packed, slots, slots]]) {
      const r = await lookup.find(blobs);
      assert.ok(!r.ok && r.error === "lookup: malformed answer");
      ++cases;
    }
    const other = await lookup.findInResponse({ type: "ServiceResponse", service: 2, op: 1, status: 0, blobs: [packed, slots] });
    assert.ok(!other.ok);
    const status = await lookup.findInResponse({ type: "ServiceResponse", service: 1, op: 1, status: 3, blobs: [packed, slots] });
    assert.ok(!status.ok && /status 3/.test(status.error));
    const err = await lookup.findInResponse({ type: "Error", code: 15, text: "lookup: empty roster" });
    assert.ok(!err.ok && /empty roster/.test(err.error));
    const pong = await lookup.findInResponse({ type: "Pong", token: 1n });
    assert.ok(!pong.ok);
    cases += 4;
    // Every cut of the packed blob's head and tail, random cuts, random bytes, flipped bytes: a result
    // each time; a cut or garbage is refused, a flipped reply value may parse (then it is just noise).
    const rnd = (n: number): number => Math.floor(Math.random() * n);
    const cuts = [...Array(16).keys(), ...Array.from({ length: 16 }, (_, i) => packed.length - 1 - i),
                  ...Array.from({ length: 16 }, () => rnd(packed.length))];
    for (const n of cuts) {
      const r = await lookup.find([packed.subarray(0, n), slots]);
      assert.equal(r.ok, false, `cut at ${n}`);
      ++cases;
    }
    for (let i = 0; i < 16; ++i) {
      const junk = globalThis.crypto.getRandomValues(new Uint8Array(rnd(2000)));
      assert.equal((await lookup.find([junk, slots])).ok, false);
      ++cases;
    }
    for (let i = 0; i < 32; ++i) {
      const flipped = packed.slice();
      flipped[rnd(flipped.length)]! ^= 1 << rnd(8);
      const r = await lookup.find([flipped, slots]);
      if (r.ok) assert.ok(r.value === null || (r.value >= 0 && r.value < 32));
      ++cases;
    }
    // Slot lists: empty (nobody to find), slots beyond the answer's blocks (ignored).
    const none = await lookup.find([packed, new Uint8Array(0)]);
    assert.ok(none.ok && none.value === null);
    const far = await lookup.find([packed, new Uint8Array([0x00, 0x04, 0xff, 0xff])]);
    assert.ok(far.ok && far.value === null);
    cases += 2;
    // Misuse throws (a programming error, not untrusted bytes).
    assert.throws(() => BfvLookup.create(wasm, new Uint8Array(31)), WasmError);
    await assert.rejects(lookup.encryptQuery(new Uint16Array(31), new Uint8Array(32)), WasmError);
    await assert.rejects(lookup.encryptQuery(new Uint16Array(32), new Uint8Array(31)), WasmError);
    cases += 3;
  } finally {
    lookup.free();
  }
  await assert.rejects(lookup.encryptQuery(new Uint16Array(32), new Uint8Array(32)), /used after free/);
  reportCount(t, "lookup", "damaged_and_misuse", cases + 1);
});
