// Roster blobs (web/src/roster.ts) against the C++ client/roster and the meeting info of client.cc:
// native-sealed blobs (v100_web_ref roster) open here to the same fields, TS-sealed blobs open
// natively (v100_web_ref roster-open), and relabelled (slot, handle, join_seq), tampered and
// malformed-but-authentic blobs are refused on both sides.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { concat, fromHex, toHex, u16le, u32le, u64le } from "../src/bytes.js";
import { aeadSeal, utf8 } from "../src/crypto.js";
import { Identity, kCtxRoster, publicIdentityText } from "../src/identity.js";
import {
  kMaxDisplayName, openIdentityBlob, openMeetingInfo, openNameBlob, sealIdentityBlob, sealMeetingInfo, sealNameBlob,
} from "../src/roster.js";
import { loadWasm, readRef, reportCount, root } from "./env.js";
import { type RefOpened, type RefRoster, checkInfoCase, checkRosterNativeCase, sameOpen } from "./sdk_checks.js";

test("C++ -> TS: native name, identity and meeting-info blobs open to the same fields; relabelled / flipped refused",
     async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefRoster>("roster");
  let opened = 0, refused = 0;
  for (const c of ref.cases) {
    const [o, r] = await checkRosterNativeCase(w, ref, c);
    opened += o;
    refused += r;
  }
  for (const i of ref.infos) await checkInfoCase(ref, i);
  assert.equal(ref.cases.length, 3);
  reportCount(t, "roster", "native_blobs_opened", opened + ref.infos.length);
  reportCount(t, "roster", "native_blobs_refused", refused + ref.infos.length);
});

interface OpenCase { kind: "name" | "identity" | "info"; handle: string; slot: number; join_seq: string; blob: string;
                     what: string; want: RefOpened | "refused" }

