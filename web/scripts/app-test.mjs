// The meeting page test: a real `v100 serve --web-root build/web/app-root` serves the page (web/app:
// index.html, app.css, the bundle app.js, v100.wasm) under its own CSP, and Debian's headless
// chromium (fake camera and microphone) uses it as a person would, through labelled controls and the
// keyboard: creates an identity (scrypt + AES-GCM key file in IndexedDB), exports the key file (the
// native v100_web_ref keystore-open must open it to the same user id and me.key.pub line), reloads,
// is refused with a wrong passphrase, unlocks, imports a `v100 keygen` key file (it must show the
// .pub line the tool wrote), creates a meeting, invites a native identity by its public identity line
// (the invitation file the page saves is what `v100 join --invitation` joins with), sees the native
// member's tile with the name from its sealed identity blob and the verified mark, and the same
// security code as `v100 join` prints, media both ways (the native checks the page's pattern, tone and
// screen); a second browser opens the link, makes an identity and joins (names, codes, pictures both
// ways), then the host removes it; mute / camera off; end the meeting. Afterwards the typed title and
// names are searched in the server's files (none may be there).
// Writes build/web-test/app.png and the `app` section of build/web-test/summary.json; exit 1 on a
// failure. Run from the repository root after the bundle (make test-web does).
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
const webRef = process.env.V100_WEB_REF ?? join(root, "build", "release", "tests", "web", "v100_web_ref");
const started = Date.now();
const checks = [];
let failed = false;
const check = (name, ok, detail) => {
  checks.push({ name, ok: Boolean(ok), detail });
  console.log(`${ok ? "ok  " : "FAIL"}  app ${name}: ${detail}`);
  if (!ok) failed = true;
};

// The deployable web root: the page and what it loads, nothing else. `v100 serve --web-root` this.
const webRoot = join(root, "build", "web", "app-root");
mkdirSync(webRoot, { recursive: true });
copyFileSync(join(root, "web", "app", "index.html"), join(webRoot, "index.html"));
copyFileSync(join(root, "web", "app", "app.css"), join(webRoot, "app.css"));
copyFileSync(join(root, "build", "web", "app", "app.js"), join(webRoot, "app.js"));
copyFileSync(join(root, "build", "web", "live", "sframe_worker.js"), join(webRoot, "sframe_worker.js"));
copyFileSync(process.env.V100_WASM ?? join(root, "build", "wasm", "web", "wasm", "v100.wasm"), join(webRoot, "v100.wasm"));

mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(out, "app-"));
const dataDir = join(work, "data");
const y4m = join(work, "camera.y4m"), wav = join(work, "microphone.wav");
mkdirSync(dataDir);
const served = await startServe(v100, ["--data-dir", dataDir, "--web-root", webRoot]);
const serve = served.proc, port = served.port;

// What a person types: random canaries with non-ASCII letters, never expected on the server.
const tag = randomBytes(6).toString("hex");
const name = `Zoë Ångström ${tag}`;
const importedName = `Imported Ŋame ${tag}`;
const title = `Quarterly plans Ωq${tag}`;
const nativeName = `Native Ŧester ${tag}`;
const pass = `browser pass ${tag} ü`;
const nativePass = `native-${tag}`;
const guestName = `Ğuest Ōne ${tag}`;
const hostTitle = `Native-hosted Ŝync ${tag}`;
const nativeHostName = `Native Ħost ${tag}`;
const env = { ...process.env, V100_PASSPHRASE: nativePass };
let version = "";
let media = null;
let appState;
let nativeOut = "";

function nativeOpen(file, passphrase) {
  const input = JSON.stringify({ cases: [{ file: readFileSync(file).toString("hex"), passphrase }] });
  return JSON.parse(execFileSync(webRef, ["keystore-open"], { input }).toString())[0];
}

