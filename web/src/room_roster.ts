// A Room's view of the encrypted roster (client.cc fetch_roster): pages through FetchRoster, adds
// each 32-member block's BFV ciphertexts and decrypts the sum once, opens the name blobs, and marks
// a member verified when its name blob agrees with its slot's identity blob (signed by that
// identity) and its decrypted token is that identity's token followed by zero padding.
import { type Bytes, toHex } from "./bytes.js";
import { BfvRoster, kRosterBlockMembers, kSlotCoeffs } from "./fhe.js";
import { type Call, type Reply, expectReply } from "./room_events.js";
import { type IdentityEntry, identityToken, openNameBlob } from "./roster.js";
import type { KeySchedule } from "./schedule.js";
import type { PqWasm } from "./wasm.js";

/** A roster entry as fetchRoster() shows it: the name opened from the roster, and what checks it. */
export interface RosterMember {
  slot: number;
  name: string | null;
  userId: Bytes | null;
  /** The name blob agrees with the slot's identity blob (signed by that identity). */
  identityVerified: boolean;
  /** The BFV roster ciphertext decrypts to that identity's token. */
  tokenVerified: boolean;
}

/** The encrypted roster, opened: names, and whether identity and BFV token check (client.cc fetch_roster). */
export async function fetchRoster(call: Call, w: PqWasm, ks: KeySchedule, rk: Uint8Array, h: Uint8Array,
                                identityOf: (slot: number) => Promise<IdentityEntry | null>): Promise<RosterMember[]> {
  const entries: Reply<"Roster">["entries"] = [];
  let next = 0;
  for (let page = 0; page < 1100; ++page) {
    const r = expectReply(await call({ type: "FetchRoster", firstSlot: next, maxEntries: 0 }), "Roster", "FetchRoster");
    entries.push(...r.entries);
    if (!r.more) break;
    next = r.nextSlot;
  }
  const bfvSeed = await ks.bfvSeed();
  const bfv = BfvRoster.create(w, bfvSeed);
  bfvSeed.fill(0);
  const tokens = new Map<number, Uint32Array>();
  try {
    const blocks = new Map<number, typeof entries>();
    for (const e of entries) {
      const b = Math.floor(e.slot / kRosterBlockMembers);
      blocks.set(b, [...(blocks.get(b) ?? []), e]);
    }
    for (const [, es] of blocks) {
      const d = await bfv.decryptBlock(es.map((e) => e.rosterCt));
      if (!d.ok) continue;  // a block that does not decrypt verifies no token in it
      for (const e of es) {
        const at = (e.slot % kRosterBlockMembers) * kSlotCoeffs;
        tokens.set(e.slot, d.value.slice(at, at + kSlotCoeffs));
      }
    }
  } finally {
    bfv.free();
  }
  const out: RosterMember[] = [];
  for (const e of entries) {
    const v: RosterMember = { slot: e.slot, name: null, userId: null, identityVerified: false, tokenVerified: false };
    const name = await openNameBlob(rk, h, e.slot, e.nameBlob);
    if (name.ok) {
      v.name = name.value.displayName;
      v.userId = name.value.userId;
    }
    const idn = await identityOf(e.slot);
    if (idn !== null && name.ok && toHex(idn.userId) === toHex(name.value.userId) &&
        toHex(idn.displayNameBytes) === toHex(name.value.displayNameBytes)) {
      v.identityVerified = true;
      const expect = identityToken(w, idn.userId);
      const got = tokens.get(e.slot);
      v.tokenVerified = got !== undefined && got.every((x, i) => x === (i < expect.length ? expect[i] : 0));
    }
    out.push(v);
  }
  return out;
}
