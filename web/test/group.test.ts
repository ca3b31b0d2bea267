// Epoch blobs and security codes (web/src/group.ts) against the C++ client/group: native-made blobs
// (v100_web_ref group) open here to the same header and fresh bytes, the epoch secret and SFrame key
// follow as in the C++ client's install_epoch, TS-made blobs open natively (v100_web_ref group-open),
// and relabelled, tampered and malformed-but-signed blobs are refused on both sides with the same
// message. Security codes equal the native ones for the same user ids.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { type Bytes, concat, fromHex, toHex, u16le, u32le, u64le } from "../src/bytes.js";
import { aeadSeal, hkdfSha512, utf8 } from "../src/crypto.js";
import { makeEpochBlob, openEpochBlob, peekEpochBlob, securityCode } from "../src/group.js";
import { type Identity, type PublicIdentity, kCtxEpoch } from "../src/identity.js";
import type { PqWasm } from "../src/wasm.js";
import { XWing } from "../src/xwing.js";
import { loadWasm, readRef, reportCount, root } from "./env.js";
import {
  type RefEpochAttempt, type RefEpochOpen, type RefGroup, checkGroupCase, checkSecurityCodes, epochOpenJson,
  identitiesOf, sameResult,
} from "./sdk_checks.js";

const tool = (): string => process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");

test("C++ -> TS: native epoch blobs open to the same fresh bytes, epoch secret, SFrame key and frame; relabelled / tampered refused alike",
     async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefGroup>("group");
  const ids = await identitiesOf(w, ref.identities);
  let opened = 0, refused = 0;
  for (const c of ref.cases) {
    const [o, r] = await checkGroupCase(w, ref, ids, c);
    opened += o;
    refused += r;
  }
  assert.equal(ref.cases.length, 3);
  for (const id of ids) id.wipe();
  reportCount(t, "group", "native_epoch_opens", opened);
  reportCount(t, "group", "native_epoch_refusals", refused);
});

test("security code: the native codes for the same user ids; order does not matter, membership does", async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefGroup>("group");
  const n = checkSecurityCodes(w, ref);
  const ids = ref.codes[2]!.ids.map(fromHex);
  assert.equal(securityCode(w, [...ids].reverse()), ref.codes[2]!.code);
  assert.notEqual(securityCode(w, ids.slice(1)), ref.codes[2]!.code);
  assert.match(securityCode(w, []), /^\d{5} \d{5} \d{5} \d{5}$/);
  assert.throws(() => securityCode(w, [new Uint8Array(31)]), RangeError);
  reportCount(t, "group", "security_codes", n + 3);
});

/** An epoch blob built by hand (any fresh length, optionally another ciphertext), signed like a real one. */
async function handBlob(w: PqWasm, dist: Identity, distSlot: number, handle: Uint8Array, epoch: bigint,
                        slots: number[], slot: number, to: PublicIdentity, fresh: Uint8Array,
                        ct?: Uint8Array): Promise<Bytes> {
  const enc = await new XWing(w).encapsulate(to.kemPk);
  assert.ok(enc.ok);
  const c = ct ?? enc.value.ciphertext;
  const key = await hkdfSha512(enc.value.sharedSecret, utf8("v100/epoch/v1"), c, 32);
  const box = await aeadSeal(key, fresh, concat(handle, u64le(epoch), u16le(slot), to.userId(w)));
  const body = concat(Uint8Array.of(0x56, 0x31, 0x30, 0x30, 0x45, 0x50, 0x4b, 1), u64le(epoch), u16le(distSlot),
                      u16le(slot), u16le(slots.length), ...slots.map((s) => u16le(s)), u32le(c.length), c,
                      u32le(box.length), box);
  const sig = dist.sign(concat(handle, body), kCtxEpoch);
  return concat(body, u32le(sig.length), sig);
}

