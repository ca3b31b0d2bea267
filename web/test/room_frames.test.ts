// The Room's frame path (src/room_frames.ts) with real SFrame (InThreadFrameCrypto) and a stand-in
// for the Room's state: frames wait for their epoch key and for their sender's identity check, in
// order per sender; a sender never checked is handed over unverified only after the hold-back;
// keyframe requests are answered, not handed over; own-slot, tampered and post-reset frames never are.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Bytes, concat, u64le } from "../src/bytes.js";
import { InThreadFrameCrypto } from "../src/frame_crypto.js";
import type { IncomingFrame } from "../src/media_port.js";
import { type MediaKindCode, MediaKind, envelopeByte } from "../src/protocol.js";
import { EventQueue, type RoomEvents } from "../src/room_events.js";
import { type FrameStats, FrameInbox, type InboxHost } from "../src/room_frames.js";
import type { IdentityEntry } from "../src/roster.js";

const kData = envelopeByte({ kind: MediaKind.Data, keyframe: false, layer: 0 });
const kControl = envelopeByte({ kind: MediaKind.Control, keyframe: false, layer: 0 });
const settle = (ms = 40): Promise<void> => new Promise((r) => setTimeout(r, ms));
// Waits until `done()` holds (the frame path's WebCrypto work finishes when the machine allows), at
// most `ms`; the assertions that follow decide the outcome, so a timeout fails there, not here.
async function until(done: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await settle(5);
}

function setup(holdBackMs = 3000) {
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i + 1) as Bytes;
  const ids = new Map<number, IdentityEntry | null>();
  const handed: IncomingFrame[] = [], asked: [number, MediaKindCode][] = [];
  let checks = 0;
  const host = {
    inMeeting: true as boolean, mySlot: 0, installedEpoch: 0n,
    senderOf: (slot: number) => ids.get(slot) ?? null,
    checkIdentities: () => { ++checks; },
    handFrame: (f: IncomingFrame) => { handed.push(f); },
    keyframeRequested: (from: number, kind: MediaKindCode) => { asked.push([from, kind]); },
  } satisfies InboxHost;
  const rx = new InThreadFrameCrypto(), events = new EventQueue();
  const tracks: RoomEvents["trackSubscribed"][] = [];
  events.on("trackSubscribed", (e) => tracks.push(e));
  const st: FrameStats = { framesReceived: 0, framesUndecryptable: 0, framesHeldBack: 0, framesIdentityWait: 0,
                           framesUnchecked: 0, keyframeRequestsReceived: 0 };
  const inbox = new FrameInbox(host, rx, events, st, holdBackMs);
  const senders = new Map<number, InThreadFrameCrypto>();
  const frame = async (slot: number, seq: number, env = kData, payload?: Uint8Array): Promise<Bytes> => {
    let tx = senders.get(slot);
    if (tx === undefined) {
      senders.set(slot, (tx = new InThreadFrameCrypto()));
      await tx.setSendEpoch(slot, 1n, secret);
    }
    return (await tx.protect(slot, env, payload ?? concat(Uint8Array.of(slot), u64le(BigInt(seq))))) as Bytes;
  };
  const install = async (): Promise<void> => {
    await rx.addReceiveEpoch(1n, secret);
    host.installedEpoch = 1n;
    inbox.epochInstalled(1n);
  };
  const who = (slot: number): IdentityEntry => ({ userId: new Uint8Array(32).fill(slot), displayName: `member ${slot}` }) as IdentityEntry;
  return { host, ids, handed, asked, inbox, st, events, tracks, frame, install, who, checks: () => checks };
}

const seqs = (fs: IncomingFrame[], slot: number): number[] =>
  fs.filter((f) => f.slot === slot).map((f) => Number(new DataView(f.payload.buffer, f.payload.byteOffset + 1).getBigUint64(0, true)));

test("frames ahead of their epoch key wait for it and go through in arrival order", async () => {
  const t = setup();
  t.ids.set(3, t.who(3));
  for (let i = 0; i < 5; ++i) t.inbox.relayed(3, kData, await t.frame(3, i));
  await settle();
  assert.equal(t.handed.length, 0);
  assert.equal(t.st.framesHeldBack, 5);
  await t.install();
  t.inbox.relayed(3, kData, await t.frame(3, 5));
  await settle();
  assert.deepEqual(seqs(t.handed, 3), [0, 1, 2, 3, 4, 5]);
  assert.ok(t.handed.every((f) => f.verified && f.userId?.[0] === 3));
  t.events.flush();
  assert.equal(t.tracks.length, 1);  // one track per (slot, kind)
});

