// The benchmark page of web/scripts/bench-web.mjs (`make bench-web`), served by `v100 serve`.
//   #mode=crypto   times the module's ML-KEM-768, ML-DSA-65 and BFV roster calls and SFrame
//                  (suite 5, 1200-byte payloads) in this thread and through the Worker (FrameCrypto).
//   #mode=meet     one participant of a meeting on the server, through the SDK's Room (flow=room, the
//                  default: role=host is Room.create, role=join Room.join with the host's invitation
//                  link; the distributor keys the epochs) or through the live test's host flow
//                  (flow=host: host.ts keys every epoch, joiners join with the meeting secret and
//                  open their epoch keys, as joinMeeting below). Each page sends the
//                  fake camera (640x360, 30 fps) and microphone through MediaSession and SFrame in a
//                  Worker, decodes every other participant and records, per decoded picture, the
//                  wall clock after it was drawn minus the capture time its inner media header carries
//                  (capture_us: the sender's wall clock at capture; same machine, same clock).
// Results are in `window.v100Bench`. Timers: performance.now() is coarsened (100 us without
// cross-origin isolation), so each sample times a batch of calls lasting >= 10 ms.
import { fromHex, toHex } from "../../src/bytes.js";
import { BfvRoster } from "../../src/fhe.js";
import { InThreadFrameCrypto, WorkerFrameCrypto } from "../../src/frame_crypto.js";
import { openEpochKey } from "../../src/group.js";
import { Identity, type PublicIdentity } from "../../src/identity.js";
import { makeJoinProofEd25519 } from "../../src/join_proof.js";
import { type DecodedPicture, MediaSession, wallClockUs } from "../../src/media.js";
import { MediaKind, MemberEventKind, type Message, envelopeByte } from "../../src/protocol.js";
import { identityToken, openIdentityBlob, sealIdentityBlob, sealNameBlob } from "../../src/roster.js";
import { KeySchedule } from "../../src/schedule.js";
import { Transport } from "../../src/transport.js";
import { Room } from "../../src/room.js";
import { PqWasm } from "../../src/wasm.js";
import { HostedMeeting } from "../live/host.js";
import { PagePort } from "../live/page_port.js";
import { expect } from "../live/reply.js";

export interface BenchRow {
  name: string;
  /** The fastest batch: the figure least disturbed by other processes on a shared machine. */
  min_us: number;
  median_us: number;
  p95_us: number;
  samples: number;
  calls: number;
}
export interface MeetBench {
  role: "host" | "join";
  stage: "starting" | "hosting" | "joined" | "failed";
  slot?: number;
  secret?: string;
  link?: string;
  /** join only: ms from the start of the join (before the WebSocket) to each step. */
  joinMs?: { connected: number; accepted: number; epoch: number; firstRemotePicture: number };
  /** [wall clock ms, glass-to-glass ms, sender slot] per decoded picture. */
  g2g: [number, number, number][];
  pictures: Record<string, number>;
  sent: number;
  /** What this page's camera and microphone captured, skipped and sent (MediaSession.sendStats). */
  send: { kind: number; captured: number; encoderSkipped: number; sent: number }[];
  error?: string;
}
declare global {
  interface Window {
    v100Bench?: { done: boolean; rows?: BenchRow[]; userAgent?: string; error?: string } | MeetBench;
  }
}

const status = document.getElementById("status")!;
const say = (s: string): void => {
  status.textContent = s;
};

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Median and p95 of the per-call time (us) over `samples` batches of calls lasting >= minMs each. */
let quick = false;  // #quick=1: a smoke run of make test-web (3 short samples)

async function bench(name: string, call: (i: number) => unknown, fullSamples = 15, fullMinMs = 10): Promise<BenchRow> {
  const samples = quick ? 3 : fullSamples, minMs = quick ? 1 : fullMinMs;
  let i = 0;
  let batch = 1;
  for (;;) {  // calibrate the batch
    const t0 = performance.now();
    for (let k = 0; k < batch; ++k) await call(i++);
    if (performance.now() - t0 >= minMs) break;
    batch *= 2;
  }
  const per: number[] = [];
  for (let s = 0; s < samples; ++s) {
    const t0 = performance.now();
    for (let k = 0; k < batch; ++k) await call(i++);
    per.push(((performance.now() - t0) * 1000) / batch);
  }
  per.sort((a, b) => a - b);
  const row = { name, min_us: +per[0]!.toFixed(3), median_us: +quantile(per, 0.5).toFixed(3), p95_us: +quantile(per, 0.95).toFixed(3), samples,
                calls: i };
  say(`${name}: ${row.median_us} us`);
  return row;
}

