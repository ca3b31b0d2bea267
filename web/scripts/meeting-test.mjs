// The whole meeting (issue #15's headline test): a real `v100 serve` (build/release/tools/v100)
// serves web/test/live/meeting.html; TWO browser participants, each a headless Debian chromium of
// its own whose fake camera and microphone read the test pattern (Y4M) and tone (WAV) that
// `v100 capture-files --sender <its slot>` made, use Room + MediaSession (camera, microphone; the
// host also shares its screen); ONE native participant `v100 join --media test-pattern` joins by
// the invitation the host page left in its mailbox. Checked:
//   - all 6 ordered pairs: the receiver decodes the sender's video and every decoded picture carries
//     the sender's pattern (sender id = its slot, frame numbers rising: the browsers with the
//     module's reader, the native side with codec/test_pattern, printed when it leaves, exit 1 on a
//     failure), and the sound's FFT peak is the sender's tone;
//   - the screen share arrives as a track of its own (kind Screen) at the other two;
//   - the security codes are equal across both browsers and the native participant;
//   - the guest browser leaves: the others rekey (new epoch, new code, equal), and a frame the leaver
//     seals after leaving with the keys it kept opens nowhere (a frame it sealed before does);
//   - the names typed into the pages and the title (random non-ASCII canaries) are in no file of the
//     server's data dir (database, WAL, log) as UTF-8, UTF-16LE or UTF-16BE.
// Writes build/web-test/meeting-{host,guest}.png and the `meeting` section of
// build/web-test/summary.json; exit 1 on a failure. Run from the repository root after the bundle
// (make test-web does).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync,
         writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServe } from "./serve.mjs";
import { canaryForms, scanForCanaries } from "./canaries.mjs";

