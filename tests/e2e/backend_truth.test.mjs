// The header tells the truth about the backend: a backend that lost its log
// is named as such (never "All edits delivered") and Re-send delivers this
// browser's edits to it once, also when the new log was written past the
// console's cursor before it came back (the log's name tells); a signed-out console says only that and what
// waits; a backend without the optional upstreams endpoint is not waited for.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage, TEST_PASSWORD, signedInPage } from './support/console_page.mjs';
import { allEvents, startServer } from './support/server.mjs';

/** Posts an event as another console would (the API, ana's token). */
async function fromElsewhere(server, incident, body) {
  const id = crypto.randomUUID();
  const res = await fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { ...server.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ events: [{ id, incident, author: 'ana', at: Date.now(), body }] }),
  });
  assert.equal(res.status, 200, await res.text());
  return id;
}

/** Posts a note as another console would. */
async function noteFromElsewhere(server, incident, text) {
  return fromElsewhere(server, incident, { kind: 'note_added', text });
}

describe('the header tells the truth about the backend', { timeout: 300_000 }, () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a backend reset to an empty log is named in the header, and Re-send delivers this browser\'s edits to it once', async () => {
    const old = await startServer();
    const context = await browser.newContext();
    const app = await signedInPage(context, old);
    await app.declare({ title: 'Made before the reset' });
    await app.addNote('held as delivered');
    // The header said "All edits delivered" for the declaration already: wait
    // for the note to be delivered itself (on a loaded machine it trails).
    await app.waitForEntry('held as delivered');
    await app.waitForAllDelivered();
    const mine = await allEvents(old);
    assert.equal(mine.length, 2);
    const elsewhere = await noteFromElsewhere(old, mine[0].incident, 'posted by another console');
    await app.entry('posted by another console').waitFor({ timeout: 10_000 });

    // The backend comes back at the same address with an empty data dir.
    await old.stop();
    const fresh = await startServer({ port: old.port });
    // Its sessions are not the old one's: sign in again.
    await app.page.getByTestId('signed-out').waitFor({ timeout: 30_000 });
    await app.signIn('ana', TEST_PASSWORD);

    const alarm = app.page.getByTestId('backend-behind');
    await alarm.waitFor({ timeout: 30_000 });
    assert.equal(await alarm.getAttribute('role'), 'alert');
    assert.match(await alarm.innerText(), /ends at #0 but this console had read up to #3/);
    assert.match(await alarm.innerText(), /the 2 edits made in this browser/);
    await app.waitForPending('Edits shown as delivered are missing from the backend');
    assert.match(await app.connection().innerText(), /Backend is missing edits/);
    assert.doesNotMatch(await app.page.getByRole('status', { name: 'Delivery' }).innerText(), /All edits delivered/);
    assert.equal((await allEvents(fresh)).length, 0, 'nothing is re-sent without asking');

    await alarm.getByRole('button', { name: 'Re-send' }).click();
    await alarm.waitFor({ state: 'detached', timeout: 10_000 });
    await app.waitForAllDelivered();
    await app.waitForEntry('held as delivered');
    // Give a second, duplicate delivery the chance to happen before counting.
    await app.page.waitForTimeout(1500);
    const stored = await allEvents(fresh);
    assert.deepEqual(
      stored.map((e) => e.id).sort(),
      mine.map((e) => e.id).sort(),
      'exactly this browser\'s edits, with their ids, each once',
    );
    assert.deepEqual(stored.map((e) => e.body), mine.map((e) => e.body), 'in the order made');
    assert.ok(!stored.some((e) => e.id === elsewhere), 'another console\'s edit is its own to re-send');
    assert.equal(await app.entry('posted by another console').count(), 0, 'the lost log is not shown as delivered');

    // A reload reads the same truth back from IndexedDB and the backend.
    await app.page.reload();
    await app.entry('held as delivered').getByText('delivered', { exact: true }).waitFor({ timeout: 10_000 });
    await app.waitForAllDelivered();
    assert.equal(await alarm.count(), 0);
    assert.equal((await allEvents(fresh)).length, 2);
    await context.close();
    await fresh.stop();
  });

  test('a backend reset and written past the console\'s cursor is named in the header', async () => {
    const old = await startServer();
    const context = await browser.newContext();
    const app = await signedInPage(context, old);
    await app.declare({ title: 'Made before the replacement' });
    await app.addNote('held as delivered');
    await app.waitForEntry('held as delivered');
    await app.waitForAllDelivered();
    const mine = await allEvents(old);
    assert.equal(mine.length, 2, 'the console has read up to #2');

    // While the console is cut off, the backend comes back at the same
    // address with an empty data dir, and others write past #2 in it: its
    // head alone would pass for the old log.
    await context.setOffline(true);
    await old.stop();
    const fresh = await startServer({ port: old.port });
    const incident = crypto.randomUUID();
    await fromElsewhere(fresh, incident, {
      kind: 'declared', title: 'Declared on the new log', severity: 'sev3', summary: '', started_at: Date.now(),
    });
    for (const text of ['one', 'two', 'three']) await noteFromElsewhere(fresh, incident, `elsewhere ${text}`);
    assert.equal((await allEvents(fresh)).length, 4);
    await context.setOffline(false);
    await app.page.getByTestId('signed-out').waitFor({ timeout: 30_000 });
    await app.signIn('ana', TEST_PASSWORD);

    const alarm = app.page.getByTestId('backend-behind');
    await alarm.waitFor({ timeout: 30_000 });
    assert.equal(await alarm.getAttribute('role'), 'alert');
    assert.match(await alarm.innerText(), /not the one this console synced with/);
    assert.match(await alarm.innerText(), /the 2 edits made in this browser/);
    await app.waitForPending('Edits shown as delivered are missing from the backend');
    assert.match(await app.connection().innerText(), /Backend is missing edits/);
    assert.equal((await allEvents(fresh)).length, 4, 'nothing is re-sent without asking');

    await alarm.getByRole('button', { name: 'Re-send' }).click();
    await alarm.waitFor({ state: 'detached', timeout: 10_000 });
    await app.waitForAllDelivered();
    await app.waitForEntry('held as delivered');
    await app.page.waitForTimeout(1500);
    const stored = await allEvents(fresh);
    assert.equal(stored.length, 6);
    assert.deepEqual(
      stored.slice(4).map((e) => e.id),
      mine.map((e) => e.id),
      'this browser\'s edits, with their ids, each once, in the order made',
    );

    // The new log's name was kept with the cursor: after a reload, the
    // backend's caught_up (naming it) raises no alarm.
    const caughtUp = new Promise((ok) => {
      app.page.on('websocket', (ws) =>
        ws.on('framereceived', ({ payload }) => {
          if (String(payload).includes('"type":"caught_up"')) ok(JSON.parse(String(payload)));
        }),
      );
    });
    await app.page.reload();
    await app.entry('held as delivered').getByText('delivered', { exact: true }).waitFor({ timeout: 10_000 });
    assert.match((await caughtUp).log ?? '', /^[0-9a-f]{32}$/, 'the backend names its log');
    await app.page.waitForTimeout(1000);
    await app.waitForAllDelivered();
    assert.equal(await alarm.count(), 0);
    assert.equal((await allEvents(fresh)).length, 6);
    await context.close();
    await fresh.stop();
  });

  test('after the session ends the header says only "Signed out — N edits waiting" with the sign-in form', async () => {
    const server = await startServer({ args: ['--session-ms', '4000'] });
    const context = await browser.newContext();
    const app = await signedInPage(context, server);
    await context.setOffline(true);
    await app.declare({ title: 'Made while the session ran out' });
    await app.addNote('waiting for a sign-in');
    await app.waitForPending('2 edits not yet delivered');
    await app.page.waitForTimeout(4500);
    await context.setOffline(false);

    const delivery = app.page.getByRole('status', { name: 'Delivery' });
    await delivery.getByText('Signed out — 2 edits waiting', { exact: true }).waitFor({ timeout: 15_000 });
    const header = app.page.getByRole('banner');
    const said = await header.innerText();
    assert.doesNotMatch(said, /Backend degraded/);
    assert.doesNotMatch(said, /Signed in as/);
    assert.doesNotMatch(said, /not yet delivered|All edits delivered/);
    assert.equal(await app.whoAmI().count(), 0, 'no account line beside it');
    assert.equal(await app.connection().count(), 0, 'no connection state beside it');
    await app.page.getByRole('form', { name: 'Sign in' }).waitFor();

    await app.signIn('ana', TEST_PASSWORD);
    await app.waitForAllDelivered();
    assert.equal((await allEvents(server)).length, 2);
    await context.close();
    await server.stop();
  });

  test('a backend without GET /api/v1/upstreams (404) is not waited for: the page says it does not watch upstream pages', async () => {
    const server = await startServer();
    // The service worker would fetch on the page's behalf, out of reach of page.route.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    await page.route('**/api/v1/upstreams', (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"no such endpoint"}' }),
    );
    // Such a backend does not push the list on the stream either.
    await page.routeWebSocket(/\/api\/v1\/stream/, (ws) => {
      const real = ws.connectToServer();
      ws.onMessage((m) => real.send(m));
      real.onMessage((m) => {
        if (JSON.parse(m).type !== 'upstreams') ws.send(m);
      });
    });
    const app = new ConsolePage(page, server.url);
    await app.open('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upstreams' }).click();
    await page.getByRole('heading', { name: 'Upstream providers' }).waitFor();
    await page.getByText('This backend does not watch upstream pages').waitFor({ timeout: 10_000 });
    assert.equal(await page.getByText("Waiting for the backend's list of providers…").count(), 0);
    await app.waitForAllDelivered();
    await context.close();
    await server.stop();
  });
});
