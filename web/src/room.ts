// A browser participant's meeting session, in the manner of LiveKit's `Room`: the C++ SDK's
// Client (src/meeting/client/client.cc, client_keys.cc, client_media.cc) over the same protocol.
//
//   const room = await Room.connect({ url, wasm, identity, name });
//   room.on("epochChanged", (e) => show(e.securityCode));
//   const { link } = await room.create("Design review");     // host: a new meeting, its link
//   await room.joinLink(link);                                // or: an invitation link (fragment)
//   const got = await room.receiveInvitations(); await room.joinInvitation(got.invitations[0]!);
//   room.onFrame = (f) => ...; await room.send({ kind: MediaKind.Audio, keyframe: false, payload });
//
// Group keys as natively (docs/sdk.md "Group keys"): on every join and leave the distributor (the
// online member with the smallest join order) keys a new epoch for every member whose identity blob
// opens and verifies; the others install EpochKey pushes. Frames of a sender whose identity is not
// checked yet wait for the check; only a sender still unchecked after `holdBackMs` is handed over
// with `verified: false`. Nothing is handed over after leave(). All work on keys runs one step at a
// time (a promise chain), frames in arrival order (another one): no two async steps interleave.
import type { Bytes } from "./bytes.js";
import { BfvRoster } from "./fhe.js";
import { InThreadFrameCrypto } from "./frame_crypto.js";
import { makeEpochBlob, openEpochKey, securityCode } from "./group.js";
import type { Identity, PublicIdentity } from "./identity.js";
import { type OpenedInvitation, makeInvitation } from "./invitation.js";
import { ed25519PublicKey, ed25519Sign, makeJoinProofEd25519, removeTranscript } from "./join_proof.js";
import type { FrameCrypto, IncomingFrame, MediaPort, OutgoingFrame } from "./media_port.js";
import {
  type MediaKindCode, type Message, JoinScheme, MediaKind, MemberEventKind, SubscribeMode, envelopeByte,
  kMaxMediaLayer, parseEnvelope,
} from "./protocol.js";
import { type MemberState, type Reply, type RoomEvents, EventQueue, RoomError, chooseDistributor, expectReply } from "./room_events.js";
import { type LinkSecrets, formatInvitationLink, parseInvitationLink } from "./room_link.js";
import { type IdentityEntry, identityToken, openIdentityBlob, openMeetingInfo, sealIdentityBlob,
         sealMeetingInfo, sealNameBlob } from "./roster.js";
import { KeySchedule } from "./schedule.js";
import { Transport, type TransportResult } from "./transport.js";
import type { PqWasm } from "./wasm.js";
import { FrameInbox, kControlKeyframeRequest } from "./room_frames.js";
import { postInvitation, receiveInvitations } from "./room_mailbox.js";
import { type RosterMember, fetchRoster } from "./room_roster.js";

export { RoomError } from "./room_events.js";
export type { RoomEvents, ConnectionState } from "./room_events.js";
export type { RosterMember } from "./room_roster.js";

/** Key blob kinds (protocol.md): the meeting's BFV public key, a member's identity blob. */
const kKeyBfvPublic = 1;
/** The host's Ed25519 verifier (key kind 0x7f01): checks RemoveMember. */
const kKeyHostVerifier = 0x7f01;
const identityKind = (slot: number): number => 0x8000 | slot;

export interface RoomOptions {
  /** wss://host/v100 */
  url: string;
  wasm: PqWasm;
  identity: Identity;
  /** The name others see (sealed: the server never sees it). */
  name: string;
  /** Frame encryption (default: InThreadFrameCrypto). */
  crypto?: FrameCrypto;
  /** How long frames wait for their epoch key or their sender's identity check (default 3 s). */
  holdBackMs?: number;
  requestTimeoutMs?: number;
}

export interface RoomStats {
  framesSent: number;
  framesReceived: number;
  framesUndecryptable: number;
  framesHeldBack: number;
  framesIdentityWait: number;
  framesUnchecked: number;
  framesSendRefused: number;
  epochsInstalled: number;
  epochsDistributed: number;
  keyframeRequestsSent: number;
  keyframeRequestsReceived: number;
  listenerErrors: number;
}

