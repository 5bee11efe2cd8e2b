// What a wasm binary's code is made of (issue 20, item 4): each function's body size from the
// code section, named from the name section, summed per crate. A size profiler in the manner of
// twiggy's `top`, with nothing to install. Read the binary before wasm-opt strips its names
// (target/wasm32-unknown-unknown/release/signpost_worker.wasm after `make worker`).
//
//   node scripts/wasm-top.mjs <file.wasm> [--top N] [--grep TEXT]
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a));
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
if (!file) {
  console.error("usage: node scripts/wasm-top.mjs <file.wasm> [--top N] [--grep TEXT]");
  process.exit(2);
}
const top = Number(option("--top", 40));
const grep = option("--grep", null);
const bytes = readFileSync(file);

/** An unsigned LEB128 at `at`: [value, next offset]. */
function leb(at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

// Sections: imported functions come first in the function index space.
let imported = 0;
const bodies = [];
const names = new Map();
let at = 8;
while (at < bytes.length) {
  const id = bytes[at];
  const [size, start] = leb(at + 1);
  const end = start + size;
  if (id === 2) {
    let [count, p] = leb(start);
    for (; count > 0; count--) {
      for (let s = 0; s < 2; s++) {
        const [len, q] = leb(p);
        p = q + len; // module, then field name
      }
      const kind = bytes[p++];
      if (kind === 0) {
        imported++;
        p = leb(p)[1];
      } else if (kind === 1) {
        p++; // element type
        const flags = bytes[p++];
        p = leb(p)[1];
        if (flags & 1) p = leb(p)[1];
      } else if (kind === 2) {
        const flags = bytes[p++];
        p = leb(p)[1];
        if (flags & 1) p = leb(p)[1];
      } else if (kind === 3) {
        p += 2;
      } else {
        p = leb(p + 1)[1]; // tag: attribute, type
      }
    }
  } else if (id === 10) {
    let [count, p] = leb(start);
    for (; count > 0; count--) {
      const [len, q] = leb(p);
      bodies.push(q + len - p);
      p = q + len;
    }
  } else if (id === 0) {
    const [nameLen, p] = leb(start);
    if (bytes.subarray(p, p + nameLen).toString() === "name") {
      let q = p + nameLen;
      while (q < end) {
        const sub = bytes[q];
        const [subSize, r] = leb(q + 1);
        if (sub === 1) {
          let [count, s] = leb(r);
          for (; count > 0; count--) {
            const [index, t] = leb(s);
            const [len, u] = leb(t);
            names.set(index, bytes.subarray(u, u + len).toString());
            s = u + len;
          }
        }
        q = r + subSize;
      }
    }
  }
  at = end;
}

/** The crate a (mangled or demangled) Rust symbol belongs to, roughly: for an impl, the crate
 * of its type (`<&mut serde_json::de::Deserializer as ...>` is serde_json's). */
function crateOf(name) {
  const legacy = name.match(/^_ZN(\d+)/);
  let path = name;
  if (legacy) {
    const start = 3 + legacy[1].length;
    path = name.slice(start, start + Number(legacy[1]));
    if (!path.startsWith("_$LT$")) return path;
  }
  path = path.replace(/^_?(\$LT\$|<)/, "").replace(/^(\$RF\$|&)(mut(\$u20\$| ))?/, "");
  const crate = path.match(/^([A-Za-z_][A-Za-z0-9_]*)(\.\.|::)/);
  if (crate) return crate[1];
  return name.startsWith("_RNv") ? "(v0 mangled: core, alloc)" : name.startsWith("__") ? "(runtime)" : "(other)";
}

const functions = bodies.map((size, i) => ({ name: names.get(imported + i) ?? `func[${imported + i}]`, size }));
const total = functions.reduce((a, f) => a + f.size, 0);
const shown = grep ? functions.filter((f) => f.name.includes(grep)) : functions;
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${bytes.length} bytes, code ${total} bytes in ${functions.length} functions`);
console.log("\nper crate (by function name):");
const crates = new Map();
for (const f of shown) crates.set(crateOf(f.name), (crates.get(crateOf(f.name)) ?? 0) + f.size);
for (const [crate, size] of [...crates].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${String(size).padStart(9)} ${pct(size)}  ${crate}`);
}
console.log(`\nlargest functions${grep ? ` matching ${grep}` : ""}:`);
for (const f of [...shown].sort((a, b) => b.size - a.size).slice(0, top)) {
  console.log(`${String(f.size).padStart(9)} ${pct(f.size)}  ${f.name.slice(0, 140)}`);
}