async function cryptoBench(w: PqWasm): Promise<BenchRow[]> {
  const rnd = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
  const rows: BenchRow[] = [];
  const { ek, dk } = w.mlkemKeygen(3, rnd(32), rnd(32));
  const m = rnd(32);
  rows.push(await bench("mlkem768/encaps", () => w.mlkemEncaps(3, ek, m)));
  const { ct } = w.mlkemEncaps(3, ek, m);
  rows.push(await bench("mlkem768/decaps", () => w.mlkemDecaps(3, dk, ct)));
  const { pk, sk } = w.mldsaKeygen(65, rnd(32));
  const msg = rnd(64), ctx = new TextEncoder().encode("v100/bench"), zero = new Uint8Array(32);
  rows.push(await bench("mldsa65/sign", () => w.mldsaSign(65, sk, msg, ctx, zero)));
  const sig = w.mldsaSign(65, sk, msg, ctx, zero);
  rows.push(await bench("mldsa65/verify", () => {
    if (!w.mldsaVerify(65, pk, msg, ctx, sig)) throw new Error("ML-DSA-65 signature does not verify");
  }));
  const bfv = BfvRoster.create(w, rnd(32));
  const token = identityToken(w, rnd(32));
  rows.push(await bench("bfv_roster/encrypt", () => bfv.encryptToken(5, token, rnd(32)), 9));
  const rct = await bfv.encryptToken(5, token, rnd(32));
  rows.push(await bench("bfv_roster/decrypt", async () => {
    const r = await bfv.decryptBlock([rct]);
    if (!r.ok || r.value[5 * 128] !== token[0]) throw new Error("BFV roster block does not decrypt to the token");
  }, 9));
  bfv.free();

  // SFrame (suite 5, AES-256-GCM via WebCrypto): 1200-byte payloads, one epoch.
  const secret = rnd(32), payload = rnd(1200), env = envelopeByte({ kind: MediaKind.Video, keyframe: false, layer: 0 });
  for (const [label, fc] of [["sframe/", new InThreadFrameCrypto()],
                             ["sframe_worker/", WorkerFrameCrypto.start("sframe_worker.js")]] as const) {
    await fc.setSendEpoch(3, 1n, secret);
    await fc.addReceiveEpoch(1n, secret);
    const frames: Uint8Array[] = [];
    rows.push(await bench(`${label}protect_1200`, async () => frames.push(await fc.protect(3, env, payload))));
    // Each frame opens once (the replay window refuses a second time): unprotect the ones made above.
    let next = 0;
    rows.push(await bench(`${label}unprotect_1200`, async () => {
      if (next === frames.length) frames.push(await fc.protect(3, env, payload));  // (rare: more calls than protects)
      const r = await fc.unprotect(3, env, frames[next++]!);
      if (!r.ok) throw new Error(`SFrame frame does not open: ${r.reason}`);
    }));
    fc.close();
  }
  return rows;
}

// ---- meeting ----