interface Member extends MemberState {
  identity: IdentityEntry | null;
}


export class Room implements MediaPort {
  onFrame: ((f: IncomingFrame) => void) | null = null;
  onKeyframeRequest: ((fromSlot: number, kind: MediaKindCode) => void) | null = null;
  onEpoch: ((epoch: bigint) => void) | null = null;

  private readonly events = new EventQueue();
  private readonly crypto: FrameCrypto;
  private readonly holdBackMs: number;
  private readonly inbox: FrameInbox;
  private readonly st: RoomStats = {
    framesSent: 0, framesReceived: 0, framesUndecryptable: 0, framesHeldBack: 0, framesIdentityWait: 0,
    framesUnchecked: 0, framesSendRefused: 0, epochsInstalled: 0, epochsDistributed: 0, keyframeRequestsSent: 0,
    keyframeRequestsReceived: 0, listenerErrors: 0,
  };
  // The meeting (set by join, cleared by leave/removal/end).
  private joined = false;
  private ks: KeySchedule | null = null;
  private session = 0n;
  private handle: Bytes = new Uint8Array(32);
  private rosterKey: Bytes = new Uint8Array(0);
  private joinSeedOverride: Bytes = new Uint8Array(0);
  /** The host key (create() only): 32 random bytes, never derived from the meeting secret. */
  private hostKey: Bytes = new Uint8Array(0);
  private mySlot = -1;
  private members = new Map<number, Member>();
  private departed = new Map<number, { identity: IdentityEntry; lastEpoch: bigint }>();
  private announced = new Set<number>();
  private epochNow = 0n;
  private serverEpoch = 0n;
  private epochSlots: number[] = [];
  private code = "";
  private keyChain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | null = null;

  private constructor(private readonly opt: RoomOptions, private readonly t: Transport) {
    this.crypto = opt.crypto ?? new InThreadFrameCrypto();
    this.holdBackMs = opt.holdBackMs ?? 3000;
    const self = this;  // the inbox sees the room through getters (its fields stay private)
    this.inbox = new FrameInbox({
      get inMeeting() { return self.joined; },
      get mySlot() { return self.mySlot; },
      get installedEpoch() { return self.epochNow; },
      senderOf: (slot, epoch) => self.senderOf(slot, epoch),
      checkIdentities: () => self.keyStep(() => self.checkWaitingIdentities()),
      handFrame: (f) => {
        try {
          self.onFrame?.(f);
        } catch {
          ++self.events.listenerErrors;
        }
      },
      keyframeRequested: (from, kind) => {
        try {
          self.onKeyframeRequest?.(from, kind);
        } catch {
          ++self.events.listenerErrors;
        }
      },
    }, this.crypto, this.events, this.st, this.holdBackMs);
    t.onPush = (m) => this.onPush(m);
    t.onClose = (reason) => this.events.post("connectionStateChanged", { state: "disconnected", reason });
  }

  /** Opens the connection (Hello). Not yet in a meeting. */
  static async connect(opt: RoomOptions): Promise<Room> {
    const c = await Transport.connect(opt.url, { requestTimeoutMs: opt.requestTimeoutMs ?? 10_000 });
    if (!c.ok) throw new RoomError("connection", c.error);
    // Connected now; connectionStateChanged reports what changes afterwards (as the C++ SDK's
    // kConnectionChanged), so no listener misses a "connected" posted before it could subscribe.
    return new Room(opt, c.value.t);
  }

  /** Connects and hosts a new meeting: the room and the invitation link for `pageUrl`. */
  static async create(opt: RoomOptions & { title: string; pageUrl: string }): Promise<{ room: Room; link: string }> {
    const room = await Room.connect(opt);
    return { room, link: await room.create(opt.title, opt.pageUrl) };
  }

