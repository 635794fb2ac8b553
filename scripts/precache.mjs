#!/usr/bin/env node
// Stamps a built console with its precache list and build id.
//
// trunk hashes the js/wasm/css names, so the service worker cannot list its
// shell by hand. This script lists every file of the build (index.html, the
// hashed js/wasm/css, wasm-bindgen snippets, icons, manifest), derives a build
// id from their contents, and writes both into sw.js (its `const PRECACHE`
// line) and into index.html as <meta name="sitrep-build">, which the page
// shows and the service worker checks before trusting a fetched index.html.
//
// Runs as a trunk post_build hook over $TRUNK_STAGING_DIR (see Trunk.toml), or
// by hand over a built dir: `node scripts/precache.mjs dist`. Re-running it on
// a stamped dir restamps it, so a copied build can be changed and restamped.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('usage: node scripts/precache.mjs <built dir> (or run as a trunk hook)');
  process.exit(2);
}

const SW = 'sw.js';
const PRECACHE_LINE = /^const PRECACHE = .*;$/m;
const BUILD_META = /[ \t]*<meta name="sitrep-build" content="[^"]*" \/>\n?/g;

// Development builds (trunk serve) get no service worker: a cached shell
// would hide every edit. The page then unregisters any worker left behind.
if (process.env.TRUNK_PROFILE && process.env.TRUNK_PROFILE !== 'release') {
  rmSync(join(dir, SW), { force: true });
  console.log(`precache: ${process.env.TRUNK_PROFILE} build, no service worker`);
  process.exit(0);
}

function walk(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.')) return []; // trunk's .stage and the like
    const p = join(d, e.name);
    return e.isDirectory() ? walk(p) : [relative(dir, p).split(sep).join('/')];
  });
}

// precompress.mjs's .br/.gz copies are how the server sends a file, not
// files of their own: the worker caches what the browser decoded.
const files = walk(dir).filter((f) => f !== SW && !/\.(br|gz)$/.test(f)).sort();
if (!files.includes('index.html')) throw new Error(`precache: no index.html in ${dir}`);
const html = readFileSync(join(dir, 'index.html'), 'utf8').replace(BUILD_META, '');
const sw = readFileSync(join(dir, SW), 'utf8').replace(PRECACHE_LINE, 'const PRECACHE = __SITREP_PRECACHE__;');
if (!PRECACHE_LINE.test(sw)) throw new Error(`precache: ${SW} has no "const PRECACHE = ...;" line`);

// The id covers the worker's own code too: a change to sw.js alone is a new
// version with its own cache, not a second worker fighting over the old one.
const hash = createHash('sha256');
for (const f of files) {
  hash.update(f).update('\0');
  hash.update(f === 'index.html' ? html : readFileSync(join(dir, f))).update('\0');
}
hash.update(sw);
const build = hash.digest('hex').slice(0, 12);

writeFileSync(join(dir, 'index.html'),
  html.replace('</head>', `<meta name="sitrep-build" content="${build}" />\n</head>`));
writeFileSync(join(dir, SW),
  sw.replace(PRECACHE_LINE, () => `const PRECACHE = ${JSON.stringify({ build, files })};`));
console.log(`precache: build ${build}, ${files.length} files`);
