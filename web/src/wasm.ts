// The WebAssembly module of V100's post-quantum primitives (web/wasm/v100_wasm.h), built by
// Debian's emscripten from the same C++ sources as the native build (portable code paths). This
// file instantiates the standalone module itself (no emscripten JavaScript glue) and wraps its
// C ABI in typed methods. Works the same in a page, a Worker and node.
//
// Randomness is always an argument: callers draw seeds, coins and signing rnd from
// crypto.getRandomValues. Inputs are copied into the module's heap and the heap copies are wiped
// (v100_free) after each call.

/** ML-KEM module rank: 2, 3, 4 = ML-KEM-512, -768, -1024 (FIPS 203 Table 2). */
export type MlKemRank = 2 | 3 | 4;
/** ML-DSA parameter set (FIPS 204 Table 1). */
export type MlDsaSet = 44 | 65 | 87;

/** An error returned by the module: the code of web/wasm/v100_wasm.h and what was called. */
export class WasmError extends Error {
  constructor(
    readonly fn: string,
    readonly code: number,
  ) {
    super(`${fn}: ${codeName(code)} (${code})`);
    this.name = "WasmError";
  }
}

function codeName(code: number): string {
  switch (code) {
    case -1: return "unknown parameter set";
    case -2: return "input has the wrong length";
    case -3: return "input fails its standard check";
    case -4: return "AES-CTR keystream not supplied";
    case -5: return "output buffer too small";
    default: return "error";
  }
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  _initialize(): void;
  v100_alloc(n: number): number;
  v100_free(p: number, n: number): void;
  v100_mlkem_ek_len(k: number): number;
  v100_mlkem_dk_len(k: number): number;
  v100_mlkem_ct_len(k: number): number;
  v100_mlkem_keygen(k: number, ek: number, dk: number, d: number, z: number): number;
  v100_mlkem_encaps(k: number, ct: number, ss: number, ek: number, ekLen: number, m: number): number;
  v100_mlkem_decaps(k: number, ss: number, dk: number, dkLen: number, ct: number, ctLen: number): number;
  v100_mldsa_pk_len(set: number): number;
  v100_mldsa_sk_len(set: number): number;
  v100_mldsa_sig_len(set: number): number;
  v100_mldsa_keygen(set: number, pk: number, sk: number, xi: number): number;
  v100_mldsa_sign(set: number, sig: number, sk: number, skLen: number, msg: number, msgLen: number, ctx: number,
                  ctxLen: number, rnd: number): number;
  v100_mldsa_sign_internal(set: number, sig: number, sk: number, skLen: number, mp: number, mpLen: number,
                           rnd: number): number;
  v100_mldsa_verify(set: number, pk: number, pkLen: number, msg: number, msgLen: number, ctx: number,
                    ctxLen: number, sig: number, sigLen: number): number;
  v100_mldsa_verify_internal(set: number, pk: number, pkLen: number, mp: number, mpLen: number, sig: number,
                             sigLen: number): number;
  v100_sha3_256(out: number, data: number, len: number): number;
  v100_shake256(out: number, outLen: number, data: number, len: number): number;
  v100_bfv_roster_new(seed: number): number;
  v100_bfv_roster_free(h: number): void;
  v100_bfv_roster_n(h: number): number;
  v100_bfv_roster_t(h: number): number;
  v100_bfv_roster_encrypt(h: number, out: number, outCap: number, outLen: number, slot: number, token: number,
                          randomness: number): number;
  v100_bfv_roster_decrypt(h: number, out: number, cts: number, ctsLen: number, ctLens: number, numCts: number): number;
  v100_ckks_report_new(seed: number): number;
  v100_ckks_report_free(h: number): void;
  v100_ckks_report_slots(h: number): number;
  v100_ckks_report_slots_to_coeffs(h: number, out: number, outLen: number, values: number, numValues: number): number;
  v100_ckks_report_encode(h: number, out: number, outCap: number, outLen: number, values: number, numValues: number): number;
  v100_ckks_report_encrypt(h: number, out: number, outCap: number, outLen: number, values: number, numValues: number,
                           randomness: number): number;
  v100_ckks_report_decrypt(h: number, out: number, count: number, ct: number, ctLen: number, randomness: number): number;
  v100_bfv_roster_public_key(h: number, out: number, outCap: number, outLen: number): number;
  v100_bfv_roster_relin_keys(h: number, out: number, outCap: number, outLen: number): number;
  v100_bfv_lookup_new(seed: number): number;
  v100_bfv_lookup_free(h: number): void;
  v100_bfv_lookup_query(h: number, out: number, outCap: number, outLen: number, token: number,
                        randomness: number): number;
  v100_bfv_lookup_find(h: number, slot: number, err: number, errCap: number, packed: number, packedLen: number,
                       slots: number, slotsLen: number): number;
  v100_read_test_pattern(sender: number, frame: number, y: number, yLen: number, u: number, uLen: number, v: number,
                         vLen: number, width: number, height: number): number;
  v100_render_test_pattern(y: number, yLen: number, u: number, uLen: number, v: number, vLen: number, sender: number,
                           frame: number, width: number, height: number): number;
  v100_tone_frequency(sender: number): number;
  v100_dominant_frequency(pcm: number, numSamples: number, sampleRate: number): number;
}