  /** Connects and joins by an invitation link (or an opened invitation). */
  static async join(opt: RoomOptions & ({ link: string } | { invitation: OpenedInvitation })): Promise<Room> {
    const room = await Room.connect(opt);
    if ("link" in opt) await room.joinLink(opt.link);
    else await room.joinInvitation(opt.invitation);
    return room;
  }

  on<K extends keyof RoomEvents>(name: K, fn: (data: RoomEvents[K]) => void): () => void {
    return this.events.on(name, fn);
  }

  get slot(): number {
    return this.joined ? this.mySlot : -1;
  }
  get epoch(): bigint {
    return this.epochNow;
  }
  get securityCode(): string {
    return this.code;
  }
  get epochMembers(): number[] {
    return [...this.epochSlots];
  }
  get inMeeting(): boolean {
    return this.joined;
  }
  get connected(): boolean {
    return this.t.open;
  }
  stats(): RoomStats {
    return { ...this.st, listenerErrors: this.events.listenerErrors };
  }
  /** The checked identity of `slot`'s member, if its identity blob was opened and verified. */
  participant(slot: number): { userId: Bytes; name: string } | null {
    const id = this.members.get(slot)?.identity;
    return id ? { userId: id.userId, name: id.displayName } : null;
  }

  // ---- meetings -------------------------------------------------------------------------------

  /**
   * Creates a meeting (client.cc create_meeting): a fresh meeting secret, CreateMeeting with the
   * Ed25519 join verifier, the sealed title and the BFV public key, then joins it. Returns the link
   * (`pageUrl` with the secrets in its fragment).
   */
  async create(title: string, pageUrl: string, session = 1n, maxMembers = 64): Promise<string> {
    const w = this.opt.wasm;
    const ks = KeySchedule.fromSecret(KeySchedule.generateSecret());
    const hostKey = crypto.getRandomValues(new Uint8Array(32));
    try {
      const handle = await ks.handle(session);
      const joinSeed = await ks.joinKey(session);
      const verifier = await ed25519PublicKey(joinSeed);
      joinSeed.fill(0);
      if (!verifier.ok) throw new RoomError("state", verifier.error);
      const infoKey = await ks.infoKey(session);
      const infoBlob = await sealMeetingInfo(infoKey, handle, title);
      infoKey.fill(0);
      const bfvSeed = await ks.bfvSeed();
      const bfv = BfvRoster.create(w, bfvSeed);
      bfvSeed.fill(0);
      let pk: Uint8Array;
      try {
        pk = await bfv.publicKey();
      } finally {
        bfv.free();
      }
      const hostVerifier = await ed25519PublicKey(hostKey);
      if (!hostVerifier.ok) throw new RoomError("state", hostVerifier.error);
      this.expect(await this.t.call({ type: "CreateMeeting", handle, maxMembers, scheme: JoinScheme.Ed25519,
                                      joinVerifier: verifier.value, infoBlob,
                                      keys: [{ kind: kKeyBfvPublic, blob: new Uint8Array(pk) },
                                             { kind: kKeyHostVerifier, blob: hostVerifier.value }] }), "Ack", "CreateMeeting");
      const secret = ks.secret();
      try {
        await this.join(secret, session, new Uint8Array(0));
        this.hostKey = hostKey;
        return formatInvitationLink(pageUrl, { meetingSecret: secret, session, joinSeed: new Uint8Array(0) });
      } finally {
        secret.fill(0);
      }
    } finally {
      if (this.hostKey !== hostKey) hostKey.fill(0);  // kept only by a room that joined as host
      ks.wipe();
    }
  }

  /** Joins by an invitation link (a URL or its fragment). */
  async joinLink(link: string): Promise<void> {
    const s = parseInvitationLink(link);
    if (!s.ok) throw new RoomError("state", s.error);
    try {
      await this.join(s.value.meetingSecret, s.value.session, s.value.joinSeed);
    } finally {
      s.value.meetingSecret.fill(0);
      s.value.joinSeed.fill(0);
    }
  }

