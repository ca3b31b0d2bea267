// The media page of the live test (web/scripts/live-test.mjs): the browser hosts a meeting on
// `v100 serve` (host.ts), invites a native identity, keys the epoch for both as the distributor and,
// once `v100 join --media test-pattern` is in, sends real media through MediaSession (src/media.ts):
// the camera and microphone of Chromium's fake devices (a Y4M of this slot's test pattern and a WAV
// of this slot's tone, made by `v100 capture-files`) and a screen share (getDisplayMedia) as a track
// of its own; SFrame runs in a Worker (WorkerFrameCrypto). It decodes the native participant's
// video and audio and checks each decoded picture with the module's copy of codec/test_pattern
// (sender = the native slot, frame numbers rising) and the sound's spectral peak with codec/tone.
// The results are in `window.v100Meet`; the decoded pictures are drawn into tiles.
import { toHex } from "../../src/bytes.js";
import { WorkerFrameCrypto } from "../../src/frame_crypto.js";
import { parsePublicIdentityText } from "../../src/identity.js";
import { type DecodedAudio, type DecodedPicture, MediaSession, type PlayoutStats, type SendStats,
         type StreamStats } from "../../src/media.js";
import { MediaKind } from "../../src/protocol.js";
import { Transport } from "../../src/transport.js";
import { PqWasm } from "../../src/wasm.js";
import { HostedMeeting } from "./host.js";
import { PatternTrack, type SenderResult } from "./pattern_track.js";
import { PagePort } from "./page_port.js";
import { i420Of } from "./luma.js";

export interface MeetState {
  stage: "starting" | "invited" | "media" | "failed";
  slot?: number;
  invitation?: string;
  code?: string;
  epoch?: string;
  nativeSlot?: number;
  nativeName?: string;
  senders: SenderResult[];
  send: SendStats[];
  receive: StreamStats[];
  playout?: PlayoutStats[];
  port?: { sent: number; opened: number; refused: Record<string, number>; keyframeRequestsReceived: number };
  error?: string;
}
declare global {
  interface Window {
    v100Meet?: MeetState;
  }
}

const status = document.getElementById("status")!;
const say = (s: string): void => {
  status.textContent = s;
};

