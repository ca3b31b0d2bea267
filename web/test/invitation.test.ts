// Invitations (web/src/invitation.ts) against the C++ client/invitation: native invitations
// (v100_web_ref invitation) open here to the same meeting secret, session, title and join seed;
// TS-made ones open natively (v100_web_ref invitation-open); tampered, misaddressed and
// malformed-but-signed ones are refused on both sides with the same message; mailbox ids match.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { type Bytes, concat, fromHex, toHex, u32le, u64le } from "../src/bytes.js";
import { aeadSeal, hkdfSha512, utf8 } from "../src/crypto.js";
import { type Identity, type PublicIdentity, kCtxInvitation } from "../src/identity.js";
import { makeInvitation, openInvitation } from "../src/invitation.js";
import type { PqWasm } from "../src/wasm.js";
import { XWing } from "../src/xwing.js";
import { loadWasm, readRef, reportCount, root } from "./env.js";
import {
  type RefInvitation, type RefInvitationAttempt, type RefInvitationOpen, checkInvitationCase, checkMailboxIds,
  identitiesOf, invitationOpenJson, sameResult,
} from "./sdk_checks.js";

const tool = (): string => process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");

test("C++ -> TS: native invitations open to the same ms, session, title, join seed; tampered refused alike; mailbox ids",
     async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefInvitation>("invitation");
  const ids = await identitiesOf(w, ref.identities);
  let opened = 0, refused = 0;
  for (const c of ref.cases) {
    const [o, r] = await checkInvitationCase(w, ids, c);
    opened += o;
    refused += r;
  }
  const m = checkMailboxIds(w, ref, ids);
  for (const id of ids) id.wipe();
  assert.equal(ref.cases.length, 3);
  reportCount(t, "invitation", "native_opened", opened);
  reportCount(t, "invitation", "native_refused", refused);
  reportCount(t, "invitation", "mailbox_ids", m);
});

/** An invitation built by hand around any plaintext (optionally another ciphertext), signed by `host`. */
async function handInvitation(w: PqWasm, host: Identity, to: PublicIdentity, plain: Uint8Array,
                              ct?: Uint8Array): Promise<Bytes> {
  const enc = await new XWing(w).encapsulate(to.kemPk);
  assert.ok(enc.ok);
  const c = ct ?? enc.value.ciphertext;
  const head = concat(Uint8Array.of(0x56, 0x31, 0x30, 0x30, 0x49, 0x4e, 0x56, 1), host.publicIdentity.serialize(),
                      to.userId(w), u32le(c.length), c);
  const key = await hkdfSha512(enc.value.sharedSecret, utf8("v100/invitation/v1"), c, 32);
  const box = await aeadSeal(key, plain, head);
  const signed = concat(head, u32le(box.length), box);
  const sig = host.sign(signed, kCtxInvitation);
  return concat(signed, u32le(sig.length), sig);
}

