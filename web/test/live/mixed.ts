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
import { parsePublicIdentityText } from "../../src/identity.js";
import { type MediaEnvelope, envelopeByte } from "../../src/protocol.js";
import { ReceiverContext, frameMetadata } from "../../src/sframe.js";
import { Transport } from "../../src/transport.js";
import { PqWasm } from "../../src/wasm.js";
import { HostedMeeting } from "./host.js";

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

main().catch((e: unknown) => {
  say(`FAILED: ${String(e)}`);
  window.v100Mixed = { stage: "failed", error: String(e), framesOpened: 0, framesMatching: 0, framesRefused: 0 };
});
