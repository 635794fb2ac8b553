// Prints the outage figures (not a test: numbers, no verdicts):
// - reconnect → fully synced with 1,000 and 10,000 pending events;
// - reload with the network cut → incident list visible, 100 incidents and
//   10,000 events in IndexedDB;
// - a fresh browser signing in → the list complete (100 incidents / 10,000
//   events from the backend, every row showing its incident's last event);
// - 10,000 edits made offline (in another tab of this browser, which stores
//   each and announces it on the tabs channel, as the console does) → the
//   header counts them all, timed from the last one.
// Runs against a real sitrep-server and Debian's Chromium; see scripts/bench.
import { launchBrowser } from '../support/browser.mjs';
import { AppPage } from '../support/pwa.mjs';
import { TEST_PASSWORD } from '../support/console_page.mjs';
import { makeEvent, postEvents, startServer } from '../support/server.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Writes events into the console's IndexedDB the way the console stores them. */
async function seed(page, { incidents, perIncident, confirmed }) {
  await page.evaluate(async ({ incidents, perIncident, confirmed }) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('sitrep');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const tx = db.transaction(['events', 'meta'], 'readwrite');
    const base = Date.now() - 3_600_000;
    let n = 0;
    for (let i = 0; i < incidents; i++) {
      const incident = `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`;
      for (let j = 0; j < perIncident; j++, n++) {
        const id = `01900001-0000-7000-8000-${String(n).padStart(12, '0')}`;
        const body = j === 0
          ? { kind: 'declared', title: `Bench incident ${i}`, severity: `sev${(i % 4) + 1}`, summary: '', started_at: base }
          : { kind: 'note_added', text: `Observation ${j}: error rate back under 1% after the rollback` };
        // By the signed-in account: another account's queued edits would
        // wait for their author and never be counted as this reader's.
        const event = { id, incident, author: 'ana', at: base + n, body };
        if (confirmed) Object.assign(event, { seq: n + 1, received_at: base + n });
        tx.objectStore('events').put({ id, made: confirmed ? 0 : base + n, json: JSON.stringify(event) });
      }
    }
    if (confirmed) tx.objectStore('meta').put(n, 'cursor');
    await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
    db.close();
  }, { incidents, perIncident, confirmed });
}

async function freshApp(browser, server) {
  const context = await browser.newContext();
  const app = new AppPage(await context.newPage(), server.url);
  await app.open('/');
  await app.waitForServiceWorker();
  return { context, app };
}

async function reconnect(browser, pending) {
  const server = await startServer();
  const { context, app } = await freshApp(browser, server);
  await context.setOffline(true);
  await seed(app.page, { incidents: 1, perIncident: pending, confirmed: false });
  await app.page.reload();
  await app.waitForPending(`${pending} edits not yet delivered`, 60_000);
  const start = performance.now();
  await context.setOffline(false);
  await app.waitForAllDelivered(120_000);
  const ms = performance.now() - start;
  await context.close();
  await server.stop();
  return ms;
}

async function offlineReload(browser) {
  const server = await startServer();
  const { context, app } = await freshApp(browser, server);
  await seed(app.page, { incidents: 100, perIncident: 100, confirmed: true });
  await context.setOffline(true);
  await server.stop();
  const samples = [];
  for (let i = 0; i < 5; i++) {
    await app.page.reload({ waitUntil: 'commit' });
    await app.page.waitForFunction(() => document.querySelectorAll('table.incidents tbody tr').length === 100,
      null, { timeout: 30_000, polling: 'raf' });
    samples.push(await app.page.evaluate(() => performance.now()));
  }
  await context.close();
  return samples;
}

