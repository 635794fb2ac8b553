#!/usr/bin/env node
// Writes a brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside
// every content-hashed js, wasm and css file of a release build.
//
// The server sends the smallest copy the browser accepts (console.rs): the
// console is fetched over a bad link when things are already bad, and brotli
// 11 is about a quarter smaller than gzip for our wasm, but far too slow to
// run per request. Hashed names never change content, so the copies never go
// stale. Runs after precache.mjs (Trunk.toml), which leaves these copies out
// of the service worker's list: the worker caches what the server decoded.
//
// Usage: a trunk post_build hook over $TRUNK_STAGING_DIR, or by hand:
// `node scripts/precompress.mjs dist`.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('usage: node scripts/precompress.mjs <built dir> (or run as a trunk hook)');
  process.exit(2);
}
// Development builds are served by the same server, which compresses with
// gzip on the fly; brotli 11 over every rebuild would only slow `trunk serve`.
if (process.env.TRUNK_PROFILE && process.env.TRUNK_PROFILE !== 'release') {
  console.log(`precompress: ${process.env.TRUNK_PROFILE} build, nothing to do`);
  process.exit(0);
}

// The same test as the server's `is_content_hashed`: `name-<16 hex>…`.
const HASHED = /-[0-9a-f]{16}([._][^/]*)?\.(js|wasm|css)$/;
let raw = 0;
let br = 0;
let files = 0;
for (const name of readdirSync(dir)) {
  if (!HASHED.test(name)) continue;
  const bytes = readFileSync(join(dir, name));
  const brotli = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  writeFileSync(join(dir, `${name}.br`), brotli);
  writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  raw += bytes.length;
  br += brotli.length;
  files += 1;
}
console.log(`precompress: ${files} files, ${(raw / 1000).toFixed(1)} KB → ${(br / 1000).toFixed(1)} KB brotli`);
