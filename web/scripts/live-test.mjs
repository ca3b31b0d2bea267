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
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync,
         writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { chromium } from "playwright-core";

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
copyFileSync(process.env.V100_WASM ?? join(root, "build", "wasm", "web", "wasm", "v100.wasm"), join(webRoot, "v100.wasm"));

mkdirSync(out, { recursive: true });
const dataDir = mkdtempSync(join(out, "live-data-"));
const serve = spawn(v100, ["serve", "--port", "0", "--data-dir", dataDir, "--web-root", webRoot],
                    { stdio: ["ignore", "pipe", "pipe"] });
let serveOut = "";
serve.stderr.on("data", (d) => { serveOut += d; });
const port = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve(0), 20_000);
  serve.stdout.on("data", (d) => {
    serveOut += d;
    const m = /listening on [\d.]+:(\d+)/.exec(serveOut);
    if (m) {
      clearTimeout(timer);
      resolve(Number(m[1]));
    }
  });
  serve.on("exit", () => resolve(0));
});

// Random canaries: what a person types into the page, never expected on the server.
const tag = randomBytes(6).toString("hex");
const title = `Board meeting Zq${tag}`;
const name = `Jürgen Øster ${tag}`;
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
if (port === 0) {
  fail(`v100 serve did not start: ${serveOut.trim().split("\n").slice(-3).join(" | ")}`);
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
if (foreign === "opened") fail("a page of a foreign origin opened a WebSocket to the meeting server");
else if (foreign !== undefined) console.log(`ok    live foreign origin: its WebSocket was ${foreign}`);
if (exitCode !== 0) fail(`v100 serve exited with ${exitCode}`);

// Blindness: the canaries in every file the server wrote.
const forms = [];
for (const [what, s] of [["title", title], ["name", name]]) {
  const le = Buffer.from(s, "utf16le");
  const be = Buffer.from(le);
  be.swap16();
  forms.push([`${what} UTF-8`, Buffer.from(s, "utf8")], [`${what} UTF-16LE`, le], [`${what} UTF-16BE`, be]);
}
let scanned = 0, bytes = 0;
const found = [];
const walk = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    const b = readFileSync(p);
    ++scanned;
    bytes += b.length;
    for (const [what, needle] of forms) if (b.includes(needle)) found.push(`${what} in ${f}`);
  }
};
walk(dataDir);
if (scanned === 0) fail("the server wrote no file to search");
if (found.length) fail(`canaries on the server: ${found.join(", ")}`);
else console.log(`ok    live blindness: ${forms.length} forms of the typed title and name in ${scanned} files ` +
                 `(${bytes} bytes: database, WAL, log): 0 found`);
rmSync(dataDir, { recursive: true, force: true });

const section = {
  ok: !failed, chromium: version, steps: live?.rows?.length ?? 0, steps_passed: (live?.rows ?? []).filter((r) => r.ok).length,
  slot: live?.slot ?? null, foreign_origin_websocket: foreign ?? null, files_searched: scanned, bytes_searched: bytes,
  canary_forms: forms.length, canaries_found: found.length, screenshot: "build/web-test/live.png",
  duration_ms: Date.now() - started,
};
const summaryPath = join(out, "summary.json");
const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, "utf8")) : { suite: "web" };
summary.live = section;
writeFileSync(summaryPath, JSON.stringify(summary, null, 1) + "\n");
console.log(`live: ${section.steps_passed}/${section.steps} steps against v100 serve, foreign origin ${foreign ?? "untested"}, ` +
            `${found.length} canaries found (${section.duration_ms} ms)`);
process.exitCode = failed ? 1 : 0;