/** Five fresh browsers sign in; each is timed from the click to the list complete. */
async function freshSignIn(browser) {
  const server = await startServer();
  const start = Date.now() - 3_600_000;
  const events = [];
  for (let i = 0; i < 100; i++) {
    const id = `bench-signin-${String(i).padStart(3, '0')}`;
    events.push(makeEvent(id, { kind: 'declared', title: `Bench incident ${i}`, severity: `sev${(i % 4) + 1}`, summary: '', started_at: start }, { at: start }));
    for (let j = 1; j < 99; j++) {
      events.push(makeEvent(id, { kind: 'note_added', text: `Observation ${j}: error rate back under 1% after the rollback` }, { at: start + j * 1000 }));
    }
    // The last event of each: its row shows it only once the catch-up got there.
    events.push(makeEvent(id, { kind: 'status_changed', status: 'monitoring' }, { at: start + 99_000 }));
  }
  await postEvents(server, events);
  const samples = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Name', { exact: true }).fill('ana');
    await form.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    const t = performance.now();
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.incidents tbody tr .badge.status.monitoring').length === 100,
      null, { timeout: 120_000, polling: 'raf' });
    samples.push(performance.now() - t);
    await context.close();
  }
  await server.stop();
  return samples;
}

/** Edits another tab made offline: stored, then announced one by one. */
async function offlineEdits(browser, n) {
  const server = await startServer();
  const { context, app } = await freshApp(browser, server);
  await context.setOffline(true);
  await seed(app.page, { incidents: 1, perIncident: n, confirmed: false });
  const ms = await app.page.evaluate(async (n) => {
    const channel = new BroadcastChannel('sitrep');
    const base = Date.now() - 3_600_000;
    const incident = `01900000-0000-7000-8000-${String(0).padStart(12, '0')}`;
    for (let j = 0; j < n; j++) {
      const id = `01900001-0000-7000-8000-${String(j).padStart(12, '0')}`;
      const body = j === 0
        ? { kind: 'declared', title: 'Bench incident 0', severity: 'sev1', summary: '', started_at: base }
        : { kind: 'note_added', text: `Observation ${j}: error rate back under 1% after the rollback` };
      channel.postMessage(JSON.stringify({ event: { id, incident, author: 'ana', at: base + j, body }, made: base + j }));
    }
    const t = performance.now();
    const want = `${n} edits not yet delivered`;
    for (;;) {
      await new Promise((ok) => requestAnimationFrame(ok));
      if (document.querySelector('[data-testid="pending-count"]')?.textContent.includes(want)) break;
      if (performance.now() - t > 120_000) throw new Error('the header never counted them');
    }
    channel.close();
    return performance.now() - t;
  }, n);
  await context.close();
  await server.stop();
  return ms;
}

// OUTAGE_ONLY=reconnect,reload,signin,edits runs only those (all by default).
const only = new Set((process.env.OUTAGE_ONLY ?? 'reconnect,reload,signin,edits').split(','));
const browser = await launchBrowser();
try {
  console.log(`outage: Chromium against a loopback sitrep-server (${process.env.SITREP_SERVER ?? 'target/debug/sitrep-server'})`);
  if (only.has('reconnect')) {
    for (const n of [1_000, 10_000]) {
      const ms = await reconnect(browser, n);
      console.log(`  reconnect → fully synced, ${n} pending events: ${ms.toFixed(0)} ms (budget for 10,000: 1000 ms)`);
    }
  }
  if (only.has('reload')) {
    const samples = await offlineReload(browser);
    console.log(`  reload with network cut → list of 100 incidents visible (10,000 events stored): median ${median(samples).toFixed(0)} ms of ${samples.map((s) => s.toFixed(0)).join(', ')} (budget 300 ms)`);
  }
  if (only.has('signin')) {
    const signIn = await freshSignIn(browser);
    console.log(`  fresh browser, sign in → list complete (100 incidents / 10,000 events): median ${median(signIn).toFixed(0)} ms of ${signIn.map((s) => s.toFixed(0)).join(', ')} (budget 1500 ms)`);
  }
  if (only.has('edits')) {
    const counted = await offlineEdits(browser, 10_000);
    console.log(`  10,000 edits made offline (another tab) → header counts them all: ${counted.toFixed(0)} ms after the last (budget 1000 ms)`);
  }
} finally {
  await browser.close();
}
