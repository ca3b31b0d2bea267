// `make bench-web`: the browser's figures (issue #15, "Speed"). A real `v100 serve`
// (build/release/tools/v100) serves the benchmark page (web/test/bench) over HTTPS; Debian's headless
// chromium (playwright-core) opens it:
//   1. #mode=crypto: per-call medians, p95 and minimum (the fastest batch of >= 10 ms) of the WASM ML-KEM-768 / ML-DSA-65 / BFV roster calls
//      and of SFrame protect/unprotect of 1200 B (in the page's thread and through the Worker), with
//      the native rows of `v100 bench --json` for the same operations beside them.
//   2. a meeting of MEMBERS (default 4) pages of one chromium (one fake camera: the built-in
//      generated picture at 640x360, 30 fps, and a fake microphone) through the SDK's Room
//      (FLOW=room, the default; FLOW=host: the live test's host flow): page 0 creates the meeting,
//      the others join by its invitation link one after the other. Per joiner: ms from the start of the join to the
//      first decoded remote picture. Then SECONDS (default 10) of four-way media: glass-to-glass
//      (draw time minus the sender's capture_us) median and p95 over every decoded picture, and the
//      CPU time of every chromium process (/proc/<pid>/stat utime+stime, all processes descending from
//      this script) and of v100 serve over the same window, per participant.
// Writes build/web-test/bench.json and prints it. Exit 1 when a step fails (never on a figure:
// timings are reported, not judged). Run from the repository root after the bundle.
//   V100_BENCH_QUICK=1  a smoke run (few iterations, 2 members, 2 s), for make test-web
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServe } from "./serve.mjs";

const root = process.env.V100_ROOT ?? process.cwd();
const out = join(root, "build", "web-test");
const executablePath = process.env.V100_CHROMIUM ?? "/usr/bin/chromium";
const v100 = process.env.V100_BIN ?? join(root, "build", "release", "tools", "v100");
const quick = process.env.V100_BENCH_QUICK === "1";
const members = Number(process.env.MEMBERS ?? (quick ? 2 : 4));
const seconds = Number(process.env.SECONDS ?? (quick ? 2 : 10));
// room: the SDK's Room (Room.create / Room.join by the invitation link); host: the live test's host
// flow (test/live/host.ts keys every epoch; joiners open their epoch keys themselves).
const flow = process.env.FLOW === "host" ? "host" : "room";
const started = Date.now();
let failed = false;
const fail = (m) => {
  console.error(`FAIL  bench: ${m}`);
  failed = true;
};

const webRoot = join(root, "build", "web", "bench-root");
mkdirSync(webRoot, { recursive: true });
copyFileSync(join(root, "web", "test", "bench", "bench.html"), join(webRoot, "index.html"));
copyFileSync(join(root, "web", "test", "live", "live.css"), join(webRoot, "live.css"));
copyFileSync(join(root, "build", "web", "bench", "bench.js"), join(webRoot, "bench.js"));
copyFileSync(join(root, "build", "web", "live", "sframe_worker.js"), join(webRoot, "sframe_worker.js"));
copyFileSync(process.env.V100_WASM ?? join(root, "build", "wasm", "web", "wasm", "v100.wasm"), join(webRoot, "v100.wasm"));
mkdirSync(out, { recursive: true });

// ---- CPU time of processes (Linux /proc) ----
const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");  // fields from 3 (state) on
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / ticks };
  } catch {
    return null;
  }
}
/** CPU seconds (user + system) of `pid`'s live descendants, by pid. */
function descendantsCpu(pid) {
  const all = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const s = procStat(d);
    if (s !== null) all.set(Number(d), s);
  }
  const cpu = new Map();
  for (const [p, s] of all) {
    for (let q = s.ppid, n = 0; q > 1 && n < 64; q = all.get(q)?.ppid ?? 0, ++n) {
      if (q === pid) {
        cpu.set(p, s.cpu);
        break;
      }
    }
  }
  return cpu;
}
const cpuDelta = (a, b) => {
  let s = 0;
  for (const [p, c] of b) s += c - (a.get(p) ?? 0);
  return s;
};

