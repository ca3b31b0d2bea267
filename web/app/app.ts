// The meeting page (index.html): the identity screen (create, unlock, import, export a `v100 keygen`
// key file; identities kept in IndexedDB as sealed key files), creating a meeting, inviting by link
// or by public identity, and the meeting view (tiles with names from the encrypted roster and a
// verified mark, mute / camera / share / leave, the security code, what the server holds). Served
// by `v100 serve --web-root` under its CSP: this bundle and app.css are the only page resources, no
// inline script or style, no third-party origin. The meeting itself sits behind session.ts.
import { toHex } from "../src/bytes.js";
import { Identity, shortId } from "../src/identity.js";
import { IdentityStore, type StoredIdentity, openIdentity, sealIdentity } from "../src/keystore.js";
import { PqWasm } from "../src/wasm.js";
import { tapStats } from "./ledger.js";
import { roomSessionFactory } from "./room_session.js";
import type { MailboxCheck, MeetingSession, Member, Picture, ServerHeld, SessionFactory } from "./session.js";

/** What the page shows, for people and for the page test (web/scripts/app-test.mjs). */
export interface AppState {
  stage: "loading" | "locked" | "unlocked" | "meeting" | "left" | "failed";
  userId?: string;
  publicText?: string;
  code?: string | null;
  epoch?: string;
  members?: Member[];
  held?: ServerHeld;
  inviteLink?: string;
  mediaLocal?: string;
  /** Remote pictures drawn, by slot. */
  pictures?: Record<string, number>;
  /** The last mailbox check: titles and inviters. */
  invitations?: { title: string; from: string }[];
  error?: string;
}
declare global {
  interface Window {
    v100App?: AppState;
  }
}

const factory: SessionFactory = roomSessionFactory;

const $ = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`index.html lacks #${id}`);
  return e as T;
};
const state: AppState = { stage: "loading" };
window.v100App = state;
const status = $("status");
const say = (s: string): void => {
  status.textContent = s;
};

let wasm: PqWasm;
let store: IdentityStore;
let me: { identity: Identity; rec: StoredIdentity } | null = null;
let session: MeetingSession | null = null;
// An invitation link this page was opened with: kept in memory only, and taken out of the address bar
// (and so out of the history) at once; used when an identity is unlocked.
let pendingLink: string | null = location.hash.length > 1 ? location.href : null;
if (pendingLink !== null) history.replaceState(null, "", location.pathname);

/** Runs UI actions one after another (a click during another step waits for it, never interleaves);
 * the same action is not queued twice (a double click runs once). Failures land in the status line,
 * never as an uncaught error. */
let chain: Promise<void> = Promise.resolve();
function action(fn: () => Promise<void>): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    document.body.setAttribute("aria-busy", "true");
    chain = chain.then(fn).catch((e: unknown) => {
      say(`Error: ${e instanceof Error ? e.message : String(e)}`);
    }).finally(() => {
      queued = false;
      document.body.removeAttribute("aria-busy");
    });
  };
}
function onSubmit(id: string, fn: () => Promise<void>): void {
  const run = action(fn);
  $<HTMLFormElement>(id).addEventListener("submit", (e) => {
    e.preventDefault();
    run();
  });
}
const progress = (what: string) => {
  let shown = -1;
  return (f: number): void => {
    const pct = Math.floor(f * 10) * 10;
    if (pct !== shown) say(`${what}… ${(shown = pct)}%`);
  };
};

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function refreshStored(): Promise<void> {
  const list = await store.list();
  const sel = $<HTMLSelectElement>("unlock-which");
  sel.replaceChildren(...list.map((r) => {
    const o = document.createElement("option");
    o.value = r.id;
    o.textContent = `${r.label} (${r.id.slice(0, 8)}…)`;
    return o;
  }));
  $("unlock-form").hidden = list.length === 0;
}

function showIdentity(): void {
  const unlocked = me !== null;
  $("locked").hidden = unlocked;
  $("unlocked").hidden = !unlocked;
  $("start").hidden = !unlocked || session !== null;
  if (me !== null) {
    $("me-name").textContent = me.rec.label;
    $("me-id").textContent = shortId(me.identity.userId);
    $<HTMLTextAreaElement>("me-pub").value = me.rec.publicText.trim();
    state.userId = toHex(me.identity.userId);
    state.publicText = me.rec.publicText;
  }
  state.stage = unlocked ? "unlocked" : "locked";
}

