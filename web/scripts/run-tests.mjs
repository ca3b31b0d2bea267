// Runs the compiled web tests (build/web/js/test/*.test.js) with node:test and writes
// build/web-test/summary.json: counts, and per test its file, name, duration and any failure.
// Tests report how many cases they checked with a diagnostic "v100-count <group>/<what>=<n>"
// (test/env.ts reportCount); those become `counts` ({group: {what: n}}).
// Exit status 1 if any test failed. Run from the repository root (make test-web does).
// Works on Node 18 (Debian 12) and later: node:test's run() and its test:pass / test:fail events, whose
// `file` is a file: URL on 18 and a path on later versions.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { run } from "node:test";
import { fileURLToPath } from "node:url";

const root = process.env.V100_ROOT ?? process.cwd();
const dir = join(root, "build", "web", "js", "test");
const files = readdirSync(dir).filter((f) => f.endsWith(".test.js")).sort().map((f) => join(dir, f));
const started = Date.now();
const tests = [];
const counts = {};
const fileOf = (d) => d.file === undefined ? undefined
  : relative(dir, d.file.startsWith("file:") ? fileURLToPath(d.file) : d.file);

await new Promise((resolve, reject) => {
  const stream = run({ files, concurrency: 1 });
  stream.on("test:pass", (d) => {
    if (d.nesting !== 0 || d.skip) return;
    tests.push({ file: fileOf(d), name: d.name, ok: true, ms: Math.round(d.details.duration_ms) });
    console.log(`ok    ${d.name} (${Math.round(d.details.duration_ms)} ms)`);
  });
  stream.on("test:fail", (d) => {
    if (d.nesting !== 0) return;
    const err = d.details.error;
    const msg = String(err?.cause?.message ?? err?.message ?? err);
    tests.push({ file: fileOf(d), name: d.name, ok: false, ms: Math.round(d.details.duration_ms),
                 error: msg });
    console.log(`FAIL  ${d.name}\n      ${msg.split("\n").join("\n      ")}`);
  });
  stream.on("test:diagnostic", (d) => {
    const m = /^v100-count ([\w-]+)\/([\w-]+)=(\d+)$/.exec(d.message);
    if (m === null) return;
    counts[m[1]] ??= {};
    counts[m[1]][m[2]] = (counts[m[1]][m[2]] ?? 0) + Number(m[3]);
  });
  stream.on("error", reject);
  stream.on("end", resolve);
  stream.resume();
});

const failed = tests.filter((t) => !t.ok).length;
const summary = { suite: "web", files: files.length, tests: tests.length, passed: tests.length - failed, failed,
                  duration_ms: Date.now() - started, node: process.version, counts, results: tests };
mkdirSync(join(root, "build", "web-test"), { recursive: true });
writeFileSync(join(root, "build", "web-test", "summary.json"), JSON.stringify(summary, null, 1) + "\n");
console.log(`web tests: ${summary.passed}/${summary.tests} passed (${files.length} files, ${summary.duration_ms} ms)`);
if (failed > 0 || tests.length === 0) process.exitCode = 1;
