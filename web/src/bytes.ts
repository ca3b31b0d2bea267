// Byte helpers shared by the SDK: hex, concatenation, comparison, little-endian writing and a checked reader.

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

/** A reader over untrusted little-endian bytes, as core/bytes.h ByteReader: every read is checked. */
export class ByteReader {
  pos = 0;
  constructor(private readonly data: Uint8Array) {}
  get remaining(): number {
    return this.data.length - this.pos;
  }
  atEnd(): boolean {
    return this.pos === this.data.length;
  }
  /** The next `n` bytes (a view), or null. */
  bytes(n: number): Uint8Array | null {
    if (this.remaining < n) return null;
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A little-endian integer of 2 or 4 bytes, or null. */
  uint(len: 2 | 4): number | null {
    if (this.remaining < len) return null;
    const v = readLe(this.data, this.pos, len);
    this.pos += len;
    return v;
  }
  u64(): bigint | null {
    const b = this.bytes(8);
    if (b === null) return null;
    let v = 0n;
    for (let i = 7; i >= 0; --i) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }
  /** u32 length (at most `max`) then the bytes; on failure the position is unchanged. */
  blob(max: number): Uint8Array | null {
    const save = this.pos;
    const n = this.uint(4);
    if (n === null || n > max || this.remaining < n) {
      this.pos = save;
      return null;
    }
    return this.bytes(n);
  }
}
