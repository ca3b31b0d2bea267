// FrameCrypto (media_port.ts) implementations over the SFrame contexts of sframe.ts: in this
// thread (InThreadFrameCrypto), or in a Worker (WorkerFrameCrypto here on the main thread, the
// Worker's side served by serveFrameCrypto; sframe_worker.ts is the Worker's entry), so the
// AES-GCM of every frame and the epoch secrets stay off the page's thread.
//
// Both keep one SenderContext (this participant's slot, current send epoch) and one
// ReceiverContext (a key ring: the current receive epoch, and the previous one for a grace
// period). Secrets handed in are copied; the copies made for the Worker's messages are wiped after
// use, and close() wipes the ring.
import type { FrameCrypto } from "./media_port.js";
import { type DropReason, ReceiverContext, type ReceiverOptions, SenderContext, frameMetadata } from "./sframe.js";

type Buf = Uint8Array<ArrayBuffer>;
type UnprotectReply = { ok: true; epoch: bigint; payload: Uint8Array } | { ok: false; reason: DropReason };

/** SFrame in the calling thread. */
export class InThreadFrameCrypto implements FrameCrypto {
  private sender: SenderContext | null = null;
  private readonly receiver: ReceiverContext;

  constructor(options: ReceiverOptions = {}) {
    this.receiver = new ReceiverContext(options);
  }

  async setSendEpoch(slot: number, epoch: bigint, epochSecret: Uint8Array, firstCounter = 0n): Promise<void> {
    if (this.sender === null || this.sender.slot !== slot) this.sender = new SenderContext(slot);
    await this.sender.setEpoch(epoch, epochSecret as Buf, firstCounter);
  }

  async addReceiveEpoch(epoch: bigint, epochSecret: Uint8Array): Promise<void> {
    this.receiver.setEpoch(epoch, epochSecret as Buf);
  }

  async protect(slot: number, envelopeByte: number, payload: Uint8Array): Promise<Uint8Array> {
    const s = this.sender;
    if (s === null || s.slot !== slot) throw new Error(`FrameCrypto.protect: no send epoch for slot ${slot}`);
    return s.protect(frameMetadata(slot, envelopeByte), payload as Buf);
  }

  async unprotect(slot: number, envelopeByte: number, frame: Uint8Array): Promise<UnprotectReply> {
    try {
      if (!Number.isInteger(slot) || slot < 0 || slot > 0xffff || !Number.isInteger(envelopeByte) ||
          envelopeByte < 0 || envelopeByte > 0xff || !(frame instanceof Uint8Array))
        return { ok: false, reason: "malformed" };
      const r = await this.receiver.unprotect(frameMetadata(slot, envelopeByte), frame as Buf);
      if (!r.ok) return { ok: false, reason: r.reason };
      // The key id names the slot whose key sealed it; the relay's label must agree (the metadata binds
      // the label: this refuses a member's frame sealed under another member's key id).
      return r.slot === slot ? { ok: true, epoch: r.epoch, payload: r.payload } : { ok: false, reason: "auth-failed" };
    } catch {
      return { ok: false, reason: "malformed" };
    }
  }

  close(): void {
    this.receiver.close();
    this.sender = null;
  }
}

// ---- the Worker protocol ----

type Request =
  | { id: number; op: "send-epoch"; slot: number; epoch: bigint; secret: Uint8Array; first: bigint }
  | { id: number; op: "recv-epoch"; epoch: bigint; secret: Uint8Array }
  | { id: number; op: "protect"; slot: number; env: number; payload: Uint8Array }
  | { id: number; op: "unprotect"; slot: number; env: number; frame: Uint8Array }
  | { id: number; op: "close" };
type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The two ends of a message channel: a Worker, the Worker's global scope, or a MessagePort. */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent) => void) | null;
}

/**
 * Serves FrameCrypto requests arriving on `endpoint` (in a Worker: `serveFrameCrypto(self)`) with an
 * InThreadFrameCrypto of its own. Requests are answered in arrival order per operation; a request
 * that is not one of the protocol's is answered with an error (or ignored without an id).
 */
