// The live page (web/scripts/live-test.mjs): served by `v100 serve --web-root`, so it runs under the
// server's own Content-Security-Policy, and speaks the meeting protocol to it over wss:// on the same
// origin. A browser-made meeting from end to end: the key schedule from a fresh meeting secret,
// CreateMeeting with the Ed25519 join verifier and the sealed title, the join challenge and proof,
// the browser identity's sealed identity blob stored under 0x8000 | slot and read back, the sealed
// title read back and opened. The title and name come from the driver (URL fragment: never sent to
// the server) so it can look for them in the server's files. Reports in `window.v100Live`.
import { toHex } from "../../src/bytes.js";
import { Identity } from "../../src/identity.js";
import { ed25519PublicKey, makeJoinProofEd25519 } from "../../src/join_proof.js";
import { ErrorCode, JoinScheme, kProtocolVersion } from "../../src/protocol.js";
import { BfvRoster, kRosterBlockMembers, kSlotCoeffs } from "../../src/fhe.js";
import {
  identityToken, openIdentityBlob, openMeetingInfo, openNameBlob, sealIdentityBlob, sealMeetingInfo, sealNameBlob,
} from "../../src/roster.js";
import { KeySchedule } from "../../src/schedule.js";
import { Transport } from "../../src/transport.js";
import { expect } from "./reply.js";
import { PqWasm } from "../../src/wasm.js";
import { XWing } from "../../src/xwing.js";

interface LiveRow { step: string; detail: string; ok: boolean; ms: number }
export interface LiveReport {
  done: true;
  ok: boolean;
  rows: LiveRow[];
  handle: string;
  userId: string;
  slot: number;
  undecodable: number;
  fatal?: string;
}
declare global {
  interface Window {
    v100Live?: LiveReport;
  }
}

const rows: LiveRow[] = [];
const tbody = document.querySelector("#results tbody")!;

function show(r: LiveRow): void {
  rows.push(r);
  const tr = document.createElement("tr");
  tr.className = r.ok ? "ok" : "fail";
  for (const [text, cls] of [[r.step, ""], [r.detail, ""], [String(r.ms), "n"], [r.ok ? "pass" : "FAIL", "s"]]) {
    const td = document.createElement("td");
    td.textContent = text!;
    if (cls) td.className = cls;
    tr.append(td);
  }
  tbody.append(tr);
}

/** Runs one step: `fn` returns what the page saw, or throws. */
async function step(name: string, fn: () => Promise<string>): Promise<boolean> {
  const t0 = performance.now();
  try {
    const detail = await fn();
    show({ step: name, detail, ok: true, ms: Math.round(performance.now() - t0) });
    return true;
  } catch (e) {
    show({ step: name, detail: e instanceof Error ? e.message : String(e), ok: false, ms: Math.round(performance.now() - t0) });
    return false;
  }
}