const root = process.env.V100_ROOT ?? process.cwd();
const out = join(root, "build", "web-test");
const executablePath = process.env.V100_CHROMIUM ?? "/usr/bin/chromium";
const v100 = process.env.V100_BIN ?? join(root, "build", "release", "tools", "v100");
const started = Date.now();
let failed = false;
const fail = (m) => {
  console.log(`FAIL  meeting: ${m}`);
  failed = true;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Counts asked of every pair: modest (a loaded 2-core machine), while every picture is checked.
const kMediaMs = 10_000;       // media among the three before the guest leaves
const kMinPictures = 30;       // decoded camera pictures per ordered pair
const kMinAudio = 50;          // decoded audio packets per ordered pair (20 ms each)
const kToneToleranceHz = 10;   // as tools/media_check.h
const kNativeSeconds = 28;     // the native participant's stay (it prints its checks when it leaves)
const kFileSeconds = 40;       // the Y4M covers more than the host's camera runs: its frame numbers never wrap
const kSlots = { host: 0, guest: 1 };  // a new meeting's host is slot 0, the first joiner slot 1

const webRoot = join(root, "build", "web", "meeting-root");
mkdirSync(webRoot, { recursive: true });
for (const f of ["meeting.html", "live.css"]) copyFileSync(join(root, "web", "test", "live", f), join(webRoot, f));
for (const f of ["meeting.js", "sframe_worker.js"]) copyFileSync(join(root, "build", "web", "live", f), join(webRoot, f));
copyFileSync(process.env.V100_WASM ?? join(root, "build", "wasm", "web", "wasm", "v100.wasm"), join(webRoot, "v100.wasm"));

mkdirSync(out, { recursive: true });
const dataDir = mkdtempSync(join(out, "meeting-data-"));
const work = mkdtempSync(join(out, "meeting-files-"));
const served = await startServe(v100, ["--data-dir", dataDir, "--web-root", webRoot]);
const serve = served.proc, port = served.port;

// Random canaries: what the people typed, never expected on the server.
const tag = randomBytes(6).toString("hex");
const title = `Quarterly sync Ωμέγα ${tag}`;
const names = { host: `Łucja Ñandú-Host ${tag}`, guest: `Þórunn Гостья-Ŋgâ ${tag}`, native: `Chiamaka Ọ̀ṣun Native ${tag}` };

async function waitPage(page, pred, what, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const s = await page.evaluate(() => window.v100Meeting);
    if (s?.stage === "failed") throw new Error(`${what}: page failed: ${s.error}`);
    if (s !== undefined && pred(s)) return s;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (stage ${s?.stage}, epoch ${s?.epoch}, members ${s?.members})`);
    await sleep(200);
  }
}
const nativeCodes = (text) => [...text.matchAll(/epoch (\d+): (\d+) members, security code ([\d ]+)/g)]
  .map((m) => ({ epoch: m[1], members: Number(m[2]), code: m[3].trim() }));
// The native checks (tools/media_check.cc), one line per sender:
// "  <receiver> <sender> <pictures> ok (a..b) | FAILED (n of m bad) <audio> ok|FAILED <f> Hz (sent <e>)[; screen n]"
function nativeCheck(text, senderName) {
  const line = text.split("\n").find((l) => l.includes(names.native) && l.includes(senderName)) ?? "";
  const m = /\s(\d+)\s+(ok \((\d+)\.\.(\d+)\)|FAILED \((\d+) of \d+ bad\))\s+(\d+)\s+(ok|FAILED) ([\d.]+) Hz \(sent (\d+)\)(; screen (\d+))?/.exec(line);
  if (m === null) return { line: line.trim(), parsed: false };
  return { line: line.trim(), parsed: true, pictures: Number(m[1]), pattern_ok: m[2].startsWith("ok"),
           first_frame: m[3] === undefined ? null : Number(m[3]), last_frame: m[4] === undefined ? null : Number(m[4]),
           bad_pictures: m[5] === undefined ? 0 : Number(m[5]), audio_packets: Number(m[6]), tone_ok: m[7] === "ok",
           tone_hz: Number(m[8]), tone_expected_hz: Number(m[9]), screen_pictures: m[11] === undefined ? 0 : Number(m[11]) };
}
// One browser receiver's view of one sender (pattern_track.ts results).
function browserCheck(s, slot) {
  const r = s.senders.find((x) => x.slot === slot);
  const st = s.receive.find((x) => x.slot === slot && x.kind === 1);
  const video_stream = st === undefined ? null : { received: st.received, decoded: st.decoded, keyframes: st.keyframes, gaps: st.gaps,
    keyframe_requests: st.keyframeRequests, dropped: Object.fromEntries(Object.entries(st.dropped).filter(([, n]) => n > 0)) };
  if (r === undefined) return { pictures: 0, pattern_ok: false, tone_ok: false, audio_packets: 0, screen_pictures: 0, video_stream };
  return { video_stream, pictures: r.pictures, pattern_checks_passed: r.pictures - r.badPictures, bad_pictures: r.badPictures,
           unreadable: r.unreadable, wrong_sender: r.wrongSender, not_rising: r.notRising, wraps: r.wraps,
           first_frame: r.firstFrame, last_frame: r.lastFrame, pattern_ok: r.pictures > 0 && r.badPictures === 0 && r.wraps === 0,
           audio_packets: r.audioPackets, tone_hz: Math.round(r.frequency * 10) / 10, tone_expected_hz: r.expected,
           tone_ok: r.audioPackets > 0 && Math.abs(r.frequency - r.expected) <= kToneToleranceHz, screen_pictures: r.screenPictures };
}

async function launch(slot, seconds) {
  const y4m = join(work, `slot${slot}.y4m`), wav = join(work, `slot${slot}.wav`);
  execFileSync(v100, ["capture-files", "--sender", String(slot), "--seconds", String(seconds), "--out-y4m", y4m,
                      "--out-wav", wav], { stdio: "ignore" });
  const args = ["--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${y4m}`,
                `--use-file-for-fake-audio-capture=${wav}`, "--use-fake-ui-for-media-stream",
                "--auto-select-desktop-capture-source=Entire screen", "--autoplay-policy=no-user-gesture-required"];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  const browser = await chromium.launch({ executablePath, headless: true, args });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1300, height: 760 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log(`meeting page (slot ${slot}) error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") console.log(`meeting page (slot ${slot}) console: ${m.text()}`); });
  return { browser, page, frames: seconds * 30 };
}

let result = null;
async function meeting() {
  const env = { ...process.env, V100_PASSPHRASE: `meeting-${tag}` };
  const key = join(work, "native.key");
  execFileSync(v100, ["keygen", "--out", key, "--fast"], { env, stdio: "ignore" });
  const nativePub = readFileSync(`${key}.pub`, "utf8").trim();
  const pin = served.pin();
  const host = await launch(kSlots.host, kFileSeconds);
  const guest = await launch(kSlots.guest, kFileSeconds / 2);
  let native = null;
  try {
    const base = `https://127.0.0.1:${port}/meeting.html`;
    await host.page.goto(`${base}#mode=create&title=${encodeURIComponent(title)}&name=${encodeURIComponent(names.host)}` +
                         `&pub=${encodeURIComponent(nativePub)}&sender=${kSlots.host}&share=1&loop=${kSlots.guest}:${guest.frames}`);
    const h0 = await waitPage(host.page, (s) => s.stage === "joined" && s.epoch !== "0", "the host's first epoch", 60_000);
    await guest.page.goto(`${h0.link}&name=${encodeURIComponent(names.guest)}&sender=${kSlots.guest}&loop=${kSlots.host}:${host.frames}`);
    await waitPage(guest.page, (s) => s.members.length === 2, "the guest's 2-member epoch", 60_000);
    // The native participant reads the host page's invitation from its mailbox (from that host only).
    const hostPub = join(work, "host.pub");
    writeFileSync(hostPub, `${h0.pub}\n`);
    const p = spawn(v100, ["join", "--server", `127.0.0.1:${port}`, "--pin", pin, "--key", key, "--mailbox", "--from", hostPub,
                           "--name", names.native, "--seconds", String(kNativeSeconds), "--media", "test-pattern"],
                    { env, stdio: ["ignore", "pipe", "pipe"] });
    native = { out: "", exit: null };
    p.stdout.on("data", (d) => { native.out += d; });
    p.stderr.on("data", (d) => { native.out += d; });
    native.done = new Promise((res) => p.on("exit", (c) => { native.exit = c; res(c); }));
    const h1 = await waitPage(host.page, (s) => s.members.length === 3, "the host's 3-member epoch", 60_000);
    const g1 = await waitPage(guest.page, (s) => s.members.length === 3 && s.epoch === h1.epoch, "the guest's 3-member epoch", 30_000);
    const nativeSlot = h1.members.find((m) => m !== kSlots.host && m !== kSlots.guest);
    // Camera and microphone on both pages, the host's screen share.
    await Promise.all([host.page.evaluate(() => window.v100MeetingCtl.startMedia()),
                       guest.page.evaluate(() => window.v100MeetingCtl.startMedia())]);
    await sleep(kMediaMs);
    const hMid = await waitPage(host.page, () => true, "host", 1000);
    const gMid = await waitPage(guest.page, () => true, "guest", 1000);
    await guest.page.screenshot({ path: join(out, "meeting-guest.png"), fullPage: true });
    // The guest leaves: the host (distributor) keys a new epoch for the two left; the leaver keeps its keys.
    const left = await guest.page.evaluate(() => window.v100MeetingCtl.leave());
    const before = await host.page.evaluate(([s, e, f]) => window.v100MeetingCtl.tryFrame(s, e, f), [left.slot, left.envelope, left.before]);
    const h2 = await waitPage(host.page, (s) => s.members.length === 2 && BigInt(s.epoch) > BigInt(h1.epoch), "the rekey after the leave", 30_000);
    await sleep(2600);  // past the receivers' 2 s grace period for the previous epoch
    const after = await host.page.evaluate(([s, e, f]) => window.v100MeetingCtl.tryFrame(s, e, f), [left.slot, left.envelope, left.after]);
    const gAfter = await waitPage(guest.page, () => true, "guest", 1000);
    await native.done;
    await sleep(300);
    const hEnd = await waitPage(host.page, () => true, "host", 1000);
    await host.page.screenshot({ path: join(out, "meeting-host.png"), fullPage: true });

    const nc = nativeCodes(native.out);
    const code3 = nc.filter((c) => c.members === 3).map((c) => c.code);
    const code2after = nc.filter((c) => c.members === 2 && BigInt(c.epoch) > BigInt(h1.epoch)).map((c) => c.code);
    const slots = { [names.host]: kSlots.host, [names.guest]: kSlots.guest, [names.native]: nativeSlot };
    // The pairs: the guest's views up to its leave, the host's at the end (its checks ran all along).
    const pairs = {
      "host->guest": browserCheck(gMid, kSlots.host), "native->guest": browserCheck(gMid, nativeSlot),
      "guest->host": browserCheck(hEnd, kSlots.guest), "native->host": browserCheck(hEnd, nativeSlot),
      "host->native": nativeCheck(native.out, names.host), "guest->native": nativeCheck(native.out, names.guest),
    };
    const screenAt = { guest: pairs["host->guest"].screen_pictures, native: pairs["host->native"].screen_pictures ?? 0 };
    const screenTrack = gMid.events.includes(`track ${kSlots.host}/3`);
    const r = {
      participants: [{ who: "host (browser, chromium 1)", slot: kSlots.host, name_chars: [...names.host].length },
                     { who: "guest (browser, chromium 2)", slot: kSlots.guest, name_chars: [...names.guest].length },
                     { who: "native (v100 join --media test-pattern, by mailbox invitation)", slot: nativeSlot ?? null,
                       name_chars: [...names.native].length }],
      media_ms: kMediaMs, native_exit: native.exit, native_invited_by_mailbox: /invitation from /.test(native.out),
      frames_decoded: Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k, v.pictures ?? 0])),
      pairs,
      screen: { sender: "host", kind: "Screen (3)", frames_at_guest: screenAt.guest, frames_at_native: screenAt.native,
                guest_track_subscribed_kind_screen: screenTrack, host_screen_sent: hMid.send.find((s) => s.kind === 3)?.sent ?? 0 },
      security_codes: { epoch: h1.epoch, host: h1.code, guest: g1.code, native: code3.at(-1) ?? null },
      security_codes_equal: h1.code !== "" && h1.code === g1.code && code3.length > 0 && code3.every((c) => c === h1.code),
      after_leave: { epoch: h2.epoch, host_code: h2.code, native_code: code2after.at(-1) ?? null, members: h2.members,
                     host_heard_left: hEnd.events.includes(`left ${kSlots.guest}`), leaver_epoch_after: gAfter.epoch },
      rekeyed: BigInt(h2.epoch) > BigInt(h1.epoch) && h2.code !== h1.code && !h2.members.includes(kSlots.guest),
      codes_equal_after_leave: code2after.length > 0 && code2after.every((c) => c === h2.code),
      leaver_frame_before_leave: before, leaver_frame_after_leave: after,
      unverified_frames: hEnd.unverified + gMid.unverified,
      // The names each page shows (participantJoined: identity blobs opened and checked) and the native roster's.
      names_right: hMid.names[String(kSlots.guest)] === names.guest && hMid.names[String(nativeSlot)] === names.native &&
                   gMid.names[String(kSlots.host)] === names.host && gMid.names[String(nativeSlot)] === names.native &&
                   /identity verified, token verified/.test(native.out.split("\n").find((l) => l.includes(names.host) && /slot\s+0 /.test(l)) ?? ""),
      slots_by_name: Object.fromEntries(Object.entries(slots).map(([n, s]) => [n === names.host ? "host" : n === names.guest ? "guest" : "native", s])),
      screenshots: ["build/web-test/meeting-host.png", "build/web-test/meeting-guest.png"],
    };
    r.leaver_excluded = r.rekeyed && r.codes_equal_after_leave && r.after_leave.host_heard_left && before.ok === true &&
                        after.ok === false && BigInt(gAfter.epoch) < BigInt(h2.epoch);
    r.pattern_checks = Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k, v.pattern_ok === true]));
    r.tone_checks = Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k, v.tone_ok === true]));
    r.pairs_ok = Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k,
      v.pattern_ok === true && v.tone_ok === true && v.pictures >= kMinPictures && v.audio_packets >= kMinAudio]));
    r.native_output = native.out.split("\n").filter((l) => /epoch|members|decoded|received|sent|invitation|joined|ok|FAILED/.test(l));
    return r;
  } finally {
    await host.browser.close();
    await guest.browser.close();
    if (native !== null && native.exit === null) await native.done;
  }
}