  /** Joins by an opened invitation (check its inviterId first: anyone can invite to a meeting of theirs). */
  joinInvitation(inv: OpenedInvitation): Promise<void> {
    return this.join(inv.meetingSecret, inv.session, inv.joinSeed);
  }

  /** The link of this meeting for `pageUrl` (a bearer capability: give it only to invitees). */
  link(pageUrl: string): string {
    if (this.ks === null) throw new RoomError("state", "link: not in a meeting");
    const secrets: LinkSecrets = { meetingSecret: this.ks.secret(), session: this.session, joinSeed: this.joinSeedOverride };
    try {
      return formatInvitationLink(pageUrl, secrets);
    } finally {
      secrets.meetingSecret.fill(0);
    }
  }

  /** The meeting title (GetMeeting, opened with the info key). */
  async title(): Promise<string> {
    const info = this.expect(await this.t.call({ type: "GetMeeting" }), "MeetingInfo", "GetMeeting");
    if (this.ks === null) throw new RoomError("state", "title: not in a meeting");
    const key = await this.ks.infoKey(this.session);
    const t = await openMeetingInfo(key, this.handle, info.infoBlob);
    key.fill(0);
    if (!t.ok) throw new RoomError("protocol", `meeting info: ${t.error}`);
    return t.value.title;
  }

  private async join(ms: Uint8Array, session: bigint, joinSeedIn: Uint8Array): Promise<void> {
    if (this.joined) throw new RoomError("state", "join: already in a meeting");
    if (joinSeedIn.length !== 0 && joinSeedIn.length !== 32) throw new RoomError("state", "join: join seed must be 32 bytes");
    const w = this.opt.wasm, me = this.opt.identity;
    const ks = KeySchedule.fromSecret(ms);
    const handle = await ks.handle(session);
    const ch = this.expect(await this.t.call({ type: "JoinChallengeRequest", handle }), "JoinChallenge", "JoinChallengeRequest");
    const joinSeed = joinSeedIn.length === 32 ? new Uint8Array(joinSeedIn) : await ks.joinKey(session);
    const proof = await makeJoinProofEd25519(joinSeed, handle, ch.nonce);
    joinSeed.fill(0);
    if (!proof.ok) throw new RoomError("state", `join proof: ${proof.error}`);
    const acc = this.expect(await this.t.call({ type: "JoinProve", handle, nonce: ch.nonce, proof: proof.value, reclaim: null }),
                            "JoinAccepted", "JoinProve");
    const rosterKey = await ks.rosterKey(session);
    // The meeting state, as client.cc join() sets it, before any await that lets pushes in.
    this.joined = true;
    this.ks = ks;
    this.session = session;
    this.handle = handle;
    this.rosterKey = rosterKey;
    this.joinSeedOverride = new Uint8Array(joinSeedIn);
    this.mySlot = acc.slot;
    this.members = new Map(acc.members.map((m) => [m.slot, { joinSeq: m.joinSeq, online: m.online, identity: null }]));
    this.members.set(acc.slot, { joinSeq: acc.joinSeq, online: true, identity: null });
    this.departed.clear();
    this.announced.clear();
    this.epochNow = 0n;
    this.serverEpoch = acc.epoch;
    this.inbox.reset();
    this.timer ??= setInterval(() => this.inbox.tick(), 200);
    // Identity blob first (the distributor needs it to key us), then the roster entry.
    const ib = await sealIdentityBlob(me, rosterKey, handle, acc.slot, acc.joinSeq, this.opt.name);
    this.expect(await this.t.call({ type: "PutKeyBlob", kind: identityKind(acc.slot), blob: ib }), "Ack", "PutKeyBlob");
    const bfvSeed = await ks.bfvSeed();
    const bfv = BfvRoster.create(w, bfvSeed);
    bfvSeed.fill(0);
    let ct: Uint8Array;
    try {
      const rnd = crypto.getRandomValues(new Uint8Array(32));
      ct = await bfv.encryptToken(acc.slot, identityToken(w, me.userId), rnd);
      rnd.fill(0);
    } finally {
      bfv.free();
    }
    this.expect(await this.t.call({ type: "PutRoster", slot: acc.slot, rosterCt: new Uint8Array(ct),
                                    nameBlob: await sealNameBlob(rosterKey, handle, acc.slot, this.opt.name, me.userId) }),
                "Ack", "PutRoster");
    this.expect(await this.t.call({ type: "Subscribe", mode: SubscribeMode.All, slots: [] }), "Ack", "Subscribe");
    if (acc.epoch > 0n) this.keyStep(() => this.fetchEpoch());
    this.keyStep(() => this.rekey());
  }