/** What a test pattern carries (src/codec/test_pattern.h). */
export interface PatternInfo {
  sender: number;
  frame: number;
}

/** The raw exports, for the other wrappers of this package (src/fhe.ts). */
export type WasmExports = Exports;

/**
 * The AES-256-CTR keystream the module's FHE samplers draw (src/core/host_aes.h), from WebCrypto:
 * the browser's AES, not a second one in the module. WebCrypto is asynchronous and the module is
 * not, so `serve` answers from a cache and records what it lacks; `fill` computes the recorded
 * chunks; the wrappers repeat a call that returned kV100ErrKeystream (src/fhe.ts). The stream is
 * OpenSSL's EVP_aes_256_ctr with a zero IV: the 128-bit big-endian counter starts at 0. Keys are
 * secret-derived (the error stream of an encryption): `wipe` zeroes the cache and drops the keys.
 */
export class AesKeystream {
  static readonly kChunk = 16384;
  private entries: { key: Uint8Array<ArrayBuffer>; crypto?: CryptoKey; chunks: Map<number, Uint8Array>; missing: Set<number> }[] = [];

  /** Writes keystream[offset, offset + out.length) of `key` into out; false if some chunk is missing. */
  serve(key: Uint8Array, offset: number, out: Uint8Array): boolean {
    let e = this.entries.find((x) => equalBytes(x.key, key));
    if (e === undefined) {
      e = { key: key.slice(), chunks: new Map(), missing: new Set() };
      this.entries.push(e);
    }
    if (out.length === 0) return true;
    const C = AesKeystream.kChunk;
    const first = Math.floor(offset / C), last = Math.floor((offset + out.length - 1) / C);
    let ok = true;
    for (let c = first; c <= last; ++c) {
      if (!e.chunks.has(c)) {
        e.missing.add(c);
        ok = false;
      }
    }
    if (!ok) return false;
    for (let c = first, done = 0; c <= last; ++c) {
      const chunk = e.chunks.get(c)!;
      const from = c === first ? offset - c * C : 0;
      const take = Math.min(C - from, out.length - done);
      out.set(chunk.subarray(from, from + take), done);
      done += take;
    }
    return true;
  }

  /** Computes every recorded missing chunk with WebCrypto AES-CTR; false if nothing was missing. */
  async fill(): Promise<boolean> {
    let any = false;
    const C = AesKeystream.kChunk;
    for (const e of this.entries) {
      if (e.missing.size === 0) continue;
      any = true;
      e.crypto ??= await globalThis.crypto.subtle.importKey("raw", e.key, "AES-CTR", false, ["encrypt"]);
      for (const c of [...e.missing].sort((a, b) => a - b)) {
        const counter = new Uint8Array(16);
        let block = (c * C) / 16;  // < 2^53: the low 7 bytes suffice
        for (let i = 15; i >= 9; --i, block = Math.floor(block / 256)) counter[i] = block % 256;
        const ks = await globalThis.crypto.subtle.encrypt({ name: "AES-CTR", counter, length: 128 }, e.crypto,
                                                          new Uint8Array(C));
        e.chunks.set(c, new Uint8Array(ks));
      }
      e.missing.clear();
    }
    return any;
  }

