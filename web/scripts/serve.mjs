// Starts a real `v100 serve` for a test script on a free loopback port (`--port 0`) and waits until
// it listens. The returned object keeps collecting what the server prints (`output`: the tests scan
// it for canaries and read the certificate pin from it); `port` is 0 when it did not start in time.
import { spawn } from "node:child_process";

export async function startServe(v100, args, timeoutMs = 20_000) {
  const proc = spawn(v100, ["serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const served = {
    proc,
    port: 0,
    output: "",
    /** The SHA-256 pin of the self-signed certificate the server printed, or "". */
    pin() {
      return /fingerprint \(pin this\): ([0-9a-f]+)/.exec(this.output)?.[1] ?? "";
    },
  };
  proc.stderr.on("data", (d) => { served.output += d; });
  served.port = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(0), timeoutMs);
    proc.stdout.on("data", (d) => {
      served.output += d;
      const m = /listening on [\d.]+:(\d+)/.exec(served.output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on("exit", () => resolve(0));
  });
  return served;
}