async function unlocked(identity: Identity, rec: StoredIdentity): Promise<void> {
  me?.identity.wipe();
  me = { identity, rec };
  showIdentity();
  say(`Unlocked ${rec.label}.`);
  if (pendingLink !== null) {
    say("Joining the meeting of the link…");
    const r = await factory.joinLink(wasm, identity, rec.label, pendingLink, events());
    pendingLink = null;
    if (!r.ok) say(`Cannot join from this link: ${r.error}`);
    else await enterMeeting(r.value);
  }
}

onSubmit("create-form", async () => {
  const name = $<HTMLInputElement>("create-name").value.trim();
  const pass = $<HTMLInputElement>("create-pass").value;
  if (name === "") throw new Error("type a name");
  if (pass.length < 8) throw new Error("the passphrase needs at least 8 characters");
  if (pass !== $<HTMLInputElement>("create-pass2").value) throw new Error("the two passphrases differ");
  say("Making the keys…");
  const id = await Identity.generate(wasm);
  const file = await sealIdentity(id, pass, undefined, progress("Sealing the key file (scrypt)"));
  const rec = await store.put(id, name, file);
  for (const f of ["create-pass", "create-pass2"]) $<HTMLInputElement>(f).value = "";
  await refreshStored();
  await unlocked(id, rec);
});

onSubmit("unlock-form", async () => {
  const id = $<HTMLSelectElement>("unlock-which").value;
  const rec = (await store.list()).find((r) => r.id === id);
  if (rec === undefined) throw new Error("no such identity");
  const opened = await openIdentity(wasm, rec.keyFile, $<HTMLInputElement>("unlock-pass").value,
                                    progress("Opening the key file (scrypt)"));
  if (!opened.ok) throw new Error(opened.error);
  $<HTMLInputElement>("unlock-pass").value = "";
  await unlocked(opened.value, rec);
});

$("forget").addEventListener("click", action(async () => {
  const sel = $<HTMLSelectElement>("unlock-which");
  if (!confirm("Forget this identity in this browser? Without an exported key file it is gone.")) return;
  await store.remove(sel.value);
  await refreshStored();
  say("Forgotten.");
}));

onSubmit("import-form", async () => {
  const f = $<HTMLInputElement>("import-file").files?.[0];
  if (f === undefined) throw new Error("choose a key file");
  if (f.size > 4096) throw new Error("that file is too large to be a key file");
  const bytes = new Uint8Array(await f.arrayBuffer());
  const name = $<HTMLInputElement>("import-name").value.trim();
  if (name === "") throw new Error("type a name");
  const opened = await openIdentity(wasm, bytes, $<HTMLInputElement>("import-pass").value,
                                    progress("Opening the key file (scrypt)"));
  if (!opened.ok) throw new Error(opened.error);
  $<HTMLInputElement>("import-pass").value = "";
  // Stored as imported: the same file, the same passphrase.
  const rec = await store.put(opened.value, name, bytes);
  await refreshStored();
  await unlocked(opened.value, rec);
});

$("copy-pub").addEventListener("click", action(async () => {
  await navigator.clipboard.writeText(me?.rec.publicText.trim() ?? "");
  say("Public identity copied.");
}));
$("export").addEventListener("click", action(async () => {
  if (me === null) return;
  download(me.rec.keyFile, "me.key");
  say("Key file exported (me.key: opens with your passphrase in v100 and in this page).");
}));
$("lock").addEventListener("click", action(async () => {
  if (session !== null) throw new Error("leave the meeting first");
  await inbox?.close();
  inbox = null;
  $("inbox").replaceChildren();
  me?.identity.wipe();
  me = null;
  delete state.userId;
  showIdentity();
  say("Locked.");
}));

// ---- the meeting ----

const tiles = new Map<number, HTMLLIElement>();
let local: { camera?: MediaStream; mic?: MediaStream; screen?: MediaStream } = {};

