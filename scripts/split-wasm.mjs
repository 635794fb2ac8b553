#!/usr/bin/env node
// Splits the console's wasm into the first screen's module and one chunk per
// lazily loaded page, so a phone on a bad link fetches only what the sign-in
// form and the incident list need (issue 14; docs/size.md).
//
// Trunk 0.21 cannot split (trunk-rs/trunk#1022): it runs wasm-bindgen on
// cargo's module, which keeps the split points' placeholder imports. This
// trunk post_build hook redoes that last step itself, from cargo's module:
//   1. `wasm-split-cli` (crate wasm_split_cli_support) cuts cargo's module at
//      the `#[lazy]` split points (src/routes.rs). It needs the relocations
//      that `-Clink-args=--emit-relocs` (.cargo/config.toml) keeps, which is
//      why it reads cargo's output and not trunk's: wasm-bindgen drops them.
//   2. wasm-bindgen turns the main part into the JS glue and the main module,
//      keeping the linker's exports (table, memory, stack pointer) that the
//      chunks import; in release wasm-opt -Oz then shrinks every module
//      (index.html turns trunk's own wasm-opt off: it would only optimise
//      the module this hook replaces).
//   3. Every file gets one name hashed from all of their contents: the split
//      tool lays out chunks in an order that can differ between runs of the
//      same input, so a main module may only ever meet its own chunks, and
//      the server caches hashed names for good.
//   4. index.html is pointed at the new names, with fresh integrity hashes.
// The loader is changed in one way: a chunk that cannot be fetched is fetched
// again rather than reported as failed (see `fetchAgainUntilLoaded`).
// The modules as they were before wasm-opt stay in target/wasm-split/<profile>
// (main_bg.wasm and the chunks), for scripts/wasm-sizes.
// scripts/precache.mjs runs after this (Trunk.toml), so the service worker
// precaches every chunk: an installed console starts offline on any route.
//
// Runs as a trunk hook over $TRUNK_STAGING_DIR, or by hand:
//   node scripts/split-wasm.mjs <staging dir> [release|debug]
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const BIN = 'sitrep';
const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
const profile = process.argv[3] ?? process.env.TRUNK_PROFILE ?? 'release';
if (!dir) {
  console.error('usage: node scripts/split-wasm.mjs <staging dir> [release|debug] (or run as a trunk hook)');
  process.exit(2);
}
const release = profile === 'release';
const targetDir = process.env.CARGO_TARGET_DIR ?? join(process.env.TRUNK_SOURCE_DIR ?? '.', 'target');
const cargoWasm = join(targetDir, 'wasm32-unknown-unknown', release ? 'release' : 'debug', `${BIN}.wasm`);
const publicUrl = process.env.TRUNK_PUBLIC_URL ?? '/';
if (!existsSync(cargoWasm)) throw new Error(`split-wasm: ${cargoWasm} is missing: the ${profile} cargo build comes first`);

// wasm-split-cli's loader reports a chunk it could not fetch as failed, and
// the Rust side of a split point panics on that, which aborts the whole wasm
// module: one dropped request while the console starts (the engine's chunk,
// or the background preload of every page) would take the console down with
// every edit still waiting in memory. Outages take the network with them,
// so a chunk that cannot be fetched is fetched again instead (after 1 s,
// doubling to 30 s, or as soon as the browser is back online) and the split
// point simply waits. `<html data-chunks="waiting">` says so meanwhile.
const WRAP_ASYNC_CB = /function wrapAsyncCb\(callee\) \{[\s\S]*?\n\}\n/;
const FETCH_AGAIN = `function wrapAsyncCb(callee) {
    return async (callbackIndex, callbackData) => {
        const html = document.documentElement.dataset;
        for (let wait = 1000; ; wait = Math.min(wait * 2, 30000)) {
            try { await callee(); break; } catch (e) {
                console.warn(e);
                html.chunks = "waiting";
                await new Promise((ok) => { setTimeout(ok, wait); addEventListener("online", ok, { once: true }); });
            }
        }
        delete html.chunks;
        getSharedImports().__wasm_split.__indirect_function_table.get(callbackIndex)(callbackData, true);
    };
}
`;
function fetchAgainUntilLoaded(loader) {
  if (!WRAP_ASYNC_CB.test(loader) || !loader.includes('thisLoad.catch(')) {
    throw new Error('split-wasm: the loader has no wrapAsyncCb (or no longer forgets a failed load); has wasm-split-cli changed its output?');
  }
  return loader.replace(WRAP_ASYNC_CB, FETCH_AGAIN);
}

function failed(cmd, e) {
  const why = e.code === 'ENOENT' ? `${cmd} is not installed (bash scripts/setup installs it)` : String(e.stderr || e.message);
  return new Error(`split-wasm: ${cmd} failed: ${why}`);
}

function run(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw failed(cmd, e);
  }
}

// Runs `cmd` once per argument list, one run per core at a time. wasm-opt is
// binaryen's JS build: most of each of its ~260 runs is node loading it, so
// one at a time left a core idle for minutes.
async function runEach(cmd, argLists) {
  const queue = [...argLists];
  const one = (args) => new Promise((ok, fail) =>
    execFile(cmd, args, (e, _out, stderr) => (e ? fail(failed(cmd, Object.assign(e, { stderr }))) : ok())));
  const worker = async () => {
    for (let args = queue.shift(); args; args = queue.shift()) await one(args);
  };
  await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker));
}

