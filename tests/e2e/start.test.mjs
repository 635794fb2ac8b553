// The console's start: the replica's engine (reading IndexedDB, decoding,
// folding, the stream, the outbox) is a chunk of its own, fetched only once
// someone is signed in, and an edit made before it has arrived is kept, even
// when the chunk cannot be fetched at first (the link drops mid-start).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConsolePage } from './support/console_page.mjs';
import { eventually } from './support/seed.mjs';
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
    // Until the engine stores it, the edit is only in this tab's memory:
    // leaving the page asks first.
    const leavingAsks = () => app.page.evaluate(() => {
      const leaving = new Event('beforeunload', { cancelable: true });
      dispatchEvent(leaving);
      return leaving.defaultPrevented;
    });
    await eventually(async () => assert.equal(await leavingAsks(), true, 'leaving asks while the edit waits for the engine'));
    release();
    await app.page.waitForURL(/\/incidents\//, { timeout: 10_000 });
    await app.page.getByRole('heading', { name: 'Declared before the engine arrived' }).waitFor({ timeout: 10_000 });
    await app.waitForEntry('Declared SEV2 · Declared before the engine arrived', 'delivered');
    assert.equal(await leavingAsks(), false, 'once stored, leaving no longer asks');
    // And it is in the local copy: a reload shows it from IndexedDB.
    await app.page.unroute(BOOT);
    await app.page.reload();
    await app.page.getByRole('heading', { name: 'Declared before the engine arrived' }).waitFor({ timeout: 10_000 });
    await context.close();
  });

  test('a chunk that cannot be fetched is fetched again: the console stays up and the edit made meanwhile is delivered', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const app = new ConsolePage(await context.newPage(), server.url);
    const panics = [];
    // A panic in the wasm aborts it: the hook logs "panicked at", then the
    // module traps ("unreachable").
    const aborted = (text) => { if (/panicked|unreachable/.test(text)) panics.push(text); };
    app.page.on('console', (m) => aborted(m.text()));
    app.page.on('pageerror', (e) => aborted(String(e)));
    await app.open('/');
    // The link drops as the console starts: the engine's chunk and every
    // page's chunk fail, twice each, then the network is back.
    const failures = new Map();
    let failed;
    const firstFailure = new Promise((resolve) => (failed = resolve));
    await app.page.route(/\.wasm$/, async (route) => {
      const url = route.request().url();
      if (/_bg\.wasm$/.test(url)) return route.continue();
      const n = failures.get(url) ?? 0;
      if (n >= 2) return route.continue();
      failures.set(url, n + 1);
      failed();
      await route.abort('internetdisconnected');
    });
    await app.page.goto(server.url + '/new');
    await firstFailure;
    await app.page.getByLabel('Title', { exact: true }).fill('Declared while the link dropped');
    await app.page.getByLabel('Severity', { exact: true }).selectOption({ label: 'SEV2' });
    await app.page.getByRole('button', { name: 'Declare incident' }).click();
    await app.page.waitForURL(/\/incidents\//, { timeout: 30_000 });
    await app.page.getByRole('heading', { name: 'Declared while the link dropped' }).waitFor({ timeout: 30_000 });
    await app.waitForEntry('Declared SEV2 · Declared while the link dropped', 'delivered');
    // Every page's chunk arrived in the end (the background preload retried).
    await app.page.locator('html[data-pages="loaded"]').waitFor({ state: 'attached', timeout: 60_000 });
    assert.ok([...failures.keys()].some((u) => BOOT.test(u)), 'the engine chunk failed at least once');
    assert.deepEqual(panics, []);
    await context.close();
  });

  test("every page's code is fetched after the catch-up, and at the latest 15 s after the start when the catch-up never ends", async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const app = new ConsolePage(await context.newPage(), server.url);
    await app.open('/');
    // A stream that opens and stalls: the backend's `caught_up` never arrives.
    await app.page.routeWebSocket('**/api/v1/stream**', (ws) => {
      const backend = ws.connectToServer();
      ws.onMessage((m) => backend.send(m));
      backend.onMessage((m) => {
        if (typeof m === 'string' && JSON.parse(m).type === 'caught_up') return;
        ws.send(m);
      });
    });
    const pagesLoaded = app.page.locator('html[data-pages="loaded"]');
    await app.page.reload();
    await app.page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor({ timeout: 10_000 });
    // Held back while the catch-up runs (its fetches would slow the list)…
    await app.page.waitForTimeout(5_000);
    assert.equal(await pagesLoaded.count(), 0, 'no preload while the catch-up has not ended');
    // …but not for good: an outage may take the network next.
    await pagesLoaded.waitFor({ state: 'attached', timeout: 30_000 });
    await context.close();
  });
});
