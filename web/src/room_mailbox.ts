// A Room's mailbox (client.cc post_invitation, receive_invitations) and its two proofs
// (src/meeting/protocol/mailbox_proof.h). The put work: hashcash over SHA3-256. A counter
// `work` is valid for difficulty d when SHA3-256("v100/mailbox-put/v1" || mailbox || SHA3-256(blob) ||
// nonce || u64le work) starts with d zero bits. The server's nonce makes it fresh, the blob hash and
// mailbox bind it to one item in one mailbox.
import { type Bytes, concat, u64le } from "./bytes.js";
import type { Identity, PublicIdentity } from "./identity.js";
import { type OpenedInvitation, mailboxId, openInvitation } from "./invitation.js";
import { type Call, type Reply, RoomError, expectReply } from "./room_events.js";
import type { PqWasm } from "./wasm.js";

/** The highest mailbox difficulty paid (2^22 SHA3 digests in WebAssembly: seconds). */
const kMaxPutBitsWePay = 22;

const kPutLabel = new TextEncoder().encode("v100/mailbox-put/v1");

/** Leading zero bits of a digest (byte 0 first, most significant bit first). */
export function leadingZeroBits(d: Uint8Array): number {
  let n = 0;
  for (const b of d) {
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

export function mailboxPutDigest(wasm: PqWasm, mailbox: Uint8Array, blobHash: Uint8Array, nonce: Uint8Array,
                                 work: bigint): Bytes {
  return concat(wasm.sha3_256(concat(kPutLabel, mailbox, blobHash, nonce, u64le(work))));
}

/** The smallest counter with `bits` bits of work (2^bits digests expected); RangeError above 32 bits. */
export function solveMailboxPutWork(wasm: PqWasm, mailbox: Uint8Array, blob: Uint8Array, nonce: Uint8Array,
                                    bits: number): bigint {
  if (bits > 32 || bits < 0) throw new RangeError("solveMailboxPutWork: difficulty out of range");
  const blobHash = wasm.sha3_256(blob);
  let work = 0n;
  while (leadingZeroBits(mailboxPutDigest(wasm, mailbox, blobHash, nonce, work)) < bits) ++work;
  return work;
}

/** Leaves `invitation` in `invitee`'s anonymous mailbox, paying the server's proof of work. */
export async function postInvitation(call: Call, w: PqWasm, invitee: PublicIdentity, invitation: Uint8Array): Promise<void> {
  const mailbox = mailboxId(w, invitee);
  const blob = new Uint8Array(invitation);
  for (let attempt = 0; ; ++attempt) {
    const ch = expectReply(await call({ type: "MailboxChallengeRequest", mailbox }), "MailboxChallenge",
                           "MailboxChallengeRequest");
    if (ch.putBits > kMaxPutBitsWePay) throw new RoomError("refused", "MailboxPut: the server asks for too much work");
    const work = solveMailboxPutWork(w, mailbox, blob, ch.nonce, ch.putBits);
    const r = await call({ type: "MailboxPut", mailbox, nonce: ch.nonce, work, blob });
    if (r.ok && r.value.type === "Ack") return;
    if (attempt === 0 && r.ok && r.value.type === "Error" && r.value.code === 7) continue;  // raced a difficulty step
    expectReply(r, "Ack", "MailboxPut");
  }
}

/**
 * Reads and clears this identity's mailbox (owner proof: an ML-DSA-65 signature over a fresh
 * server nonce): the invitations that open, and how many items did not (junk, deleted too).
 */
export async function receiveInvitations(call: Call, w: PqWasm, me: Identity): Promise<{ invitations: OpenedInvitation[]; junk: number }> {
  const mailbox = mailboxId(w, me.publicIdentity);
  const fetchItems = async (deleteIds: Bytes[]): Promise<Reply<"MailboxItems">> => {
    const ch = expectReply(await call({ type: "MailboxChallengeRequest", mailbox }), "MailboxChallenge",
                           "MailboxChallengeRequest");
    const signature = me.sign(mailboxOwnerTranscript(mailbox, ch.nonce, deleteIds), "v100/mailbox");
    return expectReply(await call({ type: "MailboxFetch", mailbox, nonce: ch.nonce,
                                           ownerKey: me.publicIdentity.sigPk, deleteIds, signature }),
                       "MailboxItems", "MailboxFetch");
  };
  const out: OpenedInvitation[] = [];
  let junk = 0;
  let processed: Bytes[] = [];
  for (let round = 0; round < 4; ++round) {  // bounded: a stream of junk cannot keep us here
    const items = await fetchItems(processed);
    processed = [];
    for (const it of items.items) {
      const o = await openInvitation(w, me, it.blob);
      if (o.ok) out.push(o.value);
      else ++junk;
      processed.push(it.id);
    }
    if (processed.length === 0) break;
  }
  if (processed.length > 0) await fetchItems(processed);
  return { invitations: out, junk };
}

/** Bytes the mailbox owner signs (mailbox_proof.h): label || mailbox || nonce || u16 count || ids. */
export function mailboxOwnerTranscript(mailbox: Uint8Array, nonce: Uint8Array, deleteIds: readonly Uint8Array[]): Bytes {
  const label = new TextEncoder().encode("v100/mailbox-owner/v1");
  const out = new Uint8Array(label.length + 64 + 2 + 16 * deleteIds.length);
  out.set(label, 0);
  out.set(mailbox, label.length);
  out.set(nonce, label.length + 32);
  out[label.length + 64] = deleteIds.length & 0xff;
  out[label.length + 65] = deleteIds.length >> 8;
  deleteIds.forEach((id, i) => out.set(id, label.length + 66 + 16 * i));
  return out;
}
