// Checks of the directory look-up (src/fhe.ts BfvLookup: services::LookupClient in the module)
// against v100_web_ref lookup, shared by the node test (lookup.test.ts) and the chromium page
// (browser/page.ts), so both run the same comparisons. No node imports here. Each check throws an
// Error naming the first difference.
import { fromHex, toHex } from "../src/bytes.js";
import { BfvLookup } from "../src/fhe.js";
import { decode } from "../src/protocol.js";
import { identityToken } from "../src/roster.js";
import type { PqWasm } from "../src/wasm.js";
import { eq } from "./sdk_checks.js";

export interface RefLookupAnswer { request_id: number; response: string; native_slot: number | null }
export interface RefLookupQuery extends RefLookupAnswer {
  what: string; user_id: string; token: number[]; randomness: string; query: string;
}
export interface RefLookupHostile { what: string; packed: string; slots: string; error: string }
export interface RefLookup {
  seed: string; service: number; op: number;
  members: { slot: number; user_id: string }[];
  queries: RefLookupQuery[];
  hostile: RefLookupHostile[];
}

/** The plaintext model: the slot whose member has this user id, or null (not in the roster). */
export function lookupModel(ref: RefLookup, userId: string): number | null {
  return ref.members.find((m) => m.user_id === userId)?.slot ?? null;
}

/** Decodes a native ServiceResponse (protocol.ts) and finds the slot in it (the module). */
export async function findInNativeResponse(lookup: BfvLookup, a: RefLookupAnswer): Promise<number | null> {
  const d = decode(fromHex(a.response));
  if (!d.ok) throw new Error(`native response: ${d.error}`);
  eq(d.requestId, a.request_id, "request id");
  const r = await lookup.findInResponse(d.msg);
  if (!r.ok) throw new Error(`find: ${r.error}`);
  return r.value;
}

/**
 * One query of v100_web_ref lookup: the token from the user id (roster.ts), the module's query from
 * the same randomness byte for byte, and the native server's answer decrypted in the module to the
 * slot the plaintext model gives (and the native client found).
 */
export async function checkLookupQuery(w: PqWasm, lookup: BfvLookup, ref: RefLookup, q: RefLookupQuery): Promise<void> {
  const token = identityToken(w, fromHex(q.user_id));
  eq([...token].join(), q.token.join(), `${q.what}: token`);
  const query = await lookup.encryptQuery(token, fromHex(q.randomness));
  eq(query.length, q.query.length / 2, `${q.what}: query length`);
  eq(toHex(query), q.query, `${q.what}: query bytes`);
  const slot = await findInNativeResponse(lookup, q);
  eq(slot, lookupModel(ref, q.user_id), `${q.what}: slot against the plaintext model`);
  eq(slot, q.native_slot, `${q.what}: slot against the native client`);
}

/** A hostile answer: refused with the native message, not thrown. */
export async function checkLookupHostile(lookup: BfvLookup, h: RefLookupHostile): Promise<void> {
  const r = await lookup.find([fromHex(h.packed), fromHex(h.slots)]);
  if (r.ok) throw new Error(`${h.what}: accepted (slot ${r.value})`);
  eq(r.error, h.error, `${h.what}: message`);
}

/** Every query and hostile answer of `ref` under one BfvLookup; returns [queries, hostile] checked. */
export async function checkLookupRef(w: PqWasm, ref: RefLookup): Promise<[number, number]> {
  const lookup = BfvLookup.create(w, fromHex(ref.seed));
  try {
    for (const q of ref.queries) await checkLookupQuery(w, lookup, ref, q);
    for (const h of ref.hostile) await checkLookupHostile(lookup, h);
  } finally {
    lookup.free();
  }
  return [ref.queries.length, ref.hostile.length];
}

type Row = <T>(group: string, check: string, expected: number, items: readonly T[],
               body: (item: T) => void | Promise<void>) => Promise<void>;

/** The chromium page's look-up rows (browser/page.ts): the same checks, one case per query / hostile answer. */
export async function lookupRows(w: PqWasm, row: Row, ref: RefLookup): Promise<void> {
  const lookup = BfvLookup.create(w, fromHex(ref.seed));
  try {
    await row("SDK", "BFV look-up == native: query bytes, native answers to the model's slot", 4, ref.queries,
              (q) => checkLookupQuery(w, lookup, ref, q));
    await row("SDK", "BFV look-up: hostile answers refused with the native message", 11, ref.hostile,
              (h) => checkLookupHostile(lookup, h));
  } finally {
    lookup.free();
  }
}
