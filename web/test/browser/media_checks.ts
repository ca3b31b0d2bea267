// The chromium check page's media rows (page.ts): MediaSession (src/media.ts) end to end through the
// browser's WebCodecs between two sessions joined by an in-page port (no relay, no SFrame: the
// live test has both), the receiver's handling of hostile and out-of-order frames, and SFrame in a
// real Worker (WorkerFrameCrypto) against the C++ frames of v100_web_ref sframe.
import { fromHex, toHex } from "../../src/bytes.js";
import { WorkerFrameCrypto } from "../../src/frame_crypto.js";
import { type DecodedPicture, MediaSession } from "../../src/media.js";
import { encodeMediaPayload, kCodecOpus, kCodecVp8 } from "../../src/media_header.js";
import type { IncomingFrame, MediaPort, OutgoingFrame } from "../../src/media_port.js";
import { MediaKind, type MediaKindCode } from "../../src/protocol.js";
import type { PqWasm } from "../../src/wasm.js";

type Row = <T>(group: string, check: string, expected: number, items: readonly T[],
               body: (item: T) => void | Promise<void>) => Promise<void>;

function eq(got: unknown, want: unknown, what: string): void {
  if (got !== want) throw new Error(`${what}: got ${String(got).slice(0, 48)}, want ${String(want).slice(0, 48)}`);
}

/** Two ports joined back to back: what one sends, the other receives from its slot. */
class LoopPort implements MediaPort {
  onFrame: ((f: IncomingFrame) => void) | null = null;
  onKeyframeRequest: ((fromSlot: number, kind: MediaKindCode) => void) | null = null;
  onEpoch: ((epoch: bigint) => void) | null = null;
  peer: LoopPort | null = null;
  readonly asked: { slot: number; kind: MediaKindCode }[] = [];
  readonly sentFrames: OutgoingFrame[] = [];
  constructor(readonly slot: number) {}
  async send(f: OutgoingFrame): Promise<boolean> {
    this.sentFrames.push(f);
    this.peer?.onFrame?.({ slot: this.slot, kind: f.kind, keyframe: f.keyframe, layer: 0, epoch: 1n,
                           payload: f.payload, verified: true });
    return true;
  }
  async requestKeyframe(slot: number, kind: MediaKindCode): Promise<boolean> {
    this.asked.push({ slot, kind });
    if (this.peer?.slot === slot) this.peer.onKeyframeRequest?.(this.slot, kind);
    return true;
  }
}

const until = async (cond: () => boolean, ms: number): Promise<void> => {
  const end = performance.now() + ms;
  while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
};

interface RefSFrame {
  epochs: { epoch: number; epoch_secret: string;
            senders: { slot: number; frames: { envelope: number; payload: string; frame: string }[] }[] }[];
}