test("TS -> C++: TS-made epoch blobs open natively to the same fresh bytes; relabelled, tampered, malformed refused on both sides with the same message",
     async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefGroup>("group");
  const ids = await identitiesOf(w, ref.identities);
  const outsider = ids.length - 1;
  const h = fromHex(ref.handle), oh = fromHex(ref.other_handle);
  const attempts: Omit<RefEpochAttempt, "open">[] = [];
  const want: ("open" | "refused")[] = [];
  const add = (what: string, opener: number, slot: number, handle: Uint8Array, distributor: number, blob: Uint8Array,
               ok = false): void => {
    attempts.push({ what, opener, slot, handle: toHex(handle), distributor, blob: toHex(blob) });
    want.push(ok ? "open" : "refused");
  };
  for (const c of ref.cases) {
    const epoch = BigInt(c.epoch), fresh = fromHex(c.fresh), dist = ids[c.distributor]!, ds = c.distributor_slot;
    for (const b of c.blobs) {
      const blob = await makeEpochBlob(w, dist, ds, h, epoch, c.member_slots, b.slot, ids[b.identity]!.publicIdentity,
                                       fresh);
      add("as made", b.identity, b.slot, h, c.distributor, blob, true);
      if (b !== c.blobs[0]) continue;
      const me = b.identity, s = b.slot, other = c.member_slots[1] ?? s + 1;
      add("other slot", me, other, h, c.distributor, blob);
      add("other handle", me, s, oh, c.distributor, blob);
      add("wrong signer", me, s, h, outsider, blob);
      add("addressed to someone else", outsider, s, h, c.distributor, blob);
      const alter = (what: string, at: number, x: number): void => {
        const a = blob.slice();
        a[at]! ^= x;
        add(what, me, s, h, c.distributor, a);
      };
      alter("other epoch", 15, 0x80);
      alter("other distributor slot", 16, 1);
      alter("flipped magic", 3, 1);
      const ctAt = 8 + 8 + 6 + 2 * c.member_slots.length + 4;
      alter("flipped ciphertext byte", ctAt + 5, 0x01);
      alter("flipped X25519 ciphertext byte", ctAt + 1100, 0x40);
      alter("flipped box byte", ctAt + 1120 + 4 + 20, 0x08);
      alter("flipped signature byte", blob.length - 100, 0x20);
      alter("member count 0", 20, c.member_slots.length);  // n ^ n = 0
      if (c.member_slots.length > 1) {
        const u = blob.slice();  // first two slots swapped: not sorted
        u.set(u16le(c.member_slots[1]!), 22);
        u.set(u16le(c.member_slots[0]!), 24);
        add("member slots unsorted", me, s, h, c.distributor, u);
        const r = blob.slice();
        r.set(u16le(other), 18);
        add("recipient slot relabelled", me, other, h, c.distributor, r);
      }
      add("truncated", me, s, h, c.distributor, blob.subarray(0, blob.length - 1));
      add("trailing byte", me, s, h, c.distributor, concat(blob, Uint8Array.of(0)));
      add("header only", me, s, h, c.distributor, blob.subarray(0, 22));
      add("empty", me, s, h, c.distributor, new Uint8Array(0));
    }
  }
  // Signed by the right distributor but malformed inside: both sides check past the signature.
  const c0 = ref.cases[0]!, d0 = ids[c0.distributor]!, r0 = c0.blobs[1]!, to0 = ids[r0.identity]!.publicIdentity;
  const e0 = BigInt(c0.epoch);
  add("signed, 31 fresh bytes", r0.identity, r0.slot, h, c0.distributor,
      await handBlob(w, d0, c0.distributor_slot, h, e0, c0.member_slots, r0.slot, to0, new Uint8Array(31)));
  add("signed, short ciphertext", r0.identity, r0.slot, h, c0.distributor,
      await handBlob(w, d0, c0.distributor_slot, h, e0, c0.member_slots, r0.slot, to0, new Uint8Array(32),
                     new Uint8Array(100)));
  add("signed, low-order X25519 ciphertext", r0.identity, r0.slot, h, c0.distributor,
      await handBlob(w, d0, c0.distributor_slot, h, e0, c0.member_slots, r0.slot, to0, new Uint8Array(32),
                     new Uint8Array(1120)));
  add("signed, valid (hand-built)", r0.identity, r0.slot, h, c0.distributor,
      await handBlob(w, d0, c0.distributor_slot, h, e0, c0.member_slots, r0.slot, to0, fromHex(c0.fresh)), true);

  const native = JSON.parse(execFileSync(tool(), ["group-open"], {
    input: JSON.stringify({ identities: ref.identities, attempts }), maxBuffer: 1 << 28,
  }).toString()) as RefEpochOpen[];
  assert.equal(native.length, attempts.length);
  let opened = 0, refused = 0;
  for (const [i, a] of attempts.entries()) {
    const mine = epochOpenJson(await openEpochBlob(w, ids[a.opener]!, a.slot, ids[a.distributor]!.publicIdentity,
                                                   fromHex(a.handle), fromHex(a.blob)));
    sameResult(mine, native[i]!, a.what);
    if (want[i] === "open") {
      assert.ok(mine.fresh !== undefined, `${a.what}: refused (${mine.error})`);
      ++opened;
    } else {
      assert.ok(mine.error !== undefined, `${a.what}: opened`);
      ++refused;
    }
  }
  for (const id of ids) id.wipe();
  reportCount(t, "group", "ts_epoch_opened_natively", opened);
  reportCount(t, "group", "ts_epoch_refused_both", refused);
});

test("epoch blobs: caller mistakes are RangeErrors; hostile bytes are results, never throws", async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefGroup>("group");
  const [a, b] = await identitiesOf(w, ref.identities.slice(0, 2));
  const h = new Uint8Array(32), fresh = new Uint8Array(32);
  const mk = (slots: number[], slot: number, f = fresh, epoch = 1n): Promise<Bytes> =>
    makeEpochBlob(w, a!, 0, h, epoch, slots, slot, b!.publicIdentity, f);
  let n = 0;
  for (const p of [mk([1, 0], 1), mk([0, 0, 1], 1), mk([0, 1], 2), mk([1], 1), mk([], 0), mk([0, 1], 1, new Uint8Array(31)),
                   mk([0, 1], 1, fresh, -1n), mk([0, 70000], 70000)]) {
    await assert.rejects(p, RangeError);
    ++n;
  }
  const blob = await mk([0, 1], 1);
  for (let len = 0; len < blob.length; len += 7) {
    assert.equal(peekEpochBlob(blob.subarray(0, len)).ok, false);
    ++n;
  }
  assert.equal(peekEpochBlob(blob).ok, true);
  const rnd = new Uint8Array(5000);
  for (let i = 0; i < 20; ++i) {
    globalThis.crypto.getRandomValues(rnd);
    if (i % 2 === 0) rnd.set(blob.subarray(0, 26));  // a plausible header, random rest
    const r = await openEpochBlob(w, b!, 1, a!.publicIdentity, h, rnd.subarray(0, 100 * i));
    assert.equal(r.ok, false);
    ++n;
  }
  const ok = await openEpochBlob(w, b!, 1, a!.publicIdentity, h, blob);
  assert.ok(ok.ok && toHex(ok.value.fresh) === toHex(fresh));
  a!.wipe();
  b!.wipe();
  reportCount(t, "group", "misuse_and_malformed", n + 1);
});
