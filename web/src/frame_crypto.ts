// The in-thread FrameCrypto (media_port.ts) over sframe.ts: one SenderContext for this participant's
// slot and a ReceiverContext key ring (the current epoch and, for its grace period, the previous
// one), as the C++ client's media::SenderContext / ReceiverContext. A Room uses it unless given
// another FrameCrypto (a Worker one, sframe_worker.ts).
import type { FrameCrypto } from "./media_port.js";
import { type DropReason, type ReceiverOptions, ReceiverContext, SenderContext, frameMetadata } from "./sframe.js";

export class InThreadFrameCrypto implements FrameCrypto {
  private sender: SenderContext | null = null;
  private receiver: ReceiverContext;
  private closed = false;

  /** `options`: the receiver's grace period and replay window (defaults as the C++ client: 2 s, 2048). */
  constructor(options: ReceiverOptions = {}) {
    this.receiver = new ReceiverContext({ replayWindow: 2048, ...options });
  }

  async setSendEpoch(slot: number, epoch: bigint, epochSecret: Uint8Array, firstCounter = 0n): Promise<void> {
    if (this.closed) return;
    if (this.sender === null || this.sender.slot !== slot) this.sender = new SenderContext(slot);
    await this.sender.setEpoch(epoch, new Uint8Array(epochSecret), firstCounter);
  }

  async addReceiveEpoch(epoch: bigint, epochSecret: Uint8Array): Promise<void> {
    if (this.closed) return;
    this.receiver.setEpoch(epoch, new Uint8Array(epochSecret));
  }

  async protect(slot: number, envelopeByte: number, payload: Uint8Array): Promise<Uint8Array> {
    const s = this.sender;
    if (this.closed || s === null || !s.hasKey) throw new Error("FrameCrypto.protect: no send key");
    if (s.slot !== slot) throw new Error("FrameCrypto.protect: not this participant's slot");
    return s.protect(frameMetadata(slot, envelopeByte), new Uint8Array(payload));
  }

  async unprotect(slot: number, envelopeByte: number, frame: Uint8Array): Promise<
      { ok: true; epoch: bigint; payload: Uint8Array } | { ok: false; reason: DropReason }> {
    if (this.closed) return { ok: false, reason: "unknown-kid" };
    const r = await this.receiver.unprotect(frameMetadata(slot, envelopeByte), new Uint8Array(frame));
    if (!r.ok) return r;
    // The key id names the slot whose key sealed it; the relay's label must agree (the metadata
    // already binds the label: this refuses a member's frame sealed under another member's key id).
    if (r.slot !== slot) return { ok: false, reason: "auth-failed" };
    return { ok: true, epoch: r.epoch, payload: r.payload };
  }

  /** Forgets every key and wipes the receiver's epoch secrets. */
  close(): void {
    this.closed = true;
    this.sender = null;
    this.receiver.close();
  }
}
