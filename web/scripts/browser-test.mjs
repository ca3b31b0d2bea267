// The headless-chromium test: serves the check page (web/test/browser/index.html, its bundle
// build/web/browser/page.js), v100.wasm, the vectors (tests/data/vectors) and the native reference
// outputs (build/web-test/ref) from a node:http server on 127.0.0.1 that lives as long as this
// script, drives Debian's chromium through playwright-core (no browser download), reads the page's
// report, saves a screenshot to build/web-test/chromium.png and adds a `chromium` section to
// build/web-test/summary.json (written before by run-tests.mjs). Exit status 1 on any failure.
// Run from the repository root (make test-web does), after the bundle and run-tests.mjs.
//   V100_CHROMIUM   the browser binary (default /usr/bin/chromium, Debian's package `chromium`)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { chromium } from "playwright-core";

const root = process.env.V100_ROOT ?? process.cwd();
const out = join(root, "build", "web-test");
const executablePath = process.env.V100_CHROMIUM ?? "/usr/bin/chromium";
const started = Date.now();

// URL prefix -> directory, or URL -> file. Nothing else is served.
const files = {
  "/": join(root, "web", "test", "browser", "index.html"),
  "/page.js": join(root, "build", "web", "browser", "page.js"),
  "/sframe_worker.js": join(root, "build", "web", "live", "sframe_worker.js"),
  "/v100.wasm": process.env.V100_WASM ?? join(root, "build", "wasm", "web", "wasm", "v100.wasm"),
};
const dirs = {
  "/vectors/": process.env.V100_VECTORS_DIR ?? join(root, "tests", "data", "vectors"),
  "/ref/": join(out, "ref"),
};
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm",
                ".json": "application/json" };

function resolve(url) {
  const path = decodeURIComponent(new URL(url, "http://x").pathname);
  if (Object.hasOwn(files, path)) return files[path];
  for (const [prefix, dir] of Object.entries(dirs)) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, path.slice(prefix.length)));
    return file.startsWith(dir + sep) ? file : null;  // no way out of the directory
  }
  return null;
}

const server = createServer(async (req, res) => {
  const file = req.method === "GET" ? resolve(req.url ?? "/") : null;
  try {
    if (file === null) throw new Error("not served");
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream",
                         "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});

function fail(message) {
  console.log(`FAIL  chromium: ${message}`);
  process.exitCode = 1;
}

if (!existsSync(executablePath)) {
  fail(`${executablePath} not found (Debian package chromium: scripts/deps.sh web)`);
  process.exit();
}
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;
// Chromium's sandbox needs user namespaces, which are not available to root.
// The media rows play audio through WebAudio: no user gesture in a driven page.
const args = ["--autoplay-policy=no-user-gesture-required", ...(process.getuid?.() === 0 ? ["--no-sandbox"] : [])];
let browser;
let report;
let version = "";
try {
  browser = await chromium.launch({ executablePath, headless: true, args });
  version = browser.version();
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") console.log(`page console: ${m.text()}`); });
  await page.goto(base);
  await page.waitForFunction(() => window.v100Report?.done === true, null, { timeout: 60_000 });
  report = await page.evaluate(() => window.v100Report);
  await page.screenshot({ path: join(out, "chromium.png"), fullPage: true });
} catch (e) {
  fail(String(e?.message ?? e).split("\n")[0]);
} finally {
  await browser?.close();
  server.close();
}

const rows = report?.rows ?? [];
for (const r of rows) {
  const good = r.passed === r.total && r.total === r.expected;
  console.log(`${good ? "ok  " : "FAIL"}  chromium ${r.group}: ${r.check} ${r.passed}/${r.total} (${r.ms} ms)` +
              (good ? "" : `\n      ${r.errors.join("\n      ") || `expected ${r.expected} cases`}`));
}
if (report !== undefined && !report.ok) fail(report.fatal ?? "a check failed");
const passed = rows.reduce((n, r) => n + r.passed, 0), total = rows.reduce((n, r) => n + r.total, 0);
const section = {
  version, user_agent: report?.userAgent ?? "", ok: process.exitCode !== 1, checks: rows.length,
  checks_passed: rows.filter((r) => r.passed === r.total && r.total === r.expected).length,
  cases: total, cases_passed: passed, page_ms: report?.ms ?? null, duration_ms: Date.now() - started,
  screenshot: "build/web-test/chromium.png",
  results: rows.map(({ group, check, passed, total, ms, errors }) =>
    ({ group, check, passed, total, ms, ...(errors.length ? { errors } : {}) })),
};
const summaryPath = join(out, "summary.json");
const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, "utf8")) : { suite: "web" };
summary.chromium = section;
writeFileSync(summaryPath, JSON.stringify(summary, null, 1) + "\n");
console.log(`chromium ${version}: ${section.checks_passed}/${section.checks} checks, ${passed}/${total} cases ` +
            `(${section.duration_ms} ms)`);