  /** Leaves (Leave, then forgets the meeting and its keys); nothing is handed over afterwards. */
  async leave(): Promise<void> {
    if (!this.joined) throw new RoomError("state", "leave: not in a meeting");
    const r = await this.t.call({ type: "Leave" });
    this.resetMeeting();
    if (!r.ok) throw new RoomError("connection", r.error);
  }

  /**
   * Host only (client.cc remove_member): removes `slot`'s member with a proof by the host key over a
   * fresh server nonce and a new random join key; its old join key and slot token admit nobody, the
   * others rekey (the member's MemberEvent), and later links and invitations carry the new join key.
   */
  async removeMember(slot: number): Promise<void> {
    if (!this.joined) throw new RoomError("state", "removeMember: not in a meeting");
    if (this.hostKey.length !== 32) throw new RoomError("state", "removeMember: this room does not hold the host key");
    const handle = this.handle;
    const ch = this.expect(await this.t.call({ type: "JoinChallengeRequest", handle }), "JoinChallenge", "JoinChallengeRequest");
    const joinSeed = crypto.getRandomValues(new Uint8Array(32));
    const verifier = await ed25519PublicKey(joinSeed);
    if (!verifier.ok) throw new RoomError("state", verifier.error);
    const proof = await ed25519Sign(this.hostKey, removeTranscript(handle, ch.nonce, slot, verifier.value));
    if (!proof.ok) throw new RoomError("state", proof.error);
    try {
      this.expect(await this.t.call({ type: "RemoveMember", slot, nonce: ch.nonce, newJoinVerifier: verifier.value,
                                      proof: proof.value }), "Ack", "RemoveMember");
    } catch (e) {
      joinSeed.fill(0);
      throw e;
    }
    this.joinSeedOverride.fill(0);
    this.joinSeedOverride = joinSeed;
  }

  /** Ends the meeting for everyone (EndMeeting: the server deletes its whole state; the others get meetingEnded). */
  async endMeeting(): Promise<void> {
    if (!this.joined) throw new RoomError("state", "endMeeting: not in a meeting");
    this.expect(await this.t.call({ type: "EndMeeting" }), "Ack", "EndMeeting");
    this.resetMeeting();
    this.events.post("meetingEnded", {});
  }

  /** Leaves if in a meeting and closes the connection. */
  async close(): Promise<void> {
    if (this.joined) await this.leave().catch(() => {});
    this.t.close();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.crypto.close();
  }

  private resetMeeting(): void {
    const epochsHeld = this.epochNow;
    this.joined = false;
    this.ks?.wipe();
    this.ks = null;
    this.rosterKey.fill(0);
    this.joinSeedOverride.fill(0);
    this.hostKey.fill(0);
    this.hostKey = new Uint8Array(0);
    this.members.clear();
    this.departed.clear();
    this.announced.clear();
    this.inbox.reset();
    this.epochSlots = [];
    this.code = "";
    void epochsHeld;
    // The keys go with the meeting: a FrameCrypto serves one meeting (make a new Room to join another).
    this.crypto.close();
  }

  // ---- invitations ----------------------------------------------------------------------------

  /** An invitation for `invitee` to this meeting (give it out of band or postInvitation()). */
  async invite(invitee: PublicIdentity, title = ""): Promise<Bytes> {
    if (this.ks === null) throw new RoomError("state", "invite: not in a meeting");
    const ms = this.ks.secret();
    try {
      return await makeInvitation(this.opt.wasm, this.opt.identity, invitee, ms, this.session, title, this.joinSeedOverride);
    } finally {
      ms.fill(0);
    }
  }

