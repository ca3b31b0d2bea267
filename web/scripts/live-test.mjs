// The live browser test: a real `v100 serve` (build/release/tools/v100) serves the live page
// (web/test/live: index.html, live.css, its bundle live.js, v100.wasm) from --web-root over HTTPS
// on its meeting port; Debian's headless chromium opens it and the page, under the server's own
// Content-Security-Policy, creates a meeting, joins it and stores its identity over wss:// on the
// same origin. Then a page of a foreign origin (a node:http server on another port) tries the same
// WebSocket and must be refused (cross-site WebSocket hijacking). After the server stopped, the
// title and name typed into the page (random canaries) are searched in every file of its data dir
// (database, WAL, log) as UTF-8, UTF-16LE and UTF-16BE: none may be there.
// Writes build/web-test/live.png and a `live` section of build/web-test/summary.json; exit 1 on a
// failure. Run from the repository root after the bundle (make test-web does).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync,
         writeFileSync } from "node:fs";
import { createServer } from "node:http";
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
  console.log(`FAIL  live: ${m}`);
  failed = true;
};

// The web root v100 serve is given: only what the page needs.
const webRoot = join(root, "build", "web", "live-root");
mkdirSync(webRoot, { recursive: true });
copyFileSync(join(root, "web", "test", "live", "index.html"), join(webRoot, "index.html"));
copyFileSync(join(root, "web", "test", "live", "live.css"), join(webRoot, "live.css"));
copyFileSync(join(root, "build", "web", "live", "live.js"), join(webRoot, "live.js"));
copyFileSync(join(root, "web", "test", "live", "mixed.html"), join(webRoot, "mixed.html"));
copyFileSync(join(root, "build", "web", "live", "mixed.js"), join(webRoot, "mixed.js"));
copyFileSync(join(root, "web", "test", "live", "room.html"), join(webRoot, "room.html"));
copyFileSync(join(root, "build", "web", "live", "room.js"), join(webRoot, "room.js"));
copyFileSync(join(root, "web", "test", "live", "meet.html"), join(webRoot, "meet.html"));
copyFileSync(join(root, "build", "web", "live", "meet.js"), join(webRoot, "meet.js"));
copyFileSync(join(root, "build", "web", "live", "sframe_worker.js"), join(webRoot, "sframe_worker.js"));
copyFileSync(process.env.V100_WASM ?? join(root, "build", "wasm", "web", "wasm", "v100.wasm"), join(webRoot, "v100.wasm"));

mkdirSync(out, { recursive: true });
const dataDir = mkdtempSync(join(out, "live-data-"));
const served = await startServe(v100, ["--data-dir", dataDir, "--web-root", webRoot]);
const serve = served.proc, port = served.port;

// Random canaries: what a person types into the page, never expected on the server.
const tag = randomBytes(6).toString("hex");
const title = `Board meeting Zq${tag}`;
const name = `Jürgen Øster ${tag}`;
const nativeName = `Ngozi Ámà ${tag}`;
// The Room pages (web/test/live/room.ts): what their people typed.
const roomTitle = `Offsite plan Qx${tag}`;
const roomHostName = `Zoë Ηλίας ${tag}`;
const roomGuestName = `Dağ Ånström ${tag}`;
const roomMailboxName = `Søren 李雷 ${tag}`;
const roomNativeName = `Kwame Nkrumah-Ámà ${tag}`;
const roomNativeHost = `Anaïs Native-Host ${tag}`;
let mixed;
let media;
let nativeOut = "";
let live;
let foreign;
let version = "";
const foreignServer = createServer((req, res) => {
  // A page of another origin that tries to use the meeting server from the person's browser.
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><title>foreign</title><script>
    const ws = new WebSocket("wss://127.0.0.1:${port}/v100");
    ws.onopen = () => { window.v100Foreign = "opened"; };
    ws.onerror = () => { window.v100Foreign = window.v100Foreign ?? "refused"; };
    ws.onclose = (e) => { window.v100Foreign = window.v100Foreign ?? "closed " + e.code; };
  </script>`);
});
// The browser hosts (mixed.html), a native identity made by `v100 keygen` joins with the invitation
// the page made; both must show the same security code, the native roster must verify the
// browser's identity and BFV token, and the page must open the native member's frames.
async function mixedMeeting(context) {
  const env = { ...process.env, V100_PASSPHRASE: `live-${tag}` };
  const keyFile = join(dataDir, "..", `native-${tag}.key`);
  execFileSync(v100, ["keygen", "--out", keyFile, "--fast"], { env, stdio: "ignore" });
  const pub = readFileSync(`${keyFile}.pub`, "utf8").trim();
  const pin = served.pin();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log(`mixed page error: ${e.message}`));
  await page.goto(`https://127.0.0.1:${port}/mixed.html#title=${encodeURIComponent(title)}` +
                  `&name=${encodeURIComponent(name)}&pub=${encodeURIComponent(pub)}`);
  await page.waitForFunction(() => window.v100Mixed?.stage !== undefined, null, { timeout: 60_000 });
  let state = await page.evaluate(() => window.v100Mixed);
  if (state.stage !== "invited") throw new Error(`mixed page: ${state.error ?? state.stage}`);
  const invFile = `${keyFile}.invitation`;
  writeFileSync(invFile, Buffer.from(state.invitation, "hex"));
  const join_ = spawn(v100, ["join", "--server", `127.0.0.1:${port}`, "--pin", pin, "--key", keyFile,
                             "--invitation", invFile, "--name", nativeName, "--seconds", "4"],
                      { env, stdio: ["ignore", "pipe", "pipe"] });
  join_.stdout.on("data", (d) => { nativeOut += d; });
  join_.stderr.on("data", (d) => { nativeOut += d; });
  const code = await new Promise((r) => join_.on("exit", (c) => r(c)));
  await page.waitForFunction(() => window.v100Mixed?.stage !== "invited", null, { timeout: 20_000 });
  state = await page.evaluate(() => window.v100Mixed);
  await page.screenshot({ path: join(out, "mixed.png"), fullPage: true });
  await page.close();
  for (const f of [keyFile, `${keyFile}.pub`, invFile]) rmSync(f, { force: true });
  const codes = [...nativeOut.matchAll(/epoch (\d+): 2 members, security code ([\d ]+)/g)].map((m) => m[2].trim());
  const rosterLine = nativeOut.split("\n").find((l) => l.includes(name)) ?? "";
  return { exit: code, page: state, native_codes: codes, native_roster_line: rosterLine.trim(),
           codes_equal: state.stage === "keyed" && codes.length > 0 && codes[codes.length - 1] === state.code,
           browser_verified_natively: /identity verified, token verified/.test(rosterLine) };
}

