// Checks of the SDK's key schedule, join proof, identity, roster blobs, epoch blobs, security codes,
// invitations and the BFV roster against what the native tool printed (v100_web_ref schedule /
// identity / roster / group / invitation / bfv), shared by the node tests and the chromium page
// (browser/page.ts), so
// both run exactly the same comparisons. No node imports here. Each check throws an Error naming the
// first difference and returns how many values it compared.
import { fromHex, toHex, u64le } from "../src/bytes.js";
import type { Result } from "../src/crypto.js";
import { BfvRoster, CkksReport, kSlotCoeffs } from "../src/fhe.js";
import { type OpenedEpoch, openEpochBlob, openEpochKey, securityCode } from "../src/group.js";
import {
  Identity, kCtxRoster, parsePublicIdentityText, publicIdentityText, shortId, verifySignature,
} from "../src/identity.js";
import {
  ed25519PublicKey, ed25519Sign, joinTranscript, makeJoinProofEd25519, removeTranscript, verifyJoinProof,
} from "../src/join_proof.js";
import { JoinScheme } from "../src/protocol.js";
import { type OpenedInvitation, mailboxId, openInvitation } from "../src/invitation.js";
import { identityToken, openIdentityBlob, openMeetingInfo, openNameBlob } from "../src/roster.js";
import { KeySchedule, membershipProof } from "../src/schedule.js";
import { ReceiverContext, deriveBaseKey, frameMetadata, kDefaultCipherSuite } from "../src/sframe.js";
import type { PqWasm } from "../src/wasm.js";

export interface RefSchedule {
  ms: string; session: string; handle: string; join_key: string; info_key: string; roster_key: string;
  epoch_base: string; bfv_seed: string; ckks_seed: string;
  epochs: { epoch: string; fresh: string; secret: string }[];
  raw: { label: string; context: string; len: number; out: string }[];
  nonce: string; membership_proof: string; join_transcript: string; join_verifier: string; join_proof: string;
  join_proof_verifies: boolean; host_seed: string; host_verifier: string; remove_slot: number; new_verifier: string;
  remove_transcript: string; remove_proof: string;
}

export interface RefIdentity {
  secret: string; user_id: string; short_id: string; public_text: string; token32: number[]; token40: number[];
  msg: string; sig: string;
}

/** A blob opened natively: its fields (names as hex) or the error. */
export interface RefOpened { name?: string; user_id?: string; public_text?: string; title?: string; error?: string }

export interface RefRosterCase {
  secret: string; slot: number; join_seq: string; name: string; name_blob: string; identity_blob: string;
  open_name: RefOpened; open_identity: RefOpened; name_wrong_slot: RefOpened; name_wrong_handle: RefOpened;
  name_flipped: string; name_flipped_open: RefOpened; identity_wrong_slot: RefOpened;
  identity_wrong_handle: RefOpened; identity_wrong_seq: RefOpened; identity_flipped: string;
  identity_flipped_open: RefOpened;
}
export interface RefRoster {
  roster_key: string; info_key: string; handle: string; other_handle: string; cases: RefRosterCase[];
  infos: { title: string; blob: string; open: RefOpened; wrong_handle: RefOpened }[];
}

export function eq(got: unknown, want: unknown, what: string): void {
  if (got !== want) {
    const s = (x: unknown): string => String(x).slice(0, 64);
    throw new Error(`${what}: got ${s(got)}, want ${s(want)}`);
  }
}

