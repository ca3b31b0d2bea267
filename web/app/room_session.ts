// The page's MeetingSession over the SDK: a Room (src/room.ts: keys, members, epochs, the
// connection; the MediaPort) and a MediaSession (src/media.ts: WebCodecs camera, microphone and
// screen, decoded pictures, audio playout) whose frames are SFrame-protected in a Worker
// (WorkerFrameCrypto, sframe_worker.js next to the page). Links are the Room's (the meeting secret in
// the fragment); invitations by public identity are the Room's invitation bytes (a file for
// `v100 join --invitation`, or left in the invitee's mailbox). What the server holds comes from the
// ledger of what this page sent (ledger.ts).
import { toHex } from "../src/bytes.js";
import type { Result } from "../src/crypto.js";
import { WorkerFrameCrypto } from "../src/frame_crypto.js";
import { type Identity, parsePublicIdentityText, shortId } from "../src/identity.js";
import { MediaSession } from "../src/media.js";
import { MediaKind, type MediaKindCode } from "../src/protocol.js";
import { Room } from "../src/room.js";
import type { PqWasm } from "../src/wasm.js";
import { ServerLedger, tapSentMessages } from "./ledger.js";
import type {
  Invitation, MailboxCheck, Member, MeetingSession, PendingInvitation, ServerHeld, SessionEvents, SessionFactory,
  TrackSource,
} from "./session.js";

const kindOf: Record<TrackSource, MediaKindCode> = {
  camera: MediaKind.Video, microphone: MediaKind.Audio, screen: MediaKind.Screen,
};

class RoomSession implements MeetingSession {
  readonly sendsMedia = true;
  isHost = false;
  private readonly others = new Map<number, { name: string; userId: string }>();
  private readonly left = new Set<number>();
  title = "";
  private media: MediaSession | null = null;
  private closed = false;

  constructor(private readonly w: PqWasm, private readonly room: Room, private readonly me: Identity,
              private readonly name: string, private readonly ledger: ServerLedger,
              private readonly untap: () => void, private readonly events: SessionEvents) {}

  get slot(): number {
    return this.room.slot;
  }

  get epoch(): bigint {
    return this.room.epoch;
  }

  /** Subscribes to the Room's events (before the Room joins, so none is missed). */
  listen(): void {
    const r = this.room;
    r.on("participantJoined", (p) => {
      this.left.delete(p.slot);
      this.others.set(p.slot, { name: p.name, userId: toHex(p.userId) });
      this.events.onMembers?.(this.members());
    });
    r.on("participantLeft", (p) => {
      this.others.delete(p.slot);
      this.left.add(p.slot);
      this.events.onMembers?.(this.members());
    });
    r.on("epochChanged", (e) => {
      this.ledger.sawEpoch(e.epoch);
      this.events.onEpoch?.(e.epoch, e.securityCode);
      this.events.onMembers?.(this.members());
      this.events.onServerHeld?.(this.serverHeld());
    });
    r.on("connectionStateChanged", (c) => {
      if (c.state === "disconnected" && !this.closed) this.events.onEnded?.("disconnected");
    });
    r.on("removed", () => {
      if (!this.closed) this.events.onEnded?.("removed");
    });
    r.on("meetingEnded", () => {
      if (!this.closed) this.events.onEnded?.("ended");
    });
  }

  /** Starts the media session once the Room is in the meeting. */
  startMedia(): void {
    this.media = new MediaSession(this.room, {
      playout: true,
      onPicture: (p) => this.events.onPicture?.({ slot: p.slot, source: p.kind === MediaKind.Screen ? "screen" : "camera",
                                                   frame: p.frame }),
    });
  }

  members(): Member[] {
    const me = this.room.slot;
    const out: Member[] = [{ slot: me, name: this.name, userId: toHex(this.me.userId), verified: true, self: true }];
    // Everyone keyed into the current epoch or announced since: named only once their identity blob
    // opened and its signature checked (Room.participant); until then shown as unverified.
    const slots = new Set([...this.room.epochMembers, ...this.others.keys()]);
    for (const slot of slots) {
      if (slot === me || (this.left.has(slot) && !this.others.has(slot))) continue;
      const p = this.room.participant(slot);
      out.push(p === null ? { slot, name: `slot ${slot}`, userId: "", verified: false, self: false }
                          : { slot, name: p.name, userId: toHex(p.userId), verified: true, self: false });
    }
    return out.sort((a, b) => a.slot - b.slot);
  }

