// The browser's connection to `v100 serve`: one WebSocket (binary messages, TLS by the page's
// origin) carrying the protocol of src/meeting/protocol (protocol.ts). The counterpart of the C++
// `TransportClient`: requests carry a request id and resolve with the reply of the same id; the
// server's pushes (request id 0: member events, epoch keys, media) go to `onPush`. Never throws on
// what the server sends: a reply that does not decode, a timeout or a closed socket is a result.
import { type Message, decode, encode, kProtocolVersion } from "./protocol.js";

export type TransportResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface TransportOptions {
  /** Milliseconds each request may wait for its reply (default 10 s, as the C++ SDK). */
  requestTimeoutMs?: number;
}

interface Pending {
  resolve: (r: TransportResult<Message>) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Transport {
  /** Called with every push from the server, in arrival order. */
  onPush: (msg: Message) => void = () => {};
  /** Called once when the socket closes (by either side). */
  onClose: (reason: string) => void = () => {};
  /** Messages the server sent that did not decode (counted, dropped). */
  undecodable = 0;

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | null = null;

  private constructor(private readonly ws: WebSocket, private readonly timeoutMs: number) {
    ws.onmessage = (ev: MessageEvent) => this.receive(ev.data);
    ws.onclose = (ev: CloseEvent) => this.closed(`closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ""})`);
    ws.onerror = () => this.closed("socket error");
  }

  /** Opens `url` (wss://host/v100) and says Hello; the result holds the server's version. */
  static connect(url: string, options: TransportOptions = {}): Promise<TransportResult<{ t: Transport; version: number }>> {
    const timeoutMs = options.requestTimeoutMs ?? 10_000;
    return new Promise((resolve) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        resolve({ ok: false, error: `connect: ${String(e)}` });
        return;
      }
      ws.binaryType = "arraybuffer";
      const timer = setTimeout(() => {
        ws.close();
        resolve({ ok: false, error: "connect: timed out" });
      }, timeoutMs);
      ws.onerror = () => {
        clearTimeout(timer);
        resolve({ ok: false, error: "connect: refused (network, TLS or the server declined the upgrade)" });
      };
      ws.onopen = async () => {
        clearTimeout(timer);
        const t = new Transport(ws, timeoutMs);
        const hello = await t.call({ type: "Hello", minVersion: kProtocolVersion, maxVersion: kProtocolVersion });
        if (!hello.ok) {
          t.close();
          resolve({ ok: false, error: `Hello: ${hello.error}` });
        } else if (hello.value.type !== "ServerHello") {
          t.close();
          resolve({ ok: false, error: `Hello: unexpected ${hello.value.type}` });
        } else {
          resolve({ ok: true, value: { t, version: hello.value.version } });
        }
      };
    });
  }

  /** Sends `msg` and waits for the reply with its request id. */
  call(msg: Message): Promise<TransportResult<Message>> {
    if (this.closedReason !== null) return Promise.resolve({ ok: false, error: this.closedReason });
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: `${msg.type}: no reply in ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.ws.send(encode(msg, id));
    });
  }

  /** Sends without waiting (media frames, Leave). */
  send(msg: Message): boolean {
    if (this.closedReason !== null) return false;
    this.ws.send(encode(msg, 0));
    return true;
  }

  get open(): boolean {
    return this.closedReason === null;
  }

  close(): void {
    this.ws.close();
    this.closed("closed by the client");
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      ++this.undecodable;  // text frames are not part of the protocol
      return;
    }
    const d = decode(new Uint8Array(data));
    if (!d.ok) {
      ++this.undecodable;
      return;
    }
    if (d.requestId === 0) {
      this.onPush(d.msg);
      return;
    }
    const p = this.pending.get(d.requestId);
    if (p === undefined) return;  // late reply of a request that timed out
    this.pending.delete(d.requestId);
    clearTimeout(p.timer);
    p.resolve({ ok: true, value: d.msg });
  }

  private closed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: reason });
    }
    this.pending.clear();
    this.onClose(reason);
  }
}