if (port === 0) {
  fail(`v100 serve did not start: ${served.output.trim().split("\n").slice(-3).join(" | ")}`);
} else if (!existsSync(executablePath)) {
  fail(`${executablePath} not found (Debian package chromium: scripts/deps.sh web)`);
} else {
  try {
    result = await meeting();
  } catch (e) {
    fail(String(e?.message ?? e).split("\n")[0]);
  }
}
serve.kill("SIGTERM");
const exitCode = await new Promise((r) => (serve.exitCode !== null ? r(serve.exitCode) : serve.on("exit", (c) => r(c))));
if (exitCode !== 0) fail(`v100 serve exited with ${exitCode}`);
rmSync(work, { recursive: true, force: true });

if (result !== null) {
  const r = result;
  for (const [pair, v] of Object.entries(r.pairs)) {
    const ok = r.pairs_ok[pair];
    console.log(`${ok ? "ok  " : "FAIL"}  meeting ${pair}: ${v.pictures ?? 0} pictures, pattern ` +
                `${v.pattern_ok ? "ok" : "FAILED"} (frames ${v.first_frame ?? "-"}..${v.last_frame ?? "-"}, bad ${v.bad_pictures ?? "-"}), ` +
                `${v.audio_packets ?? 0} audio packets, tone ${v.tone_hz ?? "-"} Hz (sent ${v.tone_expected_hz ?? "-"})` +
                (v.parsed === false ? `; native line "${v.line}"` : ""));
    if (!ok) fail(`pair ${pair}`);
  }
  const screenOk = r.screen.frames_at_guest > 0 && r.screen.frames_at_native > 0 && r.screen.guest_track_subscribed_kind_screen;
  console.log(`${screenOk ? "ok  " : "FAIL"}  meeting screen share (host, kind Screen): ${r.screen.frames_at_guest} pictures at the guest, ` +
              `${r.screen.frames_at_native} at the native participant`);
  if (!screenOk) fail("screen share");
  console.log(`${r.security_codes_equal ? "ok  " : "FAIL"}  meeting security codes (epoch ${r.security_codes.epoch}, 3 members): ` +
              `host ${r.security_codes.host} / guest ${r.security_codes.guest} / native ${r.security_codes.native}`);
  if (!r.security_codes_equal) fail("security codes");
  console.log(`${r.leaver_excluded ? "ok  " : "FAIL"}  meeting leave: epoch ${r.security_codes.epoch} -> ${r.after_leave.epoch}, code ` +
              `${r.after_leave.host_code} (native ${r.after_leave.native_code}); the leaver's frame before leaving ` +
              `${JSON.stringify(r.leaver_frame_before_leave)}, after ${JSON.stringify(r.leaver_frame_after_leave)}`);
  if (!r.leaver_excluded) fail("the leaver is not excluded");
  const nativeOk = r.native_exit === 0 && r.native_invited_by_mailbox && r.unverified_frames === 0 && r.names_right;
  if (!nativeOk) fail(`native exit ${r.native_exit}, invited by mailbox ${r.native_invited_by_mailbox}, unverified frames ` +
                      `${r.unverified_frames}, names right ${r.names_right}`);
  if (failed) console.log(r.native_output.join("\n"));
}

