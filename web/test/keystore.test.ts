// The passphrase key file (web/src/keystore.ts: scrypt from @noble/hashes, AES-256-GCM from
// WebCrypto) against the native client/keystore.cc: files made by `v100 keygen` open here to the
// identity whose `me.key.pub` the tool wrote; files sealed here open natively (v100_web_ref
// keystore-open) to the same user id and public text; wrong passphrases, truncated, tampered and
// hostile-cost files are refused on both sides with the same message.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { toHex } from "../src/bytes.js";
import { Identity, publicIdentityText } from "../src/identity.js";
import {
  checkScryptParams, kDefaultScrypt, kFastScrypt, keystoreHeader, keystoreOpen, keystoreSeal, openIdentity, sealIdentity,
  type ScryptParams,
} from "../src/keystore.js";
import { loadWasm, reportCount, root } from "./env.js";

const tool = () => process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
const v100 = () => process.env["V100_BIN"] ?? join(root, "build", "release", "tools", "v100");

interface NativeOpen { ok: boolean; error?: string; user_id?: string; public_text?: string }
function nativeOpen(cases: { file: Uint8Array; passphrase: string }[]): NativeOpen[] {
  const input = JSON.stringify({ cases: cases.map((c) => ({ file: toHex(c.file), passphrase: c.passphrase })) });
  return JSON.parse(execFileSync(tool(), ["keystore-open"], { input, maxBuffer: 64 << 20 }).toString()) as NativeOpen[];
}

