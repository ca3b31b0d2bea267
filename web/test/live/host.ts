// Shared by the live pages where the browser hosts (mixed.ts, meet.ts): on `v100 serve`, create a
// meeting (with the meeting's BFV public key), join it, upload the identity blob and roster entry,
// subscribe to media, key epochs as the distributor, invite a native identity (its `me.key.pub`
// text) and wait for that member to join and open its identity blob. The epoch secrets keyEpoch
// returns are the caller's to install (SFrame) and wipe.
import { toHex } from "../../src/bytes.js";
import { BfvRoster } from "../../src/fhe.js";
import { makeEpochBlob, securityCode } from "../../src/group.js";
import { Identity, type PublicIdentity } from "../../src/identity.js";
import { makeInvitation } from "../../src/invitation.js";
import { ed25519PublicKey, makeJoinProofEd25519 } from "../../src/join_proof.js";
import { JoinScheme, MemberEventKind, type Message } from "../../src/protocol.js";
import { identityToken, openIdentityBlob, sealIdentityBlob, sealMeetingInfo, sealNameBlob } from "../../src/roster.js";
import { KeySchedule } from "../../src/schedule.js";
import type { Transport } from "../../src/transport.js";
import type { PqWasm } from "../../src/wasm.js";
import { expect } from "./reply.js";

export interface JoinedMember {
  slot: number;
  displayName: string;
  userId: Uint8Array;
}

export class HostedMeeting {
  readonly members: Map<number, PublicIdentity>;
  readonly memberIds = new Map<number, Uint8Array>();
  epoch: bigint;
  private readonly pushes: Message[] = [];
  private wake: (() => void) | null = null;

  private constructor(
    readonly w: PqWasm,
    readonly t: Transport,
    readonly ks: KeySchedule,
    readonly session: bigint,
    readonly handle: Uint8Array,
    readonly rosterKey: Uint8Array,
    readonly me: Identity,
    readonly slot: number,
    epoch: bigint,
  ) {
    this.epoch = epoch;
    this.members = new Map([[slot, me.publicIdentity]]);
    this.memberIds.set(slot, me.userId);
    t.onPush = (m) => {
      this.pushes.push(m);
      this.wake?.();
    };
  }

  /** Creates the meeting `title` and joins it as `name`; subscribes to every member's media. */
  static async create(w: PqWasm, t: Transport, title: string, name: string): Promise<HostedMeeting> {
    const session = 1n;
    const ks = KeySchedule.fromSecret(KeySchedule.generateSecret());
    const handle = await ks.handle(session);
    const joinSeed = await ks.joinKey(session);
    const rosterKey = await ks.rosterKey(session);
    const me = await Identity.generate(w);
    const bfv = BfvRoster.create(w, await ks.bfvSeed());
    const verifier = await ed25519PublicKey(joinSeed);
    if (!verifier.ok) throw new Error(verifier.error);
    expect(await t.call({ type: "CreateMeeting", handle, maxMembers: 16, scheme: JoinScheme.Ed25519,
                          joinVerifier: verifier.value, infoBlob: await sealMeetingInfo(await ks.infoKey(session), handle, title),
                          keys: [{ kind: 1, blob: new Uint8Array(await bfv.publicKey()) }] }), "Ack", "CreateMeeting");
    const ch = expect(await t.call({ type: "JoinChallengeRequest", handle }), "JoinChallenge", "JoinChallengeRequest");
    const proof = await makeJoinProofEd25519(joinSeed, handle, ch.nonce);
    if (!proof.ok) throw new Error(proof.error);
    const acc = expect(await t.call({ type: "JoinProve", handle, nonce: ch.nonce, proof: proof.value, reclaim: null }),
                       "JoinAccepted", "JoinProve");
    const slot = acc.slot;
    expect(await t.call({ type: "PutKeyBlob", kind: 0x8000 | slot,
                          blob: await sealIdentityBlob(me, rosterKey, handle, slot, acc.joinSeq, name) }),
           "Ack", "PutKeyBlob");
    const ct = await bfv.encryptToken(slot, identityToken(w, me.userId), crypto.getRandomValues(new Uint8Array(32)));
    expect(await t.call({ type: "PutRoster", slot, rosterCt: new Uint8Array(ct),
                          nameBlob: await sealNameBlob(rosterKey, handle, slot, name, me.userId) }), "Ack", "PutRoster");
    bfv.free();
    expect(await t.call({ type: "Subscribe", mode: 1, slots: [] }), "Ack", "Subscribe");
    return new HostedMeeting(w, t, ks, session, handle, rosterKey, me, slot, acc.epoch);
  }

