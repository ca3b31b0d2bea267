// The mixed-meeting page (web/scripts/live-test.mjs): a browser hosts a meeting on `v100 serve` and a
// native participant (`v100 join --invitation`) joins it. The page creates the meeting (with the
// meeting's BFV public key), joins, uploads its identity blob and roster entry, keys epoch 1 for
// itself, invites the native identity (its `me.key.pub` text comes in the URL fragment; the
// invitation goes to the driver in `window.v100Mixed`), and when the native member is announced it
// opens that member's identity blob (it must be the identity invited) and, as the distributor, keys
// the next epoch for both. The native member's media frames are then opened here with the SFrame
// receiver under that epoch and compared with what `v100 join` sends (SHAKE256 of its sequence
// number). The driver compares the security code shown here with the one `v100 join` prints.
import { toHex, u64le } from "../../src/bytes.js";
import { BfvRoster } from "../../src/fhe.js";
import { makeEpochBlob, securityCode } from "../../src/group.js";
import { Identity, type PublicIdentity, parsePublicIdentityText } from "../../src/identity.js";
import { makeInvitation } from "../../src/invitation.js";
import { ed25519PublicKey, makeJoinProofEd25519 } from "../../src/join_proof.js";
import { type MediaEnvelope, type Message, JoinScheme, MemberEventKind, envelopeByte } from "../../src/protocol.js";
import { identityToken, openIdentityBlob, sealIdentityBlob, sealMeetingInfo, sealNameBlob } from "../../src/roster.js";
import { KeySchedule } from "../../src/schedule.js";
import { ReceiverContext, frameMetadata } from "../../src/sframe.js";
import { Transport } from "../../src/transport.js";
import { expect } from "./reply.js";
import { PqWasm } from "../../src/wasm.js";

export interface MixedState {
  stage: "invited" | "keyed" | "failed";
  invitation?: string;
  code?: string;
  epoch?: string;
  nativeName?: string;
  framesOpened: number;
  framesMatching: number;
  framesRefused: number;
  error?: string;
}
declare global {
  interface Window {
    v100Mixed?: MixedState;
  }
}

const status = document.getElementById("status")!;
const say = (s: string): void => {
  status.textContent = s;
};

