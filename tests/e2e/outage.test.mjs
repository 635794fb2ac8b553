// Drills for a bad day: the network and the backend come and go, tabs close
// mid-delivery, and every edit still reaches the backend exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { SentEvents } from './support/console_page.mjs';
import { AppPage } from './support/pwa.mjs';
import { allEvents, startServer } from './support/server.mjs';

/** A page on a fresh context, its POSTs recorded, the service worker in control. */
async function openApp(browser, server, sent = new SentEvents()) {
  const context = await browser.newContext();
  const app = new AppPage(sent.watch(await context.newPage()), server.url);
  await app.open('/');
  await app.waitForServiceWorker();
  return { context, app, sent };
}

function assertOncePerId(events, label) {
  const ids = events.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, `${label}: an event is stored twice`);
}

describe('outage drills', { timeout: 420_000 }, () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('edits made with the network cut survive two reloads and are delivered once when it returns', async () => {
    let server = await startServer();
    const { context, app, sent } = await openApp(browser, server);

    await context.setOffline(true);
    await server.stop();
    await app.declare({ title: 'Edge network down in FRA', severity: 'SEV1' });
    for (let i = 1; i <= 20; i++) await app.addNote(`offline note ${i}`);
    await app.waitForPending('21 edits not yet delivered');
    assert.match(await app.connection().innerText(), /Offline/);

    await app.page.reload();
    await app.page.reload();
    await app.entry('offline note 20').getByText('not yet delivered').waitFor();
    await app.waitForPending('21 edits not yet delivered');

    server = await startServer({ dataDir: server.dataDir, port: server.port });
    await context.setOffline(false);
    await app.waitForAllDelivered();

    const stored = (await allEvents(server)).filter((e) => e.body.kind !== undefined);
    assert.equal(stored.length, 21);
    assertOncePerId(stored, 'offline edits');
    assert.deepEqual(sent.repeated(), [], 'nothing is sent twice');

    const other = new AppPage(await (await browser.newContext()).newPage(), server.url);
    await other.open('/');
    await other.incidentLink('Edge network down in FRA').click();
    await other.entry('offline note 20').waitFor();
    // The timeline renders only the rows in view; its count covers them all.
    await other.page.getByText('21 entries', { exact: true }).waitFor();
    await context.close();
    await other.page.context().close();
    await server.stop();
  });

  test('killing the server while notes are added loses nothing and duplicates nothing', async () => {
    let server = await startServer();
    const { context, app } = await openApp(browser, server);
    await app.declare({ title: 'Database failover', severity: 'SEV2' });
    for (let i = 1; i <= 30; i++) {
      await app.addNote(`during failover ${i}`);
      if (i === 10) await server.stop('SIGKILL');
    }
    server = await startServer({ dataDir: server.dataDir, port: server.port });
    await app.waitForAllDelivered(40_000);

    const stored = await allEvents(server);
    assert.equal(stored.length, 31);
    assertOncePerId(stored, 'after the kill');
    const notes = stored.filter((e) => e.body.kind === 'note_added').map((e) => e.body.text);
    assert.deepEqual(notes, Array.from({ length: 30 }, (_, i) => `during failover ${i + 1}`), 'in the order made');
    await context.close();
    await server.stop();
  });

  test('a tab closed in the middle of delivering leaves the rest to be delivered once', async () => {
    const server = await startServer();
    const { context, app, sent } = await openApp(browser, server);
    await context.setOffline(true);
    await app.declare({ title: 'Bulk import of alert notes', severity: 'SEV3' });
    // A backlog of more than three batches (2,000 events each, the
    // protocol's limit), written as the console writes edits, so delivery
    // takes several round trips.
    const count = 7000;
    await app.page.evaluate(async (count) => {
      const incident = location.pathname.split('/').pop();
      const db = await new Promise((ok, fail) => {
        const r = indexedDB.open('sitrep');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      const tx = db.transaction('events', 'readwrite');
      const base = Date.now();
      for (let i = 0; i < count; i++) {
        const id = `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
        // By the signed-in account, as the console writes them: another
        // account's queued edits would wait for that account.
        const event = { id, incident, author: 'ana', at: base + i, body: { kind: 'note_added', text: `alert ${i}` } };
        tx.objectStore('events').put({ id, made: base + 1_000_000 + i, json: JSON.stringify(event) });
      }
      await new Promise((ok) => (tx.oncomplete = ok));
      db.close();
    }, count);
    await app.page.reload();
    await app.waitForPending(`${count + 1} edits not yet delivered`);

    const firstBatch = app.page.waitForResponse((r) => r.url().endsWith('/api/v1/events'));
    await context.setOffline(false);
    await firstBatch;
    await app.page.close();
    const midway = (await allEvents(server)).length;
    assert.ok(midway > 0 && midway < count + 1, `closed mid-delivery (${midway} stored)`);

    const again = new AppPage(sent.watch(await context.newPage()), server.url);
    await again.open('/');
    await again.waitForAllDelivered();
    const stored = await allEvents(server);
    assert.equal(stored.length, count + 1);
    assertOncePerId(stored, 'after the tab closed');
    await context.close();
    await server.stop();
  });

  test('two tabs share edits even offline, and only one of them delivers each', async () => {
    let server = await startServer();
    const { context, app: first, sent } = await openApp(browser, server);
    const second = new AppPage(sent.watch(await context.newPage()), server.url);
    await second.open('/');

    await context.setOffline(true);
    await server.stop();
    await first.declare({ title: 'Two tabs, one outbox', severity: 'SEV2' });
    await first.addNote('written in the first tab');
    await second.incidentLink('Two tabs, one outbox').waitFor({ timeout: 5_000 });
    await second.waitForPending('2 edits not yet delivered');

    server = await startServer({ dataDir: server.dataDir, port: server.port });
    await context.setOffline(false);
    await first.waitForAllDelivered();
    await second.waitForAllDelivered();
    const stored = await allEvents(server);
    assert.equal(stored.length, 2);
    assert.deepEqual(sent.repeated(), [], 'each event is sent by one tab, once');
    await context.close();
    await server.stop();
  });

  test('a tab on an older local database steps aside for a newer console and says to reload', async () => {
    const server = await startServer();
    const { context, app } = await openApp(browser, server);
    await app.declare({ title: 'Upgrade mid-incident', severity: 'SEV3' });
    await app.waitForAllDelivered();

    // A newer console opens in another tab and upgrades the database: it
    // is not blocked by the old tab, which closes its connection.
    const newer = await context.newPage();
    await newer.goto(`${server.url}/status`);
    await newer.evaluate(() => new Promise((ok, fail) => {
      const r = indexedDB.open('sitrep', 99);
      r.onsuccess = () => { r.result.close(); ok(); };
      r.onerror = () => fail(r.error);
      r.onblocked = () => fail(new Error('the upgrade was blocked by the old tab'));
    }));
    const banner = app.page.getByTestId('replaced');
    await banner.getByText(/A newer version of Sitrep opened in another tab/).waitFor();

    // Edits still work from this tab, and a reload that would lose one
    // that only this tab holds asks first.
    await context.setOffline(true);
    await app.addNote('written after the upgrade');
    await banner.getByText('1 edit made since is not delivered yet').waitFor();
    const asked = new Promise((ok) => app.page.once('dialog', (d) => { ok(d.message()); d.dismiss(); }));
    await banner.getByRole('button', { name: 'Reload' }).click();
    assert.match(await asked, /reloading now would lose it/);
    await app.entry('written after the upgrade').waitFor();

    await context.setOffline(false);
    await app.waitForAllDelivered();
    await banner.getByText(/not delivered yet/).waitFor({ state: 'detached' });
    const stored = await allEvents(server);
    assert.deepEqual(stored.map((e) => e.body.text ?? e.body.title), ['Upgrade mid-incident', 'written after the upgrade']);
    await context.close();
    await server.stop();
  });

  test('a backend answering 503 shows as degraded, not offline, and the edit waits', async () => {
    const server = await startServer();
    const { context, app } = await openApp(browser, server);
    await app.page.route('**/api/v1/events', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"maintenance"}' })
        : route.continue());
    await app.declare({ title: 'Status backend unwell', severity: 'SEV4' });
    await app.connection().getByText(/Backend degraded/).waitFor();
    await app.waitForPending('1 edit not yet delivered');
    await app.page.unroute('**/api/v1/events');
    // The engine retries after its backoff (at most 30 s).
    await app.waitForAllDelivered(40_000);
    await context.close();
    await server.stop();
  });

  test('a backend that never answers is shown as degraded after the request timeout', async () => {
    const server = await startServer();
    const { context, app } = await openApp(browser, server);
    await app.page.route('**/api/v1/events', (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      // Never answered: the backend hangs.
    });
    await app.declare({ title: 'Hanging backend', severity: 'SEV4' });
    await app.connection().getByText(/Backend degraded/).waitFor({ timeout: 30_000 });
    await app.waitForPending('1 edit not yet delivered');
    await context.close();
    await server.stop();
  });

  test('when local storage is full the console says so and still delivers the edit', async () => {
    const server = await startServer();
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    // Full before the first visit: no database fits.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: 1 });
    const app = new AppPage(page, server.url);
    await app.open('/');
    await context.setOffline(true);
    await app.declare({ title: 'Disk full on the laptop', severity: 'SEV3' });
    await app.page.getByRole('alert').getByText(/Could not save locally \(the browser's storage is full\)/).waitFor();
    await app.waitForPending('1 edit not yet delivered');
    // The edit lives on in this tab and goes out when the network returns.
    await context.setOffline(false);
    await app.waitForAllDelivered();
    const stored = await allEvents(server);
    assert.deepEqual(stored.map((e) => e.body.title), ['Disk full on the laptop']);
    await context.close();
    await server.stop();
  });

  test('a stream message that does not parse is skipped and the session stays open', async () => {
    const server = await startServer();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.routeWebSocket('**/api/v1/stream**', (ws) => {
      const backend = ws.connectToServer();
      ws.send('this is not json');
      ws.send('{"type":"event","event":{"id":"x"}}');
      ws.onMessage((m) => backend.send(m));
      backend.onMessage((m) => ws.send(m));
    });
    const watcher = new AppPage(page, server.url);
    await watcher.open('/');
    const writer = new AppPage(await (await browser.newContext()).newPage(), server.url);
    await writer.open('/');
    await writer.declare({ title: 'Arrives after garbage', severity: 'SEV3' });
    await watcher.incidentLink('Arrives after garbage').waitFor({ timeout: 5_000 });
    assert.match(await watcher.connection().innerText(), /Online/);
    await context.close();
    await writer.page.context().close();
    await server.stop();
  });

  test('a device clock five minutes fast is flagged', async () => {
    const server = await startServer();
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const real = Date.now;
      Date.now = () => real() + 5 * 60_000;
    });
    const app = new AppPage(await context.newPage(), server.url);
    await app.open('/');
    await app.declare({ title: 'Clock check', severity: 'SEV4' });
    await app.page.getByTestId('clock-warning').getByText(/about 5 min ahead of the backend/).waitFor();
    await context.close();
    await server.stop();
  });
});
