#!/usr/bin/env node
// Writes the CommonJS view of a package's type declarations (run by `npm pack` via `prepack`).
//
// The packages ship one ESM implementation; CommonJS callers `require()` it (Node ≥ 20.19
// loads ESM through require). TypeScript reads a `.d.ts` as ESM or CJS from the nearest
// package.json `type`, and under `module: node16` it refuses to let a CommonJS file import an ESM
// declaration. So the `require` condition of `exports` points at a copy of the declarations in
// `dist/cjs/`, whose package.json says `commonjs`: the same API, seen the way `require()` returns
// it (the module namespace object).
//
// Usage (from a package folder): node ../scripts/cjs-types.mjs
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

const dist = join(process.cwd(), 'dist');
const out = join(dist, 'cjs');
if (!existsSync(join(dist, 'index.d.ts'))) {
  console.error(`cjs-types: ${relative(process.cwd(), dist)}/index.d.ts is missing; build first`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });

function copyDeclarations(from, to) {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (src === out) continue;
    if (statSync(src).isDirectory()) copyDeclarations(src, join(to, name));
    else if (name.endsWith('.d.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(src, join(to, name));
    }
  }
}
copyDeclarations(dist, out);
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');
