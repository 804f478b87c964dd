// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
//
// Builds the UI into dist/: esbuild bundles src/main.js (ES modules, code
// splitting, so the note editor is its own chunk loaded on demand) with
// content-hashed names under dist/assets/, writes index.html pointing at
// them, copies public/, writes .gz and .br twins of every text file (the
// server picks one by Accept-Encoding), and refuses a build whose initial
// JavaScript + CSS exceeds the budget.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const BUDGET = 150 * 1024; // initial JS + CSS, uncompressed (issue 17)
const root = new URL('.', import.meta.url).pathname;
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(root, 'src/main.js')],
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: ['es2020'],
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// The entry's own files are the initial load; other chunks come on demand.
const outputs = result.metafile.outputs;
const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint === 'src/main.js');
const css = outputs[entry].cssBundle;
const initial = [entry, css, ...outputs[entry].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)];
const url = (f) => '/' + relative(dist, join(root, f));

// The chunks the entry imports are shared with the lazy pages: preloaded,
// so the browser fetches them beside the entry rather than after it.
const preload = initial
  .filter((f) => f !== entry && f !== css)
  .map((f) => `<link rel="modulepreload" href="${url(f)}">`)
  .join('\n');
const html = readFileSync(join(root, 'src/index.html'), 'utf8')
  .replace('%CSS%', url(css))
  .replace('%JS%', url(entry))
  .replace('%PRELOAD%', preload);
writeFileSync(join(dist, 'index.html'), html);
for (const f of readdirSync(join(root, 'public'))) copyFileSync(join(root, 'public', f), join(dist, f));

// Precompressed twins: the server never compresses files itself.
const texty = /\.(html|js|css|svg|json|webmanifest|txt)$/;
function walk(dir) {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}
for (const f of walk(dist).filter((f) => texty.test(f))) {
  const data = readFileSync(f);
  if (data.length < 512) continue;
  writeFileSync(f + '.gz', gzipSync(data, { level: 9 }));
  writeFileSync(f + '.br', brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}

let total = 0;
const rows = [];
for (const f of Object.keys(outputs)) {
  const size = outputs[f].bytes;
  const isInitial = initial.includes(f);
  if (isInitial) total += size;
  const br = statSync(join(root, f) + '.br', { throwIfNoEntry: false });
  rows.push(`${isInitial ? 'initial ' : 'lazy    '} ${String(size).padStart(8)} B  br ${String(br ? br.size : size).padStart(7)} B  ${relative(dist, join(root, f))}`);
}
console.log(rows.sort().join('\n'));
console.log(`initial JS + CSS: ${total} B of a ${BUDGET} B budget`);
if (total > BUDGET) {
  console.error('build: the initial JavaScript and CSS exceed the budget');
  process.exit(1);
}
