// A MeetingSession for the person who creates the meeting, put together from the SDK's blocks (the
// steps the live test proves against v100 serve): CreateMeeting with the sealed title and the
// meeting's BFV public key, the Ed25519 join proof, the sealed identity blob, the roster entry (BFV
// token ciphertext + sealed name), and as the distributor an epoch for the members whenever one joins
// or leaves (X-Wing + ML-DSA-65 epoch blobs), the security code over their user ids. Members who join
// (a native `v100 join --invitation`, or any client holding the secret) are named from their sealed
// identity blobs, whose signature and user id are checked here.
//
// It sends no media (`sendsMedia` false) and cannot join by link: both belong to the SDK's Room and
// MediaSession (web/src/room.ts, media.ts), which replace this file behind the same interface.
import { type Bytes, toHex } from "../src/bytes.js";
import type { Result } from "../src/crypto.js";
import { BfvRoster } from "../src/fhe.js";
import { makeEpochBlob, securityCode } from "../src/group.js";
import { type Identity, type PublicIdentity, parsePublicIdentityText, shortId } from "../src/identity.js";
import { makeInvitation } from "../src/invitation.js";
import { ed25519PublicKey, makeJoinProofEd25519 } from "../src/join_proof.js";
import { JoinScheme, type Message, MemberEventKind } from "../src/protocol.js";
import { identityToken, openIdentityBlob, sealIdentityBlob, sealMeetingInfo, sealNameBlob } from "../src/roster.js";
import { KeySchedule } from "../src/schedule.js";
import { Transport, type TransportResult } from "../src/transport.js";
import type { PqWasm } from "../src/wasm.js";
import type {
  HeldItem, Invitation, Member, MeetingSession, ServerHeld, SessionEvents, SessionFactory,
} from "./session.js";

const kSession = 1n;
const kMaxMembers = 16;

function expect<T extends Message["type"]>(r: TransportResult<Message>, type: T, what: string): Extract<Message, { type: T }> {
  if (!r.ok) throw new Error(`${what}: ${r.error}`);
  if (r.value.type === "Error") throw new Error(`${what}: server error ${r.value.code} (${r.value.text})`);
  if (r.value.type !== type) throw new Error(`${what}: unexpected ${r.value.type}`);
  return r.value as Extract<Message, { type: T }>;
}

interface Peer { member: Member; pub: PublicIdentity; userId: Uint8Array }

