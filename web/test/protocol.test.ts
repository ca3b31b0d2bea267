// The TypeScript protocol codec (web/src/protocol.ts) against the C++ encoder and decoder
// (src/meeting/protocol/messages*.cc): messages built here from the field values v100_web_ref
// protocol prints encode to exactly the C++ bytes and decode back to the same values; messages
// encoded here decode in C++ and re-encode to the same bytes (v100_web_ref protocol-check).
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import { type Message, decode, encode } from "../src/protocol.js";
import { readRef, root } from "./env.js";

interface RefMessage {
  request_id: number;
  fields: Record<string, unknown>;
  hex: string;
}

// "hex:" -> bytes, "u64:" -> bigint, "str:" -> string; arrays and objects recursively.
function revive(v: unknown): unknown {
  if (typeof v === "string") {
    if (v.startsWith("hex:")) return fromHex(v.slice(4));
    if (v.startsWith("u64:")) return BigInt(v.slice(4));
    if (v.startsWith("str:")) return v.slice(4);
    return v;
  }
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  return v;
}

test("TS encode == C++ encode, and TS decode inverts it, for every sample message", () => {
  const cases = readRef<RefMessage[]>("protocol");
  const types = new Set<string>();
  for (const c of cases) {
    const msg = revive(c.fields) as Message;
    types.add(msg.type);
    assert.equal(toHex(encode(msg, c.request_id)), c.hex, msg.type);
    const d = decode(fromHex(c.hex));
    assert.ok(d.ok, d.ok ? "" : d.error);
    assert.equal(d.requestId, c.request_id);
    assert.deepEqual(d.msg, msg);
  }
  assert.equal(types.size, 36);
});

test("C++ decodes what TS encodes (and re-encodes the same bytes)", () => {
  const cases = readRef<RefMessage[]>("protocol");
  const mine = cases.map((c) => toHex(encode(revive(c.fields) as Message, c.request_id)));
  const tool = process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
  const out = JSON.parse(execFileSync(tool, ["protocol-check"], { input: JSON.stringify(mine) }).toString()) as
    { type?: string; request_id?: number; same?: boolean; error?: string }[];
  assert.equal(out.length, cases.length);
  out.forEach((r, i) => {
    assert.equal(r.error, undefined, `${i}: ${r.error}`);
    assert.equal(r.same, true);
    assert.equal(r.type, (cases[i]!.fields as { type: string }).type);
    assert.equal(r.request_id, cases[i]!.request_id);
  });
});

test("decode is strict and never throws: truncations, trailing bytes, bad fields", () => {
  const cases = readRef<RefMessage[]>("protocol");
  for (const c of cases) {
    const b = fromHex(c.hex);
    // Every strict prefix fails (except where a prefix is itself a complete shorter message: none here,
    // since every body is fixed-size or length-prefixed).
    for (let n = 0; n < b.length; ++n) assert.equal(decode(b.subarray(0, n)).ok, false, `${c.hex} cut at ${n}`);
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    assert.equal(decode(longer).ok, false);
  }
  const rejected: string[] = [];
  const bad = (hex: string): string => {
    rejected.push(hex);
    const d = decode(fromHex(hex));
    assert.equal(d.ok, false, hex);
    return d.ok ? "" : d.error;
  };
  assert.match(bad("02010000000001000100"), /wire version/);
  assert.match(bad("01150000000001000100"), /unknown type/);
  assert.match(bad("011f00000000"), /not supported/);                    // RedeemToken
  assert.match(bad("010e00000000"), /mailbox/);                          // MailboxPut, truncated
  assert.match(bad("011e00000000" + "0004" + "00".repeat(32) + "0100000001" + "0100000001"), /slot/);  // slot 1024
  assert.match(bad("011e00000000" + "0100" + "00".repeat(32) + "00000000" + "0100000001"), /new_join_verifier/);
  assert.match(bad("014e00000000" + "00".repeat(32) + "21"), /put_bits/);  // difficulty above 32 bits
  assert.match(bad("014a00000000" + "0100" + "00".repeat(16) + "00000000" + "00"), /item blob/);  // empty item
  assert.match(bad("014a00000000" + "0200" + ("00".repeat(16) + "01000000" + "aa").repeat(2) + "00"), /item id/);
  assert.match(bad("014a00000000" + "0000" + "02"), /more/);            // bool other than 0/1
  assert.match(bad("014a00000000" + "8100" + "00"), /item count/);      // 129 items
  assert.match(bad("010f00000000" + "00".repeat(64) + "9f070000" + "00".repeat(1951) + "0000" + "00"), /owner_key/);
  assert.match(bad("011000000000" + "0100" + "0100" + "4100"), /blobs/);          // ServiceRequest: 65 blobs
  assert.match(bad("011000000000" + "0100" + "0100" + "0100" + "05000000" + "00"), /blobs/);  // blob beyond the message
  assert.match(bad("014b00000000" + "0100" + "0100"), /service/);        // ServiceResponse without its status
  assert.match(bad("01010000000002000100"), /version range/);            // min > max
  assert.match(bad("010c00000000" + "0000" + "08" + "01000000" + "0a"), /frame/);  // audio with keyframe bit
  assert.match(bad("010c00000000" + "0000" + "01" + "00000000"), /frame/);         // empty payload
  assert.match(bad("010c00000000" + "0000" + "40" + "01000000" + "0a"), /frame/);  // reserved envelope bit
  assert.match(bad("010b00000000" + "02" + "0200" + "0500" + "0500"), /slot/);     // duplicate slot in a Subscribe list
  assert.match(bad("0142000000000b00020000000a0d"), /text/);             // Error text with control chars
  assert.match(bad("014d000000000000"), /count/);                        // empty MediaBundle
  assert.match(bad("014800000000" + "0000000000000000" + "0100" + "0100000000"), /epoch/);  // EpochKey epoch 0
  assert.match(bad("010c00000000" + "0000" + "00" + "ffffffff"), /frame/);         // blob length beyond the message
  // The C++ decoder refuses the same bytes (MailboxPut aside: C++ knows it, and it is truncated there too).
  const tool = process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
  const out = JSON.parse(execFileSync(tool, ["protocol-check"], { input: JSON.stringify(rejected) }).toString()) as
    { error?: string }[];
  out.forEach((r, i) => assert.ok(r.error, `C++ accepted ${rejected[i]}`));
});

test("encode refuses fixed-size fields of the wrong size", () => {
  assert.throws(() => encode({ type: "JoinChallengeRequest", handle: new Uint8Array(31) }), RangeError);
});
