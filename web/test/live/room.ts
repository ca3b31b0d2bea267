// The Room page (web/scripts/live-test.mjs): one browser participant on the Room API, in one of
// three modes set by the URL fragment:
//   mode=create&title=T&name=N&pub=P  hosts a meeting (Room.create) and makes an invitation for the
//   [&post=1]                         native identity P (for `v100 join --invitation`; with post=1
//                                     also left in P's mailbox, for `v100 join --mailbox`);
//   m=<link secrets>&name=N           joins by the invitation link (the page URL is the link);
//   mode=mailbox&name=N&from=P        makes an identity, shows its public line (the driver hands it
//                                     to `v100 join --create --invite`), reads its mailbox until an
//                                     invitation signed by P arrives, and joins with it.
// Once in, it sends a Data frame every 40 ms ("v100-room" | u16 slot | u64 seq: a receiver checks
// that the sender's slot is the one inside) and opens everyone's frames through room.onFrame; a
// native member's audio is matched against what `v100 join` sends (SHAKE256 of its u64 sequence
// number, 160 bytes). window.v100Room holds what the driver reads; window.v100RoomCtl lets it make
// the page leave, protect a frame with the keys the page kept, or try a frame on its key ring.
import { concat, fromHex, toHex, u16le, u64le } from "../../src/bytes.js";
import { InThreadFrameCrypto } from "../../src/frame_crypto.js";
import { Identity, parsePublicIdentityText, publicIdentityText } from "../../src/identity.js";
import type { FrameCrypto } from "../../src/media_port.js";
import { MediaKind, envelopeByte } from "../../src/protocol.js";
import { Room, type RosterMember } from "../../src/room.js";
import { PqWasm } from "../../src/wasm.js";

export interface RoomPageState {
  stage: "starting" | "waiting-invitation" | "joined" | "left" | "failed";
  error?: string;
  pub?: string;
  link?: string;
  invitation?: string;
  slot: number;
  epoch: string;
  code: string;
  members: number[];
  codes: { epoch: string; code: string; members: number[] }[];
  events: string[];
  framesSent: number;
  /** Frames opened per sender slot whose content names that slot (browser) or matches v100 join's (native). */
  opened: Record<string, number>;
  openedBad: number;
  unverified: number;
  names: Record<string, string>;
  roster: RosterMember[];
  stats?: ReturnType<Room["stats"]>;
  junk?: number;
}
declare global {
  interface Window {
    v100Room?: RoomPageState;
    v100RoomCtl?: {
      leave: () => Promise<{ epoch: string; slot: number; envelope: number; frame: string }>;
      tryFrame: (slot: number, envelope: number, frameHex: string) => Promise<{ ok: boolean; reason?: string }>;
      roster: () => Promise<RosterMember[]>;
      end: () => Promise<void>;
      remove: (slot: number) => Promise<string>;
    };
  }
}

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const say = (s: string): void => {
  $("status").textContent = s;
};
const state: RoomPageState = { stage: "starting", slot: -1, epoch: "0", code: "", members: [], codes: [], events: [],
                               framesSent: 0, opened: {}, openedBad: 0, unverified: 0, names: {}, roster: [] };
window.v100Room = state;