function tileFor(m: Member): HTMLLIElement {
  let li = tiles.get(m.slot);
  if (li === undefined) {
    li = document.createElement("li");
    li.className = "tile";
    const ph = document.createElement("div");
    ph.className = "placeholder";
    ph.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "name";
    li.append(ph, label);
    tiles.set(m.slot, li);
    $("tiles").append(li);
  }
  const label = li.querySelector(".name")!;
  const mark = document.createElement("span");
  mark.className = m.verified ? "verified" : "unverified";
  mark.textContent = m.verified ? " ✓" : " ?";
  mark.title = m.verified ? "identity verified (signed identity blob, user id checked)" : "identity NOT verified";
  label.replaceChildren(`${m.name}${m.self ? " (you)" : ""}`, mark);
  li.setAttribute("aria-label", `${m.name}${m.self ? " (you)" : ""}, ${m.verified ? "verified" : "not verified"}, ` +
                                `user ${m.userId.slice(0, 8)}`);
  li.querySelector(".placeholder")!.textContent = m.name.slice(0, 1).toUpperCase();
  if (session?.isHost === true && !m.self && li.querySelector(".remove") === null) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "remove";
    b.textContent = "Remove";
    b.setAttribute("aria-label", `Remove ${m.name} from the meeting`);
    b.addEventListener("click", action(async () => {
      if (session === null) return;
      await session.remove(m.slot);
      const link = session.inviteLink();
      $<HTMLInputElement>("invite-link").value = link;
      state.inviteLink = link;
      say(`Removed ${m.name}; the old link no longer admits anyone (a new one is below).`);
    }));
    li.append(b);
  }
  return li;
}

function renderMembers(members: Member[]): void {
  const slots = new Set(members.map((m) => m.slot));
  for (const [slot, li] of tiles) if (!slots.has(slot)) {
    li.remove();
    tiles.delete(slot);
    delete state.pictures?.[String(slot)];  // a later member may get the same slot
  }
  for (const m of members) tileFor(m);
  state.members = members;
  const self = members.find((m) => m.self);
  if (self !== undefined) showLocalVideo(tiles.get(self.slot)!);
}

function showLocalVideo(li: HTMLLIElement): void {
  const stream = local.screen ?? local.camera;
  let v = li.querySelector("video");
  if (stream === undefined || !stream.getVideoTracks().some((t) => t.enabled)) {
    v?.remove();
    return;
  }
  if (v === null) {
    v = document.createElement("video");
    v.muted = true;
    v.autoplay = true;
    v.playsInline = true;
    li.prepend(v);
  }
  if (v.srcObject !== stream) v.srcObject = stream;
}

function drawPicture(p: Picture): void {
  state.pictures ??= {};
  state.pictures[String(p.slot)] = (state.pictures[String(p.slot)] ?? 0) + 1;
  const li = tiles.get(p.slot);
  if (li === undefined) {
    p.frame.close();
    return;
  }
  let c = li.querySelector<HTMLCanvasElement>(`canvas.${p.source}`);
  if (c === null) {
    c = document.createElement("canvas");
    c.className = p.source;
    c.setAttribute("aria-label", p.source === "screen" ? "shared screen" : "camera");
    li.prepend(c);
    li.classList.toggle("sharing", li.querySelector("canvas.screen") !== null);
  }
  c.width = p.frame.displayWidth;
  c.height = p.frame.displayHeight;
  c.getContext("2d")?.drawImage(p.frame, 0, 0);
  p.frame.close();
}

function renderHeld(h: ServerHeld): void {
  state.held = h;
  $("held-handle").textContent = h.handle;
  const rows = h.items.map((it) => {
    const tr = document.createElement("tr");
    for (const [text, cls] of [[it.what, ""], [String(it.bytes), "n"], [it.note, ""]] as const) {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    }
    return tr;
  });
  $("held").querySelector("tbody")!.replaceChildren(...rows);
  $("held-epochs").textContent = h.epochs.join(", ") || "none yet";
  $("held-media").textContent = `${h.framesRelayed} frames, ${h.bytesRelayed} bytes (messages sent ${tapStats.sent}, ` +
                                `not decodable ${tapStats.undecodable})`;
}

function events() {
  return {
    onMembers: (m: Member[]) => renderMembers(m),
    onEpoch: (epoch: bigint, code: string) => {
      $("code").textContent = code;
      state.code = code;
      state.epoch = epoch.toString();
    },
    onPicture: (p: Picture) => drawPicture(p),
    onError: (msg: string) => say(`Meeting: ${msg}`),
    onServerHeld: (h: ServerHeld) => renderHeld(h),
    onEnded: (why: "removed" | "ended" | "disconnected") => {
      const s = session;
      closeMeetingView(why === "removed" ? "The host removed you from the meeting." :
                       why === "ended" ? "The meeting ended." : "The connection to the server was lost; you are out of the meeting.");
      void s?.leave().catch(() => {});
    },
  };
}