// ---- The Room API (src/room.ts) against native participants ----
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const roomState = (page) => page.evaluate(() => window.v100Room);
async function waitRoom(page, pred, what, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    const s = await roomState(page);
    if (s?.stage === "failed") throw new Error(`room page (${what}): ${s.error}`);
    if (s !== undefined && pred(s)) return s;
    if (Date.now() > until) throw new Error(`room page: timed out waiting for ${what} (stage ${s?.stage}, epoch ${s?.epoch})`);
    await sleep(150);
  }
}
const nativeCodes = (out) => [...out.matchAll(/epoch (\d+): (\d+) members, security code ([\d ]+)/g)]
  .map((m) => ({ epoch: m[1], members: Number(m[2]), code: m[3].trim() }));
const nativeReceived = (out) => Object.fromEntries([...out.matchAll(/received (\d+) frames from slot (\d+) \((.*)\)/g)]
  .map((m) => [m[2], { frames: Number(m[1]), name: m[3] }]));
function runNative(args, env) {
  const p = spawn(v100, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const r = { out: "", exit: null };
  p.stdout.on("data", (d) => { r.out += d; });
  p.stderr.on("data", (d) => { r.out += d; });
  r.done = new Promise((res) => p.on("exit", (c) => { r.exit = c; res(c); }));
  return r;
}
function newPage(context, what) {
  return context.newPage().then((page) => {
    page.on("pageerror", (e) => console.log(`${what} page error: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") console.log(`${what} console: ${m.text()}`); });
    return page;
  });
}

// (a) A native `v100 join --create --invite browser.pub` hosts (and distributes keys); the browser
// reads the invitation from its mailbox and joins through Room.
async function roomJoinsNative(context) {
  const env = { ...process.env, V100_PASSPHRASE: `room-${tag}` };
  const hostKey = join(dataDir, "..", `room-host-${tag}.key`);
  execFileSync(v100, ["keygen", "--out", hostKey, "--fast"], { env, stdio: "ignore" });
  const hostPub = readFileSync(`${hostKey}.pub`, "utf8").trim();
  const pin = served.pin();
  const page = await newPage(context, "room (mailbox)");
  try {
    await page.goto(`https://127.0.0.1:${port}/room.html#mode=mailbox&name=${encodeURIComponent(roomMailboxName)}` +
                    `&from=${encodeURIComponent(hostPub)}`);
    const s0 = await waitRoom(page, (s) => s.stage === "waiting-invitation", "its public identity", 60_000);
    const browserPub = join(dataDir, "..", `room-browser-${tag}.pub`);
    writeFileSync(browserPub, `${s0.pub}\n`);
    const native = runNative(["join", "--server", `127.0.0.1:${port}`, "--pin", pin, "--key", hostKey, "--create", roomTitle,
                              "--invite", browserPub, "--name", roomNativeHost, "--seconds", "8"], env);
    const s1 = await waitRoom(page, (s) => s.members.length === 2, "the 2-member epoch from the native host", 40_000);
    await native.done;
    const s = await roomState(page);
    await page.screenshot({ path: join(out, "room-mailbox.png"), fullPage: true });
    for (const f of [hostKey, `${hostKey}.pub`, browserPub]) rmSync(f, { force: true });
    const codes = nativeCodes(native.out).filter((c) => c.members === 2);
    const received = nativeReceived(native.out)[String(s.slot)];
    const nativeSlot = s1.members.find((m) => m !== s.slot);
    const pageCode = s.codes.find((c) => c.members.length === 2)?.code;
    const r = {
      native_exit: native.exit, slot: s.slot, native_slot: nativeSlot ?? null,
      codes_equal: codes.length > 0 && pageCode !== undefined && codes.every((c) => c.code === pageCode),
      security_code: pageCode ?? null, native_codes: codes.map((c) => c.code),
      native_frames_opened_by_browser: s.opened[String(nativeSlot)] ?? 0, frames_refused_or_bad: s.openedBad,
      unverified: s.unverified, browser_frames_sent: s.framesSent,
      browser_frames_received_natively: received?.frames ?? 0, native_labelled_browser: received?.name ?? null,
      native_name_seen: s.names[String(nativeSlot)] ?? null, mailbox_junk: s.junk ?? null, events: s.events,
      screenshot: "build/web-test/room-mailbox.png",
    };
    r.ok = r.native_exit === 0 && r.codes_equal && r.native_frames_opened_by_browser >= 20 && r.frames_refused_or_bad === 0 &&
           r.unverified === 0 && r.browser_frames_received_natively >= 20 && r.native_labelled_browser === roomMailboxName &&
           r.native_name_seen === roomNativeHost && s.events.indexOf(`joined ${nativeSlot}`) >= 0 &&
           s.events.indexOf(`joined ${nativeSlot}`) < s.events.findIndex((e) => e.startsWith(`track ${nativeSlot}/`));
    if (!r.ok) console.log(native.out.split("\n").slice(-15).join("\n"));
    return r;
  } finally {
    await page.close();
  }
}

// (b) Two browsers (two contexts: no shared storage) and a native participant in one meeting: the
// first page hosts (distributor), the second joins by the link, `v100 join --mailbox --from host.pub`
// by the invitation the host page left in its mailbox (MailboxPut with the server's proof of work). All three codes equal; then the second page leaves: the others
// rekey, and a frame it seals after leaving with the keys it kept opens nowhere.
async function roomThree(browser) {
  const env = { ...process.env, V100_PASSPHRASE: `room3-${tag}` };
  const key = join(dataDir, "..", `room-native-${tag}.key`);
  execFileSync(v100, ["keygen", "--out", key, "--fast"], { env, stdio: "ignore" });
  const pub = readFileSync(`${key}.pub`, "utf8").trim();
  const pin = served.pin();
  const opts = { ignoreHTTPSErrors: true, viewport: { width: 1100, height: 520 } };
  const ctxA = await browser.newContext(opts), ctxB = await browser.newContext(opts);
  try {
    const a = await newPage(ctxA, "room host"), b = await newPage(ctxB, "room guest");
    await a.goto(`https://127.0.0.1:${port}/room.html#mode=create&title=${encodeURIComponent(roomTitle)}` +
                 `&name=${encodeURIComponent(roomHostName)}&pub=${encodeURIComponent(pub)}&post=1`);
    const sa0 = await waitRoom(a, (s) => s.stage === "joined" && s.epoch !== "0", "the host's first epoch", 60_000);
    const linkOk = /^https:\/\/127\.0\.0\.1:\d+\/room\.html#m=[A-Za-z0-9_-]{54}$/.test(sa0.link);
    await b.goto(`${sa0.link}&name=${encodeURIComponent(roomGuestName)}`);
    await waitRoom(b, (s) => s.members.length === 2, "the guest's 2-member epoch", 60_000);
    // The native member reads the invitation the host page left in its mailbox, from that host only.
    const inv = `${key}.host.pub`;
    writeFileSync(inv, `${sa0.pub}\n`);
    const native = runNative(["join", "--server", `127.0.0.1:${port}`, "--pin", pin, "--key", key, "--mailbox", "--from", inv,
                              "--name", roomNativeName, "--seconds", "12"], env);
    const three = (s) => s.members.length === 3;
    const sa1 = await waitRoom(a, three, "the host's 3-member epoch", 30_000);
    const sb1 = await waitRoom(b, (s) => three(s) && s.epoch === sa1.epoch, "the guest's 3-member epoch", 30_000);
    await sleep(1500);  // frames flow between the three
    const roster = await a.evaluate(() => window.v100RoomCtl.roster());
    const before = await roomState(b);
    const left = await b.evaluate(() => window.v100RoomCtl.leave());
    const sa2 = await waitRoom(a, (s) => s.members.length === 2 && BigInt(s.epoch) > BigInt(sa1.epoch), "the rekey after the leave", 20_000);
    await sleep(2600);  // past the receivers' 2 s grace period for the previous epoch
    const refused = await a.evaluate(([s, e, f]) => window.v100RoomCtl.tryFrame(s, e, f), [left.slot, left.envelope, left.frame]);
    const sbAfter = await roomState(b);
    await a.screenshot({ path: join(out, "room-host.png"), fullPage: true });
    await native.done;
    await sleep(400);
    const sa = await roomState(a);
    await b.screenshot({ path: join(out, "room-guest.png"), fullPage: true });
    for (const f of [key, `${key}.pub`, inv]) rmSync(f, { force: true });
    const nc = nativeCodes(native.out), nr = nativeReceived(native.out);
    const nativeSlot = sa1.members.find((m) => m !== sa.slot && m !== left.slot);
    const code3 = nc.filter((c) => c.members === 3).map((c) => c.code);
    const code2after = nc.filter((c) => c.members === 2 && BigInt(c.epoch) > BigInt(sa1.epoch)).map((c) => c.code);
    const named = (slot, n) => roster.some((m) => m.slot === slot && m.name === n && m.identityVerified && m.tokenVerified);
    const r = {
      link_format_ok: linkOk, native_exit: native.exit, native_invited_by_mailbox: /invitation from /.test(native.out), slots: { host: sa.slot, guest: left.slot, native: nativeSlot ?? null },
      epoch_three: sa1.epoch, code_three: { host: sa1.code, guest: sb1.code, native: code3.at(-1) ?? null },
      codes_equal_three: sa1.code === sb1.code && code3.length > 0 && code3.every((c) => c === sa1.code),
      epoch_after_leave: sa2.epoch, code_after_leave: { host: sa2.code, native: code2after.at(-1) ?? null },
      rekeyed_after_leave: BigInt(sa2.epoch) > BigInt(sa1.epoch) && sa2.code !== sa1.code && !sa2.members.includes(left.slot),
      codes_equal_after_leave: code2after.length > 0 && code2after.every((c) => c === sa2.code),
      leaver_epoch: left.epoch, leaver_epoch_after: sbAfter.epoch,
      leaver_lacks_new_epoch: BigInt(sbAfter.epoch) < BigInt(sa2.epoch),
      leaver_frame_after_leave: refused,
      opened: { host_from_guest: sa.opened[String(left.slot)] ?? 0, host_from_native: sa.opened[String(nativeSlot)] ?? 0,
                guest_from_host: before.opened[String(sa.slot)] ?? 0, guest_from_native: before.opened[String(nativeSlot)] ?? 0 },
      native_received: { from_host: nr[String(sa.slot)] ?? null, from_guest: nr[String(left.slot)] ?? null },
      frames_bad: sa.openedBad + before.openedBad, unverified: sa.unverified + before.unverified,
      roster_names_verified: named(sa.slot, roomHostName) && named(left.slot, roomGuestName) && named(nativeSlot, roomNativeName),
      roster: roster.map((m) => ({ slot: m.slot, identity_verified: m.identityVerified, token_verified: m.tokenVerified })),
      guest_events: before.events, host_events: sa.events,
      screenshots: ["build/web-test/room-host.png", "build/web-test/room-guest.png"],
    };
    const o = r.opened;
    r.ok = r.link_format_ok && r.native_exit === 0 && r.native_invited_by_mailbox && r.codes_equal_three && r.rekeyed_after_leave && r.codes_equal_after_leave &&
           r.leaver_lacks_new_epoch && refused.ok === false && o.host_from_guest >= 10 && o.host_from_native >= 10 &&
           o.guest_from_host >= 10 && o.guest_from_native >= 10 && r.frames_bad === 0 && r.unverified === 0 &&
           r.native_received.from_host?.name === roomHostName && r.native_received.from_guest?.name === roomGuestName &&
           r.native_received.from_host.frames >= 10 && r.native_received.from_guest.frames >= 10 && r.roster_names_verified &&
           sa.events.includes(`left ${left.slot}`);
    if (!r.ok) console.log(native.out.split("\n").slice(-20).join("\n"));
    return r;
  } finally {
    await ctxA.close();
    await ctxB.close();
  }
}
let roomA, roomB, roomHostile;

// (d) A hostile relay (a second `v100 serve --test-hostile-relay`): it flips SFrame tags, relabels
// sender slots, changes media kinds and replays frames. Three pages (host + two by link) exchange
// Data frames through it: every frame a page hands over must name its true sender (the slot inside
// the payload is the slot it arrived under, the sender's identity checked), none unverified; the
// refused ones are counted on the page, at least as many as the relay tampered with.
const hostileName = [`Ådne Hostile-A ${tag}`, `Ünal Hostile-B ${tag}`, `Ìfẹ́ Hostile-C ${tag}`];
const hostileDir = mkdtempSync(join(out, "live-hostile-"));
async function roomHostileRelay(browser) {
  const srv = spawn(v100, ["serve", "--port", "0", "--data-dir", hostileDir, "--web-root", webRoot, "--test-hostile-relay"],
                    { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  srv.stderr.on("data", (d) => { text += d; });
  const hport = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(0), 20_000);
    srv.stdout.on("data", (d) => {
      text += d;
      const m = /listening on [\d.]+:(\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const ctxs = [];
  try {
    if (hport === 0) throw new Error(`hostile v100 serve did not start: ${text.trim().split("\n").at(-1)}`);
    const opts = { ignoreHTTPSErrors: true, viewport: { width: 1100, height: 520 } };
    const pages = [];
    for (let i = 0; i < 3; ++i) {
      ctxs.push(await browser.newContext(opts));
      pages.push(await newPage(ctxs[i], `hostile ${i}`));
    }
    await pages[0].goto(`https://127.0.0.1:${hport}/room.html#mode=create&title=${encodeURIComponent(roomTitle)}` +
                        `&name=${encodeURIComponent(hostileName[0])}`);
    const s0 = await waitRoom(pages[0], (s) => s.stage === "joined" && s.epoch !== "0", "the host's first epoch", 60_000);
    for (let i = 1; i < 3; ++i) await pages[i].goto(`${s0.link}&name=${encodeURIComponent(hostileName[i])}`);
    for (const p of pages) await waitRoom(p, (s) => s.members.length === 3, "the 3-member epoch behind the hostile relay", 60_000);
    await sleep(3000);
    const st = [];
    for (const p of pages) st.push(await roomState(p));
    await pages[1].screenshot({ path: join(out, "room-hostile.png"), fullPage: true });
    // The host removes the third page: it hears `removed`, the two others rekey without it; the old
    // link (its join key replaced) admits nobody, the host's new link (72 bytes: with the new join
    // key) admits a fourth page.
    const epochBefore = BigInt((await roomState(pages[0])).epoch);
    const newLink = await pages[0].evaluate((slot) => window.v100RoomCtl.remove(slot), st[2].slot);
    const removedHeard = await waitRoom(pages[2], (s) => s.events.includes("removed"), "removed", 10_000).then(() => true, () => false);
    const afterRemoval = await waitRoom(pages[0], (s) => BigInt(s.epoch) > epochBefore && s.members.length === 2, "the rekey after the removal", 20_000);
    const oldLinkPage = await newPage(ctxs[2], "old link");
    await oldLinkPage.goto(`${s0.link}&name=late`);
    const oldLink = await waitRoom(oldLinkPage, (s) => s.stage === "joined", "x", 20_000).then(() => "admitted", (e) => String(e.message));
    const newLinkPage = await newPage(ctxs[2], "new link");
    await newLinkPage.goto(`${newLink}&name=${encodeURIComponent(hostileName[2])}`);
    const newLinkJoined = await waitRoom(newLinkPage, (s) => s.members.length === 3, "the new link's 3-member epoch", 30_000).then(() => true, () => false);
    const removal = { removed_heard: removedHeard, rekeyed_without_removed: !afterRemoval.members.includes(st[2].slot),
                      epoch_before: epochBefore.toString(), epoch_after: afterRemoval.epoch,
                      new_link_carries_join_key: /#m=[A-Za-z0-9_-]{96}$/.test(newLink),
                      old_link: oldLink.includes("JoinProve") ? "refused" : oldLink, new_link_admits: newLinkJoined };
    // The host ends the meeting: the others hear meetingEnded and are out.
    await pages[0].evaluate(() => window.v100RoomCtl.end());
    const ended = [];
    for (const p of [pages[1], newLinkPage])
      ended.push(await waitRoom(p, (s) => s.events.includes("ended") && s.stage === "left", "meetingEnded", 10_000)
        .then(() => true, () => false));
    // The server goes away under the pages: each Room reports the connection's end.
    srv.kill("SIGTERM");
    await new Promise((r) => (srv.exitCode !== null ? r() : srv.on("exit", r)));
    await sleep(300);
    const disconnected = [];
    for (const p of pages) disconnected.push((await roomState(p)).events.some((e) => e === "connection disconnected"));
    const bySlot = Object.fromEntries(st.map((x, i) => [String(x.slot), hostileName[i]]));
    // The names each page attached to slots (from the checked identity blobs) are the right ones.
    const namesRight = st.every((x) => Object.entries(x.names).every(([slot, n]) => bySlot[slot] === n));
    return { pages: st.map((x, i) => ({ name_ok: x.roster.every((m) => m.name === bySlot[String(m.slot)]),
                                        slot: x.slot, opened: x.opened, wrong: x.openedBad, unverified: x.unverified,
                                        refused: x.stats?.framesUndecryptable ?? 0, sent: x.framesSent, page: i })),
             names_right: namesRight, disconnect_events: disconnected, meeting_ended_heard: ended, removal, text: () => text };
  } finally {
    for (const c of ctxs) await c.close();
    srv.kill("SIGTERM");
    await new Promise((r) => (srv.exitCode !== null ? r() : srv.on("exit", r)));
  }
}

// Real media (meet.html): a chromium of its own whose fake camera and microphone read this slot's
// test pattern (Y4M) and tone (WAV) made by `v100 capture-files`, with a screen share; the page hosts
// and `v100 join --invitation --media test-pattern` joins. The page checks what it decodes of the
// native participant (pattern per picture, tone), the native side prints its own checks of the
// browser's camera and microphone (and counts the screen pictures) and exits 1 if one fails.
const kMediaSeconds = 8;
const kBrowserSlot = 0;  // the host's slot in a new meeting: the capture files are made for it
async function mediaMeeting() {
  const env = { ...process.env, V100_PASSPHRASE: `media-${tag}` };
  const keyFile = join(dataDir, "..", `media-${tag}.key`);
  execFileSync(v100, ["keygen", "--out", keyFile, "--fast"], { env, stdio: "ignore" });
  const pub = readFileSync(`${keyFile}.pub`, "utf8").trim();
  const pin = served.pin();
  // The Y4M loops at its end; it covers the whole native run, so the frame numbers the native side
  // checks never wrap (its check is strictly rising).
  const y4m = join(out, `media-${tag}.y4m`), wav = join(out, `media-${tag}.wav`);
  execFileSync(v100, ["capture-files", "--sender", String(kBrowserSlot), "--seconds", String(kMediaSeconds + 12),
                      "--out-y4m", y4m, "--out-wav", wav], { stdio: "ignore" });
  const args = ["--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${y4m}`,
                `--use-file-for-fake-audio-capture=${wav}`, "--use-fake-ui-for-media-stream",
                "--auto-select-desktop-capture-source=Entire screen", "--autoplay-policy=no-user-gesture-required"];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  const browser = await chromium.launch({ executablePath, headless: true, args });
  let nativeMediaOut = "";
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.log(`media page error: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") console.log(`media page console: ${m.text()}`); });
    await page.goto(`https://127.0.0.1:${port}/meet.html#title=${encodeURIComponent(title)}` +
                    `&name=${encodeURIComponent(name)}&pub=${encodeURIComponent(pub)}&sender=${kBrowserSlot}`);
    await page.waitForFunction(() => window.v100Meet?.stage === "invited" || window.v100Meet?.stage === "failed",
                               null, { timeout: 60_000 });
    let state = await page.evaluate(() => window.v100Meet);
    if (state.stage !== "invited") throw new Error(`media page: ${state.error ?? state.stage}`);
    const invFile = `${keyFile}.invitation`;
    writeFileSync(invFile, Buffer.from(state.invitation, "hex"));
    const join_ = spawn(v100, ["join", "--server", `127.0.0.1:${port}`, "--pin", pin, "--key", keyFile,
                               "--invitation", invFile, "--name", nativeName, "--seconds", String(kMediaSeconds),
                               "--media", "test-pattern"],
                        { env, stdio: ["ignore", "pipe", "pipe"] });
    join_.stdout.on("data", (d) => { nativeMediaOut += d; });
    join_.stderr.on("data", (d) => { nativeMediaOut += d; });
    const code = await new Promise((r) => join_.on("exit", (c) => r(c)));
    await new Promise((r) => setTimeout(r, 300));  // the page's last report
    state = await page.evaluate(() => window.v100Meet);
    await page.screenshot({ path: join(out, "media.png"), fullPage: true });
    for (const f of [keyFile, `${keyFile}.pub`, invFile, y4m, wav]) rmSync(f, { force: true });
    // The native checks: "  <receiver> <sender> <pictures> ok (a..b) | FAILED (...) <audio> ok|FAILED <f> Hz (sent <e>)[; screen n]"
    const line = nativeMediaOut.split("\n").find((l) => l.includes(nativeName) && l.includes(name)) ?? "";
    const m = /\s(\d+)\s+(ok \((\d+)\.\.(\d+)\)|FAILED \((\d+) of \d+ bad\))\s+(\d+)\s+(ok|FAILED) ([\d.]+) Hz \(sent (\d+)\)(; screen (\d+))?/.exec(line);
    const native = m === null ? null : {
      pictures: Number(m[1]), pattern_ok: m[2].startsWith("ok"), first_frame: m[3] === undefined ? null : Number(m[3]),
      last_frame: m[4] === undefined ? null : Number(m[4]), bad_pictures: m[5] === undefined ? 0 : Number(m[5]),
      audio_packets: Number(m[6]), tone_ok: m[7] === "ok", frequency: Number(m[8]), expected: Number(m[9]),
      screen_pictures: m[11] === undefined ? 0 : Number(m[11]) };
    // The security code of the last epoch the native side reported (the code changes only with the members).
    const codes = [...nativeMediaOut.matchAll(/epoch (\d+): 2 members, security code ([\d ]+)/g)].map((x) => x[2].trim());
    return { exit: code, page: state, native, native_line: line.trim(), native_out: nativeMediaOut,
             codes_equal: state.code !== undefined && codes.at(-1) === state.code };
  } finally {
    await browser.close();
  }
}

if (port === 0) {
  fail(`v100 serve did not start: ${served.output.trim().split("\n").slice(-3).join(" | ")}`);
} else if (!existsSync(executablePath)) {
  fail(`${executablePath} not found (Debian package chromium: scripts/deps.sh web)`);
} else {
  await new Promise((r) => foreignServer.listen(0, "127.0.0.1", r));
  const args = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
  let browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args });
    version = browser.version();
    // The server's certificate is self-signed (its fingerprint is what native clients pin).
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 520 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") console.log(`page console: ${m.text()}`); });
    const resp = await page.goto(`https://127.0.0.1:${port}/#title=${encodeURIComponent(title)}&name=${encodeURIComponent(name)}`);
    const csp = resp?.headers()["content-security-policy"] ?? "";
    if (!csp.includes("default-src 'none'")) fail(`the page came without the strict CSP (${csp})`);
    await page.waitForFunction(() => window.v100Live?.done === true, null, { timeout: 60_000 });
    live = await page.evaluate(() => window.v100Live);
    await page.screenshot({ path: join(out, "live.png"), fullPage: true });
    // A mixed meeting: this browser hosts, a native `v100 join` joins by invitation.
    mixed = await mixedMeeting(context);
    try {
      roomA = await roomJoinsNative(context);
    } catch (e) {
      roomA = { ok: false, error: String(e?.message ?? e).split("\n")[0] };
    }
    try {
      roomB = await roomThree(browser);
    } catch (e) {
      roomB = { ok: false, error: String(e?.message ?? e).split("\n")[0] };
    }
    try {
      const h = await roomHostileRelay(browser);
      const m = /hostile relay: (\d+) frames, (\d+) tags flipped, (\d+) slots relabelled, (\d+) kinds changed, (\d+) replayed/
        .exec(h.text());
      const relay = m ? { frames: +m[1], flipped: +m[2], relabelled: +m[3], kinds_changed: +m[4], replayed: +m[5] } : null;
      const tampered = relay ? relay.flipped + relay.relabelled + relay.kinds_changed + relay.replayed : 0;
      const refused = h.pages.reduce((a, p) => a + p.refused, 0);
      roomHostile = { relay, tampered, refused_by_pages: refused, pages: h.pages, names_right: h.names_right,
                      connection_lost_reported: h.disconnect_events, meeting_ended_heard: h.meeting_ended_heard,
                      removal: h.removal,
                      screenshot: "build/web-test/room-hostile.png" };
      roomHostile.ok = relay !== null && relay.flipped > 0 && relay.relabelled > 0 && relay.kinds_changed > 0 &&
                       relay.replayed > 0 && refused >= tampered && h.names_right && h.disconnect_events.every(Boolean) &&
                       h.meeting_ended_heard.every(Boolean) && h.removal.removed_heard && h.removal.rekeyed_without_removed &&
                       h.removal.new_link_carries_join_key && h.removal.old_link === "refused" && h.removal.new_link_admits &&
                       h.pages.every((p) => p.wrong === 0 && p.unverified === 0 && p.name_ok &&
                                            Object.keys(p.opened).length === 2 && Object.values(p.opened).every((n) => n >= 10));
    } catch (e) {
      roomHostile = { ok: false, error: String(e?.message ?? e).split("\n")[0] };
    }
    media = await mediaMeeting();
    const other = await context.newPage();
    await other.goto(`http://127.0.0.1:${foreignServer.address().port}/`);
    await other.waitForFunction(() => window.v100Foreign !== undefined, null, { timeout: 20_000 });
    foreign = await other.evaluate(() => window.v100Foreign);
  } catch (e) {
    fail(String(e?.message ?? e).split("\n")[0]);
  } finally {
    await browser?.close();
    foreignServer.close();
  }
}
serve.kill("SIGTERM");
const exitCode = await new Promise((r) => (serve.exitCode !== null ? r(serve.exitCode) : serve.on("exit", (c) => r(c))));

for (const r of live?.rows ?? []) console.log(`${r.ok ? "ok  " : "FAIL"}  live ${r.step}: ${r.detail} (${r.ms} ms)`);
if (live !== undefined && !live.ok) fail(live.fatal ?? "a step failed");
if (live === undefined && !failed) fail("the page reported nothing");
if (mixed !== undefined) {
  const m = mixed;
  const l = m.page.lookup ?? {};  // the page's directory look-ups (mixed.ts lookupMembers)
  const lookupGood = l.error === undefined && l.native === l.nativeSlot && l.nativeSlot !== undefined &&
                     l.self === l.selfSlot && l.selfSlot !== undefined && l.stranger === null;
  console.log(`${lookupGood ? "ok  " : "FAIL"}  live look-up (browser query, v100 serve answers on ciphertexts): ` +
              `native member ${l.native} (announced ${l.nativeSlot}, ${l.tries} tries), self ${l.self} ` +
              `(announced ${l.selfSlot}), stranger ${l.stranger}${l.error ? `, ${l.error}` : ""} (${l.ms} ms)`);
  const good = m.exit === 0 && m.codes_equal && m.browser_verified_natively && m.page.framesMatching >= 20 &&
               m.page.framesRefused === 0 && m.page.nativeName === nativeName && lookupGood;
  console.log(`${good ? "ok  " : "FAIL"}  live mixed meeting: native v100 join exit ${m.exit}; security code ` +
              `browser ${m.page.code ?? m.page.error} / native ${m.native_codes.at(-1) ?? "none"}; native roster: ` +
              `"${m.native_roster_line}"; native frames opened in the browser ${m.page.framesMatching} ` +
              `(refused ${m.page.framesRefused})`);
  if (!good) {
    fail("mixed meeting");
    console.log(nativeOut.split("\n").slice(-20).join("\n"));
  }
}
if (roomA !== undefined) {
  console.log(`${roomA.ok ? "ok  " : "FAIL"}  room (a) the browser joins a native host by its mailbox: ` +
              (roomA.error ?? `codes ${roomA.codes_equal ? "equal" : "DIFFER"} (${roomA.security_code} / ${roomA.native_codes.at(-1)}); ` +
              `browser opened ${roomA.native_frames_opened_by_browser} native frames, native got ${roomA.browser_frames_received_natively} ` +
              `of the browser's labelled "${roomA.native_labelled_browser}"`));
  if (!roomA.ok) fail("room (a)");
}
if (roomB !== undefined) {
  console.log(`${roomB.ok ? "ok  " : "FAIL"}  room (b) two browsers + native: ` + (roomB.error ??
              `3-member codes ${roomB.codes_equal_three ? "equal" : "DIFFER"} (${roomB.code_three.host}); guest left: epoch ` +
              `${roomB.epoch_three} -> ${roomB.epoch_after_leave}, code ${roomB.code_after_leave.host} (native ` +
              `${roomB.code_after_leave.native}); leaver's frame after leaving: ${JSON.stringify(roomB.leaver_frame_after_leave)}; ` +
              `opened ${JSON.stringify(roomB.opened)}`));
  if (!roomB.ok) fail("room (b)");
}
if (roomHostile !== undefined) {
  const h = roomHostile;
  console.log(`${h.ok ? "ok  " : "FAIL"}  room (d) hostile relay: ` + (h.error ??
              `the relay tampered with ${h.tampered} of ${h.relay?.frames} frames (${JSON.stringify(h.relay)}); the pages ` +
              `refused ${h.refused_by_pages}, handed over ${h.pages.map((p) => Object.values(p.opened).reduce((a, n) => a + n, 0)).join("/")} ` +
              `frames all naming their true sender (wrong ${h.pages.map((p) => p.wrong).join("/")}, unverified ` +
              `${h.pages.map((p) => p.unverified).join("/")}), names right ${h.names_right}`));
  if (!h.ok) fail("room (d) hostile relay");
}
let mediaSection = null;
if (media !== undefined) {
  const p = media.page, n = media.native;
  const fromNative = p.senders.find((s) => s.slot === p.nativeSlot);
  const sent = Object.fromEntries((p.send ?? []).map((s) => [["audio", "video", "data", "screen"][s.kind], s]));
  const browserOk = fromNative !== undefined && fromNative.pictures >= 30 && fromNative.badPictures === 0 &&
                    fromNative.audioPackets >= 50 && Math.abs(fromNative.frequency - fromNative.expected) <= 10;
  const nativeOk = media.exit === 0 && n !== null && n.pattern_ok && n.tone_ok && n.pictures >= 30 && n.screen_pictures > 0;
  // The rekey in the middle (epoch 3): the camera and the screen each sent a keyframe under it.
  const rekeyOk = p.epoch === "3" && (sent.video?.keyframesOnEpoch ?? 0) >= 1 && (sent.screen?.keyframesOnEpoch ?? 0) >= 1;
  const good = browserOk && nativeOk && rekeyOk && media.codes_equal && p.stage === "media";
  mediaSection = {
    ok: good, seconds: kMediaSeconds, browser_slot: p.slot ?? null, native_slot: p.nativeSlot ?? null, codes_equal: media.codes_equal,
    native_exit: media.exit, final_epoch: p.epoch ?? null,
    "native->browser": fromNative === undefined ? null : {
      frames_decoded: fromNative.pictures, pattern_checks_passed: fromNative.pictures - fromNative.badPictures,
      pattern_checks_failed: fromNative.badPictures, unreadable: fromNative.unreadable, wrong_sender: fromNative.wrongSender,
      not_rising: fromNative.notRising, first_frame: fromNative.firstFrame, last_frame: fromNative.lastFrame,
      audio_packets: fromNative.audioPackets, tone_hz: fromNative.frequency, tone_expected_hz: fromNative.expected,
      tone_ok: Math.abs(fromNative.frequency - fromNative.expected) <= 10 },
    "browser->native": n === null ? null : {
      frames_decoded: n.pictures, pattern_checks_passed: n.pictures - n.bad_pictures, pattern_checks_failed: n.bad_pictures,
      first_frame: n.first_frame, last_frame: n.last_frame, audio_packets: n.audio_packets, tone_hz: n.frequency,
      tone_expected_hz: n.expected, tone_ok: n.tone_ok, screen_frames: n.screen_pictures },
    browser_sent: sent, browser_received: p.receive, browser_playout: p.playout ?? null, port: p.port ?? null, screenshot: "build/web-test/media.png",
  };
  console.log(`${good ? "ok  " : "FAIL"}  live media: native -> browser ${fromNative?.pictures ?? 0} pictures ` +
              `(${fromNative?.badPictures ?? "-"} bad, frames ${fromNative?.firstFrame ?? "-"}..${fromNative?.lastFrame ?? "-"}), ` +
              `${fromNative?.audioPackets ?? 0} audio packets, tone ${fromNative?.frequency?.toFixed(1) ?? "-"} Hz ` +
              `(sent ${fromNative?.expected ?? "-"}); browser -> native: "${media.native_line}" (exit ${media.exit}); ` +
              `codes equal ${media.codes_equal}; rekeyed to epoch ${p.epoch}, keyframes on epoch: video ` +
              `${sent.video?.keyframesOnEpoch ?? 0}, screen ${sent.screen?.keyframesOnEpoch ?? 0}`);
  if (!good) {
    fail(`media meeting${p.error ? `: ${p.error}` : ""}`);
    console.log(media.native_out.split("\n").slice(-25).join("\n"));
  }
}
if (foreign === "opened") fail("a page of a foreign origin opened a WebSocket to the meeting server");
else if (foreign !== undefined) console.log(`ok    live foreign origin: its WebSocket was ${foreign}`);
if (exitCode !== 0) fail(`v100 serve exited with ${exitCode}`);

// Blindness: the canaries in every file the server wrote.
const forms = canaryForms([["title", title], ["name", name], ["native name", nativeName], ["room title", roomTitle],
                          ["room host name", roomHostName], ["room guest name", roomGuestName],
                          ["room mailbox name", roomMailboxName], ["room native name", roomNativeName],
                          ["room native host name", roomNativeHost],
                          ...hostileName.map((n, i) => [`hostile page ${i} name`, n])]);
const { scanned, bytes, found } = scanForCanaries([dataDir, hostileDir], forms);
if (scanned === 0) fail("the server wrote no file to search");
if (found.length) fail(`canaries on the server: ${found.join(", ")}`);
else console.log(`ok    live blindness: ${forms.length} forms of the typed title and name in ${scanned} files ` +
                 `(${bytes} bytes: database, WAL, log): 0 found`);
rmSync(dataDir, { recursive: true, force: true });
rmSync(hostileDir, { recursive: true, force: true });

const section = {
  ok: !failed, chromium: version, steps: live?.rows?.length ?? 0, steps_passed: (live?.rows ?? []).filter((r) => r.ok).length,
  slot: live?.slot ?? null, foreign_origin_websocket: foreign ?? null,
  mixed: mixed === undefined ? null : { native_exit: mixed.exit, codes_equal: mixed.codes_equal,
    browser_verified_natively: mixed.browser_verified_natively, native_frames_opened: mixed.page.framesMatching,
    frames_refused: mixed.page.framesRefused, lookup: mixed.page.lookup ?? null, screenshot: "build/web-test/mixed.png" }, media: mediaSection, files_searched: scanned, bytes_searched: bytes,
  canary_forms: forms.length, canaries_found: found.length, screenshot: "build/web-test/live.png",

  duration_ms: Date.now() - started,
};
const summaryPath = join(out, "summary.json");
const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, "utf8")) : { suite: "web" };
summary.live = section;
// The Room (src/room.ts) against native participants and a hostile relay; its canaries are in the scan above.
summary.room = { ok: [roomA, roomB, roomHostile].every((r) => r?.ok === true), joins_native_host: roomA ?? null,
                 two_browsers_and_native: roomB ?? null, hostile_relay: roomHostile ?? null,
                 canaries: { forms: forms.length, found: found.length, files_searched: scanned } };
writeFileSync(summaryPath, JSON.stringify(summary, null, 1) + "\n");
console.log(`live: ${section.steps_passed}/${section.steps} steps against v100 serve, foreign origin ${foreign ?? "untested"}, ` +
            `${found.length} canaries found (${section.duration_ms} ms)`);
process.exitCode = failed ? 1 : 0;
