// The blindness check of the live scripts: what people typed (canaries), in the byte forms a server
// could store it in, searched in every file under the server's data dirs.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** [label, bytes] for each [what, text]: UTF-8, UTF-16LE and UTF-16BE. */
export function canaryForms(pairs) {
  const forms = [];
  for (const [what, s] of pairs) {
    const le = Buffer.from(s, "utf16le");
    const be = Buffer.from(le);
    be.swap16();
    forms.push([`${what} UTF-8`, Buffer.from(s, "utf8")], [`${what} UTF-16LE`, le], [`${what} UTF-16BE`, be]);
  }
  return forms;
}

/** Every file under `dirs`, searched for every form: how many files and bytes, and what was found where. */
export function scanForCanaries(dirs, forms) {
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
  for (const d of dirs) walk(d);
  return { scanned, bytes, found };
}
