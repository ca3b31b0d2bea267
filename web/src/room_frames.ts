// A Room's incoming frames (client_media.cc): frames of an epoch whose key has not arrived wait for it
// (bounded), opened frames of a sender whose identity is not checked yet wait for the check, in
// order per sender; SDK control frames (keyframe requests) are answered here, never handed over as
// media. All frames go through one promise chain, so they are handed over in arrival order.
import type { Bytes } from "./bytes.js";
import type { FrameCrypto, IncomingFrame } from "./media_port.js";
import { type MediaKindCode, MediaKind, parseEnvelope } from "./protocol.js";
import type { EventQueue } from "./room_events.js";
import type { IdentityEntry } from "./roster.js";
import { decodeHeader, kidEpoch } from "./sframe.js";

/** SDK control frames (client.h kControlKeyframeRequest): 0x01 | target slot u16 LE | media kind. */
export const kControlKeyframeRequest = 0x01;
/** Frames held at most, per queue (epoch keys, identity checks). */
export const kMaxHeldFrames = 512;

/** The counters of the frame path (a part of RoomStats). */
export interface FrameStats {
  framesReceived: number;
  framesUndecryptable: number;
  framesHeldBack: number;
  framesIdentityWait: number;
  framesUnchecked: number;
  keyframeRequestsReceived: number;
}

/** What the inbox needs from its Room. */
export interface InboxHost {
  readonly inMeeting: boolean;
  /** This participant's slot. */
  readonly mySlot: number;
  /** The newest installed epoch (0: none yet). */
  readonly installedEpoch: bigint;
  /** The checked identity that names `slot`'s frames of `epoch` (a departed member's for the epochs it held). */
  senderOf(slot: number, epoch: bigint): IdentityEntry | null;
  /** Frames wait for identities (wanted()): check them, then call releaseChecked(). */
  checkIdentities(): void;
  handFrame(f: IncomingFrame): void;
  keyframeRequested(fromSlot: number, kind: MediaKindCode): void;
}

interface Held { slot: number; env: number; epoch: bigint; frame: Bytes; at: number }
interface Unchecked { frame: IncomingFrame; at: number }