  /** Leaves `invitation` in `invitee`'s anonymous mailbox, paying the server's proof of work. */
  postInvitation(invitee: PublicIdentity, invitation: Uint8Array): Promise<void> {
    return postInvitation((m) => this.t.call(m), this.opt.wasm, invitee, invitation);
  }

  /**
   * Reads and clears this identity's mailbox (owner proof: an ML-DSA-65 signature over a fresh
   * server nonce): the invitations that open, and how many items did not (junk, deleted too).
   */
  receiveInvitations(): Promise<{ invitations: OpenedInvitation[]; junk: number }> {
    return receiveInvitations((m) => this.t.call(m), this.opt.wasm, this.opt.identity);
  }

  /** The encrypted roster, opened: names, and whether identity and BFV token check (client.cc fetch_roster). */
  fetchRoster(): Promise<RosterMember[]> {
    if (this.ks === null) return Promise.reject(new RoomError("state", "fetchRoster: not in a meeting"));
    return fetchRoster((m) => this.t.call(m), this.opt.wasm, this.ks, this.rosterKey, this.handle,
                       (slot) => this.keyStepResult(() => this.ensureIdentity(slot)));
  }

  // ---- media (MediaPort) ----------------------------------------------------------------------

  async send(frame: OutgoingFrame): Promise<boolean> {
    if (frame.kind === MediaKind.Control) throw new RoomError("state", "send: Control frames are the session's own");
    const env = { kind: frame.kind, keyframe: frame.keyframe, layer: frame.layer ?? 0 };
    if (env.layer > kMaxMediaLayer || parseEnvelope(envelopeByte(env)) === null)
      throw new RoomError("state", "send: invalid media envelope");
    return this.sendSealed(env, frame.payload);
  }

  async requestKeyframe(slot: number, kind: MediaKindCode): Promise<boolean> {
    if (kind !== MediaKind.Video && kind !== MediaKind.Screen) throw new RoomError("state", "requestKeyframe: video or screen only");
    const body = Uint8Array.of(kControlKeyframeRequest, slot & 0xff, slot >> 8, kind);
    const ok = await this.sendSealed({ kind: MediaKind.Control, keyframe: false, layer: 0 }, body);
    if (ok) ++this.st.keyframeRequestsSent;
    return ok;
  }

  private async sendSealed(env: { kind: MediaKindCode; keyframe: boolean; layer: number }, payload: Uint8Array): Promise<boolean> {
    if (!this.joined || this.epochNow === 0n || !this.t.open) {
      ++this.st.framesSendRefused;
      return false;
    }
    const slot = this.mySlot, eb = envelopeByte(env);
    let sealed: Uint8Array;
    try {
      sealed = await this.crypto.protect(slot, eb, payload);
    } catch {
      ++this.st.framesSendRefused;
      return false;
    }
    if (!this.joined || !this.t.send({ type: "MediaFrame", slot, envelope: env, payload: new Uint8Array(sealed) })) {
      ++this.st.framesSendRefused;
      return false;
    }
    ++this.st.framesSent;
    return true;
  }

  // ---- pushes ---------------------------------------------------------------------------------

  private onPush(m: Message): void {
    switch (m.type) {
      case "MediaFrame": this.inbox.relayed(m.slot, envelopeByte(m.envelope), m.payload); return;
      case "MediaBundle": for (const f of m.frames) this.inbox.relayed(f.slot, envelopeByte(f.envelope), f.payload); return;
      case "MemberEvent": this.onMemberEvent(m); return;
      case "EpochKey": {
        const item = { epoch: m.epoch, fromSlot: m.fromSlot, blob: m.blob };
        this.keyStep(() => this.handleEpochKey(item));
        return;
      }
      default: return;  // Pong and the like: nothing to do
    }
  }