async function main(): Promise<LiveReport> {
  const params = new URLSearchParams(location.hash.slice(1));
  const title = params.get("title") ?? "V100 live check";
  const name = params.get("name") ?? "Browser";
  let wasm: PqWasm | undefined;
  let t: Transport | undefined;
  let handle = new Uint8Array(0), userId = new Uint8Array(0), slot = -1;

  await step("CSP in force", async () => {
    try {
      // eslint-disable-next-line no-eval
      (0, eval)("1 + 1");
    } catch (e) {
      if (e instanceof EvalError) return "eval refused (no 'unsafe-eval'); this script and its stylesheet load from 'self'";
      throw e;
    }
    throw new Error("eval ran: the page is not under the server's Content-Security-Policy");
  });
  await step("module under the CSP", async () => {
    const r = await fetch("v100.wasm");
    if (!r.ok) throw new Error(`GET v100.wasm: ${r.status}`);
    if (r.headers.get("content-type") !== "application/wasm") throw new Error(`content-type ${r.headers.get("content-type")}`);
    wasm = await PqWasm.load(await r.arrayBuffer());
    const xw = new XWing(wasm);
    const sk = await xw.generateKeyPair();
    const enc = await xw.encapsulate(sk.publicKey);
    if (!enc.ok) throw new Error(enc.error);
    const dec = await xw.decapsulate(sk, enc.value.ciphertext);
    if (!dec.ok) throw new Error(dec.error);
    if (toHex(dec.value) !== toHex(enc.value.sharedSecret)) throw new Error("X-Wing round trip: secrets differ");
    sk.wipe();
    return "v100.wasm (application/wasm) instantiated under 'wasm-unsafe-eval'; X-Wing encapsulate/decapsulate agree";
  });
  if (wasm === undefined) throw new Error("no module");
  await step("connect", async () => {
    const c = await Transport.connect(`wss://${location.host}/v100`);
    if (!c.ok) throw new Error(c.error);
    t = c.value.t;
    if (c.value.version !== kProtocolVersion) throw new Error(`protocol version ${c.value.version}`);
    return `wss://${location.host}/v100 (same origin), Hello -> ServerHello, protocol ${c.value.version}`;
  });
  if (t === undefined) throw new Error("not connected");
  const tr = t;
  await step("ping", async () => {
    const token = BigInt.asUintN(64, BigInt("0x" + toHex(crypto.getRandomValues(new Uint8Array(8)))));
    const pong = expect(await tr.call({ type: "Ping", token }), "Pong", "Ping");
    if (pong.token !== token) throw new Error("Pong carries another token");
    return "Ping -> Pong with the same random token";
  });

  const ks = KeySchedule.fromSecret(KeySchedule.generateSecret());
  const session = 1n;
  handle = await ks.handle(session);
  const joinSeed = await ks.joinKey(session);
  const infoKey = await ks.infoKey(session);
  const rosterKey = await ks.rosterKey(session);
  const me = await Identity.generate(wasm);
  userId = me.userId;
  const w = wasm;

  await step("unknown meeting", async () => {
    const r = await tr.call({ type: "JoinChallengeRequest", handle });
    if (!r.ok) throw new Error(r.error);
    if (r.value.type !== "Error" || r.value.code !== ErrorCode.UnknownMeeting) throw new Error(`got ${r.value.type}`);
    return "a handle nobody created: Error UnknownMeeting";
  });
  await step("create meeting", async () => {
    const verifier = await ed25519PublicKey(joinSeed);
    if (!verifier.ok) throw new Error(verifier.error);
    const infoBlob = await sealMeetingInfo(infoKey, handle, title);
    expect(await tr.call({ type: "CreateMeeting", handle, maxMembers: 16, scheme: JoinScheme.Ed25519,
                           joinVerifier: verifier.value, infoBlob, keys: [] }), "Ack", "CreateMeeting");
    return `handle ${toHex(handle).slice(0, 12)}…, Ed25519 join verifier, sealed title (${infoBlob.length} B)`;
  });
  await step("join", async () => {
    const ch = expect(await tr.call({ type: "JoinChallengeRequest", handle }), "JoinChallenge", "JoinChallengeRequest");
    const proof = await makeJoinProofEd25519(joinSeed, handle, ch.nonce);
    if (!proof.ok) throw new Error(proof.error);
    const bad = new Uint8Array(proof.value);
    bad[0]! ^= 1;
    const refused = await tr.call({ type: "JoinProve", handle, nonce: ch.nonce, proof: bad, reclaim: null });
    if (!refused.ok || refused.value.type !== "Error") throw new Error("a flipped proof was not refused");
    const ch2 = expect(await tr.call({ type: "JoinChallengeRequest", handle }), "JoinChallenge", "JoinChallengeRequest");
    const proof2 = await makeJoinProofEd25519(joinSeed, handle, ch2.nonce);
    if (!proof2.ok) throw new Error(proof2.error);
    const acc = expect(await tr.call({ type: "JoinProve", handle, nonce: ch2.nonce, proof: proof2.value, reclaim: null }),
                       "JoinAccepted", "JoinProve");
    slot = acc.slot;
    const ident = await sealIdentityBlob(me, rosterKey, handle, slot, acc.joinSeq, name);
    expect(await tr.call({ type: "PutKeyBlob", kind: 0x8000 | slot, blob: ident }), "Ack", "PutKeyBlob (identity)");
    const back = expect(await tr.call({ type: "GetKeyBlob", kind: 0x8000 | slot }), "KeyBlob", "GetKeyBlob (identity)");
    const opened = await openIdentityBlob(w, rosterKey, handle, slot, acc.joinSeq, back.blob);
    if (!opened.ok) throw new Error(`identity blob: ${opened.error}`);
    if (toHex(opened.value.userId) !== toHex(me.userId)) throw new Error("identity blob names someone else");
    if (opened.value.displayName !== name) throw new Error("identity blob carries another name");
    return `flipped proof refused; JoinAccepted slot ${slot}; identity blob stored and read back: ` +
           `user ${toHex(me.userId).slice(0, 8)}…, name as typed`;
  });
  await step("encrypted roster", async () => {
    // The roster entry every member uploads: its identity token under the meeting's BFV key (from the
    // key schedule's BFV seed, in the module) and its sealed name; read back and opened here.
    const bfv = BfvRoster.create(w, await ks.bfvSeed());
    try {
      const token = identityToken(w, me.userId);
      const ct = await bfv.encryptToken(slot, token, crypto.getRandomValues(new Uint8Array(32)));
      const nameBlob = await sealNameBlob(rosterKey, handle, slot, name, me.userId);
      expect(await tr.call({ type: "PutRoster", slot, rosterCt: new Uint8Array(ct), nameBlob }), "Ack", "PutRoster");
      const roster = expect(await tr.call({ type: "FetchRoster", firstSlot: 0, maxEntries: 32 }), "Roster", "FetchRoster");
      const mine = roster.entries.find((e) => e.slot === slot);
      if (mine === undefined) throw new Error("our roster entry is not in the roster");
      const opened = await openNameBlob(rosterKey, handle, slot, mine.nameBlob);
      if (!opened.ok) throw new Error(`name blob: ${opened.error}`);
      if (opened.value.displayName !== name || toHex(opened.value.userId) !== toHex(me.userId))
        throw new Error("the name blob opens to another name or user");
      const block = await bfv.decryptBlock([mine.rosterCt]);
      if (!block.ok) throw new Error(`roster ciphertext: ${block.error}`);
      const at = (slot % kRosterBlockMembers) * kSlotCoeffs;
      const values = [...block.value.subarray(at, at + token.length)];
      if (values.join() !== [...token].join()) throw new Error("the BFV roster ciphertext decrypts to another token");
      return `PutRoster (BFV token ciphertext ${ct.length} B from the module, sealed name) -> FetchRoster: ` +
             `${roster.entries.length} entry, name and ${token.length}-value token decrypt to ours`;
    } finally {
      bfv.free();
    }
  });
  await step("sealed title", async () => {
    const info = expect(await tr.call({ type: "GetMeeting" }), "MeetingInfo", "GetMeeting");
    const opened = await openMeetingInfo(infoKey, handle, info.infoBlob);
    if (!opened.ok) throw new Error(opened.error);
    if (opened.value.title !== title) throw new Error("the title does not open to what was typed");
    return `the server's info blob opens to the title typed (max members ${info.maxMembers})`;
  });
  await step("leave", async () => {
    expect(await tr.call({ type: "Leave" }), "Ack", "Leave");
    return "Leave -> Ack";
  });
  const undecodable = tr.undecodable;
  tr.close();
  me.wipe();
  ks.wipe();
  for (const k of [joinSeed, infoKey, rosterKey]) k.fill(0);
  return { done: true, ok: rows.every((r) => r.ok), rows, handle: toHex(handle), userId: toHex(userId), slot, undecodable };
}

const status = document.getElementById("status")!;
main().then(
  (r) => {
    status.textContent = r.ok ? `all ${r.rows.length} steps passed` : "a step FAILED";
    window.v100Live = r;
  },
  (e: unknown) => {
    status.textContent = `FAILED: ${String(e)}`;
    window.v100Live = { done: true, ok: false, rows, handle: "", userId: "", slot: -1, undecodable: 0, fatal: String(e) };
  },
);
