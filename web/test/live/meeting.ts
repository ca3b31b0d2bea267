// The whole-meeting page (web/scripts/meeting-test.mjs, issue #15's headline test): one browser
// participant on the SDK as an app uses it, Room (src/room.ts) + MediaSession (src/media.ts) with
// SFrame in a Worker. Modes, from the URL fragment:
//   mode=create&title=T&name=N&pub=P&sender=S[&share=1]  hosts (Room.create) and leaves an
//                                     invitation for the native identity P in its mailbox;
//   m=<link secrets>&name=N&sender=S[&share=1]  joins by the invitation link (the page URL).
// `sender` is the slot the fake camera / microphone files were made for (`v100 capture-files
// --sender S`): the page refuses to run in another slot. On the driver's startMedia() it sends the
// camera and microphone (and with share=1 a screen share, kind Screen) and checks every decoded
// picture of every other participant with the module's pattern reader (sender id = that slot,
// frame numbers rising; `loop` = the other browser's slot and the frames in its file) and each sender's sound by its
// FFT peak. Tiles show the decoded pictures with the names from the encrypted roster.
// window.v100Meeting holds what the driver reads; window.v100MeetingCtl lets it start the media,
// make the page leave (keeping its keys: a frame sealed with them afterwards) and try a frame on
// this page's key ring.
import { concat, fromHex, toHex, u16le, u64le } from "../../src/bytes.js";
import { WorkerFrameCrypto } from "../../src/frame_crypto.js";
import { Identity, parsePublicIdentityText, publicIdentityText } from "../../src/identity.js";
import { type DecodedAudio, type DecodedPicture, MediaSession, type SendStats, type StreamStats } from "../../src/media.js";
import type { FrameCrypto } from "../../src/media_port.js";
import { MediaKind, envelopeByte } from "../../src/protocol.js";
import { Room } from "../../src/room.js";
import { PqWasm } from "../../src/wasm.js";
import { i420Of } from "./luma.js";
import { PatternTrack, type SenderResult } from "./pattern_track.js";

export interface MeetingPageState {
  stage: "starting" | "joined" | "media" | "left" | "failed";
  error?: string;
  pub?: string;
  link?: string;
  slot: number;
  epoch: string;
  code: string;
  members: number[];
  codes: { epoch: string; code: string; members: number[] }[];
  events: string[];
  names: Record<string, string>;
  senders: SenderResult[];
  unverified: number;
  send: SendStats[];
  receive: StreamStats[];
  stats?: ReturnType<Room["stats"]>;
}
declare global {
  interface Window {
    v100Meeting?: MeetingPageState;
    v100MeetingCtl?: {
      startMedia: () => Promise<void>;
      leave: () => Promise<{ epoch: string; slot: number; envelope: number; before: string; after: string }>;
      tryFrame: (slot: number, envelope: number, frameHex: string) => Promise<{ ok: boolean; reason?: string }>;
    };
  }
}

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const say = (s: string): void => {
  $("status").textContent = s;
};
const state: MeetingPageState = { stage: "starting", slot: -1, epoch: "0", code: "", members: [], codes: [], events: [],
                                  names: {}, senders: [], unverified: 0, send: [], receive: [] };
window.v100Meeting = state;