export class FrameInbox {
  private held: Held[] = [];
  private unchecked: Unchecked[] = [];
  private identityWanted = new Set<number>();
  private readonly tracks = new Set<number>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly host: InboxHost, private readonly crypto: FrameCrypto, private readonly events: EventQueue,
              private readonly st: FrameStats, private readonly holdBackMs: number) {}

  /** A frame the relay delivered under `slot` with envelope byte `env`. */
  relayed(slot: number, env: number, frame: Bytes): void {
    if (!this.host.inMeeting) return;
    const h = decodeHeader(frame);
    // The server never relays a member's own frames back: one that claims our slot is a replay or a
    // relabelling by the relay (our own key would open it, so it is refused here).
    if (h === null || slot === this.host.mySlot) {
      ++this.st.framesUndecryptable;
      return;
    }
    const e = kidEpoch(h.kid), now = this.host.installedEpoch;
    if (now === 0n || e > now) {
      // Its key is on the way (the EpochKey push may come after the sender's first frames).
      if (this.held.length >= kMaxHeldFrames) {
        this.held.shift();
        ++this.st.framesUndecryptable;
      }
      this.held.push({ slot, env, epoch: e, frame, at: Date.now() });
      ++this.st.framesHeldBack;
      return;
    }
    this.step(() => this.deliver(slot, env, frame));
  }

  /** Epoch `e` is installed: its held frames go through, in arrival order; stale ones are dropped. */
  epochInstalled(e: bigint): void {
    const now = Date.now(), keep: Held[] = [];
    for (const f of this.held) {
      if (f.epoch <= e) this.step(() => this.deliver(f.slot, f.env, f.frame));
      else if (now - f.at < this.holdBackMs) keep.push(f);
      else ++this.st.framesUndecryptable;
    }
    this.held = keep;
  }

  /** The slots whose frames wait for an identity check. */
  wanted(): number[] {
    return [...this.identityWanted];
  }
  isWanted(slot: number): boolean {
    return this.identityWanted.has(slot);
  }

  /**
   * After the wanted identities were checked: hands over, in arrival order, the frames whose sender
   * is now checked; a sender still unchecked after the hold-back goes out marked unverified.
   */
  async releaseChecked(): Promise<void> {
    await this.chain;  // frames queued so far first, so hand-overs stay in arrival order
    if (!this.host.inMeeting) return;
    const now = Date.now();
    const expired = new Set<number>(), blocked = new Set<number>();
    const keep: Unchecked[] = [];
    for (const u of this.unchecked) {
      const s = u.frame.slot;
      if (!blocked.has(s) && (this.label(u.frame) || expired.has(s) || now - u.at >= this.holdBackMs)) {
        if (!u.frame.verified) {
          expired.add(s);
          ++this.st.framesUnchecked;
        }
        this.handOver(u.frame);
      } else {
        blocked.add(s);  // later frames of this sender stay behind this one
        keep.push(u);
      }
    }
    this.unchecked = keep;
    this.identityWanted = blocked;
  }

  /** Every 200 ms: frames past their hold-back (epoch key or identity) move on. */
  tick(): void {
    if (!this.host.inMeeting) return;
    const now = Date.now();
    while (this.held.length > 0 && now - this.held[0]!.at >= this.holdBackMs) {
      this.held.shift();
      ++this.st.framesUndecryptable;
    }
    if (this.unchecked.length > 0 && now - this.unchecked[0]!.at >= this.holdBackMs) this.host.checkIdentities();
  }

  /** The meeting is over: what waits is dropped (counted), nothing more is handed over. */
  reset(): void {
    this.st.framesUndecryptable += this.held.length + this.unchecked.length;
    this.held = [];
    this.unchecked = [];
    this.identityWanted.clear();
    this.tracks.clear();
  }

  private step(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch(() => {});
  }

  private async deliver(slot: number, env: number, frame: Uint8Array): Promise<void> {
    if (!this.host.inMeeting) return;
    const envelope = parseEnvelope(env);
    const r = await this.crypto.unprotect(slot, env, frame);
    if (!r.ok || envelope === null || !this.host.inMeeting) {
      ++this.st.framesUndecryptable;
      return;
    }
    if (envelope.kind === MediaKind.Control) {
      this.onControl(slot, r.payload);
      return;
    }
    ++this.st.framesReceived;
    const f: IncomingFrame = { slot, kind: envelope.kind, keyframe: envelope.keyframe, layer: envelope.layer,
                               epoch: r.epoch, payload: r.payload, verified: false };
    // Behind frames of the same sender still waiting for its identity, to keep the order.
    if (this.unchecked.some((u) => u.frame.slot === slot) || !this.label(f)) {
      if (this.unchecked.length >= kMaxHeldFrames) {
        this.unchecked.shift();
        ++this.st.framesUndecryptable;
      }
      this.unchecked.push({ frame: f, at: Date.now() });
      ++this.st.framesIdentityWait;
      if (!this.identityWanted.has(slot)) {
        this.identityWanted.add(slot);
        this.host.checkIdentities();
      }
      return;
    }
    this.handOver(f);
  }

  /** Fills the sender fields from its checked identity; false if not checked (yet). */
  private label(f: IncomingFrame): boolean {
    const who = this.host.senderOf(f.slot, f.epoch);
    if (who === null) return false;
    f.verified = true;
    f.userId = who.userId;
    return true;
  }

  private handOver(f: IncomingFrame): void {
    if (!this.host.inMeeting) return;
    const track = (f.slot << 8) | f.kind;
    if (!this.tracks.has(track)) {
      this.tracks.add(track);
      const who = f.verified ? this.host.senderOf(f.slot, f.epoch) : null;
      this.events.post("trackSubscribed", { slot: f.slot, kind: f.kind, userId: f.userId ?? null,
                                            name: who?.displayName ?? null, verified: f.verified });
    }
    this.host.handFrame(f);
  }

  private onControl(from: number, payload: Uint8Array): void {
    if (payload.length !== 4 || payload[0] !== kControlKeyframeRequest) return;  // unknown: ignored
    const target = payload[1]! | (payload[2]! << 8), kind = payload[3]!;
    if ((kind !== MediaKind.Video && kind !== MediaKind.Screen) || target !== this.host.mySlot || !this.host.inMeeting) return;
    ++this.st.keyframeRequestsReceived;
    this.host.keyframeRequested(from, kind as MediaKindCode);
  }
}
