// The live meeting page's MediaPort (media_port.ts) over one Transport and a FrameCrypto: a small
// stand-in for the Room of room.ts, enough for MediaSession in the live test. Frames leave and
// open in order (one chain each way: SFrame counters and the inner seq stay monotonic on the wire);
// keyframe requests are the C++ SDK's Control frames (client_media.cc: 0x01 | target slot u16 LE |
// kind u8), sent and received encrypted. Frames that do not open are counted by reason.
import { MediaKind, type MediaKindCode, type MediaFrameBody, envelopeByte, parseEnvelope } from "../../src/protocol.js";
import type { FrameCrypto, IncomingFrame, MediaPort, OutgoingFrame } from "../../src/media_port.js";
import type { Transport } from "../../src/transport.js";

const kControlKeyframeRequest = 1;

export class PagePort implements MediaPort {
  onFrame: ((f: IncomingFrame) => void) | null = null;
  onKeyframeRequest: ((fromSlot: number, kind: MediaKindCode) => void) | null = null;
  onEpoch: ((epoch: bigint) => void) | null = null;
  readonly refused = new Map<string, number>();
  sent = 0;
  opened = 0;
  keyframeRequestsReceived = 0;
  private hasKey = false;
  private out: Promise<unknown> = Promise.resolve();
  private in: Promise<unknown> = Promise.resolve();

  constructor(readonly slot: number, private readonly t: Transport, private readonly fc: FrameCrypto,
              private readonly userIds: Map<number, Uint8Array>) {}

  /** Installs an epoch for sending and receiving, then tells the media session (a keyframe follows). */
  async installEpoch(epoch: bigint, secret: Uint8Array): Promise<void> {
    await this.fc.addReceiveEpoch(epoch, secret);
    await this.fc.setSendEpoch(this.slot, epoch, secret);
    this.hasKey = true;
    this.onEpoch?.(epoch);
  }

  send(frame: OutgoingFrame): Promise<boolean> {
    const env = { kind: frame.kind, keyframe: frame.keyframe, layer: frame.layer ?? 0 };
    const p = this.out.then(async () => {
      if (!this.hasKey) return false;
      const payload = await this.fc.protect(this.slot, envelopeByte(env), frame.payload);
      const ok = this.t.send({ type: "MediaFrame", slot: this.slot, envelope: env, payload: payload as Uint8Array<ArrayBuffer> });
      if (ok) ++this.sent;
      return ok;
    }).catch(() => false);
    this.out = p;
    return p;
  }

  requestKeyframe(slot: number, kind: MediaKindCode): Promise<boolean> {
    return this.send({ kind: MediaKind.Control, keyframe: false,
                       payload: Uint8Array.of(kControlKeyframeRequest, slot & 0xff, slot >> 8, kind) });
  }

  /** A relayed frame (MediaFrame, or one of a MediaBundle). */
  receive(f: MediaFrameBody): void {
    this.in = this.in.then(async () => {
      const r = await this.fc.unprotect(f.slot, envelopeByte(f.envelope), f.payload);
      if (!r.ok) {
        this.refused.set(r.reason, (this.refused.get(r.reason) ?? 0) + 1);
        return;
      }
      ++this.opened;
      const env = parseEnvelope(envelopeByte(f.envelope))!;
      if (env.kind === MediaKind.Control) {
        const p = r.payload;
        if (p.length !== 4 || p[0] !== kControlKeyframeRequest) return;  // unknown: ignored
        const target = p[1]! | (p[2]! << 8), kind = p[3]!;
        if (target !== this.slot || (kind !== MediaKind.Video && kind !== MediaKind.Screen)) return;
        ++this.keyframeRequestsReceived;
        this.onKeyframeRequest?.(f.slot, kind as MediaKindCode);
        return;
      }
      const userId = this.userIds.get(f.slot);
      this.onFrame?.({ slot: f.slot, kind: env.kind, keyframe: env.keyframe, layer: env.layer, epoch: r.epoch,
                       payload: r.payload, verified: userId !== undefined, ...(userId ? { userId } : {}) });
    });
  }
}