// Trunk's outputs for the bin: <bin>-<hash>.js and <bin>-<hash>_bg.wasm; the
// hash is a u64 in hex without leading zeros, so up to 16 digits, not always 16.
const staged = readdirSync(dir);
const trunkJs = staged.filter((f) => new RegExp(`^${BIN}-[0-9a-f]{1,16}\\.js$`).test(f));
if (trunkJs.length !== 1) throw new Error(`split-wasm: expected one ${BIN}-<hash>.js in ${dir}, found ${trunkJs.length}`);
const trunkName = trunkJs[0].slice(0, -'.js'.length);
if (!staged.includes(`${trunkName}_bg.wasm`)) throw new Error(`split-wasm: ${trunkName}_bg.wasm is missing in ${dir}`);

const work = mkdtempSync(join(tmpdir(), 'sitrep-split-'));
try {
  // (1) Split. Placeholder names; the final names depend on the contents.
  const parts = join(work, 'parts');
  run('wasm-split-cli', [cargoWasm, parts, '--out-name', 'main']);
  // (2) Bindgen the main part, then optimise every module.
  const glue = join(work, 'glue');
  run('wasm-bindgen', [join(parts, 'main.wasm'), '--out-dir', glue,
    '--out-name', 'main', '--target', 'web', '--no-typescript', '--keep-lld-exports']);
  const chunks = readdirSync(parts).filter((f) => f.endsWith('.wasm') && f !== 'main.wasm').sort();
  const modules = [join(glue, 'main_bg.wasm'), ...chunks.map((c) => join(parts, c))];
  // Kept before wasm-opt (which drops the names) for scripts/wasm-sizes.
  const keep = join(targetDir, 'wasm-split', profile);
  rmSync(keep, { recursive: true, force: true });
  mkdirSync(keep, { recursive: true });
  for (const m of modules) copyFileSync(m, join(keep, basename(m)));
  // SITREP_WASM_NAMES=1 keeps the function names (a bigger download, the
  // same code) so a CPU profile of a release build says where time goes.
  const names = process.env.SITREP_WASM_NAMES === '1' ? ['-g'] : [];
  if (release) await runEach('wasm-opt', modules.map((m) => ['-Oz', ...names, m, '-o', m]));

  // (3) One hash over everything this build is made of.
  let js = readFileSync(join(glue, 'main.js'), 'utf8');
  let loader = readFileSync(join(parts, '__wasm_split.js'), 'utf8');
  // This script's own text counts too: it rewrites what it names.
  const hash = createHash('sha256').update(readFileSync(new URL(import.meta.url))).update(js).update(loader);
  for (const m of modules) hash.update(readFileSync(m));
  const name = `${BIN}-${hash.digest('hex').slice(0, 16)}`;
  // Short, readable names: `split___settings_route_view_<n>` (a lazy route)
  // → `settings`, `split_palette_<n>` (a #[lazy] fn) → `palette`; shared
  // chunks keep theirs (`chunk_9`).
  // Two lazy functions of one name (in different modules) keep their long
  // names rather than overwrite each other.
  const shorten = (stem) => stem.replace(/^split_+(\w+?)(_route_view)?_\d+$/, '$1');
  const unique = new Set(chunks.map((c) => shorten(c.slice(0, -'.wasm'.length)))).size === chunks.length;
  const short = (stem) => (unique ? shorten(stem) : stem);
  const chunkName = (c) => `${name}_${short(c.slice(0, -'.wasm'.length))}.wasm`;
  const loaderName = `${name}_split.js`;

  // Only the JS imports: the wasm's own import module keeps its name, so the
  // key it is looked up by in the imports object stays too.
  js = js.replaceAll('from "./__wasm_split.js"', `from ${JSON.stringify(`./${loaderName}`)}`);
  loader = loader.replace('from "./main.js"', `from ${JSON.stringify(`./${name}.js`)}`);
  for (const c of chunks) loader = loader.replaceAll(JSON.stringify(`./${c}`), JSON.stringify(`./${chunkName(c)}`));
  loader = fetchAgainUntilLoaded(loader);
  if (js.includes('from "./__wasm_split.js"') || loader.includes('./main.js') || /"\.\/(chunk|split)_[^"]*\.wasm"/.test(loader)) {
    throw new Error('split-wasm: the loader names a file this script did not rename; has wasm-split-cli changed its output?');
  }

  rmSync(join(dir, `${trunkName}.js`));
  rmSync(join(dir, `${trunkName}_bg.wasm`));
  writeFileSync(join(dir, `${name}.js`), js);
  writeFileSync(join(dir, `${name}_bg.wasm`), readFileSync(modules[0]));
  writeFileSync(join(dir, loaderName), loader);
  for (const c of chunks) writeFileSync(join(dir, chunkName(c)), readFileSync(join(parts, c)));

  // (4) index.html: new names, their integrity, and the loader preloaded with
  // the glue (it imports the loader, so the browser would find it late).
  const sri = (f) => `sha384-${createHash('sha384').update(readFileSync(join(dir, f))).digest('base64')}`;
  let html = readFileSync(join(dir, 'index.html'), 'utf8').replaceAll(trunkName, name);
  html = html.replace(/(href="[^"]*\/([^"/]+)"[^>]*?integrity=")sha384-[^"]*"/g,
    (whole, head, file) => (file.startsWith(name) ? `${head}${sri(file)}"` : whole));
  const preload = `<link rel="modulepreload" href="${publicUrl}${loaderName}" crossorigin="anonymous" integrity="${sri(loaderName)}">`;
  html = html.replace('</head>', `${preload}\n</head>`);
  writeFileSync(join(dir, 'index.html'), html);
  console.log(`split-wasm: ${name}: main module and ${chunks.length} chunks (${profile})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
