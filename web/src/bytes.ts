// Byte helpers shared by the SDK: hex, concatenation, comparison.

/** Bytes in an ordinary (not shared) ArrayBuffer: what WebCrypto and postMessage transfer accept. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** Lower-case hex of `b`. */
export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** Parses hex (either case, even length); throws RangeError on anything else. */
export function fromHex(hex: string): Bytes {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError("fromHex: not an even-length hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/** The concatenation of `parts`. */
export function concat(...parts: Uint8Array[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Byte equality in time independent of where the first difference is (length is public). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let acc = 0;
  for (let i = 0; i < a.length; ++i) acc |= a[i]! ^ b[i]!;
  return acc === 0;
}

/** `v` as 2 little-endian bytes (the wire's u16). */
export function u16le(v: number): Bytes {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff);
}

/** `v` as 4 little-endian bytes (the wire's u32, also the length prefix of a blob). */
export function u32le(v: number): Bytes {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

/** `v` (0 <= v < 2^64) as 8 little-endian bytes (the wire's u64). */
export function u64le(v: bigint): Bytes {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; ++i) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Reads a little-endian integer of `len` <= 4 bytes at `off` (the caller checked the bounds). */
export function readLe(b: Uint8Array, off: number, len: number): number {
  let v = 0;
  for (let i = len - 1; i >= 0; --i) v = v * 256 + b[off + i]!;
  return v;
}