  securityCode(): string | null {
    return this.room.securityCode === "" ? null : this.room.securityCode;
  }

  serverHeld(): ServerHeld {
    return this.ledger.held();
  }

  inviteLink(): string {
    return this.room.link(`${location.origin}/`);
  }

  async inviteIdentity(publicText: string, toMailbox: boolean): Promise<Result<Invitation>> {
    const pub = parsePublicIdentityText(this.w, publicText);
    if (!pub.ok) return pub;
    const bytes = await this.room.invite(pub.value, this.title);
    if (toMailbox) await this.room.postInvitation(pub.value, bytes);
    return { ok: true, value: { inviteeShortId: shortId(pub.value.userId(this.w)), bytes, posted: toMailbox } };
  }

  async addTrack(track: MediaStreamTrack, source: TrackSource): Promise<boolean> {
    if (this.media === null) return false;
    await this.media.addTrack(track, kindOf[source]);
    return true;
  }

  removeTrack(source: TrackSource): void {
    this.media?.removeTrack(kindOf[source]);
  }

  async remove(slot: number): Promise<void> {
    await this.room.removeMember(slot);
  }

  async end(): Promise<void> {
    this.closed = true;
    this.media?.close();
    this.media = null;
    await this.room.endMeeting();
    await this.room.close();
    this.untap();
  }

  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.media?.close();
    this.media = null;
    await this.room.close();
    this.untap();
  }
}

async function open(wasm: PqWasm, identity: Identity, name: string, events: SessionEvents,
                    enter: (room: Room) => Promise<string>, host = false): Promise<Result<MeetingSession>> {
  const ledger = new ServerLedger((h) => events.onServerHeld?.(h));
  const untap = tapSentMessages((m) => ledger.record(m));
  let room: Room | undefined;
  try {
    room = await Room.connect({ url: `wss://${location.host}/v100`, wasm, identity, name,
                                crypto: WorkerFrameCrypto.start("sframe_worker.js") });
    const s = new RoomSession(wasm, room, identity, name, ledger, untap, events);
    s.listen();
    s.isHost = host;
    s.title = await enter(room);
    s.startMedia();
    return { ok: true, value: s };
  } catch (e) {
    await room?.close().catch(() => {});
    untap();
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

async function checkMailbox(wasm: PqWasm, identity: Identity, name: string,
                           events: SessionEvents): Promise<Result<MailboxCheck>> {
  const ledger = new ServerLedger((h) => events.onServerHeld?.(h));
  const untap = tapSentMessages((m) => ledger.record(m));
  let room: Room | undefined;
  try {
    room = await Room.connect({ url: `wss://${location.host}/v100`, wasm, identity, name,
                                crypto: WorkerFrameCrypto.start("sframe_worker.js") });
    const got = await room.receiveInvitations();
    const r = room;
    let used = false;
    const invitations: PendingInvitation[] = got.invitations.map((inv) => ({
      title: inv.title,
      inviterShortId: shortId(inv.inviterId),
      join: async (): Promise<Result<MeetingSession>> => {
        if (used) return { ok: false, error: "an invitation of this list was already used" };
        used = true;
        const s = new RoomSession(wasm, r, identity, name, ledger, untap, events);
        s.listen();
        try {
          await r.joinInvitation(inv);
          // The meeting's own sealed title (an invitation may carry none).
          s.title = await r.title();
          s.startMedia();
          return { ok: true, value: s };
        } catch (e) {
          await r.close().catch(() => {});
          untap();
          return { ok: false, error: e instanceof Error ? e.message : String(e) };
        } finally {
          inv.meetingSecret.fill(0);
        }
      },
    }));
    return { ok: true, value: { invitations, junk: got.junk, close: async () => {
      if (used) return;
      used = true;
      for (const inv of got.invitations) inv.meetingSecret.fill(0);
      await r.close();
      untap();
    } } };
  } catch (e) {
    await room?.close().catch(() => {});
    untap();
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export const roomSessionFactory: SessionFactory = {
  checkInvitations: checkMailbox,
  create(wasm, identity, name, title, events) {
    return open(wasm, identity, name, events, async (room) => {
      await room.create(title, `${location.origin}/`);
      return title;
    }, true);
  },
  joinLink(wasm, identity, name, link, events) {
    return open(wasm, identity, name, events, async (room) => {
      await room.joinLink(link);
      return room.title();
    });
  },
};