/** Keeps its keys when the Room closes it: a leaver who does not forget (the test's hostile leaver). */
class RetainingCrypto implements FrameCrypto {
  constructor(readonly inner: FrameCrypto) {}
  setSendEpoch(s: number, e: bigint, k: Uint8Array, c?: bigint): Promise<void> {
    return this.inner.setSendEpoch(s, e, k, c);
  }
  addReceiveEpoch(e: bigint, k: Uint8Array): Promise<void> {
    return this.inner.addReceiveEpoch(e, k);
  }
  protect(s: number, b: number, p: Uint8Array): Promise<Uint8Array> {
    return this.inner.protect(s, b, p);
  }
  unprotect(s: number, b: number, f: Uint8Array): ReturnType<FrameCrypto["unprotect"]> {
    return this.inner.unprotect(s, b, f);
  }
  close(): void {}
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const name = params.get("name") ?? "Browser";
  const captureSender = Number(params.get("sender") ?? "-1");
  // loop=<slot>:<frames>: the other browser's slot and the frames in its Y4M.
  const [loopSlot, loopFrames] = (params.get("loop") ?? "-1:0").split(":").map(Number) as [number, number];
  $("who").textContent = name;
  const w = await PqWasm.load(await (await fetch("v100.wasm")).arrayBuffer());
  const me = await Identity.generate(w);
  state.pub = publicIdentityText(me.publicIdentity).trim();
  const crypto = new RetainingCrypto(WorkerFrameCrypto.start("sframe_worker.js"));
  const room = await Room.connect({ url: `wss://${location.host}/v100`, wasm: w, identity: me, name, crypto });
  const ev = (s: string): void => {
    state.events.push(s);
  };
  room.on("participantJoined", (e) => {
    state.names[String(e.slot)] = e.name;
    ev(`joined ${e.slot}`);
  });
  room.on("participantLeft", (e) => ev(`left ${e.slot}`));
  room.on("trackSubscribed", (e) => ev(`track ${e.slot}/${e.kind}${e.verified ? "" : " UNVERIFIED"}`));
  room.on("connectionStateChanged", (e) => ev(`connection ${e.state}`));
  room.on("epochChanged", (e) => {
    state.epoch = e.epoch.toString();
    state.code = e.securityCode;
    state.members = e.members;
    state.codes.push({ epoch: state.epoch, code: e.securityCode, members: e.members });
    ev(`epoch ${e.epoch}`);
  });

