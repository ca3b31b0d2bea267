// The Room's pure logic (src/room_link.ts, room_events.ts, room_mailbox.ts, frame_crypto.ts):
// invitation links with hostile input, who distributes, the event queue's order, the mailbox work
// and the in-thread FrameCrypto. The session itself runs against v100 serve in the live test.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Bytes, toHex } from "../src/bytes.js";
import { InThreadFrameCrypto } from "../src/frame_crypto.js";
import { MediaKind, envelopeByte } from "../src/protocol.js";
import { EventQueue, type MemberState, chooseDistributor } from "../src/room_events.js";
import { base64urlDecode, base64urlEncode, formatInvitationLink, parseInvitationLink } from "../src/room_link.js";
import { leadingZeroBits, mailboxPutDigest, solveMailboxPutWork } from "../src/room_mailbox.js";
import { loadWasm, reportCount } from "./env.js";

const bytes = (n: number, seed: number): Bytes => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 0xff);

test("base64url: RFC 4648 §10 vectors (url alphabet, no padding), strict decoding", () => {
  const enc = new TextEncoder();
  const vectors: [string, string][] = [["", ""], ["f", "Zg"], ["fo", "Zm8"], ["foo", "Zm9v"], ["foob", "Zm9vYg"],
                                       ["fooba", "Zm9vYmE"], ["foobar", "Zm9vYmFy"]];
  for (const [plain, b64] of vectors) {
    assert.equal(base64urlEncode(enc.encode(plain)), b64);
    assert.equal(toHex(base64urlDecode(b64)!), toHex(enc.encode(plain)));
  }
  assert.equal(base64urlEncode(Uint8Array.of(0xfb, 0xff)), "-_8");  // '+/' of base64 are '-_' here
  for (const bad of ["Zg==", "Z", "Zh", "Zm9+", "Zm9/", "Zm 9v", "Zm9v\n", "Zé"]) assert.equal(base64urlDecode(bad), null, bad);
});

test("invitation links: format/parse round trip, secrets only in the fragment, hostile input refused", (t) => {
  const ms = bytes(32, 1), seed = bytes(32, 9);
  let n = 0;
  for (const session of [0n, 1n, 0x0123456789abcdefn, 0xffffffffffffffffn]) {
    for (const joinSeed of [new Uint8Array(0), seed]) {
      const link = formatInvitationLink("https://meet.example:8443/room.html?x=1#old", { meetingSecret: ms, session, joinSeed });
      const [before, frag] = link.split("#");
      assert.equal(before, "https://meet.example:8443/room.html?x=1");
      assert.ok(!before!.includes(toHex(ms)));
      assert.match(frag!, /^m=[A-Za-z0-9_-]+$/);
      for (const form of [link, `#${frag}`, frag!, `${link}&name=J%C3%BCrgen`, `https://x/#name=a&${frag}`]) {
        const p = parseInvitationLink(form);
        assert.ok(p.ok, form);
        assert.equal(toHex(p.value.meetingSecret), toHex(ms));
        assert.equal(p.value.session, session);
        assert.equal(toHex(p.value.joinSeed), toHex(joinSeed));
        ++n;
      }
    }
  }
  const good = formatInvitationLink("https://h/", { meetingSecret: ms, session: 1n, joinSeed: new Uint8Array(0) });
  const val = good.split("#m=")[1]!;
  const hostile: [string, RegExp][] = [
    ["https://h/", /no meeting secret/], ["https://h/#name=x", /no meeting secret/], ["", /no meeting secret/],
    [`https://h/#m=${val}&m=${val}`, /more than one/], [`https://h/#m=${val}=`, /base64url/],
    [`https://h/#m=${val.slice(0, -1)}`, /base64url|bytes/], [`https://h/#m=${val}AAAA`, /bytes/],
    [`https://h/#m=${val.slice(0, 40)}`, /bytes/], ["https://h/#m=", /bytes/], [`https://h/#m=${"A".repeat(5000)}`, /too long/],
    [`https://h/#m=${val.replace(/.$/, "+")}`, /base64url/], ["#m=%41%41", /base64url/],
  ];
  for (const [link, why] of hostile) {
    const p = parseInvitationLink(link);
    assert.equal(p.ok, false, link);
    if (!p.ok) assert.match(p.error, why, link);
  }
  // Every single-character change of the encoded secrets is refused or names other secrets.
  for (let i = 0; i < val.length; ++i) {
    const c = val[i] === "A" ? "B" : "A";
    const p = parseInvitationLink(`#m=${val.slice(0, i)}${c}${val.slice(i + 1)}`);
    assert.ok(!p.ok || toHex(p.value.meetingSecret) !== toHex(ms) || p.value.session !== 1n);
  }
  assert.equal(parseInvitationLink(123 as unknown as string).ok, false);
  assert.throws(() => formatInvitationLink("https://h/", { meetingSecret: bytes(31, 0), session: 1n, joinSeed: new Uint8Array(0) }), RangeError);
  assert.throws(() => formatInvitationLink("https://h/", { meetingSecret: ms, session: 1n, joinSeed: bytes(5, 0) }), RangeError);
  reportCount(t, "room", "link_round_trips", n);
  reportCount(t, "room", "hostile_links", hostile.length + val.length);
});