// Blindness: the canaries in every file the server wrote.
const forms = canaryForms([["title", title], ["host name", names.host], ["guest name", names.guest], ["native name", names.native]]);
const { scanned, bytes, found } = scanForCanaries([dataDir], forms);
const serverLog = Buffer.from(served.output, "utf8");  // what it printed too
for (const [what, needle] of forms) if (serverLog.includes(needle)) found.push(`${what} in its output`);
if (scanned === 0) fail("the server wrote no file to search");
if (found.length) fail(`canaries on the server: ${found.join(", ")}`);
else console.log(`ok    meeting blindness: ${forms.length} forms of the typed title and names in ${scanned} files ` +
                 `(${bytes} bytes: database, WAL, log) and the server's output: 0 found`);
rmSync(dataDir, { recursive: true, force: true });

const summaryPath = join(out, "summary.json");
const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, "utf8")) : { suite: "web" };
const { native_output: nativeOutput, ...section } = result ?? {};
summary.meeting = { ok: !failed, ...section, canaries: { forms: forms.length, found: found.length, files_searched: scanned,
                    bytes_searched: bytes }, duration_ms: Date.now() - started };
void nativeOutput;
writeFileSync(summaryPath, JSON.stringify(summary, null, 1) + "\n");
console.log(`meeting: 2 browsers + 1 native, ${failed ? "FAILED" : "all checks passed"} (${Date.now() - started} ms)`);
process.exitCode = failed ? 1 : 0;