let lastStatus = "";
async function run(page, launchGuest) {
  page.on("console", () => {});
  const track = setInterval(() => { page.evaluate(() => document.getElementById("status")?.textContent).then((t) => { lastStatus = t; }, () => {}); }, 500);
  try {
    await runSteps(page, launchGuest);
  } finally {
    clearInterval(track);
  }
}
async function runSteps(page, launchGuest) {
  const state = () => page.evaluate(() => window.v100App);
  const waitStage = (stage, timeout = 60_000) =>
    page.waitForFunction((s) => window.v100App?.stage === s, stage, { timeout });
  const statusText = () => page.getByRole("status").first().textContent();

  const pin = served.pin();
  const resp = await page.goto(`https://127.0.0.1:${port}/`);
  const csp = resp?.headers()["content-security-policy"] ?? "";
  check("served", csp.includes("default-src 'none'") && csp.includes("script-src 'self' 'wasm-unsafe-eval'") &&
        !csp.includes("unsafe-inline"), `index.html with the strict CSP (${csp.split(";")[0]}; …)`);
  await waitStage("locked");

  // Create an identity through the labelled fields; submit with the keyboard (Enter in the last field).
  await page.getByRole("textbox", { name: /^Your name \(shown/ }).fill(name);
  await page.getByLabel("Passphrase (at least 8 characters)").fill(pass);
  await page.getByLabel("Passphrase again").fill(pass);
  const t0 = Date.now();
  await page.getByLabel("Passphrase again").press("Enter");
  await waitStage("unlocked");
  let s = await state();
  const shownPub = await page.getByLabel(/Your public identity/).inputValue();
  check("create identity", s.userId?.length === 64 && shownPub === s.publicText.trim() &&
        shownPub.startsWith("v100-identity-v1 "),
        `user ${s.userId?.slice(0, 16)}…, me.key.pub line shown (${shownPub.length} chars), sealed at the ` +
        `default scrypt cost in ${Date.now() - t0} ms`);
  const browserUser = s.userId;

  // Export: the file the page saves must open natively, under the typed passphrase, to this identity.
  const [dl] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export key file" }).click()]);
  const exported = join(work, "exported.key");
  await dl.saveAs(exported);
  const nat = nativeOpen(exported, pass);
  const natWrong = nativeOpen(exported, pass + "x");
  check("export opens natively", nat.ok && nat.user_id === browserUser && nat.public_text.trim() === shownPub &&
        !natWrong.ok, `v100_web_ref keystore-open: ${nat.ok ? `user ${nat.user_id.slice(0, 16)}…, same me.key.pub` : nat.error}; ` +
        `wrong passphrase: ${natWrong.error}`);

  // Reload: the identity is still there (IndexedDB); a wrong passphrase is refused, the right one unlocks.
  await page.reload();
  await waitStage("locked");
  await page.getByLabel("Passphrase", { exact: true }).fill("not the passphrase");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.waitForFunction(() => /wrong passphrase/.test(document.getElementById("status")?.textContent ?? ""), null,
                             { timeout: 60_000 });
  const refusedText = await statusText();
  await page.getByLabel("Passphrase", { exact: true }).fill(pass);
  await page.getByRole("button", { name: "Unlock" }).click();
  await waitStage("unlocked");
  s = await state();
  check("unlock after reload", s.userId === browserUser, `wrong passphrase: "${refusedText}"; then unlocked the same user`);

  // Import a key file made by v100 keygen: the page must show the .pub line the tool wrote.
  const nativeKey = join(work, "native.key");
  execFileSync(v100, ["keygen", "--out", nativeKey, "--fast"], { env, stdio: "ignore" });
  const nativePub = readFileSync(`${nativeKey}.pub`, "utf8").trim();
  await page.getByRole("button", { name: "Lock" }).click();
  await waitStage("locked");
  await page.getByLabel("Key file", { exact: true }).setInputFiles(nativeKey);
  await page.getByRole("textbox", { name: "Your name", exact: true }).fill(importedName);
  await page.getByLabel("The key file's passphrase").fill(nativePass);
  await page.getByRole("button", { name: "Import" }).click();
  await waitStage("unlocked");
  const importedPub = await page.getByLabel(/Your public identity/).inputValue();
  check("import v100 keygen file", importedPub === nativePub, `shows the me.key.pub line v100 keygen wrote ` +
        `(${nativePub.slice(0, 30)}…)`);

  // Back to the browser-made identity, then a meeting.
  await page.getByRole("button", { name: "Lock" }).click();
  await waitStage("locked");
  await page.getByLabel("Identity", { exact: true }).selectOption(browserUser);
  await page.getByLabel("Passphrase", { exact: true }).fill(pass);
  await page.getByRole("button", { name: "Unlock" }).click();
  await waitStage("unlocked");
  // A native host invites this identity through the server's mailbox; the page fetches it and joins.
  const hostKey = join(work, "host.key");
  execFileSync(v100, ["keygen", "--out", hostKey, "--fast"], { env, stdio: "ignore" });
  const browserPubFile = join(work, "browser.pub");
  writeFileSync(browserPubFile, `${shownPub}\n`);
  // stdbuf: line-buffered stdout, so its lines arrive while it runs (a pipe is block-buffered).
  const nativeHost = spawn("stdbuf", ["-oL", v100, "join", "--server", `127.0.0.1:${port}`, "--pin", pin, "--key", hostKey, "--create", hostTitle,
                                  "--invite", browserPubFile, "--name", nativeHostName, "--seconds", "20"],
                           { env, stdio: ["ignore", "pipe", "pipe"] });
  let hostOut = "";
  nativeHost.stdout.on("data", (d) => { hostOut += d; });
  nativeHost.stderr.on("data", (d) => { hostOut += d; });
  const hostExit = new Promise((r) => nativeHost.on("exit", (c) => r(c)));
  for (let i = 0; i < 100 && !/invited /.test(hostOut); ++i) await new Promise((r) => setTimeout(r, 100));
  await page.getByRole("button", { name: "Check my invitations" }).click();
  const joinButton = page.getByRole("button", { name: /^Join .* from [0-9a-f]{8}\.\.[0-9a-f]{8}$/ });
  await joinButton.waitFor({ timeout: 30_000 });
  await joinButton.click();
  await waitStage("meeting");
  await page.waitForFunction(() => window.v100App?.members?.length === 2 && window.v100App.members.every((m) => m.verified) &&
                             window.v100App.code, null, { timeout: 30_000 });
  s = await state();
  const inboxHeading = await page.getByRole("heading", { name: hostTitle }).count();
  const codesOf = () => [...hostOut.matchAll(/epoch (\d+): 2 members, security code ([\d ]+)/g)].map((m) => m[2].trim());
  for (let i = 0; i < 100 && !codesOf().includes(s.code); ++i) await new Promise((r) => setTimeout(r, 100));
  const hostCode = codesOf();
  nativeHost.kill("SIGTERM");  // it would stay for its --seconds; the check is done
  await hostExit;
  check("invitation from the mailbox", inboxHeading === 1 && s.members.some((m) => m.name === nativeHostName && m.verified) &&
        hostCode.length > 0 && hostCode.at(-1) === s.code,
        `native host's invitation listed (title "${s.invitations?.[0]?.title}" from ${s.invitations?.[0]?.from}), joined ` +
        `"${hostTitle}" (the meeting's sealed title): tile ` +
        `"${nativeHostName}" verified, code page ${s.code} / native ${hostCode.at(-1) ?? "none"}`);
  await page.getByRole("button", { name: "Leave" }).click();
  await waitStage("left");

  await page.getByLabel(/^Title/).fill(title);
  await page.getByRole("button", { name: "Create meeting" }).click();
  await waitStage("meeting");
  await page.waitForFunction(() => window.v100App?.code && window.v100App?.mediaLocal, null, { timeout: 30_000 });
  s = await state();
  const heldText = await page.locator("#held").textContent();
  const link = s.inviteLink ?? "";
  check("meeting view", (await page.getByRole("heading", { name: title }).count()) === 1 && s.members?.length === 1 &&
        s.members[0].name === name && s.members[0].verified && /^\d{5} \d{5} \d{5} \d{5}$/.test(s.code ?? ""),
        `title heading, 1 tile "${s.members?.[0]?.name}" verified, security code ${s.code}, local media ${s.mediaLocal}`);
  check("invite link", new URL(link).origin === `https://127.0.0.1:${port}` && new URL(link).pathname === "/" &&
        new URL(link).search === "" && /^#m=[A-Za-z0-9_-]{40,}$/.test(new URL(link).hash),
        "the meeting secret sits in the fragment only (no path, no query)");
  check("server-held panel", s.held.handle.length === 64 && s.held.items.length >= 6 && s.held.epochs.length >= 1 &&
        !heldText.includes(name) && !heldText.includes(title),
        `handle ${s.held.handle.slice(0, 12)}…, ${s.held.items.length} items (` +
        s.held.items.map((i) => `${i.what} ${i.bytes} B`).join("; ") + `), epochs ${s.held.epochs.join(",")}; no name or title`);

  // Share the screen (its own track: the native side counts its pictures apart).
  await page.getByRole("button", { name: "Share screen" }).click();
  await page.waitForFunction(() => document.getElementById("share")?.getAttribute("aria-pressed") === "true", null,
                             { timeout: 20_000 });

  // Invite a native identity by its public identity line; v100 join joins with the saved file.
  const inviteeKey = join(work, "invitee.key");
  execFileSync(v100, ["keygen", "--out", inviteeKey, "--fast"], { env, stdio: "ignore" });
  await page.getByLabel(/Or a person's public identity line/).fill(readFileSync(`${inviteeKey}.pub`, "utf8"));
  const [inv] = await Promise.all([page.waitForEvent("download"),
                                   page.getByRole("button", { name: "Make invitation file" }).click()]);
  const invFile = join(work, "invitation.v100inv");
  await inv.saveAs(invFile);
  // The page also left it in the invitee's mailbox: the native side fetches it there (only an
  // invitation signed by this page's identity counts), the saved file is the same bytes.
  const hostPubFile = join(work, "page-host.pub");
  writeFileSync(hostPubFile, `${shownPub}\n`);
  const posted = (await state()).held.items.find((i) => i.what === "invitation in a mailbox");
  check("invitation to a mailbox", posted?.bytes === readFileSync(invFile).length,
        `the page posted ${posted?.bytes ?? "nothing"} B to the invitee's mailbox, the file it saved has ${readFileSync(invFile).length} B`);
  const joiner = spawn(v100, ["join", "--server", `127.0.0.1:${port}`, "--pin", pin, "--key", inviteeKey,
                              "--mailbox", "--from", hostPubFile, "--name", nativeName, "--seconds", "8", "--media", "test-pattern"],
                       { env, stdio: ["ignore", "pipe", "pipe"] });
  joiner.stdout.on("data", (d) => { nativeOut += d; });
  joiner.stderr.on("data", (d) => { nativeOut += d; });
  const joinerExit = new Promise((r) => joiner.on("exit", (c) => r(c)));
  await page.waitForFunction(() => window.v100App?.members?.length === 2, null, { timeout: 30_000 });
  await page.waitForFunction(() => window.v100App?.epoch !== undefined && Number(window.v100App.epoch) >= 2, null,
                             { timeout: 30_000 });
  s = await state();
  const nativeSlot = s.members.find((m) => !m.self)?.slot;
  await page.waitForFunction((slot) => (window.v100App?.pictures?.[String(slot)] ?? 0) >= 30, nativeSlot, { timeout: 30_000 })
    .catch(() => {});
  s = await state();
  const tileLabels = await page.getByRole("list", { name: "Participants" }).getByRole("listitem").evaluateAll(
    (els) => els.map((e) => e.getAttribute("aria-label")));
  await page.screenshot({ path: join(out, "app.png"), fullPage: true });
  const exit = await joinerExit;
  const codes = [...nativeOut.matchAll(/epoch (\d+): 2 members, security code ([\d ]+)/g)].map((m) => m[2].trim());
  const other = s.members.find((m) => !m.self);
  check("native member by invitation", exit === 0 && other?.name === nativeName && other.verified &&
        tileLabels.some((l) => l?.startsWith(`${nativeName}, verified`)),
        `v100 join --mailbox exit ${exit}; tile "${other?.name}" ${other?.verified ? "verified" : "NOT verified"}`);
  check("security codes equal", codes.length > 0 && codes.at(-1) === s.code,
        `page ${s.code} / v100 join ${codes.at(-1) ?? "none"} (epoch ${s.epoch})`);
  // Media both ways: the page drew the native participant's pictures in its tile; the native side
  // checked the page's camera pattern and tone and counted its screen share.
  // "  <receiver> <sender> <pictures> ok (a..b) | FAILED (...) <audio> ok|FAILED <f> Hz (sent <e>)[; screen n]"
  const line = nativeOut.split("\n").find((l) => l.includes(nativeName) && l.includes(name)) ?? "";
  const mm = /\s(\d+)\s+(ok \((\d+)\.\.(\d+)\)|FAILED \((\d+) of \d+ bad\))\s+(\d+)\s+(ok|FAILED) ([\d.]+) Hz \(sent (\d+)\)(; screen (\d+))?/.exec(line);
  const drawn = s.pictures?.[String(nativeSlot)] ?? 0;
  media = { pictures_from_native_drawn: drawn, native_line: line.trim(),
            native_pictures_checked: mm === null ? 0 : Number(mm[1]), native_pattern_ok: mm !== null && mm[2].startsWith("ok"),
            native_tone_ok: mm !== null && mm[7] === "ok", native_screen_pictures: mm?.[11] === undefined ? 0 : Number(mm[11]) };
  check("media both ways", drawn >= 30 && media.native_pictures_checked >= 30 && media.native_pattern_ok && media.native_tone_ok &&
        media.native_screen_pictures > 0,
        `page drew ${drawn} decoded pictures of the native participant; native: "${line.trim()}"`);
  await page.waitForFunction((e) => window.v100App?.members?.length === 1 && BigInt(window.v100App.epoch ?? 0) > BigInt(e),
                             s.epoch, { timeout: 30_000 }).catch(() => {});
  const afterLeave = await state();
  check("member left", afterLeave.members.length === 1 && BigInt(afterLeave.epoch) > BigInt(s.epoch) && afterLeave.code !== s.code,
        `after v100 join left: one tile, epoch ${s.epoch} -> ${afterLeave.epoch}, new security code ${afterLeave.code}`);

  // A second person joins through the page by the link: another browser (its own storage and a
  // plain fake camera), an identity made there, then the meeting of the link.
  const guestBrowser = await launchGuest();
  try {
    const gctx = await guestBrowser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1200, height: 800 } });
    const guest = await gctx.newPage();
    guest.on("pageerror", (e) => check("no guest page error", false, e.message));
    await guest.goto(link);
    await guest.waitForFunction(() => window.v100App?.stage === "locked", null, { timeout: 60_000 });
    const fragmentGone = !guest.url().includes("#");
    const invitedText = await guest.getByRole("status").first().textContent();
    await guest.getByRole("textbox", { name: /^Your name \(shown/ }).fill(guestName);
    await guest.getByLabel("Passphrase (at least 8 characters)").fill(pass);
    await guest.getByLabel("Passphrase again").fill(pass);
    await guest.getByLabel("Passphrase again").press("Enter");
    await guest.waitForFunction(() => window.v100App?.stage === "meeting", null, { timeout: 60_000 });
    const twoVerified = () => window.v100App?.members?.length === 2 && window.v100App.members.every((m) => m.verified);
    await guest.waitForFunction(twoVerified, null, { timeout: 30_000 });
    await page.waitForFunction(twoVerified, null, { timeout: 30_000 });
    await page.waitForFunction((e) => window.v100App?.epoch === e, (await guest.evaluate(() => window.v100App.epoch)),
                               { timeout: 10_000 }).catch(() => {});
    const g0 = await guest.evaluate(() => window.v100App);
    const guestSlot = g0.members.find((m) => m.self).slot, hostSlot = g0.members.find((m) => !m.self).slot;
    await page.waitForFunction((sl) => (window.v100App?.pictures?.[String(sl)] ?? 0) >= 10, guestSlot, { timeout: 30_000 })
      .catch(() => {});
    await guest.waitForFunction((sl) => (window.v100App?.pictures?.[String(sl)] ?? 0) >= 10, hostSlot, { timeout: 30_000 })
      .catch(() => {});
    await guest.waitForFunction(() => (window.v100App?.held?.framesRelayed ?? 0) > 0, null, { timeout: 10_000 }).catch(() => {});
    const g = await guest.evaluate(() => window.v100App);
    const h = await state();
    await guest.screenshot({ path: join(out, "app-guest.png"), fullPage: true });

    const hostSeesGuest = h.members.find((m) => m.slot === guestSlot);
    const guestSeesHost = g.members.find((m) => m.slot === hostSlot);
    check("guest by link", fragmentGone && /invited/.test(invitedText ?? "") &&
          (await guest.getByRole("heading", { name: title }).count()) === 1 &&
          hostSeesGuest?.name === guestName && hostSeesGuest.verified && guestSeesHost?.name === name && guestSeesHost.verified &&
          g.code === h.code && g.epoch === h.epoch,
          `the link's page dropped its fragment, asked for an identity, joined; title opened; each sees the other ` +
          `verified ("${guestSeesHost?.name}" / "${hostSeesGuest?.name}"); codes ${h.code} / ${g.code}, epochs ` +
          `${h.epoch} / ${g.epoch}; fragment gone ${fragmentGone}; status "${invitedText}"`);
    const hostDrew = h.pictures?.[String(guestSlot)] ?? 0, guestDrew = g.pictures?.[String(hostSlot)] ?? 0;
    check("browser to browser media", hostDrew >= 10 && guestDrew >= 10 && g.held.framesRelayed > 0 && h.held.framesRelayed > 0,
          `host drew ${hostDrew} pictures of the guest, guest drew ${guestDrew} of the host; relayed (ledger): host ` +
          `${h.held.framesRelayed} frames ${h.held.bytesRelayed} B, guest ${g.held.framesRelayed} frames ${g.held.bytesRelayed} B ` +
          `(guest media ${g.mediaLocal}; guest panel "${await guest.locator("#held-media").textContent()}")`);
    // The host removes the guest: the guest's page is out and says why; the link changes.
    const linkBefore = (await state()).inviteLink;
    await page.getByRole("button", { name: `Remove ${guestName} from the meeting` }).click();
    await guest.waitForFunction(() => window.v100App?.stage === "left", null, { timeout: 20_000 }).catch(() => {});
    await page.waitForFunction(() => window.v100App?.members?.length === 1, null, { timeout: 30_000 }).catch(() => {});
    const guestStatus = await guest.getByRole("status").first().textContent();
    const hAfter = await state();
    check("remove a member", (await guest.evaluate(() => window.v100App.stage)) === "left" && /removed you/.test(guestStatus ?? "") &&
          hAfter.members.length === 1 && hAfter.inviteLink !== linkBefore && /^#m=[A-Za-z0-9_-]{90,}$/.test(new URL(hAfter.inviteLink).hash),
          `guest page: "${guestStatus}"; host: ${hAfter.members.length} tile, a new link (with the new join key)`);
  } finally {
    await guestBrowser.close();
  }

  // Controls: toggles are buttons with aria-pressed, and leave ends the meeting.
  await page.getByRole("button", { name: "Stop sharing" }).click();
  await page.getByRole("button", { name: "Share screen" }).waitFor();
  await page.getByRole("button", { name: "Mute" }).click();
  await page.getByRole("button", { name: "Unmute" }).waitFor();
  await page.getByRole("button", { name: "Camera off" }).click();
  await page.getByRole("button", { name: "Camera on" }).waitFor();
  const muted = await page.getByRole("button", { name: "Unmute" }).getAttribute("aria-pressed");
  const camOff = await page.getByRole("button", { name: "Camera on" }).getAttribute("aria-pressed");
  const videos = await page.locator("#tiles video").count();
  check("controls", muted === "true" && camOff === "true" && videos === 0,
        `mute aria-pressed ${muted}, camera off aria-pressed ${camOff}, self video removed`);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "End meeting for everyone" }).click();
  await waitStage("left");
  appState = await state();
  const endText = await statusText();
  check("end meeting", /ended the meeting/.test(endText ?? "") && (await page.locator("#meeting").isHidden()),
        `host (after confirming): "${endText}", back on the start screen`);
}