/** Joins the meeting of `secret` (session 1) as a new identity: the steps of Room.join in room.ts. */
async function joinMeeting(w: PqWasm, secret: Uint8Array, name: string, state: MeetBench,
                           start: number): Promise<{ t: Transport; port: PagePort }> {
  const ks = KeySchedule.fromSecret(secret);
  const session = 1n;
  const handle = await ks.handle(session), joinSeed = await ks.joinKey(session), rosterKey = await ks.rosterKey(session);
  const me = await Identity.generate(w);  // a person's identity exists before the join (IndexedDB)
  const c = await Transport.connect(`wss://${location.host}/v100`);
  if (!c.ok) throw new Error(c.error);
  const t = c.value.t;
  const connected = performance.now() - start;
  const pushes: Message[] = [];
  t.onPush = (m) => void pushes.push(m);
  const ch = expect(await t.call({ type: "JoinChallengeRequest", handle }), "JoinChallenge", "JoinChallengeRequest");
  const proof = await makeJoinProofEd25519(joinSeed, handle, ch.nonce);
  if (!proof.ok) throw new Error(proof.error);
  const acc = expect(await t.call({ type: "JoinProve", handle, nonce: ch.nonce, proof: proof.value, reclaim: null }),
                     "JoinAccepted", "JoinProve");
  const slot = acc.slot;
  state.slot = slot;
  expect(await t.call({ type: "PutKeyBlob", kind: 0x8000 | slot,
                        blob: await sealIdentityBlob(me, rosterKey, handle, slot, acc.joinSeq, name) }), "Ack", "PutKeyBlob");
  const bfv = BfvRoster.create(w, await ks.bfvSeed());
  const ct = await bfv.encryptToken(slot, identityToken(w, me.userId), crypto.getRandomValues(new Uint8Array(32)));
  bfv.free();
  expect(await t.call({ type: "PutRoster", slot, rosterCt: new Uint8Array(ct),
                        nameBlob: await sealNameBlob(rosterKey, handle, slot, name, me.userId) }), "Ack", "PutRoster");
  expect(await t.call({ type: "Subscribe", mode: 1, slots: [] }), "Ack", "Subscribe");
  const accepted = performance.now() - start;
  // The members already in: their identity blobs (the distributor's signs the epoch keys).
  const ids = new Map<number, PublicIdentity>(), userIds = new Map<number, Uint8Array>();
  const learn = async (s: number, seq: bigint): Promise<void> => {
    const kb = expect(await t.call({ type: "GetKeyBlob", kind: 0x8000 | s }), "KeyBlob", "GetKeyBlob");
    const e = await openIdentityBlob(w, rosterKey, handle, s, seq, kb.blob);
    if (!e.ok) throw new Error(`identity blob of slot ${s}: ${e.error}`);
    ids.set(s, e.value.identity);
    userIds.set(s, e.value.userId);
  };
  for (const mi of acc.members) if (mi.slot !== slot) await learn(mi.slot, mi.joinSeq);
  userIds.set(slot, me.userId);
  const fc = WorkerFrameCrypto.start("sframe_worker.js");
  const port = new PagePort(slot, t, fc, userIds);
  let epochAt = 0;
  // Pushes in order, one at a time: epoch keys, members who join later, relayed media.
  void (async () => {
    for (;;) {
      const m = pushes.shift();
      if (m === undefined) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      if (m.type === "MediaFrame") port.receive(m);
      else if (m.type === "MediaBundle") for (const f of m.frames) port.receive(f);
      else if (m.type === "MemberEvent" && m.kind === MemberEventKind.Joined && m.slot !== slot) await learn(m.slot, m.joinSeq);
      else if (m.type === "EpochKey") {
        const from = ids.get(m.fromSlot);
        if (from === undefined) throw new Error(`epoch key from slot ${m.fromSlot}, whose identity is unknown`);
        const r = await openEpochKey(w, me, slot, from, ks, session, handle, m);
        if (!r.ok) throw new Error(`epoch key: ${r.error}`);
        await port.installEpoch(r.value.header.epoch, r.value.epochSecret);
        r.value.epochSecret.fill(0);
        if (epochAt === 0) epochAt = performance.now() - start;
      }
    }
  })().catch((e: unknown) => {
    state.stage = "failed";
    state.error = String(e);
  });
  state.joinMs = { connected, accepted, epoch: 0, firstRemotePicture: 0 };
  const timer = setInterval(() => {
    if (epochAt !== 0 && state.joinMs !== undefined) {
      state.joinMs.epoch = epochAt;
      clearInterval(timer);
    }
  }, 5);
  return { t, port };
}

