// The mixed-meeting page (web/scripts/live-test.mjs): a browser hosts a meeting on `v100 serve` and a
// native participant (`v100 join --invitation`) joins it. The page creates the meeting (with the
// meeting's BFV public key), joins, uploads its identity blob and roster entry, keys epoch 1 for
// itself, invites the native identity (its `me.key.pub` text comes in the URL fragment; the
// invitation goes to the driver in `window.v100Mixed`), and when the native member is announced it
// opens that member's identity blob (it must be the identity invited) and, as the distributor, keys
// the next epoch for both. The native member's media frames are then opened here with the SFrame
// receiver under that epoch and compared with what `v100 join` sends (SHAKE256 of its sequence
// number). The driver compares the security code shown here with the one `v100 join` prints.
// Meanwhile the page asks the server's directory look-up (BfvLookup; the server computes on
// ciphertexts) for the native member, itself and a stranger (lookupMembers).
import { toHex, u64le } from "../../src/bytes.js";
import { BfvLookup, kLookupQueryOp, kLookupService } from "../../src/fhe.js";
import { identityToken } from "../../src/roster.js";
import { parsePublicIdentityText } from "../../src/identity.js";
import { type MediaEnvelope, envelopeByte } from "../../src/protocol.js";
import { ReceiverContext, frameMetadata } from "../../src/sframe.js";
import { Transport } from "../../src/transport.js";
import { PqWasm } from "../../src/wasm.js";
import { HostedMeeting, type JoinedMember } from "./host.js";

/** What the look-ups found, beside the slots the server announced (the driver compares them). */
export interface LookupState {
  native?: number | null;
  nativeSlot?: number;
  self?: number | null;
  selfSlot?: number;
  stranger?: number | null;
  tries?: number;
  ms?: number;
  error?: string;
}

export interface MixedState {
  stage: "invited" | "keyed" | "failed";
  invitation?: string;
  code?: string;
  epoch?: string;
  nativeName?: string;
  framesOpened: number;
  framesMatching: number;
  framesRefused: number;
  lookup?: LookupState;
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
  const host = await HostedMeeting.create(w, t, title, name);

  // The distributor keys each epoch for the members: one blob each.
  const rx = new ReceiverContext();
  const keyEpoch = async (): Promise<void> => {
    const { epoch, secret } = await host.keyEpoch();
    rx.setEpoch(epoch, secret);
    secret.fill(0);
  };
  await keyEpoch();

  const inv = await host.invite(invitee.value, title);
  window.v100Mixed = { stage: "invited", invitation: toHex(inv), framesOpened: 0, framesMatching: 0, framesRefused: 0 };
  say("invited the native participant; waiting for it to join");

  // The native member is announced (its identity blob is stored by then).
  const joined = await host.waitForMember(invitee.value, 60_000);
  await keyEpoch();
  const epoch = host.epoch;
  const code = host.securityCode();
  const state: MixedState = { stage: "keyed", code, epoch: epoch.toString(), nativeName: joined.displayName,
                              framesOpened: 0, framesMatching: 0, framesRefused: 0 };
  window.v100Mixed = state;
  say(`epoch ${epoch}: 2 members, security code ${code}; native member "${joined.displayName}" in slot ${joined.slot}`);

  void lookupMembers(w, host, joined).then((l) => {
    state.lookup = l;
  });

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
    if (slot === joined.slot && expected.has(toHex(f.payload))) ++state.framesMatching;
  };
  for (;;) {
    const m = await host.nextPush();
    if (m === undefined) continue;
    if (m.type === "MediaFrame") await frame(m.slot, m.envelope, m.payload);
    if (m.type === "MediaBundle") for (const f of m.frames) await frame(f.slot, f.envelope, f.payload);
    say(`epoch ${epoch}: security code ${code}; ${state.framesMatching} of the native member's frames opened here`);
  }
}

// The directory look-up over the WebSocket (ServiceRequest service 1 op 1 with the module's query;
// the ServiceResponse read in the module): the native member's user id, ours and a random
// stranger's. The native member uploads its roster entry just after its identity blob, so its
// look-up is repeated (up to 30 times, 100 ms apart) until found.
async function lookupMembers(w: PqWasm, host: HostedMeeting, joined: JoinedMember): Promise<LookupState> {
  const t0 = performance.now();
  const lk = BfvLookup.create(w, await host.ks.bfvSeed());
  try {
    const ask = async (userId: Uint8Array): Promise<number | null> => {
      const q = await lk.encryptQuery(identityToken(w, userId), crypto.getRandomValues(new Uint8Array(32)));
      const r = await host.t.call({ type: "ServiceRequest", service: kLookupService, op: kLookupQueryOp, blobs: [q] });
      if (!r.ok) throw new Error(`look-up: ${r.error}`);
      const found = await lk.findInResponse(r.value);
      if (!found.ok) throw new Error(`look-up: ${found.error}`);
      return found.value;
    };
    let native: number | null = null, tries = 0;
    while (native === null && tries < 30) {
      if (tries++ > 0) await new Promise((r) => setTimeout(r, 100));
      native = await ask(joined.userId);
    }
    const self = await ask(host.me.userId);
    const stranger = await ask(crypto.getRandomValues(new Uint8Array(32)));
    return { native, nativeSlot: joined.slot, self, selfSlot: host.slot, stranger, tries,
             ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { error: String(e) };
  } finally {
    lk.free();
  }
}

main().catch((e: unknown) => {
  say(`FAILED: ${String(e)}`);
  window.v100Mixed = { stage: "failed", error: String(e), framesOpened: 0, framesMatching: 0, framesRefused: 0 };
});
