// Measures the console's first load: every script, stylesheet and wasm
// module that dist/index.html names, i.e. what a browser fetches before the
// sign-in form works. Prints raw, gzip (-9) and brotli (max) sizes per file
// and in total; with --budget-kb N it exits 1 when the gzip total exceeds
// N KB (1 KB = 1000 B), so the test command fails on a size regression;
// --target-kb N only prints how far the total is from N (for the bench).
// Sizes are deterministic for a given build: this is a check, not a timing.
//
//   node scripts/first-load.mjs [--dist dist] [--budget-kb N] [--target-kb N]
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dist = opt('--dist') ?? 'dist';
const kbOption = (name) => {
  const arg = opt(name);
  if (arg === undefined) return undefined;
  const n = Number(arg);
  if (!(n > 0)) {
    console.error(`first-load: ${name} wants a positive number, not ${JSON.stringify(arg)}`);
    process.exit(2);
  }
  return n;
};
const budgetKb = kbOption('--budget-kb');
const targetKb = kbOption('--target-kb');

const indexPath = join(dist, 'index.html');
if (!existsSync(indexPath)) {
  console.error(`first-load: ${indexPath} is missing; build the console first (trunk build --release)`);
  process.exit(2);
}
const html = readFileSync(indexPath, 'utf8');

// Every same-origin path in index.html ending in .wasm, .js or .css, in order
// of appearance, each once: trunk's preload links, its init script (which
// names the wasm) and our own sw-register.js all show up this way.
const files = [];
for (const m of html.matchAll(/["'(]\/?([\w./-]+\.(?:wasm|js|css))["')]/g)) {
  const name = m[1].replace(/^\.\//, '');
  if (!files.includes(name)) files.push(name);
}
const missing = files.filter((f) => !existsSync(join(dist, f)));
if (files.length === 0 || missing.length > 0) {
  console.error(`first-load: index.html names ${files.length} files; missing in ${dist}: ${missing.join(', ') || '(none named)'}`);
  process.exit(2);
}
if (!files.some((f) => f.endsWith('.wasm'))) {
  console.error('first-load: index.html names no .wasm module; is this a trunk build?');
  process.exit(2);
}

const kib = (n) => (n / 1024).toFixed(1).padStart(8);
const rows = files.map((f) => {
  const bytes = readFileSync(join(dist, f));
  return {
    f,
    raw: statSync(join(dist, f)).size,
    gz: gzipSync(bytes, { level: 9 }).length,
    br: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gz: t.gz + r.gz, br: t.br + r.br }), { raw: 0, gz: 0, br: 0 });

console.log('first load: what dist/index.html fetches (KiB)      raw     gzip   brotli');
for (const r of [...rows, { f: 'total', ...total }]) {
  console.log(`  ${r.f.padEnd(46)} ${kib(r.raw)} ${kib(r.gz)} ${kib(r.br)}`);
}
const kb = (total.gz / 1000).toFixed(1);
if (budgetKb !== undefined) {
  const diff = (total.gz / 1000 - budgetKb).toFixed(1);
  if (total.gz > budgetKb * 1000) {
    console.error(`first-load: ${kb} KB gzip is over the ${budgetKb} KB budget by ${diff} KB`);
    process.exit(1);
  }
  console.log(`first-load: ${kb} KB gzip, within the ${budgetKb} KB budget (${diff} KB)`);
}
if (targetKb !== undefined) {
  const diff = total.gz / 1000 - targetKb;
  console.log(`first-load: ${kb} KB gzip, ${Math.abs(diff).toFixed(1)} KB ${diff > 0 ? 'over' : 'under'} the ${targetKb} KB target`);
} else if (budgetKb === undefined) {
  console.log(`first-load: ${kb} KB gzip`);
}
