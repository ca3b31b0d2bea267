// "What the server holds": a ledger of what this page sent to the meeting server, computed on the
// client. It taps the page's WebSocket sends and decodes each message with the SDK's own protocol
// decoder (protocol.ts), so the panel shows exactly the bytes that left, whichever session code sent
// them: the random handle, the sizes of the sealed blobs and ciphertexts the server keeps, the epoch
// numbers, and the media it relayed without keeping. Nothing here is a name or a title: those only
// exist inside the sealed blobs, whose sizes are all the server learns.
import { toHex } from "../src/bytes.js";
import { type Message, decode } from "../src/protocol.js";
import type { HeldItem, ServerHeld } from "./session.js";

type Listener = (m: Message) => void;
const listeners = new Set<Listener>();
let tapped = false;
/** Messages seen by the tap, and how many of them the decoder did not take (shown, never hidden). */
export const tapStats = { sent: 0, undecodable: 0 };

/** Calls `fn` with every message this page sends over a WebSocket (decoded; undecodable bytes skipped).
 * Returns the function that stops it. */
export function tapSentMessages(fn: Listener): () => void {
  if (!tapped) {
    tapped = true;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      if (listeners.size > 0) {
        ++tapStats.sent;
        const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
        const d = bytes === null ? null : decode(bytes);
        if (d?.ok) for (const l of listeners) l(d.msg);
        else ++tapStats.undecodable;
      }
      send.call(this, data);
    };
  }
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export class ServerLedger {
  private handle = "";
  private readonly items: HeldItem[] = [];
  private readonly epochs = new Set<string>();
  private frames = 0;
  private mediaBytes = 0;

  constructor(private readonly changed: (h: ServerHeld) => void) {}

  /** One message this page sent. */
  record(m: Message): void {
    const add = (what: string, bytes: number, note: string): void => {
      this.items.push({ what, bytes, note });
    };
    switch (m.type) {
      case "CreateMeeting":
        this.handle = toHex(m.handle);
        add("join verifier (Ed25519 public key)", m.joinVerifier.length, "checks join proofs; says nothing about who");
        add("sealed meeting info", m.infoBlob.length, "AES-256-GCM: the title, unreadable to the server");
        for (const k of m.keys) {
          // Key kinds of protocol/messages.h: 1 the BFV public key, 0x7f01 the host's verifier.
          const known = k.kind === 1 ? ["meeting BFV public key", "roster tokens the server matches but cannot read"]
            : k.kind === 0x7f01 ? ["host verifier (Ed25519 public key)", "checks the host's removals; says nothing about who"]
            : [`meeting key blob, kind ${k.kind}`, "a public key of the meeting"];
          add(known[0]!, k.blob.length, known[1]!);
        }
        break;
      case "JoinChallengeRequest":
        if (this.handle === "") this.handle = toHex(m.handle);
        return;
      case "PutKeyBlob":
        add(`identity blob, slot ${m.kind & 0x7fff}`, m.blob.length, "sealed: your name and public keys, signed");
        break;
      case "PutRoster":
        add(`roster token ciphertext, slot ${m.slot}`, m.rosterCt.length, "BFV: matched by the server, never read");
        add(`sealed name, slot ${m.slot}`, m.nameBlob.length, "AES-256-GCM under the roster key");
        break;
      case "PostEpoch":
        this.epochs.add(m.epoch.toString());
        add(`epoch ${m.epoch} key blobs (${m.entries.length})`, m.entries.reduce((n, e) => n + e.blob.length, 0),
            "X-Wing + ML-DSA-65, one sealed to each member");
        break;
      case "MailboxPut":
        add("invitation in a mailbox", m.blob.length, "sealed to the invitee; the mailbox id is a hash");
        break;
      case "MediaFrame":
        ++this.frames;
        this.mediaBytes += m.payload.length;
        return;  // relayed, not stored; no redraw per frame
      case "MediaBundle":
        this.frames += m.frames.length;
        for (const f of m.frames) this.mediaBytes += f.payload.length;
        return;
      default:
        return;
    }
    this.changed(this.held());
  }

  /** An epoch this client installed (keyed by another member's PostEpoch, which the server keeps too). */
  sawEpoch(epoch: bigint): void {
    this.epochs.add(epoch.toString());
  }

  held(): ServerHeld {
    return { handle: this.handle, items: this.items.map((i) => ({ ...i })),
             epochs: [...this.epochs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
             framesRelayed: this.frames, bytesRelayed: this.mediaBytes };
  }
}