// ---- the native rows ----
const nativeNames = { "mlkem768/encaps": "mlkem768/encaps", "mlkem768/decaps": "mlkem768/decaps",
                      "mldsa65/sign": "mldsa65/sign", "mldsa65/verify": "mldsa65/verify",
                      "bfv_roster/encrypt": "bfv/4096/encrypt_sk", "bfv_roster/decrypt": "bfv/4096/decrypt",
                      "sframe/protect_1200": "sframe/protect_1200", "sframe/unprotect_1200": "sframe/unprotect_1200",
                      "sframe_worker/protect_1200": "sframe/protect_1200",
                      "sframe_worker/unprotect_1200": "sframe/unprotect_1200" };
let native = {};
try {
  const filter = "^(mlkem768/(encaps|decaps)|mldsa65/(sign|verify)|bfv/4096/(encrypt_sk|decrypt)|sframe/(un)?protect_1200)$";
  const j = JSON.parse(execFileSync(v100, ["bench", "--json", "--filter", filter, ...(quick ? ["--min-time", "0.01"] : [])],
                                    { encoding: "utf8" }));
  native = Object.fromEntries(j.results.map((r) => [r.name, r.median_us]));
} catch (e) {
  fail(`v100 bench: ${String(e?.message ?? e).split("\n")[0]}`);
}

const dataDir = mkdtempSync(join(out, "bench-data-"));
const served = await startServe(v100, ["--data-dir", dataDir, "--web-root", webRoot]);
const serve = served.proc, port = served.port;