test("frames of an unchecked sender wait for the check, in order, while others pass", async () => {
  const t = setup();
  await t.install();
  t.ids.set(5, t.who(5));
  for (let i = 0; i < 3; ++i) t.inbox.relayed(3, kData, await t.frame(3, i));
  t.inbox.relayed(5, kData, await t.frame(5, 0));
  t.inbox.relayed(3, kData, await t.frame(3, 3));
  await settle();
  assert.deepEqual(seqs(t.handed, 3), []);
  assert.deepEqual(seqs(t.handed, 5), [0]);
  assert.equal(t.checks(), 1);  // asked once for slot 3
  assert.deepEqual(t.inbox.wanted(), [3]);
  await t.inbox.releaseChecked();  // still unchecked, within the hold-back: nothing moves
  assert.deepEqual(seqs(t.handed, 3), []);
  t.ids.set(3, t.who(3));
  t.inbox.relayed(3, kData, await t.frame(3, 4));  // behind the waiting ones
  await t.inbox.releaseChecked();
  await settle();
  assert.deepEqual(seqs(t.handed, 3), [0, 1, 2, 3, 4]);
  assert.ok(t.handed.every((f) => f.verified));
  assert.equal(t.st.framesUnchecked, 0);
  assert.deepEqual(t.inbox.wanted(), []);
});

test("a sender never checked is handed over unverified, only after the hold-back", async () => {
  const t = setup(60);
  await t.install();
  for (let i = 0; i < 3; ++i) t.inbox.relayed(7, kData, await t.frame(7, i));
  await settle();
  await t.inbox.releaseChecked();
  assert.equal(t.handed.length, 0);
  await settle(80);
  await t.inbox.releaseChecked();
  assert.deepEqual(seqs(t.handed, 7), [0, 1, 2]);
  assert.ok(t.handed.every((f) => !f.verified && f.userId === undefined));
  assert.equal(t.st.framesUnchecked, 3);
  t.events.flush();
  assert.equal(t.tracks[0]?.verified, false);
});

test("keyframe requests are answered, not handed over; own-slot, tampered and relabelled frames are refused", async () => {
  const t = setup();
  await t.install();
  t.ids.set(3, t.who(3));
  t.inbox.relayed(3, kControl, await t.frame(3, 0, kControl, Uint8Array.of(1, 0, 0, MediaKind.Video)));  // to us (slot 0)
  t.inbox.relayed(3, kControl, await t.frame(3, 0, kControl, Uint8Array.of(1, 9, 0, MediaKind.Video)));  // to slot 9
  t.inbox.relayed(3, kControl, await t.frame(3, 0, kControl, Uint8Array.of(1, 0, 0, MediaKind.Audio)));  // audio: no keyframes
  const own = await t.frame(0, 1);
  t.inbox.relayed(0, kData, own);  // claims our own slot (a relay's replay or relabel)
  const flipped = await t.frame(3, 2);
  flipped[flipped.length - 1]! ^= 1;
  t.inbox.relayed(3, kData, flipped);
  t.inbox.relayed(4, kData, await t.frame(3, 3));  // relabelled: slot 3's frame said to be slot 4's
  t.inbox.relayed(3, envelopeByte({ kind: MediaKind.Audio, keyframe: false, layer: 0 }), await t.frame(3, 4));  // kind rewritten
  const good = await t.frame(3, 5);
  t.inbox.relayed(3, kData, good);
  t.inbox.relayed(3, kData, good);  // replayed
  t.inbox.relayed(3, kData, Uint8Array.of(0xff) as Bytes);  // not an SFrame
  await until(() => t.st.framesUndecryptable >= 6 && t.handed.length >= 1 && t.asked.length >= 1);
  await settle();  // anything more (a second request, a forged frame) would show now
  assert.deepEqual(t.asked, [[3, MediaKind.Video]]);
  assert.equal(t.st.keyframeRequestsReceived, 1);
  assert.deepEqual(seqs(t.handed, 3), [5]);
  assert.equal(t.st.framesUndecryptable, 6);
});

test("nothing is handed over after the meeting ends: waiting frames are dropped and counted", async () => {
  const t = setup();
  await t.install();
  for (let i = 0; i < 2; ++i) t.inbox.relayed(3, kData, await t.frame(3, i));  // unchecked: waiting
  await settle();
  t.host.inMeeting = false;
  t.inbox.reset();
  t.ids.set(3, t.who(3));
  await t.inbox.releaseChecked();
  t.inbox.relayed(3, kData, await t.frame(3, 2));
  await settle();
  assert.equal(t.handed.length, 0);
  assert.equal(t.st.framesUndecryptable, 2);
});