function value<T>(r: Result<T>, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error}`);
  return r.value;
}

/** Compares `got` hex with `want`, wipes `got`; counts one. */
function same(got: Uint8Array, want: string, what: string): number {
  eq(toHex(got), want, what);
  got.fill(0);
  return 1;
}

/** Every derivation, the MAC proof, the Ed25519 join verifier / proof and the remove proof of one
 * native case, byte for byte; the native proof also verifies here, and altered ones do not. */
export async function checkScheduleCase(c: RefSchedule): Promise<{ derivations: number; proofs: number; refused: number }> {
  const ks = KeySchedule.fromSecret(fromHex(c.ms));
  const s = BigInt(c.session);
  let derivations = 0, proofs = 0, refused = 0;
  derivations += same(await ks.handle(s), c.handle, "handle");
  derivations += same(await ks.joinKey(s), c.join_key, "join key");
  derivations += same(await ks.infoKey(s), c.info_key, "info key");
  derivations += same(await ks.rosterKey(s), c.roster_key, "roster key");
  derivations += same(await ks.bfvSeed(), c.bfv_seed, "BFV seed");
  derivations += same(await ks.ckksSeed(), c.ckks_seed, "CKKS seed");
  derivations += same(await ks.derive("epoch-base", u64le(s), 32), c.epoch_base, "epoch base");
  for (const e of c.epochs)
    derivations += same(await ks.epochSecret(s, BigInt(e.epoch), fromHex(e.fresh)), e.secret, `epoch ${e.epoch}`);
  for (const r of c.raw)
    derivations += same(await ks.derive(r.label, fromHex(r.context), r.len), r.out, `derive("${r.label}")`);
  eq(toHex(ks.secret()), c.ms, "secret()");

  const handle = fromHex(c.handle), nonce = fromHex(c.nonce), joinKey = await ks.joinKey(s);
  proofs += same(await membershipProof(joinKey, handle, nonce), c.membership_proof, "membership proof");
  proofs += same(joinTranscript(handle, nonce), c.join_transcript, "join transcript");
  const verifier = value(await ed25519PublicKey(joinKey), "join verifier");
  proofs += same(verifier.slice(), c.join_verifier, "join verifier");
  const proof = value(await makeJoinProofEd25519(joinKey, handle, nonce), "join proof");
  proofs += same(proof.slice(), c.join_proof, "join proof");
  eq(c.join_proof_verifies, true, "native verify");
  eq(await verifyJoinProof(JoinScheme.Ed25519, verifier, handle, nonce, proof), true, "verify");
  const newVerifier = fromHex(c.new_verifier);
  const rt = removeTranscript(handle, nonce, c.remove_slot, newVerifier);
  proofs += same(rt.slice(), c.remove_transcript, "remove transcript");
  const hostSeed = fromHex(c.host_seed);
  proofs += same(value(await ed25519PublicKey(hostSeed), "host verifier"), c.host_verifier, "host verifier");
  proofs += same(value(await ed25519Sign(hostSeed, rt), "remove proof"), c.remove_proof, "remove proof");

  // Altered proofs: a flipped bit, another nonce, another handle, truncated, another scheme.
  const flipped = proof.slice();
  flipped[17]! ^= 0x04;
  const otherNonce = nonce.slice();
  otherNonce[0]! ^= 1;
  const otherHandle = handle.slice();
  otherHandle[31]! ^= 0x80;
  const bad: [string, Promise<boolean>][] = [
    ["flipped proof", verifyJoinProof(JoinScheme.Ed25519, verifier, handle, nonce, flipped)],
    ["other nonce", verifyJoinProof(JoinScheme.Ed25519, verifier, handle, otherNonce, proof)],
    ["other handle", verifyJoinProof(JoinScheme.Ed25519, verifier, otherHandle, nonce, proof)],
    ["truncated proof", verifyJoinProof(JoinScheme.Ed25519, verifier, handle, nonce, proof.subarray(0, 63))],
    ["ML-DSA-65 scheme", verifyJoinProof(JoinScheme.MlDsa65, verifier, handle, nonce, proof)],
  ];
  for (const [what, p] of bad) {
    eq(await p, false, what);
    ++refused;
  }
  joinKey.fill(0);
  ks.wipe();
  return { derivations, proofs, refused };
}

/** An identity from the native secret: same user id, short id, public text, tokens, secret bytes;
 * the native (hedged) signature verifies, and not over another message or context. */
export async function checkIdentityCase(w: PqWasm, c: RefIdentity): Promise<number> {
  const id = value(await Identity.parseSecret(w, fromHex(c.secret)), "parseSecret");
  let n = 0;
  n += same(id.userId.slice(), c.user_id, "user id");
  eq(shortId(id.userId), c.short_id, "short id");
  eq(publicIdentityText(id.publicIdentity), c.public_text, "public identity text");
  n += 2;
  n += same(id.serializeSecret(), c.secret, "serializeSecret");
  eq(Array.from(identityToken(w, id.userId)).join(","), c.token32.join(","), "token (32)");
  eq(Array.from(identityToken(w, id.userId, 40)).join(","), c.token40.join(","), "token (40)");
  n += 2;
  const parsed = value(parsePublicIdentityText(w, `  ${c.public_text.trimEnd()}\r\n`), "parse text");
  eq(toHex(parsed.userId(w)), c.user_id, "user id of the parsed text");
  ++n;
  const msg = fromHex(c.msg), sig = fromHex(c.sig);
  eq(verifySignature(w, parsed, msg, kCtxRoster, sig), true, "native signature");
  eq(verifySignature(w, parsed, msg, "v100/epoch/v1", sig), false, "another context");
  msg[0]! ^= 1;
  eq(verifySignature(w, parsed, msg, kCtxRoster, sig), false, "another message");
  const mine = id.sign(msg, kCtxRoster);
  eq(verifySignature(w, parsed, msg, kCtxRoster, mine), true, "own signature");
  n += 4;
  id.wipe();
  return n;
}

/** What opening gave, in the shape v100_web_ref prints (errors compared only as "refused"). */
function opened(r: Result<{ displayNameBytes: Uint8Array; userId: Uint8Array; identity?: unknown }>,
                text?: (x: unknown) => string): RefOpened {
  if (!r.ok) return { error: r.error };
  const out: RefOpened = { name: toHex(r.value.displayNameBytes), user_id: toHex(r.value.userId) };
  if (text !== undefined && r.value.identity !== undefined) out.public_text = text(r.value.identity);
  return out;
}

/** Same fields, or both refused. */
export function sameOpen(got: RefOpened, want: RefOpened, what: string): void {
  if (want.error !== undefined) {
    if (got.error === undefined) throw new Error(`${what}: opened here, refused natively (${want.error})`);
    return;
  }
  if (got.error !== undefined) throw new Error(`${what}: refused here (${got.error}), opened natively`);
  const sorted = (o: RefOpened): string => JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  eq(sorted(got), sorted(want), what);
}

/** Native-sealed name and identity blobs open here to the same fields; the relabelled (slot, handle,
 * join_seq) and flipped copies are refused here as natively. Returns [opened, refused]. */
export async function checkRosterNativeCase(w: PqWasm, ref: RefRoster, c: RefRosterCase): Promise<[number, number]> {
  const rk = fromHex(ref.roster_key), h = fromHex(ref.handle), oh = fromHex(ref.other_handle);
  const seq = BigInt(c.join_seq), other = c.slot ^ 1;
  const text = (x: unknown): string => publicIdentityText(x as Parameters<typeof publicIdentityText>[0]);
  const nb = fromHex(c.name_blob), ib = fromHex(c.identity_blob);
  sameOpen(opened(await openNameBlob(rk, h, c.slot, nb)), c.open_name, "name blob");
  sameOpen(opened(await openIdentityBlob(w, rk, h, c.slot, seq, ib), text), c.open_identity, "identity blob");
  eq(c.open_name.name, c.name, "native name");
  const refusals: [string, Promise<RefOpened>, RefOpened][] = [
    ["name, wrong slot", openNameBlob(rk, h, other, nb).then((r) => opened(r)), c.name_wrong_slot],
    ["name, wrong handle", openNameBlob(rk, oh, c.slot, nb).then((r) => opened(r)), c.name_wrong_handle],
    ["name, flipped", openNameBlob(rk, h, c.slot, fromHex(c.name_flipped)).then((r) => opened(r)),
     c.name_flipped_open],
    ["identity, wrong slot", openIdentityBlob(w, rk, h, other, seq, ib).then((r) => opened(r)),
     c.identity_wrong_slot],
    ["identity, wrong handle", openIdentityBlob(w, rk, oh, c.slot, seq, ib).then((r) => opened(r)),
     c.identity_wrong_handle],
    ["identity, wrong join_seq", openIdentityBlob(w, rk, h, c.slot, seq ^ 1n, ib).then((r) => opened(r)),
     c.identity_wrong_seq],
    ["identity, flipped", openIdentityBlob(w, rk, h, c.slot, seq, fromHex(c.identity_flipped)).then((r) => opened(r)),
     c.identity_flipped_open],
  ];
  for (const [what, got, want] of refusals) {
    eq(want.error !== undefined, true, `${what} refused natively`);
    sameOpen(await got, want, what);
  }
  return [2, refusals.length];
}

/** A native meeting-info blob opens here to the same title; under another handle it is refused. */
export async function checkInfoCase(ref: RefRoster, i: RefRoster["infos"][number]): Promise<void> {
  const ik = fromHex(ref.info_key);
  const r = await openMeetingInfo(ik, fromHex(ref.handle), fromHex(i.blob));
  eq(r.ok && toHex(r.value.titleBytes), i.open.title, "title");
  eq(i.title, i.open.title, "native title");
  const bad = await openMeetingInfo(ik, fromHex(ref.other_handle), fromHex(i.blob));
  eq(bad.ok || i.wrong_handle.error === undefined, false, "wrong handle refused on both sides");
}

// ---- epoch blobs, security codes (client/group) and invitations (client/invitation) ----

/** An opened epoch blob as v100_web_ref prints it, or the error. */
export interface RefEpochOpen {
  epoch?: string; distributor_slot?: number; recipient_slot?: number; member_slots?: number[]; fresh?: string;
  error?: string;
}
/** One attempt to open an epoch blob: who opens it at which slot, whose signature it must carry. */
export interface RefEpochAttempt {
  what: string; opener: number; slot: number; handle: string; distributor: number; blob: string; open: RefEpochOpen;
}
export interface RefGroupCase {
  epoch: string; distributor: number; distributor_slot: number; member_slots: number[]; fresh: string;
  epoch_secret: string; base_key: string; payload: string; frame: string;
  blobs: { slot: number; identity: number; blob: string }[]; attempts: RefEpochAttempt[];
}
export interface RefGroup {
  ms: string; session: string; handle: string; other_handle: string; identities: string[]; cases: RefGroupCase[];
  codes: { ids: string[]; code: string }[];
}

/** An opened invitation as v100_web_ref prints it, or the error. */
export interface RefInvitationOpen { ms?: string; session?: string; title?: string; join_seed?: string;
                                     inviter_id?: string; error?: string }
export interface RefInvitationAttempt { what: string; opener: number; blob: string; open: RefInvitationOpen }
export interface RefInvitation {
  identities: string[]; mailbox_ids: string[];
  cases: { invitee: number; ms: string; session: string; title: string; join_seed: string;
           attempts: RefInvitationAttempt[] }[];
}

/** The identities of a reference file's secrets (the caller wipes them). */
export async function identitiesOf(w: PqWasm, secrets: readonly string[]): Promise<Identity[]> {
  const out: Identity[] = [];
  for (const s of secrets) out.push(value(await Identity.parseSecret(w, fromHex(s)), "identity secret"));
  return out;
}

/** An epoch-blob open result in the native tool's shape; wipes the fresh bytes. */
export function epochOpenJson(r: Result<OpenedEpoch>): RefEpochOpen {
  if (!r.ok) return { error: r.error };
  const h = r.value.header;
  const out = { epoch: h.epoch.toString(), distributor_slot: h.distributorSlot, recipient_slot: h.recipientSlot,
                member_slots: h.memberSlots, fresh: toHex(r.value.fresh) };
  r.value.fresh.fill(0);
  return out;
}

/** An invitation open result in the native tool's shape; wipes the secrets. */
export function invitationOpenJson(r: Result<OpenedInvitation>): RefInvitationOpen {
  if (!r.ok) return { error: r.error };
  const v = r.value;
  const out = { ms: toHex(v.meetingSecret), session: v.session.toString(), title: toHex(v.titleBytes),
                join_seed: toHex(v.joinSeed), inviter_id: toHex(v.inviterId) };
  v.meetingSecret.fill(0);
  v.joinSeed.fill(0);
  return out;
}

/** The same fields, or the same error message (the TS messages are the C++ ones); key order aside
 * (nlohmann::json prints keys sorted). */
export function sameResult(got: object, want: object, what: string): void {
  const sorted = (o: object): string => JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  eq(sorted(got), sorted(want), what);
}

/** Opens one epoch-blob attempt here; the result must be the native one. Returns whether it opened. */
export async function checkEpochAttempt(w: PqWasm, ids: readonly Identity[], a: RefEpochAttempt): Promise<boolean> {
  const r = await openEpochBlob(w, ids[a.opener]!, a.slot, ids[a.distributor]!.publicIdentity, fromHex(a.handle),
                                fromHex(a.blob));
  sameResult(epochOpenJson(r), a.open, a.what);
  return a.open.error === undefined;
}

/** A native epoch: every blob and attempt gives the native result here; each member's blob, taken as
 * an EpochKey, gives the native epoch secret, its SFrame base key, and a receiver keyed with it opens
 * the distributor's native frame. Returns [opened, refused]. */
export async function checkGroupCase(w: PqWasm, ref: RefGroup, ids: readonly Identity[],
                                     c: RefGroupCase): Promise<[number, number]> {
  let opened = 0, refused = 0;
  for (const a of c.attempts) {
    if (await checkEpochAttempt(w, ids, a)) ++opened;
    else ++refused;
  }
  const ks = KeySchedule.fromSecret(fromHex(ref.ms));
  const epoch = BigInt(c.epoch), session = BigInt(ref.session), handle = fromHex(ref.handle);
  for (const b of c.blobs) {
    const item = { epoch, fromSlot: c.distributor_slot, blob: fromHex(b.blob) };
    const r = value(await openEpochKey(w, ids[b.identity]!, b.slot, ids[c.distributor]!.publicIdentity, ks, session,
                                       handle, item), "openEpochKey");
    eq(toHex(r.epochSecret), c.epoch_secret, "epoch secret");
    eq(r.header.memberSlots.join(","), c.member_slots.join(","), "member slots");
    if (c.frame !== "") {
      eq(toHex(await deriveBaseKey(kDefaultCipherSuite, r.epochSecret, epoch, c.distributor_slot)), c.base_key,
         "base key");
      const rx = new ReceiverContext();
      rx.setEpoch(epoch, r.epochSecret);
      const f = await rx.unprotect(frameMetadata(c.distributor_slot, 0), fromHex(c.frame));
      eq(f.ok && toHex(f.payload), c.payload, "native frame under the epoch");
    }
    r.epochSecret.fill(0);
    // Delivered under another epoch number or sender slot than the blob names: refused before opening.
    const moved = await openEpochKey(w, ids[b.identity]!, b.slot, ids[c.distributor]!.publicIdentity, ks, session,
                                     handle, { ...item, epoch: epoch ^ 1n });
    eq(moved.ok, false, "EpochKey under another epoch");
    ++opened;
    ++refused;
  }
  ks.wipe();
  return [opened, refused];
}

/** The native security codes, over the same user-id lists. */
export function checkSecurityCodes(w: PqWasm, ref: RefGroup): number {
  for (const c of ref.codes) eq(securityCode(w, c.ids.map(fromHex)), c.code, `security code of ${c.ids.length} ids`);
  return ref.codes.length;
}

/** A native invitation and its tampered copies give the native results here; mailbox ids match.
 * Returns [opened, refused]. */
export async function checkInvitationCase(w: PqWasm, ids: readonly Identity[],
                                          c: RefInvitation["cases"][number]): Promise<[number, number]> {
  let opened = 0, refused = 0;
  for (const a of c.attempts) {
    sameResult(invitationOpenJson(await openInvitation(w, ids[a.opener]!, fromHex(a.blob))), a.open, a.what);
    if (a.open.error === undefined) {
      eq(a.open.ms, c.ms, "native ms");
      eq(a.open.title, c.title, "native title");
      ++opened;
    } else {
      ++refused;
    }
  }
  return [opened, refused];
}

export function checkMailboxIds(w: PqWasm, ref: RefInvitation, ids: readonly Identity[]): number {
  ids.forEach((id, i) => eq(toHex(mailboxId(w, id.publicIdentity)), ref.mailbox_ids[i], `mailbox id ${i}`));
  return ids.length;
}

// ---- the BFV roster (v100_web_ref bfv, client::RosterCipher) ----

export interface RefBfvDecrypt { ok: boolean; error?: string; tokens?: Record<string, number[]> }
export interface RefBfv {
  seed: string; t: number;
  public_key_len: number; public_key_sha3: string; relin_keys_len: number; relin_keys_sha3: string;
  encryptions: { slot: number; user_id: string; token: number[]; randomness: string; ct: string }[];
  blocks: { block: number; slots: number[]; result: RefBfvDecrypt }[];
  malformed: { name: string; ct: string; result: RefBfvDecrypt }[];
}

/** The slot's 128 values of a decrypted block. */
export function slotValues(block: Uint32Array, slot: number): number[] {
  const at = (slot % 32) * kSlotCoeffs;
  return [...block.subarray(at, at + kSlotCoeffs)];
}

/**
 * One seed of v100_web_ref bfv through the module: the public / relinearization key blobs (SHA3-256
 * and length), each token ciphertext byte for byte (same randomness), the native ciphertexts of each
 * block decrypted to the native values (token, then zero padding), the malformed ones refused.
 */
export async function checkBfvCase(w: PqWasm, c: RefBfv):
    Promise<{ keys: number; cts: number; blocks: number; malformed: number }> {
  const roster = BfvRoster.create(w, fromHex(c.seed));
  const n = { keys: 0, cts: 0, blocks: 0, malformed: 0 };
  try {
    eq(roster.t, c.t, "t");
    const pk = await roster.publicKey(), rk = await roster.relinKeys();
    eq(pk.length, c.public_key_len, "public key length");
    eq(toHex(w.sha3_256(pk)), c.public_key_sha3, "public key SHA3-256");
    eq(rk.length, c.relin_keys_len, "relin keys length");
    eq(toHex(w.sha3_256(rk)), c.relin_keys_sha3, "relin keys SHA3-256");
    n.keys += 2;
    for (const e of c.encryptions) {
      const token = identityToken(w, fromHex(e.user_id));
      eq([...token].join(), e.token.join(), `token of slot ${e.slot}`);
      eq(toHex(await roster.encryptToken(e.slot, token, fromHex(e.randomness))), e.ct, `ciphertext of slot ${e.slot}`);
      ++n.cts;
    }
    for (const b of c.blocks) {
      const r = await roster.decryptBlock(
        c.encryptions.filter((e) => b.slots.includes(e.slot)).map((e) => fromHex(e.ct)));
      if (!r.ok || !b.result.ok) throw new Error(`block ${b.block}: ${r.ok ? b.result.error : r.error}`);
      for (const s of b.slots) {
        const want = b.result.tokens![String(s)]!;
        eq(slotValues(r.value, s).join(), want.join(), `values of slot ${s}`);
        const e = c.encryptions.find((x) => x.slot === s)!;
        eq(want.join(), [...e.token, ...new Array<number>(96).fill(0)].join(), `native values of slot ${s}`);
      }
      ++n.blocks;
    }
    for (const m of c.malformed) {
      eq(m.result.ok, false, `native refusal of ${m.name}`);
      eq((await roster.decryptBlock([fromHex(m.ct)])).ok, false, `refusal of ${m.name}`);
      ++n.malformed;
    }
  } finally {
    roster.free();
  }
  return n;
}

// ---- CKKS report (v100_web_ref ckks) ----

export interface RefCkksCase {
  seed: string; values: string; count: number; coeffs_sha3: string; coeffs?: string; plaintext_words: number;
  plaintext_sha3: string; randomness: string; ct_len: number; ct_sha3: string; ct?: string; flooding: string;
  decrypted: string; max_error: number;
}
export interface RefCkks {
  cases: RefCkksCase[];
  sum: { seed: string; members: string[]; count: number; model: string; ct: string };
}

const f64 = (hex: string): Float64Array => new Float64Array(fromHex(hex).buffer.slice(0));
const bytesOf64 = (v: Float64Array | BigUint64Array): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Where two double vectors differ: the count, the first index, and the largest difference in ulps. */
export function ulpDiff(got: Float64Array, want: Float64Array): { differ: number; first: number; maxUlps: number } {
  const gi = new BigInt64Array(got.buffer, got.byteOffset, got.length);
  const wi = new BigInt64Array(want.buffer, want.byteOffset, want.length);
  let differ = 0, first = -1, maxUlps = 0;
  for (let i = 0; i < Math.min(got.length, want.length); ++i) {
    if (gi[i] === wi[i]) continue;
    ++differ;
    if (first < 0) first = i;
    const d = gi[i]! - wi[i]!;
    maxUlps = Math.max(maxUlps, Number(d < 0n ? -d : d));
  }
  return { differ, first, maxUlps };
}

/**
 * One case of v100_web_ref ckks through the module: the encoder's FFT output, the encoded
 * plaintext, the report ciphertext (fixed randomness) and its flooded decryption (fixed
 * randomness) must be the native bytes; the decryption must also be the clamped values within
 * 2^-10. Throws naming the first stage that differs (with the FFT's differing doubles counted).
 */
export async function checkCkksCase(w: PqWasm, c: RefCkksCase): Promise<{ stages: number }> {
  const report = CkksReport.create(w, fromHex(c.seed));
  try {
    const values = f64(c.values);
    eq(values.length, c.count, "value count");
    const coeffs = report.slotsToCoeffs(values);
    if (c.coeffs !== undefined) {
      const d = ulpDiff(coeffs, f64(c.coeffs));
      if (d.differ > 0)
        throw new Error(`encoder FFT output: ${d.differ} of ${coeffs.length} doubles differ (first at ${d.first}, ` +
                        `at most ${d.maxUlps} ulps)`);
    }
    eq(toHex(w.sha3_256(bytesOf64(coeffs))), c.coeffs_sha3, "encoder FFT output SHA3-256");
    const pt = report.encode(values);
    eq(pt.length, c.plaintext_words, "plaintext words");
    eq(toHex(w.sha3_256(bytesOf64(pt))), c.plaintext_sha3, "encoded plaintext SHA3-256");
    const ct = await report.encrypt(values, fromHex(c.randomness));
    eq(ct.length, c.ct_len, "report ciphertext length");
    if (c.ct !== undefined) eq(toHex(ct), c.ct, "report ciphertext");
    eq(toHex(w.sha3_256(ct)), c.ct_sha3, "report ciphertext SHA3-256");
    const dec = await report.decrypt(ct, c.count, fromHex(c.flooding));
    if (!dec.ok) throw new Error(`decrypt: ${dec.error}`);
    for (let i = 0; i < c.count; ++i) {
      const want = Math.min(1, Math.max(0, values[i]!));
      if (!(Math.abs(dec.value[i]! - want) <= 2 ** -10)) throw new Error(`slot ${i} decrypts to ${dec.value[i]}, not ${want}`);
    }
    const d = ulpDiff(dec.value, f64(c.decrypted));
    if (d.differ > 0)
      throw new Error(`flooded decryption: ${d.differ} of ${c.count} values differ from native (at most ${d.maxUlps} ulps)`);
    return { stages: 5 };
  } finally {
    report.free();
  }
}

/** The native summed report of three members decrypts in the module to the plaintext model (within 2^-10 per slot). */
export async function checkCkksSum(w: PqWasm, s: RefCkks["sum"]): Promise<{ slots: number; maxError: number }> {
  const report = CkksReport.create(w, fromHex(s.seed));
  try {
    // The model, recomputed here from the members' values (clamped to [0, 1], summed).
    const model = new Float64Array(s.count);
    for (const m of s.members) f64(m).forEach((v, i) => { model[i]! += Math.min(1, Math.max(0, v)); });
    const native = f64(s.model);
    for (let i = 0; i < s.count; ++i) if (Math.abs(model[i]! - native[i]!) > 1e-12) throw new Error(`model slot ${i}`);
    const dec = await report.decrypt(fromHex(s.ct), s.count, globalThis.crypto.getRandomValues(new Uint8Array(32)));
    if (!dec.ok) throw new Error(`decrypt: ${dec.error}`);
    let maxError = 0;
    for (let i = 0; i < s.count; ++i) maxError = Math.max(maxError, Math.abs(dec.value[i]! - model[i]!));
    if (!(maxError <= 2 ** -10)) throw new Error(`the summed report decrypts ${maxError} away from the model`);
    return { slots: s.count, maxError };
  } finally {
    report.free();
  }
}
