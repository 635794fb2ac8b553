// Helpers for the installable/offline tests: the console page seen as an app
// (service worker, build id, update prompt) and builds made from a built dist.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConsolePage } from './console_page.mjs';

const root = resolve(import.meta.dirname, '../../..');
export const DIST = process.env.SITREP_DIST ?? join(root, 'dist');
const WAIT = 15_000;

export class AppPage extends ConsolePage {
  /** Resolves once a service worker controls the page (first visit: after install and claim). */
  async waitForServiceWorker() {
    await this.page.waitForFunction(async () => {
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    }, null, { timeout: WAIT });
  }

  /** The build id index.html was stamped with. */
  buildId() {
    return this.page.locator('meta[name="sitrep-build"]').getAttribute('content');
  }

  buildFooter() {
    return this.page.getByRole('contentinfo').filter({ hasText: /^Build / });
  }

  updatePrompt() {
    return this.page.getByRole('status').filter({ hasText: 'A new version of Sitrep is ready.' });
  }

  updateButton() {
    return this.updatePrompt().getByRole('button', { name: 'Reload to update' });
  }

  /** What a long-lived tab does every 30 minutes and when it becomes visible. */
  async checkForUpdate() {
    await this.page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  }

  /** Starts recording the registration's worker states and controller changes in the page. */
  async watchServiceWorkers() {
    await this.page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      const state = () => ['installing', 'waiting', 'active']
        .map((k) => `${k}=${reg[k] ? reg[k].state : '-'}`).join(' ');
      const log = (what) => window.swLog.push(`${Math.round(performance.now())} ms ${what}: ${state()}`);
      window.swLog = [];
      log('watching');
      for (const w of [reg.installing, reg.waiting, reg.active]) {
        w?.addEventListener('statechange', () => log(`a worker became ${w.state}`));
      }
      reg.addEventListener('updatefound', () => log('updatefound'));
      navigator.serviceWorker.addEventListener('controllerchange', () => log('controllerchange'));
      window.swLogState = () => { log('now'); return window.swLog.join('; '); };
    });
  }

  /** What watchServiceWorkers recorded, ending with the state now. */
  serviceWorkerLog() {
    return this.page.evaluate(() => window.swLogState?.() ?? 'not watching (the page was replaced)').catch((e) => `unreadable: ${e.message}`);
  }

  shellCaches() {
    return this.page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('sitrep-shell-')));
  }
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes) {
  const signature = '89504e470d0a1a0a';
  if (Buffer.from(bytes.subarray(0, 8)).toString('hex') !== signature) throw new Error('not a PNG');
  const view = Buffer.from(bytes);
  if (view.toString('ascii', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first');
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}

export async function copyBuild(from = DIST) {
  const dir = await mkdtemp(join(tmpdir(), 'sitrep-build-'));
  await cp(from, dir, { recursive: true });
  return dir;
}

/** Restamps a built dir (sw.js precache list, build id) as the trunk hook does. */
export function stamp(dir) {
  execFileSync(process.execPath, [join(root, 'scripts/precache.mjs'), dir], { stdio: 'pipe' });
}

/**
 * The next deploy, made from a copy of a build the way trunk would make it:
 * the stylesheet changes, so it gets a new hashed name and integrity hash,
 * then the dir is restamped.
 */
export async function nextBuild(from) {
  const dir = await copyBuild(from);
  const old = (await readdir(dir)).find((f) => /^main-[0-9a-f]+\.css$/.test(f));
  const css = (await readFile(join(dir, old), 'utf8')) + `\n/* next deploy ${Date.now()} */\n`;
  const name = `main-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
  const sri = (s) => `sha384-${createHash('sha384').update(s).digest('base64')}`;
  await writeFile(join(dir, name), css);
  let html = await readFile(join(dir, 'index.html'), 'utf8');
  html = html.replace(`/${old}`, `/${name}`).replace(sri(await readFile(join(dir, old))), sri(css));
  await writeFile(join(dir, 'index.html'), html);
  await rm(join(dir, old));
  stamp(dir);
  return dir;
}

export async function buildIdOf(dir) {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  return html.match(/<meta name="sitrep-build" content="([^"]+)"/)?.[1];
}
