// The browser's media half against the native build: the inner media header (media_header.ts) byte
// for byte as meeting/client/media_session.cc encodes and parses it (v100_web_ref media), and the
// test pattern and tone of src/codec compiled into the module (the same code the native checks run):
// rendered planes equal the native ones, the pictures of a Y4M written by `v100 capture-files` read
// back to their sender and frame, and the WAV's tone is found at the sender's frequency.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import { encodeMediaPayload, kMediaHeaderBytes, parseMediaPayload, seqFollows } from "../src/media_header.js";
import { vp8IsKeyframe } from "../src/media.js";
import { loadWasm, readRef, reportCount, root } from "./env.js";
import { PatternTrack } from "./live/pattern_track.js";

interface RefMedia {
  headers: { codec: number; seq: number; capture_us: string; body: string; payload: string }[];
  parses: ({ payload: string; error: string } | { payload: string; codec: number; seq: number; capture_us: string;
                                                   body: string })[];
  patterns: { sender: number; frame: number; width: number; height: number; y: string; u: string; v: string }[];
  tones: { sender: number; frequency: number; pcm_sha3: string; dominant: number }[];
}

test("media header: encodings equal the native encode_media_payload, parses agree, hostile bytes refused", (t) => {
  const ref = readRef<RefMedia>("media");
  for (const h of ref.headers) {
    const p = encodeMediaPayload({ codec: h.codec as 1 | 2, seq: h.seq, captureUs: BigInt(h.capture_us) }, fromHex(h.body));
    assert.equal(toHex(p), h.payload);
    const back = parseMediaPayload(fromHex(h.payload));
    assert.ok(back.ok);
    assert.deepEqual(back.header, { codec: h.codec, seq: h.seq, captureUs: BigInt(h.capture_us) });
    assert.equal(toHex(back.codecBytes), h.body);
  }
  for (const c of ref.parses) {
    const r = parseMediaPayload(fromHex(c.payload));
    if ("error" in c) {
      assert.deepEqual(r, { ok: false, error: c.error }, c.payload);
    } else {
      assert.ok(r.ok, c.payload);
      assert.deepEqual(r.header, { codec: c.codec, seq: c.seq, captureUs: BigInt(c.capture_us) });
      assert.equal(toHex(r.codecBytes), c.body);
    }
  }
  // Random bytes of every length up to 64 never throw, and parse exactly when the native rule says.
  let n = 0;
  for (let len = 0; len <= 64; ++len) {
    for (let i = 0; i < 20; ++i) {
      const b = globalThis.crypto.getRandomValues(new Uint8Array(len));
      const r = parseMediaPayload(b);
      assert.equal(r.ok, len > kMediaHeaderBytes && (b[0] === 1 || b[0] === 2));
      ++n;
    }
  }
  assert.deepEqual(parseMediaPayload(null as unknown as Uint8Array), { ok: false, error: "media payload: not bytes" });
  assert.throws(() => encodeMediaPayload({ codec: 1, seq: 2 ** 32, captureUs: 0n }, Uint8Array.of(1)), RangeError);
  assert.throws(() => encodeMediaPayload({ codec: 1, seq: 0, captureUs: -1n }, Uint8Array.of(1)), RangeError);
  assert.ok(seqFollows(0xffffffff, 0) && seqFollows(5, 6) && !seqFollows(5, 7) && !seqFollows(6, 5));
  // VP8 frame tag (RFC 6386 §9.1): bit 0 clear = keyframe.
  assert.ok(vp8IsKeyframe(Uint8Array.of(0x10, 0x02, 0x00)) && !vp8IsKeyframe(Uint8Array.of(0x11, 0x02, 0x00)));
  assert.ok(!vp8IsKeyframe(Uint8Array.of(0x10)));
  reportCount(t, "media", "header_cases", ref.headers.length + ref.parses.length);
  reportCount(t, "media", "random_payloads", n);
});