  /** Zeroes every cached chunk and key and forgets them. */
  wipe(): void {
    for (const e of this.entries) {
      e.key.fill(0);
      for (const c of e.chunks.values()) c.fill(0);
    }
    this.entries = [];
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; ++i) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** A buffer in the module's heap: `ptr` and its length. */
interface Slot {
  ptr: number;
  len: number;
}

class ProcExit extends Error {}

/**
 * The module's imports: entropy from WebCrypto, the AES-CTR keystream of `aes`, and the runtime
 * hooks emscripten links in (stderr, where an abort writes its reason, goes to the ProcExit error).
 */
function imports(memory: () => WebAssembly.Memory, aes: AesKeystream): WebAssembly.Imports {
  let stderr = "";
  return {
    env: {
      getentropy(ptr: number, len: number): number {
        globalThis.crypto.getRandomValues(new Uint8Array(memory().buffer, ptr, len));
        return 0;
      },
      v100_aes256_ctr(key: number, offsetLo: number, offsetHi: number, out: number, len: number): number {
        const buf = memory().buffer;
        const offset = (offsetHi >>> 0) * 2 ** 32 + (offsetLo >>> 0);
        return aes.serve(new Uint8Array(buf, key, 32), offset, new Uint8Array(buf, out, len >>> 0)) ? 1 : 0;
      },
      emscripten_notify_memory_growth(): void {},
    },
    wasi_snapshot_preview1: {
      proc_exit(code: number): never {
        const why = stderr.trim();
        stderr = "";
        throw new ProcExit(`v100.wasm aborted (exit ${code})${why ? `: ${why}` : ""}`);
      },
      fd_write(_fd: number, iovs: number, iovsLen: number, nwritten: number): number {
        const view = new DataView(memory().buffer);
        let total = 0;
        for (let i = 0; i < iovsLen; ++i) {
          const p = view.getUint32(iovs + 8 * i, true), n = view.getUint32(iovs + 8 * i + 4, true);
          stderr = (stderr + new TextDecoder().decode(new Uint8Array(memory().buffer, p, n))).slice(-1000);
          total += n;
        }
        view.setUint32(nwritten, total, true);
        return 0;
      },
      fd_close(): number {
        return 0;
      },
      fd_seek(): number {
        return 70;  // ESPIPE
      },
      random_get(ptr: number, len: number): number {
        globalThis.crypto.getRandomValues(new Uint8Array(memory().buffer, ptr, len));
        return 0;
      },
    },
  };
}

/** The instantiated module. One instance is single-threaded; use one per Worker. */
export class PqWasm {
  private constructor(
    private readonly x: Exports,
    /** The AES-CTR keystream cache the module's FHE code draws from (src/fhe.ts fills it). */
    readonly keystream: AesKeystream,
  ) {}

  /** Instantiates the module from its bytes (fetched, or read from disk under node). */
  static async load(bytes: BufferSource): Promise<PqWasm> {
    let exports: Exports | undefined;
    const aes = new AesKeystream();
    const { instance } = await WebAssembly.instantiate(bytes, imports(() => exports!.memory, aes));
    exports = instance.exports as unknown as Exports;
    exports._initialize();
    return new PqWasm(exports, aes);
  }

  /** The raw exports (for src/fhe.ts). */
  get exports(): WasmExports {
    return this.x;
  }

  // ---- ML-KEM (FIPS 203) ----

  /** ML-KEM.KeyGen_internal(d, z) (Alg. 16). */
  mlkemKeygen(k: MlKemRank, d: Uint8Array, z: Uint8Array): { ek: Uint8Array; dk: Uint8Array } {
    need("mlkemKeygen", d, 32);
    need("mlkemKeygen", z, 32);
    const ekLen = this.x.v100_mlkem_ek_len(k), dkLen = this.x.v100_mlkem_dk_len(k);
    return this.call([d, z], [ekLen, dkLen], ([pd, pz], [pek, pdk]) => {
      this.rc("mlkemKeygen", this.x.v100_mlkem_keygen(k, pek.ptr, pdk.ptr, pd.ptr, pz.ptr));
    }, ([ek, dk]) => ({ ek, dk }));
  }

  /** ML-KEM.Encaps_internal(ek, m) (Alg. 17) after the §7.2 check: throws WasmError on a bad ek. */
  mlkemEncaps(k: MlKemRank, ek: Uint8Array, m: Uint8Array): { ct: Uint8Array; ss: Uint8Array } {
    need("mlkemEncaps", m, 32);
    return this.call([ek, m], [this.x.v100_mlkem_ct_len(k), 32], ([pek, pm], [pct, pss]) => {
      this.rc("mlkemEncaps", this.x.v100_mlkem_encaps(k, pct.ptr, pss.ptr, pek.ptr, pek.len, pm.ptr));
    }, ([ct, ss]) => ({ ct, ss }));
  }

