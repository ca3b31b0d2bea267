// What the meeting page needs of a meeting session, and nothing more: the page (app.ts) is written
// against this interface (room_session.ts implements it over the SDK's Room + MediaSession), so the
// page needs nothing of the SDK's session internals and a test or another session can stand behind it.
import type { Result } from "../src/crypto.js";
import type { Identity } from "../src/identity.js";
import type { PqWasm } from "../src/wasm.js";

/** A participant as the page shows it: the name comes from the encrypted roster (opened on this
 * client), `verified` says the identity blob's ML-DSA-65 signature and user id checked out. */
export interface Member {
  slot: number;
  name: string;
  /** Hex user id (SHA3-256 of the public identity). */
  userId: string;
  verified: boolean;
  self: boolean;
}

/** One thing this client sent that the server keeps, as the server sees it: sizes and numbers,
 * never a plaintext (names and the title are inside the sealed blobs). */
export interface HeldItem {
  what: string;
  bytes: number;
  note: string;
}

/** "What the server holds" for this meeting, computed on this client from what it sent. */
export interface ServerHeld {
  /** The meeting's random handle (hex): derived from the meeting secret, unlinkable to the title. */
  handle: string;
  items: HeldItem[];
  /** Epoch numbers the server has seen (the key material is sealed to each member). */
  epochs: string[];
  /** Media frames this client relayed (the server forwards them; it stores none). */
  framesRelayed: number;
  bytesRelayed: number;
}

/** A remote or local picture for a tile. */
export interface Picture {
  slot: number;
  /** "camera" or "screen". */
  source: "camera" | "screen";
  frame: VideoFrame;
}

export interface SessionEvents {
  /** The member list changed (joined, left, identity checked). */
  onMembers?: (members: Member[]) => void;
  /** A new epoch is keyed: its number and the security code of the members in it. */
  onEpoch?: (epoch: bigint, securityCode: string) => void;
  /** A decoded remote picture; the page draws it and closes the frame. */
  onPicture?: (p: Picture) => void;
  /** The connection or the session failed; the meeting view shows it. */
  onError?: (message: string) => void;
  /** The server's view changed (something sent). */
  onServerHeld?: (held: ServerHeld) => void;
  /** This participant is out of the meeting without having asked: removed by the host, the meeting
   * ended, or the connection lost. The page closes the session and says why. */
  onEnded?: (why: "removed" | "ended" | "disconnected") => void;
}

/** What a local track is. */
export type TrackSource = "camera" | "microphone" | "screen";

/** An invitation for one person's public identity: bytes to hand over (`v100 join --invitation`). */
export interface Invitation {
  /** Short form of the invitee's user id, for the file name and the page. */
  inviteeShortId: string;
  bytes: Uint8Array;
  /** Also left in the invitee's anonymous mailbox on the server (sealed; they fetch it themselves). */
  posted: boolean;
}

/** An invitation that arrived in this identity's mailbox (opened and signature-checked). */
export interface PendingInvitation {
  title: string;
  /** Short form of the inviter's user id: the person decides whether to trust it. */
  inviterShortId: string;
  /** Joins that meeting (one of the listed invitations at most). */
  join(): Promise<Result<MeetingSession>>;
}

export interface MailboxCheck {
  invitations: PendingInvitation[];
  /** Items that were not a valid invitation to this identity (deleted). */
  junk: number;
  /** Closes the connection if no invitation was joined. */
  close(): Promise<void>;
}

export interface MeetingSession {
  readonly title: string;
  /** The current epoch (0 before the first). */
  readonly epoch: bigint;
  /** This participant's slot. */
  readonly slot: number;
  members(): Member[];
  /** The current epoch's security code (4 x 5 digits), or null before the first epoch. */
  securityCode(): string | null;
  serverHeld(): ServerHeld;
  /** A link that lets whoever holds it join: the meeting secret sits in the URL fragment only. */
  inviteLink(): string;
  /** An invitation sealed to the public identity line `v100-identity-v1 <hex>` (`me.key.pub`), also
   * posted to their mailbox when `toMailbox` (the server's proof of work is paid: seconds). */
  inviteIdentity(publicText: string, toMailbox: boolean): Promise<Result<Invitation>>;
  /** Sends a local track (camera, microphone or screen); false when this session has no media. */
  addTrack(track: MediaStreamTrack, source: TrackSource): Promise<boolean>;
  removeTrack(source: TrackSource): void;
  /** Whether this participant created the meeting (holds the host key: may remove members). */
  readonly isHost: boolean;
  /** Host only: removes `slot`'s member (the others rekey; the invitation link changes). */
  remove(slot: number): Promise<void>;
  /** Ends the meeting for everyone (the server forgets it). */
  end(): Promise<void>;
  /** Whether media reaches the others (an encoding MediaSession is attached). */
  readonly sendsMedia: boolean;
  leave(): Promise<void>;
}

/** How the page starts sessions. */
export interface SessionFactory {
  /** Creates a meeting titled `title` on the page's own server and joins it as `name`. */
  create(wasm: PqWasm, identity: Identity, name: string, title: string, events: SessionEvents): Promise<Result<MeetingSession>>;
  /** Joins by an invitation link (the page URL with the meeting secret in its fragment), or says why not. */
  joinLink(wasm: PqWasm, identity: Identity, name: string, link: string, events: SessionEvents): Promise<Result<MeetingSession>>;
  /** Fetches (and clears) this identity's mailbox: the invitations that open. */
  checkInvitations(wasm: PqWasm, identity: Identity, name: string, events: SessionEvents): Promise<Result<MailboxCheck>>;
}