async function startLocalMedia(s: MeetingSession): Promise<void> {
  try {
    const av = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
    local.camera = new MediaStream(av.getVideoTracks());
    local.mic = new MediaStream(av.getAudioTracks());
    const sent = [];
    for (const t of av.getVideoTracks()) sent.push(await s.addTrack(t, "camera"));
    for (const t of av.getAudioTracks()) sent.push(await s.addTrack(t, "microphone"));
    state.mediaLocal = `camera ${av.getVideoTracks().length}, microphone ${av.getAudioTracks().length}`;
    if (!s.sendsMedia) {
      const note = $("media-note");
      note.hidden = false;
      note.textContent = "This build's meeting session does not send media yet: your camera shows here only.";
    }
  } catch (e) {
    state.mediaLocal = `none (${e instanceof Error ? e.name : String(e)})`;
    const note = $("media-note");
    note.hidden = false;
    note.textContent = "No camera or microphone: others will not see or hear you.";
  }
}

async function enterMeeting(s: MeetingSession): Promise<void> {
  session = s;
  $("meeting-h").textContent = s.title;
  const link = s.inviteLink();
  $<HTMLInputElement>("invite-link").value = link;
  state.inviteLink = link;
  $("start").hidden = true;
  $("identity").hidden = true;
  $("meeting").hidden = false;
  $("end").hidden = !s.isHost;
  renderMembers(s.members());
  renderHeld(s.serverHeld());
  const code = s.securityCode();
  if (code !== null) events().onEpoch(s.epoch, code);
  state.stage = "meeting";
  say(`In "${s.title}" (slot ${s.slot}).`);
  // The relayed-media counters change with every frame: the panel is redrawn once a second.
  const timer = setInterval(() => {
    if (session === s) renderHeld(s.serverHeld());
    else clearInterval(timer);
  }, 1000);
  await startLocalMedia(s);
  renderMembers(s.members());
  $("leave").focus();
}

onSubmit("meeting-form", async () => {
  if (me === null) throw new Error("unlock an identity first");
  const title = $<HTMLInputElement>("meeting-title").value.trim();
  if (title === "") throw new Error("type a title");
  say("Creating the meeting…");
  const r = await factory.create(wasm, me.identity, me.rec.label, title, events());
  if (!r.ok) throw new Error(r.error);
  await enterMeeting(r.value);
});