  /** ML-KEM.Decaps (Alg. 21) with implicit rejection; throws WasmError on a malformed dk or ct length. */
  mlkemDecaps(k: MlKemRank, dk: Uint8Array, ct: Uint8Array): Uint8Array {
    return this.call([dk, ct], [32], ([pdk, pct], [pss]) => {
      this.rc("mlkemDecaps", this.x.v100_mlkem_decaps(k, pss.ptr, pdk.ptr, pdk.len, pct.ptr, pct.len));
    }, ([ss]) => ss);
  }

  // ---- ML-DSA (FIPS 204) ----

  /** ML-DSA.KeyGen_internal(xi) (Alg. 6). */
  mldsaKeygen(set: MlDsaSet, xi: Uint8Array): { pk: Uint8Array; sk: Uint8Array } {
    need("mldsaKeygen", xi, 32);
    return this.call([xi], [this.x.v100_mldsa_pk_len(set), this.x.v100_mldsa_sk_len(set)], ([pxi], [ppk, psk]) => {
      this.rc("mldsaKeygen", this.x.v100_mldsa_keygen(set, ppk.ptr, psk.ptr, pxi.ptr));
    }, ([pk, sk]) => ({ pk, sk }));
  }

  /** ML-DSA.Sign (Alg. 2); rnd = 32 zero bytes for the deterministic variant, else fresh random. */
  mldsaSign(set: MlDsaSet, sk: Uint8Array, msg: Uint8Array, ctx: Uint8Array, rnd: Uint8Array): Uint8Array {
    need("mldsaSign", rnd, 32);
    return this.call([sk, msg, ctx, rnd], [this.x.v100_mldsa_sig_len(set)], ([psk, pm, pc, pr], [psig]) => {
      this.rc("mldsaSign", this.x.v100_mldsa_sign(set, psig.ptr, psk.ptr, psk.len, pm.ptr, pm.len, pc.ptr, pc.len,
                                                  pr.ptr));
    }, ([sig]) => sig);
  }

  /** ML-DSA.Sign_internal(sk, M', rnd) (Alg. 7). */
  mldsaSignInternal(set: MlDsaSet, sk: Uint8Array, mPrime: Uint8Array, rnd: Uint8Array): Uint8Array {
    need("mldsaSignInternal", rnd, 32);
    return this.call([sk, mPrime, rnd], [this.x.v100_mldsa_sig_len(set)], ([psk, pm, pr], [psig]) => {
      this.rc("mldsaSignInternal",
              this.x.v100_mldsa_sign_internal(set, psig.ptr, psk.ptr, psk.len, pm.ptr, pm.len, pr.ptr));
    }, ([sig]) => sig);
  }

  /** ML-DSA.Verify (Alg. 3): true iff valid. Throws WasmError only for a public key of the wrong length. */
  mldsaVerify(set: MlDsaSet, pk: Uint8Array, msg: Uint8Array, ctx: Uint8Array, sig: Uint8Array): boolean {
    let rc = 0;
    this.call([pk, msg, ctx, sig], [], ([ppk, pm, pc, ps]) => {
      rc = this.rc("mldsaVerify", this.x.v100_mldsa_verify(set, ppk.ptr, ppk.len, pm.ptr, pm.len, pc.ptr, pc.len,
                                                           ps.ptr, ps.len));
    }, () => 0);
    return rc === 0;
  }

  /** ML-DSA.Verify_internal(pk, M', sigma) (Alg. 8). */
  mldsaVerifyInternal(set: MlDsaSet, pk: Uint8Array, mPrime: Uint8Array, sig: Uint8Array): boolean {
    let rc = 0;
    this.call([pk, mPrime, sig], [], ([ppk, pm, ps]) => {
      rc = this.rc("mldsaVerifyInternal",
                   this.x.v100_mldsa_verify_internal(set, ppk.ptr, ppk.len, pm.ptr, pm.len, ps.ptr, ps.len));
    }, () => 0);
    return rc === 0;
  }

  // ---- SHA-3 (FIPS 202) ----

  sha3_256(data: Uint8Array): Uint8Array {
    return this.call([data], [32], ([pd], [po]) => {
      this.rc("sha3_256", this.x.v100_sha3_256(po.ptr, pd.ptr, pd.len));
    }, ([out]) => out);
  }