test("TS -> C++: TS-sealed blobs open natively to the same fields; relabelled, tampered, malformed refused on both sides",
     async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefRoster>("roster");
  const rk = fromHex(ref.roster_key), ik = fromHex(ref.info_key), h = fromHex(ref.handle), oh = fromHex(ref.other_handle);
  const cases: OpenCase[] = [];
  const add = (kind: OpenCase["kind"], what: string, handle: Uint8Array, slot: number, seq: bigint, blob: Uint8Array,
               want: OpenCase["want"]): void => {
    cases.push({ kind, what, handle: toHex(handle), slot, join_seq: seq.toString(), blob: toHex(blob), want });
  };
  const names = ["Ada", "Zoë 🎥 ümlaut", "x".repeat(kMaxDisplayName)];
  for (const [i, c] of ref.cases.entries()) {
    const me = await Identity.fromSeeds(w, fromHex(c.secret).subarray(8, 40), fromHex(c.secret).subarray(40));
    const seq = BigInt(c.join_seq), slot = c.slot, name = names[i]!;
    const want: RefOpened = { name: toHex(utf8(name)), user_id: toHex(me.userId) };
    const wantId: RefOpened = { ...want, public_text: publicIdentityText(me.publicIdentity) };
    const nb = await sealNameBlob(rk, h, slot, name, me.userId);
    const ib = await sealIdentityBlob(me, rk, h, slot, seq, name);
    add("name", "name", h, slot, 0n, nb, want);
    add("identity", "identity", h, slot, seq, ib, wantId);
    add("name", "name, wrong slot", h, slot ^ 1, 0n, nb, "refused");
    add("name", "name, wrong handle", oh, slot, 0n, nb, "refused");
    const nf = nb.slice();
    nf[5]! ^= 0x20;
    add("name", "name, flipped byte", h, slot, 0n, nf, "refused");
    add("identity", "identity, wrong slot", h, slot ^ 1, seq, ib, "refused");
    add("identity", "identity, wrong handle", oh, slot, seq, ib, "refused");
    add("identity", "identity, wrong join_seq", h, slot, seq ^ 1n, ib, "refused");
    const idf = ib.slice();
    idf[ib.length >> 1]! ^= 0x01;
    add("identity", "identity, flipped byte", h, slot, seq, idf, "refused");
    if (i === 0) {
      // Authentic (right key and AAD) but malformed plaintexts: both sides check the layout, not only the tag.
      const nameAad = concat(utf8("v100/name"), h, u16le(slot));
      const idAad = concat(utf8("v100/identity"), h, u16le(slot), u64le(seq));
      const padded = (n: Uint8Array, len = n.length): Uint8Array => {
        const p = new Uint8Array(2 + kMaxDisplayName);
        p.set(u16le(len));
        p.set(n, 2);
        return p;
      };
      const longName = concat(u16le(201), new Uint8Array(kMaxDisplayName));
      const dirtyPad = padded(utf8("Ada"));
      dirtyPad[2 + 150] = 1;
      add("name", "name, length 201", h, slot, 0n, await aeadSeal(rk, concat(longName, me.userId), nameAad), "refused");
      add("name", "name, non-zero padding", h, slot, 0n, await aeadSeal(rk, concat(dirtyPad, me.userId), nameAad),
          "refused");
      add("name", "name, trailing byte", h, slot, 0n,
          await aeadSeal(rk, concat(padded(utf8("Ada")), me.userId, Uint8Array.of(0)), nameAad), "refused");
      const pub = me.publicIdentity.serialize();
      // Signed for another slot, sealed for this one: the signature binds the slot too.
      const wrongSig = me.sign(concat(h, u16le(slot + 1), u64le(seq), pub, u32le(3), utf8("Ada")), kCtxRoster);
      add("identity", "identity, signature over another slot", h, slot, seq,
          await aeadSeal(rk, concat(pub, padded(utf8("Ada")), u32le(wrongSig.length), wrongSig), idAad), "refused");
      const sig = me.sign(concat(h, u16le(slot), u64le(seq), pub, u32le(3), utf8("Ada")), kCtxRoster);
      add("identity", "identity, valid (hand-built)", h, slot, seq,
          await aeadSeal(rk, concat(pub, padded(utf8("Ada")), u32le(sig.length), sig), idAad),
          { name: toHex(utf8("Ada")), user_id: toHex(me.userId), public_text: publicIdentityText(me.publicIdentity) });
      add("identity", "identity, trailing byte", h, slot, seq,
          await aeadSeal(rk, concat(pub, padded(utf8("Ada")), u32le(sig.length), sig, Uint8Array.of(7)), idAad),
          "refused");
      add("identity", "identity, truncated public identity", h, slot, seq,
          await aeadSeal(rk, pub.subarray(0, 100), idAad), "refused");
    }
    me.wipe();
  }
  for (const title of ["", "Weekly sync — V100", "t".repeat(300)]) {
    const blob = await sealMeetingInfo(ik, h, title);
    assert.equal((blob.length - 28) % 256, 0);
    add("info", `info "${title.slice(0, 8)}"`, h, 0, 0n, blob, { title: toHex(utf8(title)) });
    add("info", "info, wrong handle", oh, 0, 0n, blob, "refused");
  }
  add("info", "info, length beyond the plaintext", h, 0, 0n,
      await aeadSeal(ik, concat(u32le(253), new Uint8Array(252)), h), "refused");

  const tool = process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
  const native = JSON.parse(execFileSync(tool, ["roster-open"], {
    input: JSON.stringify({ roster_key: ref.roster_key, info_key: ref.info_key, cases }),
  }).toString()) as RefOpened[];
  assert.equal(native.length, cases.length);
  let opened = 0, refused = 0;
  for (const [i, c] of cases.entries()) {
    const n = native[i]!;
    const handle = fromHex(c.handle), blob = fromHex(c.blob), seq = BigInt(c.join_seq);
    let mine: RefOpened;
    if (c.kind === "name") {
      const r = await openNameBlob(rk, handle, c.slot, blob);
      mine = r.ok ? { name: toHex(r.value.displayNameBytes), user_id: toHex(r.value.userId) } : { error: r.error };
    } else if (c.kind === "identity") {
      const r = await openIdentityBlob(w, rk, handle, c.slot, seq, blob);
      mine = r.ok ? { name: toHex(r.value.displayNameBytes), user_id: toHex(r.value.userId),
                      public_text: publicIdentityText(r.value.identity) } : { error: r.error };
    } else {
      const r = await openMeetingInfo(ik, handle, blob);
      mine = r.ok ? { title: toHex(r.value.titleBytes) } : { error: r.error };
    }
    if (c.want === "refused") {
      assert.ok(n.error !== undefined, `${c.what}: opened natively`);
      assert.ok(mine.error !== undefined, `${c.what}: opened here`);
      // The same reason on both sides (the TS messages follow the C++ ones).
      assert.equal(mine.error, n.error, c.what);
      ++refused;
    } else {
      sameOpen(n, c.want, `${c.what} (native)`);
      sameOpen(mine, c.want, `${c.what} (TS)`);
      ++opened;
    }
  }
  reportCount(t, "roster", "ts_blobs_opened_natively", opened);
  reportCount(t, "roster", "ts_blobs_refused_both", refused);
});

test("roster: a name longer than 200 bytes is a RangeError when sealing; bad keys and slots are results", async (t) => {
  const w = await loadWasm();
  const key = new Uint8Array(32), h = new Uint8Array(32), id = new Uint8Array(32);
  await assert.rejects(sealNameBlob(key, h, 0, "é".repeat(101), id), RangeError);
  await assert.rejects(sealNameBlob(key, h, 70000, "a", id), RangeError);
  assert.deepEqual(await openNameBlob(new Uint8Array(31), h, 0, new Uint8Array(300)),
                   { ok: false, error: "roster key must be 32 bytes" });
  assert.deepEqual(await openNameBlob(key, h, 0, new Uint8Array(27)), { ok: false, error: "name blob: sealed box too short" });
  assert.equal((await openIdentityBlob(w, key, h, 0, -1n, new Uint8Array(300))).ok, false);
  assert.equal((await openMeetingInfo(key, h, new Uint8Array(0))).ok, false);
  reportCount(t, "roster", "misuse_and_malformed", 6);
});