export async function mediaChecks(w: PqWasm, row: Row, ref: RefSFrame): Promise<void> {
  // ---- A sends pattern pictures and a tone; B decodes and reads them with the module's codec code.
  const W = 640, H = 360, sender = 7;
  let clock = 0;
  const a = new LoopPort(sender), b = new LoopPort(3);
  a.peer = b;
  b.peer = a;
  const got: { info: ReturnType<PqWasm["readTestPattern"]>; keyframe: boolean }[] = [];
  const pcm: number[] = [];
  const txs = new MediaSession(a, { now: () => clock });
  // The playout goes to a MediaStream destination whose track is read back: what the jitter buffer
  // actually played.
  const actx = new AudioContext({ sampleRate: 48000 });
  await actx.resume();
  const dest = actx.createMediaStreamDestination();
  const played: number[] = [];
  const playedReader = new MediaStreamTrackProcessor({ track: dest.stream.getAudioTracks()[0]! }).readable.getReader();
  let playing = true, delivered = 0;
  const playedLoop = (async () => {
    while (playing) {
      const { value, done } = await playedReader.read();
      if (done) return;
      const d = value as AudioData;
      const x = new Float32Array(d.numberOfFrames);
      delivered += d.numberOfFrames;
      d.copyTo(x, { planeIndex: 0, format: "f32-planar" });
      d.close();
      for (const v of x) if (played.length > 0 || Math.abs(v) > 0.01) played.push(Math.round(v * 32767));
    }
  })();
  const rxs = new MediaSession(b, {
    now: () => clock,
    playout: true,
    audioContext: actx,
    playoutDestination: dest,
    onPicture: (p: DecodedPicture) => {
      const buf = new Uint8Array(p.frame.allocationSize());
      // Synchronous enough for a check: the copy is awaited in order below.
      pending.push(p.frame.copyTo(buf).then((layout) => {
        const y = new Uint8Array(W * H), l = layout[0]!;
        for (let r = 0; r < H; ++r) y.set(buf.subarray(l.offset + r * l.stride, l.offset + r * l.stride + W), r * W);
        const c = new Uint8Array((W / 2) * (H / 2)).fill(128);
        got.push({ info: w.readTestPattern(y, c, c, W, H), keyframe: p.keyframe });
        p.frame.close();
      }));
    },
    onAudio: (x) => {
      for (const s of x.pcm) pcm.push(Math.round(s * 32767));
    },
  });
  const pending: Promise<void>[] = [];
  const frames = 45;
  for (let f = 0; f < frames; ++f) {
    const pic = w.renderTestPattern(sender, f, W, H);
    const data = new Uint8Array(pic.y.length + pic.u.length + pic.v.length);
    data.set(pic.y);
    data.set(pic.u, pic.y.length);
    data.set(pic.v, pic.y.length + pic.u.length);
    if (f === 20) a.onEpoch?.(2n);  // a new epoch: the next picture is a keyframe
    if (f === 30) void b.requestKeyframe(sender, MediaKind.Video);  // the receiver asks: A answers with a keyframe
    txs.sendPicture(new VideoFrame(data, { format: "I420", codedWidth: W, codedHeight: H, timestamp: f * 33_333 }),
                    MediaKind.Video);
    clock += 34;
    await new Promise((r) => setTimeout(r, 15));  // the encoder keeps up (its queue is bounded)
  }
  const tone = w.toneFrequency(sender);
  for (let i = 0; i < 50; ++i) {  // 1 s of the sender's tone in 20 ms chunks
    const chunk = new Float32Array(960).map((_, k) => 0.3 * Math.sin((2 * Math.PI * tone * (i * 960 + k)) / 48000));
    txs.sendAudio(new AudioData({ format: "f32-planar", sampleRate: 48000, numberOfFrames: 960, numberOfChannels: 1,
                                  timestamp: i * 20_000, data: chunk }));
    await new Promise((r) => setTimeout(r, 20));  // a microphone's pace (a burst would overflow the decoder queue)
  }
  await until(() => got.length >= txs.sendStats().find((s) => s.kind === MediaKind.Video)!.sent && pcm.length >= 40 * 960, 5000);
  await Promise.all(pending);
  const sent = txs.sendStats().find((s) => s.kind === MediaKind.Video)!;
  await row("media", "MediaSession VP8 loopback: every decoded picture reads sender 7, frames rising", 1, [0], () => {
    if (sent.sent < frames * 0.8) throw new Error(`only ${sent.sent} of ${frames} pictures sent (${sent.encoderSkipped} skipped)`);
    eq(got.length, sent.sent, "pictures decoded");
    let last = -1;
    for (const g of got) {
      if (g.info === null) throw new Error("a decoded picture without a readable pattern");
      eq(g.info.sender, sender, "sender");
      if (g.info.frame <= last) throw new Error(`frame ${g.info.frame} after ${last}`);
      last = g.info.frame;
    }
  });
  await row("media", "keyframes: first picture, on epoch, on request (sender and receiver agree)", 1, [0], () => {
    eq(sent.keyframesOnEpoch, 1, "keyframes on epoch");
    eq(sent.keyframesOnRequest, 1, "keyframes on request");
    eq(got[0]?.keyframe, true, "first decoded picture is a keyframe");
    const keys = got.filter((g) => g.keyframe).map((g) => g.info?.frame);
    if (!keys.includes(20) || !keys.includes(30)) throw new Error(`keyframes at frames ${keys.join(",")}`);
    eq(sent.keyframes, got.filter((g) => g.keyframe).length, "keyframes sent == keyframes decoded");
  });
  await row("media", "Opus loopback: the tone's peak at the sender's frequency (module's codec/tone)", 1, [0], () => {
    const f = w.dominantFrequency(Int16Array.from(pcm.slice(-24000)));
    if (Math.abs(f - tone) > 10) throw new Error(`${f.toFixed(1)} Hz, sent ${tone} Hz`);
  });
  const t0 = performance.now(), c0 = actx.currentTime, d0 = delivered;
  // The destination's track delivers while something plays: wait until the played sound stops growing.
  for (let last = -1, end = performance.now() + 4000; performance.now() < end && played.length !== last;) {
    last = played.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  const diag = `ctx ${((actx.currentTime - c0) * 1000).toFixed(0)} ms in ${(performance.now() - t0).toFixed(0)} ms, state ${actx.state}, ${delivered - d0} samples delivered meanwhile`;
  playing = false;
  void playedReader.cancel();
  await playedLoop.catch(() => undefined);
  const ps = rxs.playoutStats().find((p) => p.slot === sender);
  await row("media", "WebAudio playout (jitter buffer): what was played has the tone's peak", 1, [0], () => {
    // Every decoded packet is scheduled (the encoder may still hold the last few of the 50 sent).
    const decoded = rxs.receiveStats().find((x) => x.slot === sender && x.kind === MediaKind.Audio)?.decoded ?? -1;
    if (ps === undefined || ps.scheduled < 25 || ps.scheduled !== decoded)
      throw new Error(`${ps?.scheduled ?? 0} packets scheduled, ${decoded} decoded`);
    if (played.length < 0.8 * ps.scheduled * 960)
      throw new Error(`only ${played.length} samples played (${ps.scheduled} scheduled, ${ps.restarts} restarts, ${diag})`);
    const f = w.dominantFrequency(Int16Array.from(played.slice(0, 24000)));
    const audio = rxs.receiveStats().find((x) => x.slot === sender && x.kind === MediaKind.Audio);
    if (audio === undefined || audio.dropped["queue-full"] !== 0 || audio.decoded < 45)
      throw new Error(`audio decoded ${audio?.decoded}, dropped ${JSON.stringify(audio?.dropped)}`);
    if (Math.abs(f - tone) > 10) throw new Error(`played ${f.toFixed(1)} Hz, sent ${tone} Hz`);
  });
  void actx.close();

  // ---- B's receiver against hostile and out-of-order frames (from slot 9, fake clock).
  clock = 100_000;
  const feed = (kind: MediaKindCode, payload: Uint8Array): void =>
    b.onFrame?.({ slot: 9, kind, keyframe: false, layer: 0, epoch: 1n, payload, verified: true });
  const vp8 = (seq: number, key: boolean, bytes = 40): Uint8Array => {
    const body = crypto.getRandomValues(new Uint8Array(bytes));
    body[0] = key ? body[0]! & 0xfe : body[0]! | 0x01;
    return encodeMediaPayload({ codec: kCodecVp8, seq, captureUs: 1n }, body);
  };
  const asked0 = b.asked.length;
  feed(MediaKind.Video, Uint8Array.of(1, 2, 3));                                    // malformed
  feed(MediaKind.Video, encodeMediaPayload({ codec: kCodecOpus, seq: 0, captureUs: 0n }, Uint8Array.of(1)));  // wrong codec
  feed(MediaKind.Video, vp8(1, false));                                             // late join: a delta first
  feed(MediaKind.Video, vp8(2, false));                                             // again, within the second
  const askedWithin = b.asked.length - asked0;
  clock += 1001;
  feed(MediaKind.Video, vp8(3, false));                                             // a second later: asks again
  const askedAfter = b.asked.length - asked0;
  feed(MediaKind.Video, vp8(4, true, 60));                                          // a "keyframe" of garbage
  feed(MediaKind.Audio, crypto.getRandomValues(new Uint8Array(8)));                 // malformed audio
  feed(MediaKind.Audio, encodeMediaPayload({ codec: kCodecVp8, seq: 0, captureUs: 0n }, Uint8Array.of(1)));
  await until(() => (rxs.receiveStats().find((s) => s.slot === 9 && s.kind === MediaKind.Video)?.dropped["decode-error"] ?? 0) > 0, 2000);
  const v9 = rxs.receiveStats().find((s) => s.slot === 9 && s.kind === MediaKind.Video);
  const a9 = rxs.receiveStats().find((s) => s.slot === 9 && s.kind === MediaKind.Audio);
  await row("media", "receiver: malformed, wrong codec, deltas without a reference, decode error: dropped and counted; keyframe asked at most once a second", 1, [0], () => {
    if (v9 === undefined || a9 === undefined) throw new Error("no stats for slot 9");
    eq(v9.received, 6, "video received");
    eq(v9.dropped.malformed, 1, "malformed");
    eq(v9.dropped["wrong-codec"], 1, "wrong codec");
    eq(v9.dropped["waiting-keyframe"], 3, "deltas waiting for a keyframe");
    eq(v9.dropped["decode-error"], 1, "decode error");
    eq(v9.decoded, 0, "decoded");
    eq(askedWithin, 1, "requests within one second");
    eq(askedAfter, 2, "requests after a second");
    eq(b.asked.slice(asked0).every((x) => x.slot === 9 && x.kind === MediaKind.Video), true, "requests name the stream");
    eq(a9.dropped.malformed + a9.dropped["wrong-codec"], 2, "audio refused");
  });
  txs.close();
  rxs.close();

  // ---- SFrame in a real Worker: the C++ frames open, replays refused.
  const fc = WorkerFrameCrypto.start("sframe_worker.js");
  const items = ref.epochs.flatMap((e) => e.senders.flatMap((s) => s.frames.map((f) => ({ e, s, f }))));
  let installed = -1;
  await row("media", "SFrame in a Worker: C++ frames open (key ring per epoch), replays refused", 45, items,
            async ({ e, s, f }) => {
    if (installed !== e.epoch) {
      await fc.addReceiveEpoch(BigInt(e.epoch), fromHex(e.epoch_secret));
      installed = e.epoch;
    }
    const r = await fc.unprotect(s.slot, f.envelope, fromHex(f.frame));
    if (!r.ok) throw new Error(r.reason);
    eq(toHex(r.payload), f.payload, "payload");
    const again = await fc.unprotect(s.slot, f.envelope, fromHex(f.frame));
    eq(again.ok ? "opened" : again.reason, "replayed", "replay");
  });
  fc.close();
}
