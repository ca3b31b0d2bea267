// Identities (web/src/identity.ts: ML-DSA-65 from the module, X-Wing from xwing.ts) against the C++
// client::Identity (v100_web_ref identity): the same secret bytes give the same user id, short id,
// public-identity text (me.key.pub) and identity tokens; native signatures verify here.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { concat, fromHex, toHex, u32le } from "../src/bytes.js";
import { Identity, PublicIdentity, parsePublicIdentityText, publicIdentityText } from "../src/identity.js";
import { loadWasm, readRef, reportCount } from "./env.js";
import { type RefIdentity, checkIdentityCase } from "./sdk_checks.js";

test("TS == native identities from the same seeds (v100_web_ref identity)", async (t) => {
  const w = await loadWasm();
  const cases = readRef<RefIdentity[]>("identity");
  let n = 0;
  for (const c of cases) n += await checkIdentityCase(w, c);
  assert.equal(cases.length, 3);
  reportCount(t, "identity", "native_cases", cases.length);
  reportCount(t, "identity", "values_compared", n);
});

test("identity: generate, secret round trip, decapsulate; malformed public identities are results", async (t) => {
  const w = await loadWasm();
  const a = await Identity.generate(w);
  const secret = a.serializeSecret();
  const b = await Identity.parseSecret(w, secret);
  assert.ok(b.ok);
  assert.equal(toHex(b.value.userId), toHex(a.userId));
  secret.fill(0);
  const text = publicIdentityText(a.publicIdentity);
  const ser = a.publicIdentity.serialize();
  const bad: [string, string][] = [
    ["v100-identity-v2 " + toHex(ser), "not a V100 public identity"],
    [text.trim() + "0", "hex: odd length"],
    [text.trim().slice(0, -2) + "zz", "hex: invalid character"],
    [text.trim().slice(0, -2), "public identity truncated"],
    [text.trim() + "00", "public identity has trailing bytes"],
  ];
  for (const [s, error] of bad) assert.deepEqual(parsePublicIdentityText(w, s), { ok: false, error }, error);
  // A sig_pk of the wrong size, and a kem_pk failing the ML-KEM-768 §7.2 modulus check.
  const shortSig = concat(u32le(1951), a.publicIdentity.sigPk.subarray(1), u32le(1216), a.publicIdentity.kemPk);
  assert.deepEqual(PublicIdentity.parse(w, shortSig), { ok: false, error: "ML-DSA-65 public key has the wrong size" });
  const badKem = a.publicIdentity.kemPk.slice();
  badKem[0] = 0xff;
  badKem[1] = 0x0f;
  assert.deepEqual(PublicIdentity.parse(w, concat(u32le(1952), a.publicIdentity.sigPk, u32le(1216), badKem)),
                   { ok: false, error: "X-Wing public key is malformed" });
  assert.deepEqual(PublicIdentity.parse(w, fromHex("ffffffff")), { ok: false, error: "public identity truncated" });
  assert.deepEqual(await Identity.parseSecret(w, new Uint8Array(72)), { ok: false, error: "not a V100 identity secret" });
  const dec = await a.decapsulate(new Uint8Array(10));
  assert.equal(dec.ok, false);
  a.wipe();
  b.value.wipe();
  assert.throws(() => a.sign(new Uint8Array(1), "x"), /wiped/);
  reportCount(t, "identity", "malformed_and_misuse", bad.length + 5);
});
