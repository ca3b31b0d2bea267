// FrameCrypto over a message channel (WorkerFrameCrypto <-> serveFrameCrypto, the code a Worker runs;
// node's MessageChannel clones and transfers like a Worker's) against the in-thread SFrame contexts
// and the C++ SDK: frames media::SenderContext protected (v100_web_ref sframe) open through it,
// frames it protects open in media::ReceiverContext (v100_web_ref sframe-open) and in the TS
// ReceiverContext; the key ring keeps the previous epoch for its grace period only; hostile input
// is refused without a throw.
import "./node-webcrypto.js";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fromHex, toHex } from "../src/bytes.js";
import { InThreadFrameCrypto, type MessageEndpoint, WorkerFrameCrypto, serveFrameCrypto } from "../src/frame_crypto.js";
import type { FrameCrypto } from "../src/media_port.js";
import { ReceiverContext, frameMetadata } from "../src/sframe.js";
import { readRef, reportCount, root } from "./env.js";

interface RefSFrame {
  meeting_secret: string;
  epochs: { epoch: number; epoch_secret: string;
            senders: { slot: number; kid: number; base_key: string;
                       frames: { envelope: number; payload: string; frame: string }[] }[] }[];
}

function channel(options: Parameters<typeof serveFrameCrypto>[1] = {}): { fc: WorkerFrameCrypto; close: () => void } {
  const { port1, port2 } = new MessageChannel();
  serveFrameCrypto(port2 as unknown as MessageEndpoint, options);
  const fc = new WorkerFrameCrypto(port1 as unknown as MessageEndpoint);
  return { fc, close: () => { port1.close(); port2.close(); } };
}

test("C++ frames open through the worker protocol and in-thread alike; replays and relabels refused", async (t) => {
  const ref = readRef<RefSFrame>("sframe");
  const { fc: worker, close } = channel();
  let n = 0;
  try {
    for (const e of ref.epochs) {
      const both: FrameCrypto[] = [worker, new InThreadFrameCrypto()];
      for (const fc of both) await fc.addReceiveEpoch(BigInt(e.epoch), fromHex(e.epoch_secret));
      for (const s of e.senders) {
        for (const f of s.frames) {
          for (const fc of both) {
            const r = await fc.unprotect(s.slot, f.envelope, fromHex(f.frame));
            assert.ok(r.ok, r.ok ? "" : r.reason);
            assert.equal(toHex(r.payload), f.payload);
            assert.equal(r.epoch, BigInt(e.epoch));
            assert.deepEqual(await fc.unprotect(s.slot, f.envelope, fromHex(f.frame)), { ok: false, reason: "replayed" });
          }
          ++n;
        }
        const last = s.frames[s.frames.length - 1]!;
        const fresh = channel();
        await fresh.fc.addReceiveEpoch(BigInt(e.epoch), fromHex(e.epoch_secret));
        assert.deepEqual(await fresh.fc.unprotect(s.slot ^ 1, last.envelope, fromHex(last.frame)),
                         { ok: false, reason: "auth-failed" });
        assert.deepEqual(await fresh.fc.unprotect(s.slot, last.envelope ^ 0x08, fromHex(last.frame)),
                         { ok: false, reason: "auth-failed" });
        fresh.close();
      }
    }
  } finally {
    close();
  }
  assert.equal(n, 45);
  reportCount(t, "frame_crypto", "native_frames_opened", n);
});

test("frames protected through the worker open natively and in the TS ReceiverContext", async (t) => {
  const ref = readRef<RefSFrame>("sframe");
  const e = ref.epochs[1]!;
  const epoch = BigInt(e.epoch), secret = fromHex(e.epoch_secret);
  const frames: { slot: number; envelope: number; frame: string }[] = [];
  const payloads: string[] = [];
  const rx = new ReceiverContext();
  rx.setEpoch(epoch, secret);
  for (const slot of [3, 4095]) {
    const { fc, close } = channel();
    await fc.setSendEpoch(slot, epoch, secret);
    for (const [i, envelope] of [0x01, 0x09, 0x00, 0x13].entries()) {
      const payload = globalThis.crypto.getRandomValues(new Uint8Array([1, 700, 13, 1200][i]!));
      const frame = await fc.protect(slot, envelope, payload);
      frames.push({ slot, envelope, frame: toHex(frame) });
      payloads.push(toHex(payload));
      const r = await rx.unprotect(frameMetadata(slot, envelope), frame as Uint8Array<ArrayBuffer>);
      assert.ok(r.ok && toHex(r.payload) === toHex(payload) && r.slot === slot && r.counter === BigInt(i));
    }
    await assert.rejects(fc.protect(slot + 1 > 4095 ? 0 : slot + 1, 0, Uint8Array.of(1)));  // not this sender's slot
    close();
  }
  const tool = process.env["V100_WEB_REF"] ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
  const out = JSON.parse(execFileSync(tool, ["sframe-open"], {
    input: JSON.stringify({ epoch_secret: e.epoch_secret, epoch: e.epoch, frames }),
  }).toString()) as { payload?: string; slot?: number; error?: string }[];
  assert.equal(out.length, frames.length);
  for (let i = 0; i < frames.length; ++i) {
    assert.equal(out[i]!.error, undefined);
    assert.equal(out[i]!.payload, payloads[i]);
    assert.equal(out[i]!.slot, frames[i]!.slot);
  }
  reportCount(t, "frame_crypto", "frames_opened_natively", frames.length);
});

test("the worker's key ring: previous epoch for its grace period, then unknown; hostile input refused", async (t) => {
  let now = 1000;
  const { fc: rx, close } = channel({ gracePeriodMs: 500, now: () => now });
  const tx = new InThreadFrameCrypto();
  const s1 = new Uint8Array(32).fill(1), s2 = new Uint8Array(32).fill(2), s3 = new Uint8Array(32).fill(3);
  try {
    await tx.setSendEpoch(9, 1n, s1);
    const old = await tx.protect(9, 0, Uint8Array.of(1, 2, 3));
    const old2 = await tx.protect(9, 0, Uint8Array.of(4));
    await tx.setSendEpoch(9, 2n, s2);
    const cur = await tx.protect(9, 0, Uint8Array.of(5));
    await rx.addReceiveEpoch(1n, s1);
    await rx.addReceiveEpoch(2n, s2);
    assert.equal((await rx.unprotect(9, 0, cur)).ok, true);
    assert.equal((await rx.unprotect(9, 0, old)).ok, true);  // in the grace period
    now += 501;
    assert.deepEqual(await rx.unprotect(9, 0, old2), { ok: false, reason: "unknown-kid" });
    await rx.addReceiveEpoch(3n, s3);
    now += 10;
    let hostile = 0;
    for (const bad of [new Uint8Array(0), Uint8Array.of(0xff), cur.subarray(0, 5), null, "x", 42]) {
      const r = await rx.unprotect(9, 0, bad as unknown as Uint8Array);
      assert.equal(r.ok, false);
      ++hostile;
    }
    for (const [slot, env] of [[-1, 0], [70000, 0], [9, 300], [Number.NaN, 0]] as const) {
      assert.deepEqual(await rx.unprotect(slot, env, cur), { ok: false, reason: "malformed" });
      ++hostile;
    }
    rx.close();
    assert.deepEqual(await rx.unprotect(9, 0, cur), { ok: false, reason: "malformed" });  // closed
    reportCount(t, "frame_crypto", "hostile_refused", hostile);
  } finally {
    close();
    tx.close();
  }
});