if (port === 0) {
  check("serve", false, `v100 serve did not start: ${served.output.trim().split("\n").slice(-3).join(" | ")}`);
} else if (!existsSync(executablePath)) {
  check("chromium", false, `${executablePath} not found (Debian package chromium: scripts/deps.sh web)`);
} else {
  // The fake camera and microphone play this page's test pattern and tone (slot 0: the host's slot in
  // a new meeting), which the native participant checks picture by picture.
  execFileSync(v100, ["capture-files", "--sender", "0", "--seconds", "60", "--out-y4m", y4m, "--out-wav", wav],
               { stdio: "ignore" });
  const args = ["--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${y4m}`,
                `--use-file-for-fake-audio-capture=${wav}`, "--use-fake-ui-for-media-stream",
                "--auto-select-desktop-capture-source=Entire screen", "--autoplay-policy=no-user-gesture-required"];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  let browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args });
    version = browser.version();
    const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true,
                                               viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => check("no page error", false, e.message));
    page.on("console", (m) => { if (m.type() === "error") console.log(`page console: ${m.text()}`); });
    await run(page, () => chromium.launch({ executablePath, headless: true,
      args: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
             ...(process.getuid?.() === 0 ? ["--no-sandbox"] : [])] }));
  } catch (e) {
    check("run", false, String(e?.message ?? e).split("\n")[0]);
    console.log(`page status: ${lastStatus}`);
    console.log(nativeOut.split("\n").slice(-10).join("\n"));
  } finally {
    await browser?.close();
  }
}
serve.kill("SIGTERM");
const exitCode = await new Promise((r) => (serve.exitCode !== null ? r(serve.exitCode) : serve.on("exit", (c) => r(c))));
if (exitCode !== 0) check("serve exit", false, `v100 serve exited with ${exitCode}`);

