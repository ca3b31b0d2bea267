// The page of the headless-chromium test (web/scripts/browser-test.mjs): runs a subset of the node
// tests inside the browser, on the browser's own WebAssembly engine and WebCrypto. The module
// against the native build and the NIST ACVP vectors, SFrame against the RFC 9605 vectors and
// frames of the C++ SenderContext, X-Wing against the draft's vectors and v100_web_ref xwing, the key
// schedule, join proofs, identities, roster blobs, epoch blobs, security codes, invitations and the
// BFV roster and the CKKS report against v100_web_ref schedule / identity / roster / group /
// invitation / bfv / ckks (the same checks as the node tests, from ../sdk_checks.ts).
// Shows a result table and leaves the report in `window.v100Report` for the driver.
import { fromHex, toHex } from "../../src/bytes.js";
import {
  Aead, type CipherSuite, ReceiverContext, SFrameKey, decodeHeader, deriveFrameKeys, encodeHeader, frameMetadata,
  hkdfExtract, makeNonce, suiteParams,
} from "../../src/sframe.js";
import { type MlDsaSet, type MlKemRank, PqWasm } from "../../src/wasm.js";
import { XWing } from "../../src/xwing.js";
import { mediaChecks } from "./media_checks.js";
import { type RefLookup, lookupRows } from "../lookup_checks.js";
import {
  type RefBfv, type RefCkks, type RefGroup, type RefIdentity, type RefInvitation, type RefRoster, type RefSchedule, checkBfvCase,
  checkGroupCase, checkIdentityCase, checkInfoCase, checkInvitationCase, checkMailboxIds, checkRosterNativeCase,
  checkCkksCase, checkCkksSum, checkScheduleCase, checkSecurityCodes, identitiesOf,
} from "../sdk_checks.js";

/** One row of the table: a group of cases, how many passed, the first few failures. */
export interface PageRow {
  group: string;
  check: string;
  passed: number;
  total: number;
  expected: number;
  ms: number;
  errors: string[];
}
export interface PageReport {
  done: true;
  ok: boolean;
  userAgent: string;
  rows: PageRow[];
  ms: number;
  fatal?: string;
}
declare global {
  interface Window {
    v100Report?: PageReport;
  }
}

/** Throws unless `got === want`. */
function eq(got: unknown, want: unknown, what: string): void {
  if (got !== want) {
    const s = (x: unknown): string => String(x).slice(0, 48);
    throw new Error(`${what}: got ${s(got)}, want ${s(want)}`);
  }
}

/** A JSON file from the driver's server; integers of more than 15 digits become strings (as test/env.ts). */
async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
  return JSON.parse((await r.text()).replace(/(:\s*)(\d{16,})/g, '$1"$2"')) as T;
}

const rows: PageRow[] = [];

