// The inner media header of src/meeting/client/media_session.h, byte for byte: what a real-media
// payload carries inside the SFrame ciphertext (the relay never sees it).
//
//   codec u8 (1 VP8, 2 Opus) | seq u32 LE (per sender and kind) | capture_us u64 LE | codec bytes
//
// The parser takes untrusted bytes (a decrypted frame of another participant): it never throws,
// and refuses what the C++ parse_media_payload refuses (nothing after the header, unknown codec).

export const kCodecVp8 = 1;
export const kCodecOpus = 2;
export type MediaCodec = typeof kCodecVp8 | typeof kCodecOpus;
export const kMediaHeaderBytes = 13;

export interface MediaHeader {
  codec: MediaCodec;
  /** Per sender and kind, wrapping at 2^32. */
  seq: number;
  /** The sender's wall clock in µs when the picture or sound was taken. */
  captureUs: bigint;
}

/** Header then codec bytes. Throws RangeError on a caller mistake (seq or captureUs out of range). */
export function encodeMediaPayload(h: MediaHeader, codecBytes: Uint8Array): Uint8Array {
  if (!Number.isInteger(h.seq) || h.seq < 0 || h.seq > 0xffffffff) throw new RangeError("media header: seq out of range");
  if (h.captureUs < 0n || h.captureUs >= 1n << 64n) throw new RangeError("media header: capture_us out of range");
  const out = new Uint8Array(kMediaHeaderBytes + codecBytes.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, h.codec);
  v.setUint32(1, h.seq, true);
  v.setBigUint64(5, h.captureUs, true);
  out.set(codecBytes, kMediaHeaderBytes);
  return out;
}

export type ParsedMediaPayload =
  | { ok: true; header: MediaHeader; codecBytes: Uint8Array }
  | { ok: false; error: string };

/** Splits a decrypted payload (the codec bytes are a view into it); never throws. */
export function parseMediaPayload(p: Uint8Array): ParsedMediaPayload {
  if (!(p instanceof Uint8Array)) return { ok: false, error: "media payload: not bytes" };
  if (p.length <= kMediaHeaderBytes) return { ok: false, error: "media payload: shorter than its header" };
  const codec = p[0]!;
  if (codec !== kCodecVp8 && codec !== kCodecOpus) return { ok: false, error: "media payload: unknown codec" };
  const v = new DataView(p.buffer, p.byteOffset, kMediaHeaderBytes);
  return { ok: true, header: { codec, seq: v.getUint32(1, true), captureUs: v.getBigUint64(5, true) },
           codecBytes: p.subarray(kMediaHeaderBytes) };
}

/** Whether `seq` follows `last` directly (modulo 2^32). */
export function seqFollows(last: number, seq: number): boolean {
  return ((last + 1) >>> 0) === seq;
}