// Blindness: what was typed into the page, in every file the server wrote.
const forms = canaryForms([["title", title], ["name", name], ["imported name", importedName], ["native name", nativeName],
                           ["guest name", guestName], ["native host title", hostTitle],
                           ["native host name", nativeHostName]]);
const { scanned, bytes, found } = scanForCanaries([dataDir], forms);
check("blindness", scanned > 0 && found.length === 0,
      `${forms.length} forms of the typed title and names in ${scanned} server files: ${found.length ? found.join(", ") : "0 found"}`);
rmSync(work, { recursive: true, force: true });

const section = {
  ok: !failed, chromium: version, checks: checks.length, checks_passed: checks.filter((c) => c.ok).length,
  results: checks, media, final_stage: appState?.stage ?? null, web_root: "build/web/app-root", screenshot: "build/web-test/app.png",
  canary_forms: forms.length, canaries_found: found.length, duration_ms: Date.now() - started,
};
const summaryPath = join(out, "summary.json");
const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, "utf8")) : { suite: "web" };
summary.app = section;
writeFileSync(summaryPath, JSON.stringify(summary, null, 1) + "\n");
console.log(`app: ${section.checks_passed}/${section.checks} checks against v100 serve (${section.duration_ms} ms)`);
process.exitCode = failed ? 1 : 0;