async function meet(w: PqWasm, params: URLSearchParams): Promise<void> {
  const role = params.get("role") === "host" ? "host" : "join";
  const state: MeetBench = { role, stage: "starting", g2g: [], pictures: {}, sent: 0, send: [] };
  window.v100Bench = state;
  const members = Number(params.get("members") ?? "4");
  // The camera and microphone are opened before the join, as a page's preview does.
  const cam = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 360, frameRate: 30 },
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
  });
  let start = 0;
  const tiles = new Map<number, CanvasRenderingContext2D>();
  const onPicture = (p: DecodedPicture): void => {
    try {
      let ctx = tiles.get(p.slot);
      if (ctx === undefined) {
        const canvas = document.createElement("canvas");
        canvas.width = 320;
        canvas.height = 180;
        document.getElementById("tiles")!.append(canvas);
        ctx = canvas.getContext("2d")!;
        tiles.set(p.slot, ctx);
      }
      ctx.drawImage(p.frame, 0, 0, 320, 180);
      const now = wallClockUs();
      state.g2g.push([Number(now / 1000n), Number(now - p.captureUs) / 1000, p.slot]);
      state.pictures[p.slot] = (state.pictures[p.slot] ?? 0) + 1;
      if (state.joinMs !== undefined && state.joinMs.firstRemotePicture === 0)
        state.joinMs.firstRemotePicture = performance.now() - start;
    } finally {
      p.frame.close();
    }
  };
  let port: PagePort | Room;
  let drain: () => Promise<void>;
  const url = `wss://${location.host}/v100`;
  if (params.get("flow") !== "host") {
    // The SDK's Room: the identity exists before the join (a person's, from IndexedDB).
    const identity = await Identity.generate(w);
    const crypto = WorkerFrameCrypto.start("sframe_worker.js");
    let room: Room;
    if (role === "host") {
      const made = await Room.create({ url, wasm: w, identity, name: "host", crypto, title: "bench",
                                       pageUrl: `${location.origin}/` });
      room = made.room;
      state.link = made.link;
      state.stage = "hosting";
    } else {
      start = performance.now();
      const joinMs = { connected: 0, accepted: 0, epoch: 0, firstRemotePicture: 0 };
      state.joinMs = joinMs;
      room = await Room.connect({ url, wasm: w, identity, name: `member ${params.get("n") ?? ""}`, crypto });
      joinMs.connected = performance.now() - start;
      room.on("epochChanged", () => {
        if (joinMs.epoch === 0) joinMs.epoch = performance.now() - start;
      });
      await room.joinLink(params.get("link") ?? "");
      joinMs.accepted = performance.now() - start;
      state.stage = "joined";
    }
    state.slot = room.slot;
    port = room;
    drain = () => new Promise<void>(() => undefined);
  } else if (role === "host") {
    const c = await Transport.connect(url);
    if (!c.ok) throw new Error(c.error);
    const host = await HostedMeeting.create(w, c.value.t, "bench", "host");
    state.slot = host.slot;
    const hostPort = new PagePort(host.slot, c.value.t, WorkerFrameCrypto.start("sframe_worker.js"), host.memberIds);
    port = hostPort;
    const install = async (): Promise<void> => {
      const { epoch, secret } = await host.keyEpoch();
      await hostPort.installEpoch(epoch, secret);
      secret.fill(0);
    };
    await install();
    state.secret = toHex(host.ks.secret());
    state.stage = "hosting";
    const relay = (m: Message): void => {
      if (m.type === "MediaFrame") hostPort.receive(m);
      if (m.type === "MediaBundle") for (const f of m.frames) hostPort.receive(f);
    };
    drain = async () => {
      // Every member who joins gets a new epoch (keyed here); then media.
      for (let n = 1; n < members; ++n) {
        await host.waitForMember(null, 120_000, relay);
        await install();
      }
      for (;;) {
        const m = await host.nextPush();
        if (m !== undefined) relay(m);
      }
    };
  } else {
    start = performance.now();
    const j = await joinMeeting(w, fromHex(params.get("secret") ?? ""), `member ${params.get("n") ?? ""}`, state, start);
    port = j.port;
    state.stage = "joined";
    drain = () => new Promise<void>(() => undefined);
  }
  const media = new MediaSession(port, { onPicture, playout: false });
  await media.addTrack(cam.getVideoTracks()[0]!, MediaKind.Video);
  await media.addTrack(cam.getAudioTracks()[0]!, MediaKind.Audio);
  setInterval(() => {
    state.sent = port instanceof Room ? port.stats().framesSent : port.sent;
    state.send = media.sendStats().map(({ kind, captured, encoderSkipped, sent }) => ({ kind, captured, encoderSkipped, sent }));
    say(`${state.role} slot ${state.slot}: ${Object.entries(state.pictures).map(([s, n]) => `${n} pictures of slot ${s}`).join(", ")}`);
  }, 250);
  await drain();
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const w = await PqWasm.load(await (await fetch("v100.wasm")).arrayBuffer());
  if (params.get("mode") === "meet") return meet(w, params);
  quick = params.get("quick") === "1";
  const rows = await cryptoBench(w);
  window.v100Bench = { done: true, rows, userAgent: navigator.userAgent };
  say(`done: ${rows.length} rows`);
}

main().catch((e: unknown) => {
  say(`FAILED: ${String(e)}`);
  const prev = window.v100Bench;
  if (prev !== undefined && "role" in prev) {
    prev.stage = "failed";
    prev.error = String(e);
  } else {
    window.v100Bench = { done: true, error: String(e) };
  }
});