async function main(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const title = params.get("title") ?? "mixed";
  const name = params.get("name") ?? "Browser";
  const inviteePub = params.get("pub") ?? "";
  const r = await fetch("v100.wasm");
  const w = await PqWasm.load(await r.arrayBuffer());
  const invitee = parsePublicIdentityText(w, inviteePub);
  if (!invitee.ok) throw new Error(`native identity: ${invitee.error}`);
  const c = await Transport.connect(`wss://${location.host}/v100`);
  if (!c.ok) throw new Error(c.error);
  const t = c.value.t;
  const pushes: Message[] = [];
  let wake: (() => void) | null = null;
  t.onPush = (m) => {
    pushes.push(m);
    wake?.();
  };

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
  const mySlot = acc.slot;
  expect(await t.call({ type: "PutKeyBlob", kind: 0x8000 | mySlot,
                        blob: await sealIdentityBlob(me, rosterKey, handle, mySlot, acc.joinSeq, name) }),
         "Ack", "PutKeyBlob");
  const ct = await bfv.encryptToken(mySlot, identityToken(w, me.userId), crypto.getRandomValues(new Uint8Array(32)));
  expect(await t.call({ type: "PutRoster", slot: mySlot, rosterCt: new Uint8Array(ct),
                        nameBlob: await sealNameBlob(rosterKey, handle, mySlot, name, me.userId) }), "Ack", "PutRoster");
  bfv.free();
  expect(await t.call({ type: "Subscribe", mode: 1, slots: [] }), "Ack", "Subscribe");

  // The distributor keys epoch e for `members` (slot -> public identity): one blob each.
  const rx = new ReceiverContext();
  let epoch = acc.epoch;
  const keyEpoch = async (members: Map<number, PublicIdentity>): Promise<void> => {
    const e = epoch + 1n;
    const slots = [...members.keys()].sort((a, b) => a - b);
    const fresh = crypto.getRandomValues(new Uint8Array(32));
    const entries = [];
    for (const s of slots)
      entries.push({ slot: s, blob: await makeEpochBlob(w, me, mySlot, handle, e, slots, s, members.get(s)!, fresh) });
    expect(await t.call({ type: "PostEpoch", epoch: e, entries }), "Ack", "PostEpoch");
    rx.setEpoch(e, await ks.epochSecret(session, e, fresh));
    fresh.fill(0);
    epoch = e;
  };
  const members = new Map<number, PublicIdentity>([[mySlot, me.publicIdentity]]);
  await keyEpoch(members);

  const inv = await makeInvitation(w, me, invitee.value, ks.secret(), session, title);
  window.v100Mixed = { stage: "invited", invitation: toHex(inv), framesOpened: 0, framesMatching: 0, framesRefused: 0 };
  say("invited the native participant; waiting for it to join");

  // The native member is announced (its identity blob is stored by then).
  const deadline = Date.now() + 60_000;
  let joined: Extract<Message, { type: "MemberEvent" }> | undefined;
  while (joined === undefined) {
    const m = pushes.shift();
    if (m === undefined) {
      if (Date.now() > deadline) throw new Error("the native participant never joined");
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, 200);
      });
      continue;
    }
    if (m.type === "MemberEvent" && m.kind === MemberEventKind.Joined && m.slot !== mySlot) joined = m;
  }
  const blob = expect(await t.call({ type: "GetKeyBlob", kind: 0x8000 | joined.slot }), "KeyBlob", "GetKeyBlob");
  const theirs = await openIdentityBlob(w, rosterKey, handle, joined.slot, joined.joinSeq, blob.blob);
  if (!theirs.ok) throw new Error(`native identity blob: ${theirs.error}`);
  if (toHex(theirs.value.userId) !== toHex(invitee.value.userId(w)))
    throw new Error("the member who joined is not the identity invited");
  members.set(joined.slot, theirs.value.identity);
  await keyEpoch(members);
  const code = securityCode(w, [me.userId, theirs.value.userId]);
  const state: MixedState = { stage: "keyed", code, epoch: epoch.toString(), nativeName: theirs.value.displayName,
                              framesOpened: 0, framesMatching: 0, framesRefused: 0 };
  window.v100Mixed = state;
  say(`epoch ${epoch}: 2 members, security code ${code}; native member "${theirs.value.displayName}" in slot ${joined.slot}`);

  // The native member's audio: SHAKE256(u64 sequence number), 160 bytes, under the epoch keyed here.
  const expected = new Set<string>();
  for (let seq = 0n; seq < 2000n; ++seq) expected.add(toHex(w.shake256(u64le(seq), 160)));
  const frame = async (slot: number, env: MediaEnvelope, payload: Uint8Array): Promise<void> => {
    const f = await rx.unprotect(frameMetadata(slot, envelopeByte(env)), new Uint8Array(payload));
    if (!f.ok) {
      ++state.framesRefused;
      return;
    }
    ++state.framesOpened;
    if (slot === joined!.slot && expected.has(toHex(f.payload))) ++state.framesMatching;
  };
  for (;;) {
    const m = pushes.shift();
    if (m === undefined) {
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, 200);
      });
      continue;
    }
    if (m.type === "MediaFrame") await frame(m.slot, m.envelope, m.payload);
    if (m.type === "MediaBundle") for (const f of m.frames) await frame(f.slot, f.envelope, f.payload);
    say(`epoch ${epoch}: security code ${code}; ${state.framesMatching} of the native member's frames opened here`);
  }
}

main().catch((e: unknown) => {
  say(`FAILED: ${String(e)}`);
  window.v100Mixed = { stage: "failed", error: String(e), framesOpened: 0, framesMatching: 0, framesRefused: 0 };
});