/** Runs `body` on each item as one case of the row `group`/`check`; a throw fails that case only. */
async function row<T>(group: string, check: string, expected: number, items: readonly T[],
                      body: (item: T) => void | Promise<void>): Promise<void> {
  const r: PageRow = { group, check, passed: 0, total: 0, expected, ms: 0, errors: [] };
  const t0 = performance.now();
  for (const item of items) {
    ++r.total;
    try {
      await body(item);
      ++r.passed;
    } catch (e) {
      if (r.errors.length < 3) r.errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  r.ms = Math.round(performance.now() - t0);
  rows.push(r);
  show(r);
}

function show(r: PageRow): void {
  const tr = document.createElement("tr");
  const good = r.passed === r.total && r.total === r.expected;
  tr.className = good ? "ok" : "fail";
  const cells: [string, string][] = [
    [r.group, ""], [r.check, ""], [`${r.passed}/${r.total}`, "n"], [String(r.ms), "n"],
    [good ? "pass" : `FAIL ${r.errors[0] ?? `expected ${r.expected} cases`}`, "s"],
  ];
  for (const [text, cls] of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  document.querySelector("#results tbody")!.appendChild(tr);
}

// ---- the module ----

type Hex = string;
interface AcvpFile<G> { testGroups: G[] }
const rank = (set: string): MlKemRank => ({ "ML-KEM-512": 2, "ML-KEM-768": 3, "ML-KEM-1024": 4 })[set] as MlKemRank;
const dsa = (set: string): MlDsaSet => ({ "ML-DSA-44": 44, "ML-DSA-65": 65, "ML-DSA-87": 87 })[set] as MlDsaSet;
const lc = (h: Hex | undefined): string => (h ?? "").toLowerCase();
const flat = <G extends { tests: unknown[] }>(f: AcvpFile<G>): { g: G; t: G["tests"][number] }[] =>
  f.testGroups.flatMap((g) => g.tests.map((t) => ({ g, t })));

async function moduleChecks(w: PqWasm): Promise<void> {
  type RefCase = { op: string } & Record<string, string | number>;
  const h = (c: RefCase, k: string): Uint8Array => fromHex(String(c[k]));
  await row("module", "WASM == native (v100_web_ref pq)", 25, await getJson<RefCase[]>("ref/pq.json"), (c) => {
    if (c.op === "mlkem") {
      const k = c["k"] as MlKemRank;
      const kp = w.mlkemKeygen(k, h(c, "d"), h(c, "z"));
      eq(toHex(kp.dk), c["dk"], "dk");
      const e = w.mlkemEncaps(k, kp.ek, h(c, "m"));
      eq(toHex(e.ct), c["ct"], "ct");
      eq(toHex(w.mlkemDecaps(k, kp.dk, h(c, "ct_bad"))), c["ss_bad"], "ss_bad");
    } else if (c.op === "mldsa") {
      const set = c["set"] as MlDsaSet;
      const kp = w.mldsaKeygen(set, h(c, "xi"));
      eq(toHex(kp.pk), c["pk"], "pk");
      eq(toHex(w.mldsaSign(set, kp.sk, h(c, "msg"), h(c, "ctx"), h(c, "rnd"))), c["sig_hedged"], "sig");
    } else if (c.op === "sha3_256") {
      eq(toHex(w.sha3_256(h(c, "in"))), c["out"], "sha3");
    } else {
      eq(toHex(w.shake256(h(c, "in"), String(c["out"]).length / 2)), c["out"], "shake");
    }
  });

  const kg = await getJson<AcvpFile<{ parameterSet: string; tests: { d: Hex; z: Hex; ek: Hex; dk: Hex }[] }>>(
    "vectors/acvp/ML-KEM-keyGen-FIPS203/internalProjection.json");
  await row("ACVP", "ML-KEM keyGen", 75, flat(kg), ({ g, t }) => {
    const kp = w.mlkemKeygen(rank(g.parameterSet), fromHex(t.d), fromHex(t.z));
    eq(toHex(kp.ek), lc(t.ek), `ek`);
    eq(toHex(kp.dk), lc(t.dk), `dk`);
  });
  interface T { ek?: Hex; dk?: Hex; m?: Hex; c?: Hex; k?: Hex; testPassed?: boolean }
  const ed = flat(await getJson<AcvpFile<{ parameterSet: string; function: string; tests: T[] }>>(
    "vectors/acvp/ML-KEM-encapDecap-FIPS203/internalProjection.json"));
  await row("ACVP", "ML-KEM encapsulation", 75, ed.filter((x) => x.g.function === "encapsulation"), ({ g, t }) => {
    const e = w.mlkemEncaps(rank(g.parameterSet), fromHex(t.ek!), fromHex(t.m!));
    eq(toHex(e.ct), lc(t.c), "c");
    eq(toHex(e.ss), lc(t.k), "k");
  });
  await row("ACVP", "ML-KEM decapsulation", 30, ed.filter((x) => x.g.function === "decapsulation"), ({ g, t }) => {
    eq(toHex(w.mlkemDecaps(rank(g.parameterSet), fromHex(t.dk!), fromHex(t.c!))), lc(t.k), "k");
  });
  await row("ACVP", "ML-KEM key checks", 60, ed.filter((x) => x.g.function.endsWith("KeyCheck")), ({ g, t }) => {
    const k = rank(g.parameterSet);
    let ok = true;
    try {
      if (g.function === "encapsulationKeyCheck") w.mlkemEncaps(k, fromHex(t.ek!), new Uint8Array(32));
      else w.mlkemDecaps(k, fromHex(t.dk!), new Uint8Array({ 2: 768, 3: 1088, 4: 1568 }[k]));
    } catch {
      ok = false;
    }
    eq(ok, t.testPassed, g.function);
  });
  const dk = await getJson<AcvpFile<{ parameterSet: string; tests: { seed: Hex; pk: Hex; sk: Hex }[] }>>(
    "vectors/acvp/ML-DSA-keyGen-FIPS204/internalProjection.json");
  await row("ACVP", "ML-DSA keyGen", 75, flat(dk), ({ g, t }) => {
    const kp = w.mldsaKeygen(dsa(g.parameterSet), fromHex(t.seed));
    eq(toHex(kp.pk), lc(t.pk), "pk");
    eq(toHex(kp.sk), lc(t.sk), "sk");
  });
  const sg = await getJson<AcvpFile<{ parameterSet: string; deterministic: boolean;
                                       tests: { sk: Hex; message: Hex; rnd?: Hex; signature: Hex }[] }>>(
    "vectors/acvp/ML-DSA-sigGen-FIPS204/internalProjection.json");
  await row("ACVP", "ML-DSA sigGen (internal)", 60, flat(sg), ({ g, t }) => {
    const rnd = g.deterministic ? new Uint8Array(32) : fromHex(t.rnd!);
    eq(toHex(w.mldsaSignInternal(dsa(g.parameterSet), fromHex(t.sk), fromHex(t.message), rnd)), lc(t.signature),
       "signature");
  });
  const sv = await getJson<AcvpFile<{ parameterSet: string; pk: Hex;
                                       tests: { message: Hex; signature: Hex; testPassed: boolean }[] }>>(
    "vectors/acvp/ML-DSA-sigVer-FIPS204/internalProjection.json");
  await row("ACVP", "ML-DSA sigVer (internal)", 45, flat(sv), ({ g, t }) => {
    eq(w.mldsaVerifyInternal(dsa(g.parameterSet), fromHex(g.pk), fromHex(t.message), fromHex(t.signature)),
       t.testPassed, "verify");
  });
}

// ---- SFrame over the browser's WebCrypto ----

interface Rfc {
  header: { kid: number | string; ctr: number | string; encoded: string }[];
  aes_ctr_hmac: { cipher_suite: number; key: string; nonce: string; aad: string; pt: string; ct: string }[];
  sframe: { cipher_suite: number; kid: number | string; ctr: number | string; base_key: string; sframe_secret: string;
            sframe_key: string; sframe_salt: string; metadata: string; nonce: string; aad: string; pt: string;
            ct: string }[];
}
interface RefSFrame {
  epochs: { epoch: number; epoch_secret: string;
            senders: { slot: number; frames: { envelope: number; payload: string; frame: string }[] }[] }[];
}

async function sframeChecks(): Promise<void> {
  const rfc = await getJson<Rfc>("vectors/sframe/rfc9605-test-vectors.json");
  await row("SFrame", "RFC 9605 header vectors", 289, rfc.header, (c) => {
    const kid = BigInt(c.kid), ctr = BigInt(c.ctr);
    eq(toHex(encodeHeader(kid, ctr)), c.encoded, "encoded");
    const h = decodeHeader(fromHex(c.encoded));
    eq(h?.kid, kid, "kid");
    eq(h?.ctr, ctr, "ctr");
  });
  await row("SFrame", "RFC 9605 AES-CTR+HMAC vectors", 3, rfc.aes_ctr_hmac, async (c) => {
    const aead = await Aead.create(suiteParams(c.cipher_suite as CipherSuite), fromHex(c.key));
    const ct = await aead.seal(fromHex(c.nonce), fromHex(c.aad), fromHex(c.pt));
    eq(toHex(ct), c.ct, "ct");
    eq(toHex((await aead.open(fromHex(c.nonce), fromHex(c.aad), ct))!), c.pt, "open");
    ct[0]! ^= 1;
    eq(await aead.open(fromHex(c.nonce), fromHex(c.aad), ct), null, "tampered");
  });
  await row("SFrame", "RFC 9605 SFrame vectors (suites 1-5)", 5, rfc.sframe, async (c) => {
    const suite = c.cipher_suite as CipherSuite, kid = BigInt(c.kid), ctr = BigInt(c.ctr);
    eq(toHex(await hkdfExtract(suiteParams(suite).hash, new Uint8Array(0), fromHex(c.base_key))), c.sframe_secret,
       "secret");
    const fk = await deriveFrameKeys(suite, kid, fromHex(c.base_key));
    eq(toHex(fk.key), c.sframe_key, "key");
    eq(toHex(fk.salt), c.sframe_salt, "salt");
    eq(toHex(makeNonce(fk.salt, ctr)), c.nonce, "nonce");
    const key = await SFrameKey.derive(suite, kid, fromHex(c.base_key));
    const frame = await key.protect(ctr, fromHex(c.metadata), fromHex(c.pt));
    eq(toHex(frame), c.ct, "ct");
    eq(toHex((await key.unprotect(decodeHeader(frame)!, frame, fromHex(c.metadata)))!), c.pt, "unprotect");
  });
  const ref = await getJson<RefSFrame>("ref/sframe.json");
  const frames = ref.epochs.flatMap((e) => e.senders.flatMap((s) => s.frames.map((f) => ({ e, s, f }))));
  const rx = new Map<number, ReceiverContext>();
  await row("SFrame", "C++ SenderContext frames open", 45, frames, async ({ e, s, f }) => {
    if (!rx.has(e.epoch)) {
      const r = new ReceiverContext();
      r.setEpoch(BigInt(e.epoch), fromHex(e.epoch_secret));
      rx.set(e.epoch, r);
    }
    const r = await rx.get(e.epoch)!.unprotect(frameMetadata(s.slot, f.envelope), fromHex(f.frame));
    eq(r.ok ? toHex(r.payload) : r.reason, f.payload, "payload");
  });
}

// ---- X-Wing: ML-KEM-768 from the module, X25519 from the browser's WebCrypto ----

interface XVector { seed: string; pk: string; eseed: string; ct: string; ss: string }
interface RefDecaps { ss?: string; error?: string }
interface RefXWing extends XVector {
  ct_bad_m: string; decaps_bad_m: RefDecaps; ct_bad_x: string; decaps_bad_x: RefDecaps;
  ct_low: string; decaps_low: RefDecaps;
}

async function xwingChecks(w: PqWasm): Promise<void> {
  const xw = new XWing(w);
  const full = async (c: XVector): Promise<void> => {
    const sk = await xw.generateKeyPairDerand(fromHex(c.seed));
    eq(toHex(sk.publicKey), c.pk, "pk");
    const enc = await xw.encapsulateDerand(fromHex(c.pk), fromHex(c.eseed));
    eq(enc.ok && toHex(enc.value.ciphertext), c.ct, "ct");
    eq(enc.ok && toHex(enc.value.sharedSecret), c.ss, "ss");
    const ss = await xw.decapsulate(sk, fromHex(c.ct));
    eq(ss.ok && toHex(ss.value), c.ss, "decaps");
    sk.wipe();
  };
  await row("X-Wing", "draft vectors", 3, await getJson<XVector[]>("vectors/xwing/test-vectors.json"), full);
  const ref = await getJson<RefXWing[]>("ref/xwing.json");
  await row("X-Wing", "TS == native (v100_web_ref xwing)", 4, ref, full);
  const bad = ref.flatMap((c) => [
    { c, ct: c.ct_bad_m, want: c.decaps_bad_m }, { c, ct: c.ct_bad_x, want: c.decaps_bad_x },
    { c, ct: c.ct_low, want: c.decaps_low },
  ]);
  await row("X-Wing", "tampered / low-order ct == native", 12, bad, async ({ c, ct, want }) => {
    const sk = await xw.generateKeyPairDerand(fromHex(c.seed));
    const r = await xw.decapsulate(sk, fromHex(ct));
    if (want.ss !== undefined) {
      eq(r.ok && toHex(r.value), want.ss, "tampered ss");
      eq(want.ss !== c.ss, true, "another secret");
    } else {
      eq(r.ok, false, "low-order ct_X refused");
    }
    sk.wipe();
  });
  await row("X-Wing", "fresh encapsulate / decapsulate", 3, [0, 1, 2], async () => {
    const sk = await xw.generateKeyPair();
    const enc = await xw.encapsulate(sk.publicKey);
    if (!enc.ok) throw new Error(enc.error);
    const ss = await xw.decapsulate(sk, enc.value.ciphertext);
    eq(ss.ok && toHex(ss.value), toHex(enc.value.sharedSecret), "round trip");
    sk.wipe();
  });
}

// ---- the SDK: key schedule and Ed25519 join proofs (browser WebCrypto), identities, roster blobs ----

async function sdkChecks(w: PqWasm): Promise<void> {
  await row("SDK", "key schedule + join proofs == native", 3, await getJson<RefSchedule[]>("ref/schedule.json"),
            async (c) => void await checkScheduleCase(c));
  await row("SDK", "identities == native (same seeds)", 3, await getJson<RefIdentity[]>("ref/identity.json"),
            async (c) => void await checkIdentityCase(w, c));
  const roster = await getJson<RefRoster>("ref/roster.json");
  await row("SDK", "C++ roster blobs open; relabelled / flipped refused", 3, roster.cases,
            async (c) => void await checkRosterNativeCase(w, roster, c));
  await row("SDK", "C++ meeting-info blobs open", 3, roster.infos, (i) => checkInfoCase(roster, i));
  const group = await getJson<RefGroup>("ref/group.json");
  const gids = await identitiesOf(w, group.identities);
  await row("SDK", "C++ epoch blobs open (epoch secret, SFrame frame); altered refused", 3, group.cases,
            async (c) => void await checkGroupCase(w, group, gids, c));
  await row("SDK", "security codes == native", 1, [group], (g) => void checkSecurityCodes(w, g));
  const inv = await getJson<RefInvitation>("ref/invitation.json");
  const iids = await identitiesOf(w, inv.identities);
  await row("SDK", "C++ invitations open; altered refused; mailbox ids", 4, [...inv.cases, null],
            async (c) => void (c === null ? checkMailboxIds(w, inv, iids) : await checkInvitationCase(w, iids, c)));
  for (const id of [...gids, ...iids]) id.wipe();
  // BFV in the module, AES-CTR keystream from the browser's WebCrypto.
  await row("SDK", "BFV roster == native: keys, token ciphertexts, blocks, malformed", 2,
            await getJson<RefBfv[]>("ref/bfv.json"), async (c) => void await checkBfvCase(w, c));
  // CKKS reports: the encoder's FFT output, plaintext, ciphertext and flooded decryption byte for
  // byte; the native summed report decrypts to the plaintext model.
  const ckks = await getJson<RefCkks>("ref/ckks.json");
  await row("SDK", "CKKS report == native: FFT output, plaintext, ciphertext, flooded decryption", 6, ckks.cases,
            async (c) => void await checkCkksCase(w, c));
  await row("SDK", "CKKS: native summed report decrypts to the plaintext model", 1, [ckks.sum],
            async (sum) => void await checkCkksSum(w, sum));
  await lookupRows(w, row, await getJson<RefLookup>("ref/lookup.json"));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const status = document.getElementById("status")!;
  let fatal: string | undefined;
  try {
    const bytes = await (await fetch("v100.wasm")).arrayBuffer();
    const w = await PqWasm.load(bytes);
    await moduleChecks(w);
    await sframeChecks();
    await xwingChecks(w);
    await sdkChecks(w);
    await mediaChecks(w, row, await getJson("ref/sframe.json"));
  } catch (e) {
    fatal = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  const ok = fatal === undefined && rows.every((r) => r.passed === r.total && r.total === r.expected);
  const passed = rows.reduce((n, r) => n + r.passed, 0), total = rows.reduce((n, r) => n + r.total, 0);
  const ms = Math.round(performance.now() - t0);
  status.textContent = `${ok ? "all passed" : "FAILED"}: ${passed}/${total} cases in ${rows.length} checks, ` +
    `${ms} ms. ${navigator.userAgent}${fatal ? ` (stopped: ${fatal})` : ""}`;
  status.style.color = ok ? "#0a6b1f" : "#a40000";
  window.v100Report = { done: true, ok, userAgent: navigator.userAgent, rows, ms, ...(fatal ? { fatal } : {}) };
}

void main();