test("key files made by v100 keygen open in TS to the identity of their me.key.pub", async (t) => {
  const w = await loadWasm();
  const dir = mkdtempSync(join(tmpdir(), "v100-keystore-"));
  let n = 0;
  try {
    // --fast (N = 2^12) with an ASCII and a non-ASCII passphrase (UTF-8 bytes on both sides), and one
    // at the default cost (N = 2^17, r = 8: 128 MiB of scrypt memory).
    for (const [pass, fast] of [["correct horse battery", true], ["Jürgen's Schlüssel 🔑", true], ["default cost", false]] as const) {
      const file = join(dir, `k${n}.key`);
      const printed = execFileSync(v100(), ["keygen", "--out", file, ...(fast ? ["--fast"] : [])],
                                   { env: { ...process.env, V100_PASSPHRASE: pass } }).toString();
      const bytes = new Uint8Array(readFileSync(file));
      const pub = readFileSync(`${file}.pub`, "utf8");
      const h = keystoreHeader(bytes);
      assert.ok(h.ok);
      assert.deepEqual(h.value.params, fast ? kFastScrypt : kDefaultScrypt);
      const id = await openIdentity(w, bytes, pass);
      assert.ok(id.ok, id.ok ? "" : id.error);
      assert.equal(publicIdentityText(id.value.publicIdentity), pub, "the me.key.pub line v100 keygen wrote");
      assert.ok(printed.includes(toHex(id.value.userId)), "the user id v100 keygen printed");
      id.value.wipe();
      assert.deepEqual(await keystoreOpen(bytes, pass + " "), { ok: false, error: "wrong passphrase or damaged key file" });
      if (fast) assert.deepEqual(await keystoreOpen(bytes, ""), { ok: false, error: "wrong passphrase or damaged key file" });
      ++n;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  reportCount(t, "keystore", "native_files_opened", n);
});

test("key files sealed in TS open natively; altered and hostile files refused on both sides alike", async (t) => {
  const w = await loadWasm();
  const cheap: ScryptParams = { log2N: 10, r: 1, p: 1 };
  const ids = [await Identity.generate(w), await Identity.generate(w), await Identity.generate(w)];
  const made: { file: Uint8Array; passphrase: string; id: Identity }[] = [
    { file: await sealIdentity(ids[0]!, "correct horse battery", kFastScrypt), passphrase: "correct horse battery", id: ids[0]! },
    { file: await sealIdentity(ids[1]!, "Ünïcødé 🔑 パス", { log2N: 11, r: 2, p: 3 }), passphrase: "Ünïcødé 🔑 パス", id: ids[1]! },
    { file: await sealIdentity(ids[2]!, "", cheap), passphrase: "", id: ids[2]! },
  ];
  const good = nativeOpen(made);
  for (const [i, m] of made.entries()) {
    assert.equal(m.file.length, 138, "header 34 + nonce 12 + length 4 + 72-byte secret + tag 16");
    assert.deepEqual(good[i], { ok: true, user_id: toHex(m.id.userId), public_text: publicIdentityText(m.id.publicIdentity) });
  }

  // Altered copies of a cheap file: every single-byte flip, every truncation, a trailing byte, other
  // passphrases, and headers with hostile cost parameters (rewritten, so they also fail the tag).
  const base = await sealIdentity(ids[2]!, "pw", cheap);
  const pass = "pw";
  const cases: { file: Uint8Array; passphrase: string; what: string }[] = [];
  for (let i = 0; i < base.length; ++i) {
    const f = new Uint8Array(base);
    f[i]! ^= i === 9 ? 0x01 : 0x80;  // log2_n 10 -> 11 (in range: the tag fails), elsewhere the top bit
    cases.push({ file: f, passphrase: pass, what: `flip byte ${i}` });
  }
  for (let n = 0; n < base.length; ++n) cases.push({ file: base.subarray(0, n), passphrase: pass, what: `first ${n} bytes` });
  cases.push({ file: new Uint8Array([...base, 0]), passphrase: pass, what: "trailing byte" });
  // (Not "pw\0": scrypt's PBKDF2 keys HMAC with the passphrase, and HMAC zero-pads short keys, so a
  // trailing NUL gives the same key on both sides; a property of scrypt, not of this file format.)
  for (const p of ["pW", "pw ", "", "pw\n"]) cases.push({ file: base, passphrase: p, what: `passphrase ${JSON.stringify(p)}` });
  const withCost = (log2N: number, r: number, p: number): Uint8Array => {
    const f = new Uint8Array(base);
    const v = new DataView(f.buffer);
    f[9] = log2N;
    v.setUint32(10, r, true);
    v.setUint32(14, p, true);
    return f;
  };
  const hostile: [number, number, number][] = [[9, 1, 1], [23, 1, 1], [255, 8, 1], [10, 0, 1], [10, 33, 1],
    [10, 0xffffffff, 1], [10, 1, 0], [10, 1, 17], [10, 1, 0xffffffff], [22, 3, 1], [21, 5, 1], [20, 9, 16], [13, 1, 1]];
  for (const [l, r, p] of hostile) cases.push({ file: withCost(l, r, p), passphrase: pass, what: `cost 2^${l} r ${r} p ${p}` });
  // A well-sealed file whose secret is not an identity.
  const notId = await keystoreSeal(new Uint8Array(72).fill(7), pass, cheap);
  cases.push({ file: notId, passphrase: pass, what: "sealed bytes that are not an identity" });

  const native = nativeOpen(cases);
  const messages = new Map<string, number>();
  for (const [i, c] of cases.entries()) {
    const ts = await openIdentity(w, c.file, c.passphrase);
    assert.equal(ts.ok, false, `${c.what}: TS accepted it`);
    assert.equal(native[i]!.ok, false, `${c.what}: native accepted it`);
    assert.equal(ts.ok ? "" : ts.error, native[i]!.error, c.what);
    messages.set(native[i]!.error!, (messages.get(native[i]!.error!) ?? 0) + 1);
  }
  // Every kind of refusal occurred, with the native words.
  for (const m of ["not a V100 key file", "unknown key-file KDF", "truncated key file", "truncated or oversized key file",
                   "wrong passphrase or damaged key file", "key file: scrypt parameters out of range",
                   "key file: scrypt parameters need more than 1 GiB", "not a V100 identity secret"])
    assert.ok((messages.get(m) ?? 0) > 0, `no case refused with "${m}"`);
  const back = await openIdentity(w, base, pass);
  assert.ok(back.ok && toHex(back.value.userId) === toHex(ids[2]!.userId), "the unaltered file opens");
  for (const id of ids) id.wipe();
  reportCount(t, "keystore", "ts_files_opened_natively", made.length);
  reportCount(t, "keystore", "refused_both_sides", cases.length);
});

test("keystore: cost checks and misuse", async (t) => {
  const bad: [ScryptParams, string | null][] = [
    [kDefaultScrypt, null], [kFastScrypt, null], [{ log2N: 22, r: 2, p: 16 }, null],
    [{ log2N: 22, r: 3, p: 1 }, "scrypt parameters need more than 1 GiB"],
    [{ log2N: 10.5, r: 1, p: 1 }, "scrypt parameters out of range"], [{ log2N: 17, r: 8, p: 0 }, "scrypt parameters out of range"],
  ];
  for (const [p, want] of bad) assert.equal(checkScryptParams(p), want, JSON.stringify(p));
  await assert.rejects(keystoreSeal(new Uint8Array(4), "x", { log2N: 9, r: 8, p: 1 }), RangeError);
  assert.deepEqual(await keystoreOpen(new Uint8Array(0), "x"), { ok: false, error: "not a V100 key file" });
  reportCount(t, "keystore", "misuse", bad.length + 2);
});
