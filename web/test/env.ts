// Where the tests find what the build made. make test-web sets V100_ROOT; default: the current
// directory (the repository root).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { PqWasm } from "../src/wasm.js";

export const root = process.env["V100_ROOT"] ?? process.cwd();

/** A reference file printed by the native tool v100_web_ref (build/web-test/ref/<name>.json). */
export function readRef<T>(name: string): T {
  return JSON.parse(readFileSync(join(root, "build", "web-test", "ref", `${name}.json`), "utf8")) as T;
}

/**
 * An official vector file under tests/data/vectors (V100_VECTORS_DIR overrides). Integers of more
 * than 15 digits become strings, so 64-bit values survive (JSON.parse would round them to doubles).
 */
export function readVectors<T>(rel: string): T {
  const dir = process.env["V100_VECTORS_DIR"] ?? join(root, "tests", "data", "vectors");
  const text = readFileSync(join(dir, rel), "utf8").replace(/(:\s*)(\d{16,})/g, '$1"$2"');
  return JSON.parse(text) as T;
}

let wasm: Promise<PqWasm> | undefined;
/** The WebAssembly module from build/wasm (V100_WASM overrides the path), loaded once. */
export function loadWasm(): Promise<PqWasm> {
  const path = process.env["V100_WASM"] ?? join(root, "build", "wasm", "web", "wasm", "v100.wasm");
  wasm ??= PqWasm.load(readFileSync(path));
  return wasm;
}

/**
 * Reports that `n` cases of `group`/`what` were checked: scripts/run-tests.mjs collects these into
 * `counts` of summary.json. Call it at the end of a test, so a failed test reports nothing.
 */
export function reportCount(t: TestContext, group: string, what: string, n: number): void {
  t.diagnostic(`v100-count ${group}/${what}=${n}`);
}