/** Keeps its keys when the Room closes it: a leaver who does not forget (the test's hostile leaver). */
class RetainingCrypto implements FrameCrypto {
  constructor(readonly inner: InThreadFrameCrypto) {}
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

function render(): void {
  $("code").textContent = `epoch ${state.epoch}, members ${state.members.join(", ")}: security code ${state.code}`;
  const rows = state.roster.map((m) => `<tr class="${m.identityVerified && m.tokenVerified ? "ok" : "fail"}"><td class="n">${m.slot}</td>` +
    `<td></td><td class="s">${m.identityVerified ? "✓ verified" : "✗"}</td><td class="s">${m.tokenVerified ? "✓ verified" : "✗"}</td>` +
    `<td class="n">${m.slot === state.slot ? "(me)" : state.opened[String(m.slot)] ?? 0}</td></tr>`);
  const body = $("roster");
  body.innerHTML = rows.join("");
  // Names through textContent: what others typed is never parsed as HTML.
  state.roster.forEach((m, i) => {
    (body.children[i]!.children[1] as HTMLElement).textContent = m.name ?? "(name blob did not open)";
  });
  $("events").textContent = `events: ${state.events.slice(-12).join(" · ")}`;
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const name = params.get("name") ?? "Browser";
  $("who").textContent = name;
  const w = await PqWasm.load(await (await fetch("v100.wasm")).arrayBuffer());
  const me = await Identity.generate(w);
  state.pub = publicIdentityText(me.publicIdentity).trim();
  const crypto = new RetainingCrypto(new InThreadFrameCrypto());
  const url = `wss://${location.host}/v100`;
  const room = await Room.connect({ url, wasm: w, identity: me, name, crypto });
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
  room.on("removed", () => {
    ev("removed");
    state.stage = "left";
  });
  room.on("meetingEnded", () => {
    ev("ended");
    state.stage = "left";
  });
  room.on("epochChanged", (e) => {
    state.epoch = e.epoch.toString();
    state.code = e.securityCode;
    state.members = e.members;
    state.codes.push({ epoch: state.epoch, code: e.securityCode, members: e.members });
    ev(`epoch ${e.epoch}`);
    void room.fetchRoster().then((r) => {
      state.roster = r;
      render();
    }, () => {});
  });
  // What v100 join sends (synthetic audio): SHAKE256(u64le seq), 160 bytes.
  const nativeFrames = new Set<string>();
  for (let seq = 0n; seq < 3000n; ++seq) nativeFrames.add(toHex(w.shake256(u64le(seq), 160)));
  const tag = new TextEncoder().encode("v100-room");
  room.onFrame = (f) => {
    if (!f.verified) ++state.unverified;
    let good = false;
    if (f.kind === MediaKind.Data && f.payload.length === tag.length + 10) {
      const slot = f.payload[tag.length]! | (f.payload[tag.length + 1]! << 8);
      good = slot === f.slot && toHex(f.payload.subarray(0, tag.length)) === toHex(tag);
    } else if (f.kind === MediaKind.Audio) {
      good = nativeFrames.has(toHex(f.payload));
    }
    if (good && f.verified) state.opened[String(f.slot)] = (state.opened[String(f.slot)] ?? 0) + 1;
    else ++state.openedBad;
  };

  const mode = params.get("mode");
  if (mode === "create") {
    const title = params.get("title") ?? "room";
    const link = await room.create(title, `${location.origin}/room.html`);
    state.link = link;
    const pub = params.get("pub");
    if (pub !== null) {
      const native = parsePublicIdentityText(w, pub);
      if (!native.ok) throw new Error(`native identity: ${native.error}`);
      const inv = await room.invite(native.value, title);
      state.invitation = toHex(inv);
      // Also left in the native identity's mailbox (the server's proof of work paid here).
      if (params.get("post") === "1") await room.postInvitation(native.value, inv);
    }
  } else if (mode === "mailbox") {
    const from = parsePublicIdentityText(w, params.get("from") ?? "");
    if (!from.ok) throw new Error(`--from identity: ${from.error}`);
    const fromId = toHex(from.value.userId(w));
    state.stage = "waiting-invitation";
    say("waiting for an invitation in this identity's mailbox");
    let junk = 0;
    for (let i = 0; ; ++i) {
      if (i > 120) throw new Error("no invitation from the expected host within 60 s");
      const got = await room.receiveInvitations();
      junk += got.junk;
      const inv = got.invitations.find((x) => toHex(x.inviterId) === fromId);
      if (inv !== undefined) {
        state.junk = junk;
        await room.joinInvitation(inv);
        inv.meetingSecret.fill(0);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } else {
    await room.joinLink(location.href);
  }
  state.slot = room.slot;
  state.stage = "joined";
  window.v100RoomCtl = {
    leave: async () => {
      const slot = room.slot, epoch = room.epoch.toString();
      await room.leave();
      state.stage = "left";
      // The leaver kept its keys (RetainingCrypto): a frame sealed with them after leaving.
      const env = envelopeByte({ kind: MediaKind.Data, keyframe: false, layer: 0 });
      const frame = await crypto.inner.protect(slot, env, concat(tag, u16le(slot), u64le(999999n)));
      return { epoch, slot, envelope: env, frame: toHex(frame) };
    },
    tryFrame: async (slot, envelope, frameHex) => {
      const r = await crypto.inner.unprotect(slot, envelope, fromHex(frameHex));
      return r.ok ? { ok: true } : { ok: false, reason: r.reason };
    },
    roster: async () => (state.roster = await room.fetchRoster()),
    remove: async (slot) => {
      await room.removeMember(slot);
      return room.link(`${location.origin}/room.html`);  // now with the new join key
    },
    end: async () => {
      await room.endMeeting();
      state.stage = "left";
    },
  };
  let seq = 0n;
  const sender = setInterval(() => {
    if (!room.inMeeting) {
      clearInterval(sender);
      return;
    }
    void room.send({ kind: MediaKind.Data, keyframe: false, payload: concat(tag, u16le(room.slot), u64le(seq++)) })
      .then((ok) => { if (ok) ++state.framesSent; });
  }, 40);
  setInterval(() => {
    state.stats = room.stats();
    say(`${state.stage} in slot ${state.slot}; epoch ${state.epoch}; frames sent ${state.framesSent}, opened ` +
        `${Object.entries(state.opened).map(([s, n]) => `${n} from slot ${s}`).join(", ") || "none yet"}; refused ` +
        `${state.stats.framesUndecryptable} (forged, replayed or keyless), shown unchecked ${state.unverified}, wrong ${state.openedBad}`);
    render();
  }, 250);
}

main().catch((e: unknown) => {
  say(`FAILED: ${String(e)}`);
  state.stage = "failed";
  state.error = String(e);
});
