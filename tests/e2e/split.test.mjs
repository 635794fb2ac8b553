// The console ships as a first-screen module plus a wasm chunk per heavier
// page and overlay (scripts/split-wasm.mjs, docs/size.md). The first screen must not
// wait for those chunks, and an installed console must still start offline
// on every route: the service worker precaches every chunk at install.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { AppPage, DIST } from './support/pwa.mjs';
import { startServer } from './support/server.mjs';

const WAIT = 15_000;

/** Every route of the console and the level-1 heading it shows. */
const routes = (id, title) => [
  ['/', 'Incidents'],
  ['/new', 'Declare an incident'],
  ['/maintenance/new', 'Plan maintenance'],
  [`/incidents/${id}`, title],
  [`/incidents/${id}/comms`, `Comms desk: ${title}`],
  [`/incidents/${id}/postmortem`, `Post-mortem: ${title}`],
  ['/metrics', 'Metrics'],
  ['/settings', 'Settings'],
  ['/upstreams', 'Upstream providers'],
  ['/admin/accounts', 'Accounts'],
  ['/admin/tokens', 'API tokens'],
  ['/admin/audit', 'Audit trail'],
  ['/alerts', 'Alert inbox'],
];

describe('the split console', () => {
  let browser;
  let server;
  before(async () => {
    browser = await launchBrowser();
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the build has page chunks and the service worker precaches every one of them', async () => {
    const sw = await readFile(join(DIST, 'sw.js'), 'utf8');
    const { files } = JSON.parse(sw.match(/^const PRECACHE = (.*);$/m)[1]);
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    for (const page of ['settings', 'postmortem', 'metrics', 'upstreams', 'comms', 'plan_maintenance', 'room', 'admin_accounts', 'admin_tokens', 'admin_audit', 'alerts']) {
      assert.ok(wasm.some((f) => f.endsWith(`_${page}.wasm`)), `a chunk for ${page} in ${wasm.join(', ')}`);
    }
    assert.ok(files.some((f) => f.endsWith('_split.js')), 'the chunk loader is precached');
  });

  test('the main module comes first, every page chunk follows in the background, and a page then opens without fetching', async () => {
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), server.url);
    const fetched = [];
    app.page.on('request', (r) => r.url().endsWith('.wasm') && fetched.push(new URL(r.url()).pathname));
    // open() waits until the console says every page's code is loaded.
    await app.open('/');
    await app.page.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor({ timeout: WAIT });
    assert.match(fetched[0], /^\/sitrep-[0-9a-f]{1,16}_bg\.wasm$/, `the main module first: ${fetched.join(', ')}`);
    for (const page of ['declare', 'room', 'comms', 'postmortem', 'plan_maintenance', 'settings', 'metrics', 'upstreams', 'admin_accounts', 'admin_tokens', 'admin_audit', 'alerts']) {
      assert.ok(fetched.some((f) => f.endsWith(`_${page}.wasm`)), `the ${page} chunk was fetched in the background`);
    }

    // Opening a page then needs nothing more from the network.
    const before = fetched.length;
    await app.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await app.page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor({ timeout: WAIT });
    assert.equal(fetched.length, before, `nothing fetched to open Settings: ${fetched.slice(before).join(', ')}`);
    await context.close();
  });

  test('installed, with the network cut and the server gone, every route opens from the cache', async () => {
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), server.url);
    await app.open('/');
    await app.waitForServiceWorker();
    await app.declare({ title: 'Checkout failing in one region', severity: 'SEV2' });
    await app.waitForEntry('Declared SEV2 · Checkout failing in one region', 'delivered');
    const id = new URL(app.page.url()).pathname.split('/')[2];

    await context.setOffline(true);
    await server.stop();
    server = null;

    for (const [path, heading] of routes(id, 'Checkout failing in one region')) {
      const fromNetwork = [];
      const watch = (r) => r.url().endsWith('.wasm') && !r.fromServiceWorker() && fromNetwork.push(r.url());
      app.page.on('response', watch);
      await app.page.goto(app.baseURL + path);
      await app.page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor({ timeout: WAIT });
      app.page.off('response', watch);
      assert.deepEqual(fromNetwork, [], `${path}: every module from the service worker`);
    }
    // The overlays are chunks too: the palette opens offline and finds the incident.
    await app.page.keyboard.press('Control+k');
    const palette = app.page.getByRole('dialog', { name: 'Command palette' });
    await palette.getByRole('combobox', { name: 'Search commands' }).fill('checkout');
    await palette.getByRole('option', { name: 'Open: Checkout failing in one region' }).waitFor({ timeout: WAIT });
    await context.close();
  });
});