  // Every other participant's pictures and sound, checked.
  const tracks = new Map<number, PatternTrack>();
  const track = (slot: number): PatternTrack => {
    let p = tracks.get(slot);
    if (p === undefined) {
      // A browser sender's file loops after `loop` frames (the driver makes it long enough that it
      // does not; a wrap is counted); a native sender's pattern never loops.
      p = new PatternTrack(slot, w.toneFrequency(slot), slot === loopSlot ? loopFrames : 0);
      tracks.set(slot, p);
    }
    return p;
  };
  const pcm = new Map<number, Int16Array>();
  const tiles = new Map<string, { ctx: CanvasRenderingContext2D; cap: HTMLElement; label: string }>();
  const who = (slot: number): string => room.participant(slot)?.name ?? state.names[String(slot)] ?? `slot ${slot}`;
  const tile = (slot: number, kind: number): CanvasRenderingContext2D => {
    const key = `${slot}:${kind}`;
    const label = `${kind === MediaKind.Screen ? "screen of" : "camera of"} ${who(slot)} (slot ${slot}), decoded here`;
    let t = tiles.get(key);
    if (t === undefined) {
      const div = document.createElement("div");
      div.className = "tile";
      const canvas = document.createElement("canvas");
      canvas.width = 640;
      canvas.height = 360;
      const cap = document.createElement("div");
      div.append(canvas, cap);
      $("tiles").append(div);
      t = { ctx: canvas.getContext("2d")!, cap, label: "" };
      tiles.set(key, t);
    }
    if (t.label !== label) t.cap.textContent = t.label = label;  // names through textContent, never HTML
    return t.ctx;
  };
  let checks: Promise<void> = Promise.resolve();
  const onPicture = (p: DecodedPicture): void => {
    checks = checks.then(async () => {
      try {
        tile(p.slot, p.kind).drawImage(p.frame, 0, 0, 640, 360);
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
    const keep = 24000;  // the latest half second, as 16-bit PCM for codec::dominant_frequency
    const old = pcm.get(a.slot) ?? new Int16Array(0);
    const next = new Int16Array(Math.min(keep, old.length + a.pcm.length));
    const fromOld = next.length - a.pcm.length;
    if (fromOld > 0) next.set(old.subarray(old.length - fromOld));
    const src = a.pcm.subarray(Math.max(0, a.pcm.length - next.length));
    for (let i = 0; i < src.length; ++i) next[Math.max(0, fromOld) + i] = Math.max(-32768, Math.min(32767, Math.round(src[i]! * 32767)));
    pcm.set(a.slot, next);
  };
  const media = new MediaSession(room, { onPicture, onAudio, playout: true });
  const toMedia = room.onFrame;
  room.onFrame = (f) => {
    if (!f.verified) ++state.unverified;
    toMedia?.(f);
  };

  if (params.get("mode") === "create") {
    const title = params.get("title") ?? "meeting";
    state.link = await room.create(title, `${location.origin}/meeting.html`);
    const native = parsePublicIdentityText(w, params.get("pub") ?? "");
    if (!native.ok) throw new Error(`native identity: ${native.error}`);
    await room.postInvitation(native.value, await room.invite(native.value, title));
  } else {
    await room.joinLink(location.href);
  }
  state.slot = room.slot;
  if (room.slot !== captureSender)
    throw new Error(`joined in slot ${room.slot}, but the fake camera shows sender ${captureSender}'s pattern`);
  state.stage = "joined";

  const tag = new TextEncoder().encode("v100-meeting");
  const mySlot = room.slot;
  const sealed = (n: bigint): Promise<Uint8Array> =>
    crypto.inner.protect(mySlot, envelopeByte({ kind: MediaKind.Data, keyframe: false, layer: 0 }),
                         concat(tag, u16le(mySlot), u64le(n)));
  window.v100MeetingCtl = {
    startMedia: async () => {
      const cam = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 360, frameRate: 30 },
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
      });
      await media.addTrack(cam.getVideoTracks()[0]!, MediaKind.Video);
      await media.addTrack(cam.getAudioTracks()[0]!, MediaKind.Audio);
      if (params.get("share") === "1") {
        const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 } });
        await media.addTrack(screen.getVideoTracks()[0]!, MediaKind.Screen);
      }
      state.stage = "media";
    },
    leave: async () => {
      const slot = room.slot, epoch = room.epoch.toString();
      const env = envelopeByte({ kind: MediaKind.Data, keyframe: false, layer: 0 });
      const before = await sealed(1n);  // sealed in the meeting: the others' key ring opens it (the control)
      await room.leave();
      media.close();
      state.stage = "left";
      const after = await sealed(999999n);  // sealed after leaving with the keys it kept
      return { epoch, slot, envelope: env, before: toHex(before), after: toHex(after) };
    },
    tryFrame: async (slot, envelope, frameHex) => {
      const r = await crypto.inner.unprotect(slot, envelope, fromHex(frameHex));
      return r.ok ? { ok: true } : { ok: false, reason: r.reason };
    },
  };

  setInterval(() => {
    for (const [slot, p] of tracks) {
      const s = pcm.get(slot);
      p.r.frequency = s !== undefined && s.length >= 4800 ? w.dominantFrequency(s) : 0;
    }
    state.senders = [...tracks.values()].map((p) => ({ ...p.r }));
    state.send = media.sendStats();
    state.receive = media.receiveStats();
    state.stats = room.stats();
    $("code").textContent = `epoch ${state.epoch}, members ${state.members.join(", ")}: security code ${state.code}`;
    for (const key of [...tiles.keys()]) tile(Number(key.split(":")[0]), Number(key.split(":")[1]));  // names as they open
    say(`${state.stage} in slot ${state.slot}: ` + (state.senders.map((r) =>
      `${who(r.slot)}: ${r.pictures} pictures (${r.badPictures} bad, frames ${r.firstFrame ?? "-"}..${r.lastFrame ?? "-"}), ` +
      `${r.audioPackets} audio, tone ${r.frequency.toFixed(1)} Hz (sent ${r.expected})${r.screenPictures ? `, screen ${r.screenPictures}` : ""}`)
      .join("; ") || "nothing decoded yet"));
  }, 250);
}
main().catch((e: unknown) => {
  say(`FAILED: ${String(e)}`);
  state.stage = "failed";
  state.error = String(e);
});