async function main(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const title = params.get("title") ?? "media";
  const name = params.get("name") ?? "Browser";
  const inviteePub = params.get("pub") ?? "";
  const captureSender = Number(params.get("sender") ?? "0");
  const state: MeetState = { stage: "starting", senders: [], send: [], receive: [] };
  window.v100Meet = state;
  const r = await fetch("v100.wasm");
  const w = await PqWasm.load(await r.arrayBuffer());
  const invitee = parsePublicIdentityText(w, inviteePub);
  if (!invitee.ok) throw new Error(`native identity: ${invitee.error}`);
  const c = await Transport.connect(`wss://${location.host}/v100`);
  if (!c.ok) throw new Error(c.error);
  const t = c.value.t;
  const host = await HostedMeeting.create(w, t, title, name);
  state.slot = host.slot;
  if (host.slot !== captureSender)
    throw new Error(`joined in slot ${host.slot}, but the fake camera shows sender ${captureSender}'s pattern`);

  // SFrame in a Worker; the port carries frames between it, the relay and the media session.
  const fc = WorkerFrameCrypto.start("sframe_worker.js");
  const port = new PagePort(host.slot, t, fc, host.memberIds);
  const tracks = new Map<number, PatternTrack>();
  const track = (slot: number): PatternTrack => {
    let p = tracks.get(slot);
    if (p === undefined) {
      p = new PatternTrack(slot, w.toneFrequency(slot), 0);  // native senders do not loop
      tracks.set(slot, p);
    }
    return p;
  };
  const pcm = new Map<number, Int16Array>();
  const tiles = new Map<string, CanvasRenderingContext2D>();
  const tile = (key: string, label: string): CanvasRenderingContext2D => {
    let ctx = tiles.get(key);
    if (ctx === undefined) {
      const div = document.createElement("div");
      div.className = "tile";
      const canvas = document.createElement("canvas");
      canvas.width = 640;
      canvas.height = 360;
      const cap = document.createElement("div");
      cap.textContent = label;
      div.append(canvas, cap);
      document.getElementById("tiles")!.append(div);
      ctx = canvas.getContext("2d")!;
      tiles.set(key, ctx);
    }
    return ctx;
  };
  // Pictures are checked in arrival order, one at a time (copyTo is asynchronous).
  let checks: Promise<void> = Promise.resolve();
  const onPicture = (p: DecodedPicture): void => {
    checks = checks.then(async () => {
      try {
        const who = `slot ${p.slot}`;
        tile(`${p.slot}:${p.kind}`, `${p.kind === MediaKind.Screen ? "screen" : "camera"} of ${who}, decoded here`)
          .drawImage(p.frame, 0, 0, 640, 360);
        if (p.kind === MediaKind.Screen) {
          ++track(p.slot).r.screenPictures;
          return;
        }
        const pic = await i420Of(p.frame);
        track(p.slot).add(pic === null ? null : w.readTestPattern(pic.y, pic.u, pic.v, pic.w, pic.h));
      } finally {
        p.frame.close();
      }
    });
  };
  const onAudio = (a: DecodedAudio): void => {
    ++track(a.slot).r.audioPackets;
    // The latest half second, as 16-bit PCM for codec::dominant_frequency.
    const keep = 24000;
    const old = pcm.get(a.slot) ?? new Int16Array(0);
    const next = new Int16Array(Math.min(keep, old.length + a.pcm.length));
    const fromOld = next.length - a.pcm.length;
    if (fromOld > 0) next.set(old.subarray(old.length - fromOld));
    const src = a.pcm.subarray(Math.max(0, a.pcm.length - next.length));
    for (let i = 0; i < src.length; ++i) next[Math.max(0, fromOld) + i] = Math.max(-32768, Math.min(32767, Math.round(src[i]! * 32767)));
    pcm.set(a.slot, next);
  };
  const media = new MediaSession(port, { onPicture, onAudio, playout: true });

  const install = async (): Promise<void> => {
    const { epoch, secret } = await host.keyEpoch();
    await port.installEpoch(epoch, secret);
    secret.fill(0);
  };
  await install();
  const inv = await host.invite(invitee.value, title);
  state.invitation = toHex(inv);
  state.stage = "invited";
  say("invited the native participant; waiting for it to join");
  const joined = await host.waitForMember(invitee.value, 60_000);
  await install();
  state.code = host.securityCode();
  state.epoch = host.epoch.toString();
  state.nativeSlot = joined.slot;
  state.nativeName = joined.displayName;

  // Camera and microphone (the fake devices read the files of this slot), and the screen.
  const cam = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 360, frameRate: 30 },
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
  });
  const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 } });
  await media.addTrack(cam.getVideoTracks()[0]!, MediaKind.Video);
  await media.addTrack(cam.getAudioTracks()[0]!, MediaKind.Audio);
  await media.addTrack(screen.getVideoTracks()[0]!, MediaKind.Screen);
  state.stage = "media";
  // What this page sends, shown locally (not decoded: the native side decodes and checks it).
  for (const [label, stream] of [["camera sent (local preview)", cam], ["screen share sent (local preview)", screen]] as const) {
    const div = document.createElement("div");
    div.className = "tile";
    const v = document.createElement("video");
    v.muted = true;
    v.autoplay = true;
    v.srcObject = new MediaStream(stream.getVideoTracks());
    const cap = document.createElement("div");
    cap.textContent = label;
    div.append(v, cap);
    document.getElementById("tiles")!.append(div);
  }
  // A rekey while media flows (epoch 3 for the same two members): senders send a keyframe under the
  // new epoch, receivers keep the previous epoch's key for the grace period.
  const rekeyAfterMs = Number(params.get("rekey") ?? "3000");
  if (rekeyAfterMs > 0) {
    setTimeout(() => {
      void install().then(() => {
        state.epoch = host.epoch.toString();
        state.code = host.securityCode();
      }).catch((e: unknown) => {
        state.stage = "failed";
        state.error = `rekey: ${String(e)}`;
      });
    }, rekeyAfterMs);
  }

  const report = (): void => {
    for (const [slot, p] of tracks) {
      const s = pcm.get(slot);
      p.r.frequency = s !== undefined && s.length >= 4800 ? w.dominantFrequency(s) : 0;
    }
    state.senders = [...tracks.values()].map((p) => ({ ...p.r }));
    state.send = media.sendStats();
    state.receive = media.receiveStats();
    state.playout = media.playoutStats();
    state.port = { sent: port.sent, opened: port.opened, refused: Object.fromEntries(port.refused),
                   keyframeRequestsReceived: port.keyframeRequestsReceived };
    const n = tracks.get(joined.slot)?.r;
    const table = document.getElementById("stats")!;
    const kinds = ["audio", "video", "data", "screen"];
    const rows = [["stream", "received", "decoded", "keyframes", "gaps", "dropped", "keyframe requests"]];
    for (const s of state.receive)
      rows.push([`slot ${s.slot} ${kinds[s.kind]} (received)`, String(s.received), String(s.decoded), String(s.keyframes),
                 String(s.gaps), Object.entries(s.dropped).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(", ") || "0",
                 String(s.keyframeRequests)]);
    for (const s of state.send)
      rows.push([`this page's ${kinds[s.kind]} (sent)`, `captured ${s.captured}`, `sent ${s.sent}`, String(s.keyframes), "",
                 `skipped ${s.encoderSkipped}, failed ${s.sendFailed}`,
                 `answered ${s.keyframesOnRequest}, on epoch ${s.keyframesOnEpoch}`]);
    table.replaceChildren(...rows.map((r, i) => {
      const tr = document.createElement("tr");
      for (const cell of r) {
        const td = document.createElement(i === 0 ? "th" : "td");
        td.textContent = cell;
        tr.append(td);
      }
      return tr;
    }));
    say(`epoch ${state.epoch}, security code ${state.code}: native "${joined.displayName}" in slot ${joined.slot}: ` +
        `${n?.pictures ?? 0} pictures decoded (${n?.badPictures ?? 0} bad, frames ${n?.firstFrame ?? "-"}..` +
        `${n?.lastFrame ?? "-"}), ${n?.audioPackets ?? 0} audio packets, tone ${(n?.frequency ?? 0).toFixed(1)} Hz ` +
        `(sent ${n?.expected ?? 0} Hz); sent ${state.send.map((s) => `${s.sent} ${["audio", "video", "", "screen"][s.kind]}`).join(", ")}`);
  };
  setInterval(report, 250);
  for (;;) {
    const m = await host.nextPush();
    if (m === undefined) continue;
    if (m.type === "MediaFrame") port.receive(m);
    if (m.type === "MediaBundle") for (const f of m.frames) port.receive(f);
  }
}

main().catch((e: unknown) => {
  say(`FAILED: ${String(e)}`);
  window.v100Meet = { ...(window.v100Meet ?? { senders: [], send: [], receive: [] }), stage: "failed", error: String(e) };
});