test("test pattern and tone in the module: the native code's planes and frequencies", async (t) => {
  const w = await loadWasm();
  const ref = readRef<RefMedia>("media");
  for (const p of ref.patterns) {
    const pic = w.renderTestPattern(p.sender, p.frame, p.width, p.height);
    assert.equal(toHex(w.sha3_256(pic.y)), p.y, `pattern ${p.sender}/${p.frame}`);
    assert.equal(toHex(w.sha3_256(pic.u)), p.u);
    assert.equal(toHex(w.sha3_256(pic.v)), p.v);
    assert.deepEqual(w.readTestPattern(pic.y, pic.u, pic.v, p.width, p.height), { sender: p.sender, frame: p.frame });
    // A flipped code cell (a block of the grid painted grey) no longer reads.
    const y = pic.y.slice();
    const cell = Math.max(2, Math.min(Math.floor(p.width / 20), Math.floor(p.height / 12)));
    const gx = Math.floor((p.width - 16 * cell) / 2), gy = p.height - 4 * cell - Math.floor(cell / 2);
    for (let r = 0; r < cell; ++r) y.fill(128, (gy + r) * p.width + gx, (gy + r) * p.width + gx + cell);
    assert.equal(w.readTestPattern(y, pic.u, pic.v, p.width, p.height), null);
  }
  for (const c of ref.tones) {
    assert.equal(w.toneFrequency(c.sender), c.frequency);
    const f = w.dominantFrequency(new Int16Array(24000).map((_, i) =>
      Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * c.frequency * i) / 48000))));
    assert.ok(Math.abs(f - c.dominant) < 1, `tone of sender ${c.sender}: ${f} vs native ${c.dominant}`);
  }
  // Misuse and noise: wrong plane sizes throw a WasmError, noise reads as nothing, silence as 0 Hz.
  assert.throws(() => w.readTestPattern(new Uint8Array(10), new Uint8Array(1), new Uint8Array(1), 640, 360));
  const noise = new Uint8Array(640 * 360);
  for (let i = 0; i < noise.length; i += 65536) globalThis.crypto.getRandomValues(noise.subarray(i, i + 65536));
  assert.equal(w.readTestPattern(noise, new Uint8Array(320 * 180), new Uint8Array(320 * 180), 640, 360), null);
  assert.equal(w.dominantFrequency(new Int16Array(4800)), 0);
  reportCount(t, "media", "pattern_cases", ref.patterns.length);
  reportCount(t, "media", "tone_cases", ref.tones.length);
});

test("v100 capture-files: every Y4M picture reads back in the module; the WAV's tone is the sender's", async (t) => {
  const w = await loadWasm();
  const v100 = process.env["V100_BIN"] ?? join(root, "build", "release", "tools", "v100");
  const dir = mkdtempSync(join(tmpdir(), "v100-capture-"));
  try {
    const sender = 5;
    execFileSync(v100, ["capture-files", "--sender", String(sender), "--seconds", "1", "--out-y4m", join(dir, "c.y4m"),
                        "--out-wav", join(dir, "c.wav")], { stdio: "ignore" });
    const y4m = readFileSync(join(dir, "c.y4m"));
    const head = y4m.subarray(0, y4m.indexOf(0x0a)).toString("latin1");
    assert.equal(head, "YUV4MPEG2 W640 H360 F30:1 Ip A1:1 C420jpeg");
    const W = 640, H = 360, Y = W * H, C = (W / 2) * (H / 2);
    let at = head.length + 1, frames = 0;
    while (at < y4m.length) {
      assert.equal(y4m.subarray(at, at + 6).toString("latin1"), "FRAME\n");
      at += 6;
      const y = y4m.subarray(at, at + Y), u = y4m.subarray(at + Y, at + Y + C), v = y4m.subarray(at + Y + C, at + Y + 2 * C);
      assert.deepEqual(w.readTestPattern(y, u, v, W, H), { sender, frame: frames });
      at += Y + 2 * C;
      ++frames;
    }
    assert.equal(frames, 30);
    const wav = readFileSync(join(dir, "c.wav"));
    assert.equal(wav.subarray(0, 4).toString("latin1"), "RIFF");
    assert.equal(wav.readUInt32LE(24), 48000);
    const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
    assert.equal(pcm.length, 48000);
    const f = w.dominantFrequency(pcm);
    assert.ok(Math.abs(f - w.toneFrequency(sender)) < 10, `${f} Hz, sender's tone ${w.toneFrequency(sender)} Hz`);
    reportCount(t, "media", "capture_frames_read", frames);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PatternTrack (the live page's check): sender, rising frames, rising modulo a loop", (t) => {
  const run = (loop: number, frames: (number | null)[], sender = 4): PatternTrack => {
    const p = new PatternTrack(4, 0, loop);
    for (const f of frames) p.add(f === null ? null : { sender, frame: f });
    return p;
  };
  const cases: [PatternTrack, number, number][] = [  // track, bad pictures, wraps
    [run(0, [0, 1, 2, 5, 9]), 0, 0],
    [run(0, [0, 1, 1, 2]), 1, 0],               // a repeated frame number
    [run(0, [5, 3]), 1, 0],                     // backwards
    [run(0, [0, 1, null, 3]), 1, 0],            // unreadable
    [run(0, [0, 1], 5), 2, 0],                  // another sender's pattern
    [run(600, [597, 598, 599, 0, 1, 2]), 0, 1], // the Y4M looped
    [run(600, [597, 599, 2, 1]), 1, 1],         // wrapped, then backwards
    [run(600, [300, 2]), 1, 0],                 // back to the start far from the end: not a loop
    [run(600, [1, 600]), 1, 0],                 // not a frame of a 600-frame file
    [run(0, [598, 599, 0]), 1, 0],              // a source that does not loop must not restart
  ];
  for (const [i, [p, bad, wraps]] of cases.entries()) {
    assert.equal(p.r.badPictures, bad, `case ${i}`);
    assert.equal(p.r.wraps, wraps, `case ${i}`);
  }
  reportCount(t, "media", "pattern_track_cases", cases.length);
});