  private onMemberEvent(ev: Reply<"MemberEvent">): void {
    if (!this.joined) return;
    switch (ev.kind) {
      case MemberEventKind.Joined:
        this.members.set(ev.slot, { joinSeq: ev.joinSeq, online: true, identity: null });
        if (this.inbox.isWanted(ev.slot)) this.keyStep(() => this.checkWaitingIdentities());
        break;
      case MemberEventKind.Left: this.depart(ev.slot); break;
      case MemberEventKind.Removed:
        if (ev.slot === this.mySlot) {
          this.resetMeeting();
          this.events.post("removed", {});
          return;
        }
        this.depart(ev.slot);
        break;
      case MemberEventKind.Online: { const x = this.members.get(ev.slot); if (x) x.online = true; break; }
      case MemberEventKind.Offline: { const x = this.members.get(ev.slot); if (x) x.online = false; break; }
      case MemberEventKind.MeetingEnded:
        this.resetMeeting();
        this.events.post("meetingEnded", {});
        return;
      default: return;
    }
    this.keyStep(() => this.rekey());
  }

  private depart(slot: number): void {
    const m = this.members.get(slot);
    if (m === undefined) return;
    if (m.identity !== null) {
      const last = this.epochNow > this.serverEpoch ? this.epochNow : this.serverEpoch;
      this.departed.set(slot, { identity: m.identity, lastEpoch: last });
      if (this.announced.delete(slot))
        this.events.post("participantLeft", { slot, userId: m.identity.userId, name: m.identity.displayName });
    }
    this.members.delete(slot);
  }

  // ---- keys (one step at a time on keyChain) --------------------------------------------------