export function serveFrameCrypto(endpoint: MessageEndpoint, options: ReceiverOptions = {}): void {
  const fc = new InThreadFrameCrypto(options);
  const reply = (r: Reply, transfer: Transferable[] = []): void => endpoint.postMessage(r, transfer);
  endpoint.onmessage = (ev: MessageEvent) => {
    const m = ev.data as Request;
    if (typeof m !== "object" || m === null || typeof m.id !== "number") return;
    void (async () => {
      try {
        switch (m.op) {
          case "send-epoch":
            await fc.setSendEpoch(m.slot, m.epoch, m.secret, m.first);
            m.secret.fill(0);
            return reply({ id: m.id, ok: true, value: null });
          case "recv-epoch":
            await fc.addReceiveEpoch(m.epoch, m.secret);
            m.secret.fill(0);
            return reply({ id: m.id, ok: true, value: null });
          case "protect": {
            const out = await fc.protect(m.slot, m.env, m.payload);
            return reply({ id: m.id, ok: true, value: out }, [out.buffer as ArrayBuffer]);
          }
          case "unprotect": {
            const r = await fc.unprotect(m.slot, m.env, m.frame);
            return reply({ id: m.id, ok: true, value: r }, r.ok ? [r.payload.buffer as ArrayBuffer] : []);
          }
          case "close":
            fc.close();
            return reply({ id: m.id, ok: true, value: null });
          default:
            return reply({ id: (m as { id: number }).id, ok: false, error: "unknown request" });
        }
      } catch (e) {
        return reply({ id: m.id, ok: false, error: String((e as Error)?.message ?? e) });
      }
    })();
  };
}

/**
 * FrameCrypto whose SFrame runs behind `endpoint` (a Worker started from sframe_worker.js, or any
 * endpoint served by serveFrameCrypto). Secrets are copied into the message (the caller's stay
 * the caller's to wipe). unprotect() resolves `{ok: false, reason: "malformed"}` if the Worker
 * fails or is closed, never rejects.
 */
export class WorkerFrameCrypto implements FrameCrypto {
  private nextId = 1;
  private readonly pending = new Map<number, (r: Reply) => void>();
  private closed = false;

  constructor(private readonly endpoint: MessageEndpoint & { terminate?: () => void }) {
    endpoint.onmessage = (ev: MessageEvent) => {
      const r = ev.data as Reply;
      const done = this.pending.get(r?.id);
      if (done === undefined) return;
      this.pending.delete(r.id);
      done(r);
    };
  }

  /** Starts sframe_worker.js (a module Worker) at `url`. */
  static start(url: string | URL): WorkerFrameCrypto {
    return new WorkerFrameCrypto(new Worker(url, { type: "module", name: "v100-sframe" }));
  }

  private call(msg: RequestBody, transfer: Transferable[] = []): Promise<Reply> {
    if (this.closed) return Promise.resolve({ id: 0, ok: false, error: "FrameCrypto closed" });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.endpoint.postMessage({ ...msg, id }, transfer);
    });
  }

  private static value<T>(r: Reply): T {
    if (!r.ok) throw new Error(`FrameCrypto worker: ${r.error}`);
    return r.value as T;
  }

  async setSendEpoch(slot: number, epoch: bigint, epochSecret: Uint8Array, firstCounter = 0n): Promise<void> {
    const secret = epochSecret.slice();
    WorkerFrameCrypto.value(await this.call({ op: "send-epoch", slot, epoch, secret, first: firstCounter }, [secret.buffer]));
  }

  async addReceiveEpoch(epoch: bigint, epochSecret: Uint8Array): Promise<void> {
    const secret = epochSecret.slice();
    WorkerFrameCrypto.value(await this.call({ op: "recv-epoch", epoch, secret }, [secret.buffer]));
  }

  async protect(slot: number, envelopeByte: number, payload: Uint8Array): Promise<Uint8Array> {
    const copy = payload.slice();
    return WorkerFrameCrypto.value<Uint8Array>(await this.call({ op: "protect", slot, env: envelopeByte, payload: copy },
                                                               [copy.buffer]));
  }

  async unprotect(slot: number, envelopeByte: number, frame: Uint8Array): Promise<UnprotectReply> {
    try {
      const copy = frame.slice();
      const r = await this.call({ op: "unprotect", slot, env: envelopeByte, frame: copy }, [copy.buffer]);
      return r.ok ? (r.value as UnprotectReply) : { ok: false, reason: "malformed" };
    } catch {
      return { ok: false, reason: "malformed" };
    }
  }

  close(): void {
    if (this.closed) return;
    void this.call({ op: "close" }).then(() => this.endpoint.terminate?.());
    this.closed = true;
  }
}
