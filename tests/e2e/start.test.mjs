// The console's start: the replica's engine (reading IndexedDB, decoding,
// folding, the stream, the outbox) is a chunk of its own, fetched only once
// someone is signed in, and an edit made before it has arrived is kept.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConsolePage } from './support/console_page.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

/** The engine's chunk: `<build>_boot.wasm` (scripts/split-wasm.mjs names chunks after their split point). */
const BOOT = /_boot\.wasm$/;

describe('the console start', () => {
  let server, browser;
  withServerAndBrowser((started) => {
    ({ server, browser } = started);
  });

  test('signed out, the sign-in form comes without the engine; signing in fetches it', async () => {
    // No service worker: every fetch is the page's own, so it can be seen.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const fetched = [];
    page.on('request', (r) => fetched.push(r.url()));
    const app = new ConsolePage(page, server.url);
    await page.goto(server.url + '/');
    await page.getByRole('heading', { name: 'Sign in to Sitrep' }).waitFor({ timeout: 10_000 });
    await page.waitForLoadState('networkidle');
    assert.deepEqual(fetched.filter((u) => BOOT.test(u)), []);
    await app.signIn();
    await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor({ timeout: 10_000 });
    await page.getByText('No incidents. Calm seas.').waitFor({ timeout: 10_000 });
    assert.equal(fetched.filter((u) => BOOT.test(u)).length, 1);
    await context.close();
  });

  test('an incident declared while the engine is still on its way is stored and delivered once it arrives', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const app = new ConsolePage(await context.newPage(), server.url);
    await app.open('/');
    // A slow link: the engine's chunk is held back on the next start.
    let release, asked;
    const held = new Promise((resolve) => (release = resolve));
    const requested = new Promise((resolve) => (asked = resolve));
    await app.page.route(BOOT, async (route) => {
      asked();
      await held;
      await route.continue();
    });
    await app.page.goto(server.url + '/new');
    await requested;
    await app.page.getByLabel('Title', { exact: true }).fill('Declared before the engine arrived');
    await app.page.getByLabel('Severity', { exact: true }).selectOption({ label: 'SEV2' });
    await app.page.getByRole('button', { name: 'Declare incident' }).click();
    release();
    await app.page.waitForURL(/\/incidents\//, { timeout: 10_000 });
    await app.page.getByRole('heading', { name: 'Declared before the engine arrived' }).waitFor({ timeout: 10_000 });
    await app.waitForEntry('Declared SEV2 · Declared before the engine arrived', 'delivered');
    // And it is in the local copy: a reload shows it from IndexedDB.
    await app.page.unroute(BOOT);
    await app.page.reload();
    await app.page.getByRole('heading', { name: 'Declared before the engine arrived' }).waitFor({ timeout: 10_000 });
    await context.close();
  });
});