const q = (xs, p) => (xs.length === 0 ? null : xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]);
const round = (x, d = 1) => (x === null ? null : +x.toFixed(d));
let version = "";
let cryptoRows = [];
let meeting = null;
if (port === 0) fail(`v100 serve did not start: ${served.output.trim().split("\n").slice(-3).join(" | ")}`);
else if (!existsSync(executablePath)) fail(`${executablePath} not found (Debian package chromium)`);
else {
  const args = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
                // Four pages of one browser at once: none of them is throttled as a background tab.
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows"];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  const browser = await chromium.launch({ executablePath, headless: true, args });
  version = browser.version();
  const base = `https://127.0.0.1:${port}/`;
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1000, height: 600 } });
    // 1. the primitives
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`bench page error: ${e.message}`));
    await page.goto(`${base}#mode=crypto${quick ? "&quick=1" : ""}`);
    await page.waitForFunction(() => window.v100Bench?.done === true, null, { timeout: 300_000 });
    const r = await page.evaluate(() => window.v100Bench);
    if (r.error) throw new Error(`crypto page: ${r.error}`);
    cryptoRows = r.rows.map((row) => ({ ...row, native_name: nativeNames[row.name] ?? null,
                                        native_median_us: native[nativeNames[row.name]] ?? null,
                                        ratio: native[nativeNames[row.name]] ? round(row.median_us / native[nativeNames[row.name]], 1) : null }));
    await page.close();

    // 2. the meeting
    const pages = [];
    const open = async (hash) => {
      const p = await context.newPage();
      p.on("pageerror", (e) => console.error(`meeting page ${pages.length} error: ${e.message}`));
      p.on("console", (m) => { if (m.type() === "error") console.error(`meeting page console: ${m.text()}`); });
      await p.goto(`${base}#mode=meet&flow=${flow}&members=${members}&${hash}`);
      pages.push(p);
      return p;
    };
    const state = (p) => p.evaluate(() => window.v100Bench);
    const host = await open("role=host");
    await host.waitForFunction(() => window.v100Bench?.stage === "hosting" || window.v100Bench?.stage === "failed", null,
                               { timeout: 60_000 });
    let hs = await state(host);
    if (hs.stage !== "hosting") throw new Error(`host page: ${hs.error}`);
    if (flow === "room" && !hs.link) throw new Error("the host page made no invitation link");
    const joins = [];
    for (let n = 1; n < members; ++n) {
      const p = await open(`role=join&n=${n}&` + (flow === "room" ? `link=${encodeURIComponent(hs.link)}` : `secret=${hs.secret}`));
      await p.waitForFunction(() => window.v100Bench?.joinMs?.firstRemotePicture > 0 || window.v100Bench?.stage === "failed",
                              null, { timeout: 60_000 });
      const s = await state(p);
      if (s.stage === "failed") throw new Error(`joining page ${n}: ${s.error}`);
      joins.push({ member: n + 1, slot: s.slot, ...Object.fromEntries(Object.entries(s.joinMs).map(([k, v]) => [k, round(v)])) });
    }
    // Everyone receives everyone: wait until each page decoded pictures of every other sender.
    const allSee = async () => (await Promise.all(pages.map(state))).every((s) => Object.keys(s.pictures).length === members - 1);
    const until = Date.now() + 20_000;
    while (!(await allSee()) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    if (!(await allSee())) throw new Error("not every page decodes every other participant");
    await new Promise((r) => setTimeout(r, 1000));  // settle (keyframes of the last epoch)
    const chromeCpu0 = descendantsCpu(process.pid), serveCpu0 = procStat(serve.pid)?.cpu ?? 0;
    const t0 = Date.now();
    const load0 = loadavg();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const t1 = Date.now();
    const chromeCpu1 = descendantsCpu(process.pid), serveCpu1 = procStat(serve.pid)?.cpu ?? 0;
    const states = await Promise.all(pages.map(state));
    const lat = [];
    const perPage = states.map((s) => {
      const mine = s.g2g.filter(([at]) => at >= t0 && at <= t1).map(([, ms]) => ms).sort((a, b) => a - b);
      lat.push(...mine);
      const video = s.send.find((x) => x.kind === 1) ?? {};
      return { role: s.role, slot: s.slot, pictures: mine.length, g2g_median_ms: round(q(mine, 0.5)),
               g2g_p95_ms: round(q(mine, 0.95)), camera_captured: video.captured ?? 0,
               camera_skipped: video.encoderSkipped ?? 0, camera_sent: video.sent ?? 0 };
    });
    lat.sort((a, b) => a - b);
    for (const p of pages) await p.screenshot({ path: join(out, `bench-meet-${pages.indexOf(p)}.png`) });
    const wall = (t1 - t0) / 1000;
    const chromeCpu = cpuDelta(new Map([...chromeCpu0].filter(([p]) => p !== serve.pid)),
                               new Map([...chromeCpu1].filter(([p]) => p !== serve.pid)));
    meeting = {
      members, flow, seconds: wall, resolution: "640x360", fps: 30,
      capture: "one chromium, one page per participant, chromium's built-in fake camera and microphone",
      join_to_first_remote_picture_ms: joins,
      glass_to_glass_ms: { pictures: lat.length, median: round(q(lat, 0.5)), p95: round(q(lat, 0.95)),
                           max: round(lat.at(-1) ?? null), per_page: perPage },
      pictures_per_second_per_page: round(lat.length / wall / members),
      cpu: { chromium_seconds: round(chromeCpu, 2), chromium_percent_of_one_core: round((100 * chromeCpu) / wall),
             per_participant_percent_of_one_core: round((100 * chromeCpu) / wall / members),
             serve_percent_of_one_core: round((100 * (serveCpu1 - serveCpu0)) / wall) },
      load_average_before: load0.map((x) => round(x, 2)), load_average_after: loadavg().map((x) => round(x, 2)),
    };
  } catch (e) {
    fail(String(e?.message ?? e).split("\n")[0]);
  } finally {
    await browser.close();
  }
}
serve.kill("SIGTERM");
await new Promise((r) => (serve.exitCode !== null ? r() : serve.on("exit", r)));
rmSync(dataDir, { recursive: true, force: true });

const report = {
  ok: !failed, quick, chromium: version, cpu_model: cpus()[0]?.model ?? "", cores: cpus().length,
  load_average: loadavg().map((x) => round(x, 2)), primitives: cryptoRows, meeting,
  duration_ms: Date.now() - started,
};
writeFileSync(join(out, quick ? "bench-quick.json" : "bench.json"), JSON.stringify(report, null, 1) + "\n");
console.log(JSON.stringify(report, null, 1));
process.exitCode = failed ? 1 : 0;