  private keyStep(fn: () => Promise<void>): void {
    this.keyChain = this.keyChain.then(fn).catch(() => {});
  }
  private keyStepResult<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.keyChain.then(fn);
    this.keyChain = p.then(() => {}, () => {});
    return p;
  }

  /** The checked identity of `slot` (fetching and opening its identity blob if needed). */
  private async ensureIdentity(slot: number): Promise<IdentityEntry | null> {
    const m = this.members.get(slot);
    if (!this.joined || m === undefined) return null;
    if (m.identity !== null) return m.identity;
    const joinSeq = m.joinSeq, rk = this.rosterKey, h = this.handle;
    const r = await this.t.call({ type: "GetKeyBlob", kind: identityKind(slot) });
    if (!r.ok || r.value.type !== "KeyBlob") return null;
    const e = await openIdentityBlob(this.opt.wasm, rk, h, slot, joinSeq, r.value.blob);
    if (!e.ok) return null;
    const now = this.members.get(slot);
    if (now === undefined || now.joinSeq !== joinSeq || !this.joined) return null;  // left meanwhile
    now.identity = e.value;
    if (slot !== this.mySlot && !this.announced.has(slot)) {
      this.announced.add(slot);
      this.events.post("participantJoined", { slot, userId: e.value.userId, name: e.value.displayName });
    }
    return e.value;
  }

  private async handleEpochKey(item: { epoch: bigint; fromSlot: number; blob: Bytes }): Promise<void> {
    if (!this.joined || item.epoch <= this.epochNow || this.ks === null) return;
    if (item.epoch > this.serverEpoch) this.serverEpoch = item.epoch;
    const dist = await this.ensureIdentity(item.fromSlot);
    if (dist === null || this.ks === null) return;
    const opened = await openEpochKey(this.opt.wasm, this.opt.identity, this.mySlot, dist.identity, this.ks, this.session,
                                      this.handle, item);
    if (!opened.ok) return;
    await this.installEpoch(opened.value.header.epoch, opened.value.epochSecret, opened.value.header.memberSlots);
  }

  private async fetchEpoch(): Promise<void> {
    const r = await this.t.call({ type: "FetchEpochKey" });
    if (r.ok && r.value.type === "EpochKey") await this.handleEpochKey({ epoch: r.value.epoch, fromSlot: r.value.fromSlot, blob: r.value.blob });
  }

  /** Installs epoch `e` (secret wiped here): send and receive keys, code, held frames, events. */
  private async installEpoch(e: bigint, secret: Bytes, slots: readonly number[]): Promise<void> {
    try {
      if (!this.joined || e <= this.epochNow) return;
      const ids: Bytes[] = [];
      for (const s of slots) {
        const idn = await this.ensureIdentity(s);
        if (idn !== null) ids.push(idn.userId);
      }
      const c = securityCode(this.opt.wasm, ids);
      if (!this.joined || e <= this.epochNow) return;
      await this.crypto.setSendEpoch(this.mySlot, e, secret);
      await this.crypto.addReceiveEpoch(e, secret);
      this.epochNow = e;
      if (e > this.serverEpoch) this.serverEpoch = e;
      this.epochSlots = [...slots];
      this.code = c;
      ++this.st.epochsInstalled;
      this.inbox.epochInstalled(e);  // frames held for this epoch, in arrival order
      try {
        this.onEpoch?.(e);
      } catch {
        ++this.events.listenerErrors;
      }
      this.events.post("epochChanged", { epoch: e, securityCode: c, members: [...slots] });
    } finally {
      secret.fill(0);
    }
  }

  /** Keys a new epoch if this participant is the distributor (client_keys.cc do_rekey). */
  private async rekey(): Promise<void> {
    if (!this.joined || chooseDistributor(this.members, this.mySlot) !== this.mySlot) return;
    const slots = [...this.members.keys()];
    // A blob that does not open or verify leaves that slot out of the epoch, without waiting.
    const ids = new Map<number, IdentityEntry>();
    for (const s of slots) {
      const e = await this.ensureIdentity(s);
      if (e !== null) ids.set(s, e);
    }
    if (!this.joined || !ids.has(this.mySlot) || this.ks === null) return;
    const memberSlots = [...ids.keys()].sort((a, b) => a - b);
    let next = (this.epochNow > this.serverEpoch ? this.epochNow : this.serverEpoch) + 1n;
    for (let attempt = 0; attempt < 4; ++attempt) {
      const fresh = crypto.getRandomValues(new Uint8Array(32));
      try {
        const entries = [];
        for (const s of memberSlots)
          entries.push({ slot: s, blob: await makeEpochBlob(this.opt.wasm, this.opt.identity, this.mySlot, this.handle, next,
                                                            memberSlots, s, ids.get(s)!.identity, fresh) });
        const r = await this.t.call({ type: "PostEpoch", epoch: next, entries });
        if (!r.ok || !this.joined || this.ks === null) return;
        if (r.value.type === "Ack") {
          ++this.st.epochsDistributed;
          await this.installEpoch(next, await this.ks.epochSecret(this.session, next, fresh), memberSlots);
          return;
        }
        if (r.value.type === "Error" && r.value.code === 11) {  // StaleEpoch: the server takes its epoch + 1
          const info = await this.t.call({ type: "GetMeeting" });
          if (!info.ok || info.value.type !== "MeetingInfo") return;
          next = info.value.epoch + 1n;
          continue;
        }
        return;  // BadSlot (someone left meanwhile: its event rekeys) or NotDistributor
      } finally {
        fresh.fill(0);
      }
    }
  }

  // ---- frames (room_frames.ts) ---------------------------------------------------------------

  /** The checked identity naming `slot`'s frames of `epoch` (a departed member names the epochs it held). */
  private senderOf(slot: number, epoch: bigint): IdentityEntry | null {
    const d = this.departed.get(slot);
    return d !== undefined && epoch <= d.lastEpoch ? d.identity : this.members.get(slot)?.identity ?? null;
  }

  /** Checks the identities frames wait for, then lets the inbox hand over those now labelled. */
  private async checkWaitingIdentities(): Promise<void> {
    for (const s of this.inbox.wanted()) await this.ensureIdentity(s);
    await this.inbox.releaseChecked();
  }

  private expect<T extends Message["type"]>(r: TransportResult<Message>, type: T, what: string): Reply<T> {
    return expectReply(r, type, what);
  }
}