test("distributor: the online member with the smallest join order, this participant counted online", () => {
  const m = (entries: [number, number, boolean][]): Map<number, MemberState> =>
    new Map(entries.map(([slot, seq, online]) => [slot, { joinSeq: BigInt(seq), online }]));
  assert.equal(chooseDistributor(m([]), 0), null);
  assert.equal(chooseDistributor(m([[0, 1, true], [1, 2, true], [2, 3, true]]), 2), 0);  // the host while it stays
  assert.equal(chooseDistributor(m([[0, 1, false], [1, 2, true], [2, 3, true]]), 2), 1);  // host offline: the next
  assert.equal(chooseDistributor(m([[5, 7, false], [1, 9, true]]), 5), 5);  // we count as online ourselves
  assert.equal(chooseDistributor(m([[3, 4, true], [1, 9, true], [7, 2, true]]), 1), 7);  // join order, not slot order
  // Every member computes the same answer from the same view (the server refuses the others' PostEpoch).
  for (let trial = 0; trial < 200; ++trial) {
    const view: [number, number, boolean][] = [];
    const seqs = new Set<number>();
    for (let s = 0; s < 6; ++s) {
      let seq = (trial * 7 + s * 13) % 50;
      while (seqs.has(seq)) ++seq;
      seqs.add(seq);
      view.push([s, seq, (trial >> s) % 3 !== 0]);
    }
    const online = view.filter(([, , o]) => o);
    const expected = online.length === 0 ? null : online.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    for (const [me, , on] of view) if (on) assert.equal(chooseDistributor(m(view), me), expected);
  }
});

test("events: delivered in order after the posting code ran, a throwing listener counted, unsubscribe works", async () => {
  const q = new EventQueue();
  const seen: string[] = [];
  const off = q.on("participantJoined", (e) => seen.push(`joined ${e.slot}`));
  q.on("trackSubscribed", (e) => seen.push(`track ${e.slot}`));
  q.on("epochChanged", () => {
    throw new Error("listener bug");
  });
  q.on("epochChanged", (e) => seen.push(`epoch ${e.epoch}`));
  q.post("participantJoined", { slot: 3, userId: new Uint8Array(32), name: "a" });
  q.post("trackSubscribed", { slot: 3, kind: 2, userId: null, name: null, verified: true });
  q.post("epochChanged", { epoch: 4n, securityCode: "x", members: [0, 3] });
  assert.deepEqual(seen, []);  // not inside the state change that posted them
  await Promise.resolve();
  assert.deepEqual(seen, ["joined 3", "track 3", "epoch 4"]);
  assert.equal(q.listenerErrors, 1);
  off();
  q.post("participantJoined", { slot: 4, userId: new Uint8Array(32), name: "b" });
  q.flush();
  assert.deepEqual(seen, ["joined 3", "track 3", "epoch 4"]);
});

test("mailbox put work: the counter found has the bits asked, and none before it", async () => {
  const w = await loadWasm();
  assert.equal(leadingZeroBits(Uint8Array.of(0, 0, 0x80)), 16);
  assert.equal(leadingZeroBits(Uint8Array.of(0x01)), 7);
  assert.equal(leadingZeroBits(new Uint8Array(4)), 32);
  const mailbox = bytes(32, 3), nonce = bytes(32, 4), blob = bytes(100, 5);
  for (const bits of [0, 4, 10]) {
    const work = solveMailboxPutWork(w, mailbox, blob, nonce, bits);
    const h = w.sha3_256(blob);
    assert.ok(leadingZeroBits(mailboxPutDigest(w, mailbox, h, nonce, work)) >= bits);
    for (let k = 0n; k < work; ++k) assert.ok(leadingZeroBits(mailboxPutDigest(w, mailbox, h, nonce, k)) < bits);
  }
  assert.throws(() => solveMailboxPutWork(w, mailbox, blob, nonce, 33), RangeError);
});

test("in-thread FrameCrypto: opens its own frames, refuses a relabelled slot, a tampered byte, a replay, and after close", async () => {
  const secret = bytes(32, 7);
  const tx = new InThreadFrameCrypto(), rx = new InThreadFrameCrypto();
  await tx.setSendEpoch(5, 3n, secret);
  await rx.addReceiveEpoch(3n, secret);
  const env = envelopeByte({ kind: MediaKind.Data, keyframe: false, layer: 0 });
  const f = await tx.protect(5, env, bytes(60, 1));
  const ok = await rx.unprotect(5, env, f);
  assert.ok(ok.ok && ok.epoch === 3n && toHex(ok.payload) === toHex(bytes(60, 1)));
  assert.deepEqual(await rx.unprotect(5, env, f), { ok: false, reason: "replayed" });
  const g = await tx.protect(5, env, bytes(60, 2));
  assert.equal((await rx.unprotect(6, env, g)).ok, false);  // the relay says another slot
  assert.equal((await rx.unprotect(5, envelopeByte({ kind: MediaKind.Audio, keyframe: false, layer: 0 }), g)).ok, false);
  const bad = g.slice();
  bad[bad.length - 1]! ^= 1;
  assert.deepEqual(await rx.unprotect(5, env, bad), { ok: false, reason: "auth-failed" });
  await assert.rejects(tx.protect(4, env, bytes(1, 0)));  // not its slot
  rx.close();
  assert.equal((await rx.unprotect(5, env, await tx.protect(5, env, bytes(3, 0)))).ok, false);
});