class HostSession implements MeetingSession {
  readonly sendsMedia = false;
  slot = -1;
  private epoch = 0n;
  private code: string | null = null;
  private readonly peers = new Map<number, Peer>();
  private readonly held: HeldItem[] = [];
  private readonly epochs: string[] = [];
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly w: PqWasm, private readonly me: Identity, private readonly name: string,
              readonly title: string, private readonly t: Transport, private readonly ks: KeySchedule,
              private readonly handle: Bytes, private readonly rosterKey: Bytes,
              private readonly events: SessionEvents) {}

  async start(): Promise<void> {
    const { w, t, ks, handle } = this;
    const joinSeed = await ks.joinKey(kSession);
    const bfv = BfvRoster.create(w, await ks.bfvSeed());
    try {
      const verifier = await ed25519PublicKey(joinSeed);
      if (!verifier.ok) throw new Error(verifier.error);
      const infoBlob = await sealMeetingInfo(await ks.infoKey(kSession), handle, this.title);
      const bfvPk = new Uint8Array(await bfv.publicKey());
      expect(await t.call({ type: "CreateMeeting", handle, maxMembers: kMaxMembers, scheme: JoinScheme.Ed25519,
                            joinVerifier: verifier.value, infoBlob, keys: [{ kind: 1, blob: bfvPk }] }), "Ack", "CreateMeeting");
      this.note("join verifier (Ed25519 public key)", verifier.value.length, "checks join proofs; not linked to you");
      this.note("sealed meeting info", infoBlob.length, "AES-256-GCM: the title, unreadable to the server");
      this.note("meeting BFV public key", bfvPk.length, "for roster tokens the server can match but not read");
      const ch = expect(await t.call({ type: "JoinChallengeRequest", handle }), "JoinChallenge", "JoinChallengeRequest");
      const proof = await makeJoinProofEd25519(joinSeed, handle, ch.nonce);
      if (!proof.ok) throw new Error(proof.error);
      const acc = expect(await t.call({ type: "JoinProve", handle, nonce: ch.nonce, proof: proof.value, reclaim: null }),
                         "JoinAccepted", "JoinProve");
      this.slot = acc.slot;
      this.epoch = acc.epoch;
      const ident = await sealIdentityBlob(this.me, this.rosterKey, handle, acc.slot, acc.joinSeq, this.name);
      expect(await t.call({ type: "PutKeyBlob", kind: 0x8000 | acc.slot, blob: ident }), "Ack", "PutKeyBlob");
      this.note(`identity blob, slot ${acc.slot}`, ident.length, "sealed: your name and public keys, signed");
      const ct = new Uint8Array(await bfv.encryptToken(acc.slot, identityToken(w, this.me.userId),
                                                       crypto.getRandomValues(new Uint8Array(32))));
      const nameBlob = await sealNameBlob(this.rosterKey, handle, acc.slot, this.name, this.me.userId);
      expect(await t.call({ type: "PutRoster", slot: acc.slot, rosterCt: ct, nameBlob }), "Ack", "PutRoster");
      this.note(`roster token ciphertext, slot ${acc.slot}`, ct.length, "BFV-encrypted identity token");
      this.note(`sealed name, slot ${acc.slot}`, nameBlob.length, "AES-256-GCM under the roster key");
      expect(await t.call({ type: "Subscribe", mode: 1, slots: [] }), "Ack", "Subscribe");
    } finally {
      bfv.free();
      joinSeed.fill(0);
    }
    this.peers.set(this.slot, { member: { slot: this.slot, name: this.name, userId: toHex(this.me.userId), verified: true, self: true },
                                pub: this.me.publicIdentity, userId: this.me.userId });
    t.onPush = (m) => {
      this.queue = this.queue.then(() => this.push(m)).catch((e: unknown) => this.events.onError?.(String(e)));
    };
    await this.keyEpoch();
    this.events.onMembers?.(this.members());
  }

  private note(what: string, bytes: number, note: string): void {
    this.held.push({ what, bytes, note });
    this.events.onServerHeld?.(this.serverHeld());
  }

  /** As the distributor: a fresh epoch for the current members, one sealed blob per member. */
  private async keyEpoch(): Promise<void> {
    const e = this.epoch + 1n;
    const slots = [...this.peers.keys()].sort((a, b) => a - b);
    const fresh = crypto.getRandomValues(new Uint8Array(32));
    try {
      const entries = [];
      for (const s of slots)
        entries.push({ slot: s, blob: await makeEpochBlob(this.w, this.me, this.slot, this.handle, e, slots, s,
                                                          this.peers.get(s)!.pub, fresh) });
      expect(await this.t.call({ type: "PostEpoch", epoch: e, entries }), "Ack", "PostEpoch");
      this.epoch = e;
      this.epochs.push(e.toString());
      this.note(`epoch ${e} key blobs (${entries.length})`, entries.reduce((n, x) => n + x.blob.length, 0),
                "X-Wing + ML-DSA-65 sealed to each member");
    } finally {
      fresh.fill(0);
    }
    this.code = securityCode(this.w, [...this.peers.values()].map((p) => p.userId));
    this.events.onEpoch?.(this.epoch, this.code);
  }

  private async push(m: Message): Promise<void> {
    if (this.closed || m.type !== "MemberEvent" || m.slot === this.slot) return;
    if (m.kind === MemberEventKind.Joined) {
      // The joiner stores its identity blob right after JoinAccepted: ask again briefly if not yet there.
      let blob: Uint8Array | undefined;
      for (let i = 0; i < 20 && blob === undefined; ++i) {
        const r = await this.t.call({ type: "GetKeyBlob", kind: 0x8000 | m.slot });
        if (r.ok && r.value.type === "KeyBlob") blob = r.value.blob;
        else await new Promise((res) => setTimeout(res, 100));
      }
      if (blob === undefined) {
        this.events.onError?.(`slot ${m.slot} joined without an identity`);
        return;
      }
      const opened = await openIdentityBlob(this.w, this.rosterKey, this.handle, m.slot, m.joinSeq, blob);
      if (!opened.ok) {
        this.peers.delete(m.slot);
        this.events.onError?.(`slot ${m.slot}: identity refused (${opened.error})`);
        return;
      }
      this.peers.set(m.slot, { member: { slot: m.slot, name: opened.value.displayName, userId: toHex(opened.value.userId),
                                         verified: true, self: false },
                               pub: opened.value.identity, userId: opened.value.userId });
      this.events.onMembers?.(this.members());
      await this.keyEpoch();
    } else if (m.kind === MemberEventKind.Left || m.kind === MemberEventKind.Removed) {
      if (this.peers.delete(m.slot)) {
        this.events.onMembers?.(this.members());
        await this.keyEpoch();
      }
    }
  }

  members(): Member[] {
    return [...this.peers.values()].map((p) => ({ ...p.member })).sort((a, b) => a.slot - b.slot);
  }

  securityCode(): string | null {
    return this.code;
  }

  serverHeld(): ServerHeld {
    return { handle: toHex(this.handle), items: this.held.map((h) => ({ ...h })), epochs: [...this.epochs],
             framesRelayed: 0, bytesRelayed: 0 };
  }

  inviteLink(): string {
    // The secret and the session in the fragment, which browsers never send to a server.
    return `${location.origin}/#join=${toHex(this.ks.secret())}.${kSession}`;
  }

  async inviteIdentity(publicText: string): Promise<Result<Invitation>> {
    const pub = parsePublicIdentityText(this.w, publicText);
    if (!pub.ok) return pub;
    const ms = this.ks.secret();
    try {
      const bytes = await makeInvitation(this.w, this.me, pub.value, ms, kSession, this.title);
      return { ok: true, value: { inviteeShortId: shortId(pub.value.userId(this.w)), bytes } };
    } finally {
      ms.fill(0);
    }
  }

  async addTrack(): Promise<boolean> {
    return false;
  }

  removeTrack(): void {}

  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.t.call({ type: "Leave" });
    this.t.close();
    this.ks.wipe();
    this.rosterKey.fill(0);
  }
}

export const hostSessionFactory: SessionFactory = {
  async create(wasm, identity, name, title, events) {
    const c = await Transport.connect(`wss://${location.host}/v100`);
    if (!c.ok) return { ok: false, error: `connect: ${c.error}` };
    const ks = KeySchedule.fromSecret(KeySchedule.generateSecret());
    const s = new HostSession(wasm, identity, name, title, c.value.t, ks, await ks.handle(kSession),
                              await ks.rosterKey(kSession), events);
    try {
      await s.start();
      return { ok: true, value: s };
    } catch (e) {
      c.value.t.close();
      ks.wipe();
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  },
  async joinLink() {
    return { ok: false, error: "joining by link needs the SDK's Room session, which this build does not have yet" };
  },
};
