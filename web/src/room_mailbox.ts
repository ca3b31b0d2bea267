// The mailbox's put work (src/meeting/protocol/mailbox_proof.h): hashcash over SHA3-256. A counter
// `work` is valid for difficulty d when SHA3-256("v100/mailbox-put/v1" || mailbox || SHA3-256(blob) ||
// nonce || u64le work) starts with d zero bits. The server's nonce makes it fresh, the blob hash and
// mailbox bind it to one item in one mailbox.
import { type Bytes, concat, u64le } from "./bytes.js";
import type { PqWasm } from "./wasm.js";

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