function toggle(id: string, onText: string, offText: string, apply: (pressed: boolean) => Promise<void>): void {
  const b = $<HTMLButtonElement>(id);
  b.addEventListener("click", action(async () => {
    const pressed = b.getAttribute("aria-pressed") !== "true";
    await apply(pressed);
    b.setAttribute("aria-pressed", String(pressed));
    b.textContent = pressed ? onText : offText;
  }));
}
toggle("mute", "Unmute", "Mute", async (muted) => {
  // Muted: the track is disabled and taken off the session, so no audio frame leaves at all.
  for (const t of local.mic?.getAudioTracks() ?? []) {
    t.enabled = !muted;
    if (muted) session?.removeTrack("microphone");
    else await session?.addTrack(t, "microphone");
  }
  say(muted ? "Microphone muted." : "Microphone on.");
});
toggle("camera", "Camera on", "Camera off", async (off) => {
  for (const t of local.camera?.getVideoTracks() ?? []) {
    t.enabled = !off;
    if (off) session?.removeTrack("camera");
    else await session?.addTrack(t, "camera");
  }
  renderMembers(session?.members() ?? []);
  say(off ? "Camera off." : "Camera on.");
});
toggle("share", "Stop sharing", "Share screen", async (on) => {
  if (on) {
    const s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    local.screen = s;
    const [track] = s.getVideoTracks();
    if (track !== undefined) {
      await session?.addTrack(track, "screen");
      track.addEventListener("ended", () => {
        if ($("share").getAttribute("aria-pressed") === "true") $("share").click();
      });
    }
  } else {
    session?.removeTrack("screen");
    for (const t of local.screen?.getTracks() ?? []) t.stop();
    delete local.screen;
  }
  renderMembers(session?.members() ?? []);
});
/** Back from the meeting to the start screen (after leave, end, removal or a lost connection). */
function closeMeetingView(message: string): void {
  for (const st of [local.camera, local.mic, local.screen]) for (const t of st?.getTracks() ?? []) t.stop();
  local = {};
  session = null;
  for (const li of tiles.values()) li.remove();
  tiles.clear();
  for (const b of ["mute", "camera", "share"]) $(b).setAttribute("aria-pressed", "false");
  $("mute").textContent = "Mute";
  $("camera").textContent = "Camera off";
  $("share").textContent = "Share screen";
  $("meeting").hidden = true;
  $("identity").hidden = false;
  showIdentity();
  for (const k of ["code", "epoch", "members", "held", "pictures", "mediaLocal", "inviteLink"] as const) delete state[k];
  $("code").textContent = "—";
  $("invite-result").textContent = "";
  $("media-note").hidden = true;
  state.stage = "left";
  say(message);
}
$("leave").addEventListener("click", action(async () => {
  const s = session;
  closeMeetingView("You left the meeting.");
  await s?.leave();
}));
$("end").addEventListener("click", action(async () => {
  const s = session;
  if (s === null || !confirmEnd()) return;
  closeMeetingView("You ended the meeting for everyone; the server forgot it.");
  await s.end();
}));
/** Ending is for everyone: asked once more (a test answers through the page's dialog handler). */
function confirmEnd(): boolean {
  return confirm("End the meeting for everyone?");
}
$("copy-link").addEventListener("click", action(async () => {
  await navigator.clipboard.writeText($<HTMLInputElement>("invite-link").value);
  say("Link copied: anyone holding it can join.");
}));
onSubmit("invite-form", async () => {
  if (session === null) return;
  const toMailbox = $<HTMLInputElement>("invite-mailbox").checked;
  if (toMailbox) say("Sealing the invitation and paying the mailbox's proof of work…");
  const r = await session.inviteIdentity($<HTMLTextAreaElement>("invite-pub").value, toMailbox);
  if (!r.ok) throw new Error(`public identity: ${r.error}`);
  const name = `invitation-${r.value.inviteeShortId.replace("..", "-")}.v100inv`;
  download(r.value.bytes, name);
  $("invite-result").textContent = `Invitation for ${r.value.inviteeShortId} saved as ${name} ` +
                                   `(${r.value.bytes.length} bytes; opens with v100 join --invitation)` +
                                   (r.value.posted ? " and left in their mailbox." : ".");
  say(`Invited ${r.value.inviteeShortId}.`);
});

let inbox: MailboxCheck | null = null;
$("inbox-check").addEventListener("click", action(async () => {
  if (me === null) throw new Error("unlock an identity first");
  await inbox?.close();
  inbox = null;
  say("Fetching your mailbox…");
  const r = await factory.checkInvitations(wasm, me.identity, me.rec.label, events());
  if (!r.ok) throw new Error(r.error);
  inbox = r.value;
  const list = inbox.invitations;
  state.invitations = list.map((i) => ({ title: i.title, from: i.inviterShortId }));
  $("inbox").replaceChildren(...list.map((inv) => {
    const li = document.createElement("li");
    const text = document.createElement("span");
    const shown = inv.title === "" ? "(no title given)" : `“${inv.title}”`;
    text.textContent = `${shown} from ${inv.inviterShortId}`;
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "Join";
    b.setAttribute("aria-label", `Join ${shown} from ${inv.inviterShortId}`);
    b.addEventListener("click", action(async () => {
      say(`Joining ${shown}…`);
      const s = await inv.join();
      inbox = null;
      $("inbox").replaceChildren();
      if (!s.ok) throw new Error(s.error);
      await enterMeeting(s.value);
    }));
    li.append(text, b);
    return li;
  }));
  say(list.length === 0 ? `No invitations${inbox.junk ? ` (${inbox.junk} unreadable item(s) deleted)` : ""}.`
                        : `${list.length} invitation(s): check who it is from before joining.`);
  if (list.length === 0) {
    await inbox.close();
    inbox = null;
  }
}));

async function main(): Promise<void> {
  const r = await fetch("v100.wasm");
  if (!r.ok) throw new Error(`v100.wasm: HTTP ${r.status}`);
  wasm = await PqWasm.load(await r.arrayBuffer());
  store = await IdentityStore.open();
  await refreshStored();
  showIdentity();
  if (pendingLink !== null) say("You were invited to a meeting: unlock, create or import an identity to join.");
  else say((await store.list()).length > 0 ? "Unlock your identity, or create or import one." :
           "Create an identity, or import a key file.");
}

main().catch((e: unknown) => {
  state.stage = "failed";
  state.error = e instanceof Error ? e.message : String(e);
  say(`The page failed to start: ${state.error}`);
});