  /** Keys the next epoch for every member (one epoch blob each); returns it and its secret. */
  async keyEpoch(): Promise<{ epoch: bigint; secret: Awaited<ReturnType<KeySchedule["epochSecret"]>> }> {
    const e = this.epoch + 1n;
    const slots = [...this.members.keys()].sort((a, b) => a - b);
    const fresh = crypto.getRandomValues(new Uint8Array(32));
    const entries = [];
    for (const s of slots)
      entries.push({ slot: s, blob: await makeEpochBlob(this.w, this.me, this.slot, this.handle, e, slots, s,
                                                        this.members.get(s)!, fresh) });
    expect(await this.t.call({ type: "PostEpoch", epoch: e, entries }), "Ack", "PostEpoch");
    const secret = await this.ks.epochSecret(this.session, e, fresh);
    fresh.fill(0);
    this.epoch = e;
    return { epoch: e, secret };
  }

  /** An invitation to this meeting for `invitee`. */
  invite(invitee: PublicIdentity, title: string): Promise<Uint8Array> {
    return makeInvitation(this.w, this.me, invitee, this.ks.secret(), this.session, title);
  }

  /** The next push (MediaFrame, MemberEvent, ...), or undefined after `ms` without one. */
  async nextPush(ms = 200): Promise<Message | undefined> {
    const m = this.pushes.shift();
    if (m !== undefined) return m;
    await new Promise<void>((res) => {
      this.wake = res;
      setTimeout(res, ms);
    });
    return this.pushes.shift();
  }

  /**
   * Waits for another member to join (pushes other than its MemberEvent go to `other`), opens its
   * identity blob, checks it is `expected` (when given) and adds it to the members.
   */
  async waitForMember(expected: PublicIdentity | null, timeoutMs: number,
                      other: (m: Message) => void = () => undefined): Promise<JoinedMember> {
    const deadline = Date.now() + timeoutMs;
    let joined: Extract<Message, { type: "MemberEvent" }> | undefined;
    while (joined === undefined) {
      const m = await this.nextPush();
      if (m === undefined) {
        if (Date.now() > deadline) throw new Error("the native participant never joined");
        continue;
      }
      if (m.type === "MemberEvent" && m.kind === MemberEventKind.Joined && m.slot !== this.slot) joined = m;
      else other(m);
    }
    const blob = expect(await this.t.call({ type: "GetKeyBlob", kind: 0x8000 | joined.slot }), "KeyBlob", "GetKeyBlob");
    const theirs = await openIdentityBlob(this.w, this.rosterKey, this.handle, joined.slot, joined.joinSeq, blob.blob);
    if (!theirs.ok) throw new Error(`native identity blob: ${theirs.error}`);
    if (expected !== null && toHex(theirs.value.userId) !== toHex(expected.userId(this.w)))
      throw new Error("the member who joined is not the identity invited");
    this.members.set(joined.slot, theirs.value.identity);
    this.memberIds.set(joined.slot, theirs.value.userId);
    return { slot: joined.slot, displayName: theirs.value.displayName, userId: theirs.value.userId };
  }

  /** The security code of the current members. */
  securityCode(): string {
    return securityCode(this.w, [...this.memberIds.values()]);
  }
}