test("TS -> C++: TS-made invitations open natively to the same values; tampered, misaddressed, malformed refused on both sides with the same message",
     async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefInvitation>("invitation");
  const ids = await identitiesOf(w, ref.identities);
  const host = ids[0]!, outsider = ids.length - 1;
  const attempts: Omit<RefInvitationAttempt, "open">[] = [];
  const want: RefInvitationOpen[] = [];
  const add = (what: string, opener: number, blob: Uint8Array, w0: RefInvitationOpen = { error: "" }): void => {
    attempts.push({ what, opener, blob: toHex(blob) });
    want.push(w0);
  };
  const titles = ["", "Zoë 🎥 weekly", "T".repeat(4096)];
  const pubLen = host.publicIdentity.serialize().length;
  for (const [i, c] of ref.cases.entries()) {
    const me = c.invitee, ms = fromHex(c.ms), seed = fromHex(c.join_seed), session = BigInt(c.session);
    const blob = await makeInvitation(w, host, ids[me]!.publicIdentity, ms, session, titles[i]!, seed);
    add("as made", me, blob, { ms: c.ms, session: c.session, title: toHex(utf8(titles[i]!)), join_seed: c.join_seed,
                               inviter_id: toHex(host.userId) });
    add("addressed to someone else", outsider, blob);
    const alter = (what: string, at: number, x: number): void => {
      const a = blob.slice();
      a[at]! ^= x;
      add(what, me, a);
    };
    alter("flipped magic", 7, 1);
    alter("inviter key byte", 8 + 100, 1);
    alter("invitee id altered", 8 + pubLen, 1);
    alter("flipped ciphertext byte", 8 + pubLen + 32 + 4 + 10, 0x40);
    alter("flipped box byte", 8 + pubLen + 32 + 4 + 1120 + 4 + 30, 0x04);
    alter("flipped signature byte", blob.length - 7, 0x02);
    const other = ids[outsider]!.publicIdentity.serialize();
    add("wrong signer", me, concat(blob.subarray(0, 8), other, blob.subarray(8 + pubLen)));
    add("truncated", me, blob.subarray(0, blob.length - 1));
    add("trailing byte", me, concat(blob, Uint8Array.of(0)));
    add("truncated inside the inviter", me, blob.subarray(0, 8 + 1000));
    add("empty", me, new Uint8Array(0));
  }
  // Signed by the host, addressed right, but malformed inside: both sides check past the signature.
  const to = ids[1]!, ms = new Uint8Array(32).fill(7);
  const payload = (title: Uint8Array, tail: Uint8Array = new Uint8Array(0), titleLen = title.length): Bytes =>
    concat(ms, u64le(5n), u32le(titleLen), title, tail);
  add("signed, title length beyond the payload", 1, await handInvitation(w, host, to.publicIdentity,
                                                                         payload(utf8("abc"), new Uint8Array(0), 4)));
  add("signed, title of 4097 bytes", 1, await handInvitation(w, host, to.publicIdentity,
                                                             payload(new Uint8Array(4097).fill(0x41))));
  add("signed, 5-byte join seed", 1, await handInvitation(w, host, to.publicIdentity,
                                                          payload(utf8("abc"), new Uint8Array(5))));
  add("signed, 33-byte join seed", 1, await handInvitation(w, host, to.publicIdentity,
                                                           payload(utf8("abc"), new Uint8Array(33))));
  add("signed, short ciphertext", 1, await handInvitation(w, host, to.publicIdentity, payload(utf8("abc")),
                                                          new Uint8Array(64)));
  add("signed, low-order X25519 ciphertext", 1, await handInvitation(w, host, to.publicIdentity, payload(utf8("abc")),
                                                                     new Uint8Array(1120)));
  add("signed, valid (hand-built, 32-byte join seed)", 1,
      await handInvitation(w, host, to.publicIdentity, payload(utf8("abc"), new Uint8Array(32).fill(9))),
      { ms: toHex(ms), session: "5", title: toHex(utf8("abc")), join_seed: "09".repeat(32),
        inviter_id: toHex(host.userId) });

  const native = JSON.parse(execFileSync(tool(), ["invitation-open"], {
    input: JSON.stringify({ identities: ref.identities, attempts }), maxBuffer: 1 << 28,
  }).toString()) as RefInvitationOpen[];
  assert.equal(native.length, attempts.length);
  let opened = 0, refused = 0;
  for (const [i, a] of attempts.entries()) {
    const mine = invitationOpenJson(await openInvitation(w, ids[a.opener]!, fromHex(a.blob)));
    sameResult(mine, native[i]!, a.what);
    if (want[i]!.error === undefined) {
      sameResult(mine, want[i]!, `${a.what}: values`);
      ++opened;
    } else {
      assert.ok(mine.error !== undefined, `${a.what}: opened`);
      ++refused;
    }
  }
  for (const id of ids) id.wipe();
  reportCount(t, "invitation", "ts_opened_natively", opened);
  reportCount(t, "invitation", "ts_refused_both", refused);
});

test("invitations: caller mistakes are RangeErrors; hostile bytes are results, never throws", async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefInvitation>("invitation");
  const [a, b] = await identitiesOf(w, ref.identities.slice(0, 2));
  const ms = new Uint8Array(32);
  let n = 0;
  for (const p of [makeInvitation(w, a!, b!.publicIdentity, new Uint8Array(31), 0n, ""),
                   makeInvitation(w, a!, b!.publicIdentity, ms, 0n, "", new Uint8Array(5)),
                   makeInvitation(w, a!, b!.publicIdentity, ms, 0n, "é".repeat(2049)),
                   makeInvitation(w, a!, b!.publicIdentity, ms, 1n << 64n, "")]) {
    await assert.rejects(p, RangeError);
    ++n;
  }
  const inv = await makeInvitation(w, a!, b!.publicIdentity, ms, 1n, "t".repeat(4096));
  for (let len = 0; len < inv.length; len += 97) {
    assert.equal((await openInvitation(w, b!, inv.subarray(0, len))).ok, false);
    ++n;
  }
  const rnd = new Uint8Array(8000);
  for (let i = 0; i < 20; ++i) {
    globalThis.crypto.getRandomValues(rnd);
    if (i % 2 === 0) rnd.set(inv.subarray(0, 8 + 3176));  // magic and a real inviter, random rest
    assert.equal((await openInvitation(w, b!, rnd.subarray(0, 400 * i))).ok, false);
    ++n;
  }
  const ok = await openInvitation(w, b!, inv);
  assert.ok(ok.ok && ok.value.session === 1n && ok.value.title.length === 4096 && ok.value.joinSeed.length === 0);
  a!.wipe();
  b!.wipe();
  reportCount(t, "invitation", "misuse_and_malformed", n + 1);
});