  shake256(data: Uint8Array, outLen: number): Uint8Array {
    return this.call([data], [outLen], ([pd], [po]) => {
      this.rc("shake256", this.x.v100_shake256(po.ptr, po.len, pd.ptr, pd.len));
    }, ([out]) => out);
  }

  // ---- test pattern and tone (src/codec/test_pattern.h, tone.h: the native checks' own code) ----

  /**
   * Reads the code grid of a width x height I420 picture (planes tightly packed; the luma alone
   * decides, so `u` and `v` may be neutral planes for a picture that was RGBA). null when the picture
   * carries no readable code; throws WasmError when a plane has the wrong size.
   */
  readTestPattern(y: Uint8Array, u: Uint8Array, v: Uint8Array, width: number, height: number): PatternInfo | null {
    let rc = 0;
    const out = this.call([y, u, v], [8], ([py, pu, pv], [po]) => {
      rc = this.rc("readTestPattern", this.x.v100_read_test_pattern(po.ptr, po.ptr + 4, py.ptr, py.len, pu.ptr, pu.len,
                                                                    pv.ptr, pv.len, width, height));
    }, ([o]) => o);
    if (rc !== 0) return null;
    const view = new DataView(out.buffer, out.byteOffset, 8);
    return { sender: view.getUint16(0, true), frame: view.getUint32(4, true) };
  }

  /** The test pattern of (sender, frame) as tightly packed I420 planes (src/codec/test_pattern.h). */
  renderTestPattern(sender: number, frame: number, width: number, height: number): { y: Uint8Array; u: Uint8Array; v: Uint8Array } {
    const c = Math.floor((width + 1) / 2) * Math.floor((height + 1) / 2);
    return this.call([], [width * height, c, c], (_ins, [py, pu, pv]) => {
      this.rc("renderTestPattern", this.x.v100_render_test_pattern(py.ptr, py.len, pu.ptr, pu.len, pv.ptr, pv.len,
                                                                   sender, frame, width, height));
    }, ([y, u, v]) => ({ y, u, v }));
  }

  /** The tone of `sender` in Hz (440 + 110 * (sender % 16)). */
  toneFrequency(sender: number): number {
    return this.x.v100_tone_frequency(sender);
  }

  /** The dominant frequency (Hz) of 16-bit mono PCM (0 when too short or silent). */
  dominantFrequency(pcm: Int16Array, sampleRate = 48000): number {
    const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    let f = 0;
    this.call([bytes], [], ([pp]) => {
      f = this.x.v100_dominant_frequency(pp.ptr, pcm.length, sampleRate);
    }, () => 0);
    return f;
  }

  // ---- heap plumbing ----

  private rc(fn: string, code: number): number {
    if (code < 0) throw new WasmError(fn, code);
    return code;
  }

  // Copies `inputs` into the heap, reserves `outLens` bytes, runs `body`, copies the outputs out,
  // and wipes and frees every slot whatever happens.
  private call<I extends readonly Uint8Array[], O extends readonly number[], R>(
      inputs: readonly [...I], outLens: readonly [...O],
      body: (ins: { [K in keyof I]: Slot }, outs: { [K in keyof O]: Slot }) => void,
      result: (outs: { [K in keyof O]: Uint8Array }) => R): R {
    const slots: Slot[] = [];
    try {
      const ins = inputs.map((bytes) => {
        const s = this.alloc(bytes.length);
        slots.push(s);
        new Uint8Array(this.x.memory.buffer, s.ptr, bytes.length).set(bytes);
        return s;
      });
      const outs = outLens.map((n) => {
        const s = this.alloc(n);
        slots.push(s);
        return s;
      });
      body(ins as { [K in keyof I]: Slot }, outs as { [K in keyof O]: Slot });
      // memory.buffer is re-read after the call: growth replaces the ArrayBuffer.
      const copies = outs.map((s) => new Uint8Array(this.x.memory.buffer, s.ptr, s.len).slice());
      return result(copies as { [K in keyof O]: Uint8Array });
    } finally {
      for (const s of slots) this.x.v100_free(s.ptr, s.len);
    }
  }

  private alloc(n: number): Slot {
    const ptr = this.x.v100_alloc(n);
    if (ptr === 0) throw new Error("v100.wasm: out of memory");
    return { ptr, len: n };
  }
}

function need(fn: string, bytes: Uint8Array, len: number): void {
  if (bytes.length !== len) throw new WasmError(fn, -2);
}
