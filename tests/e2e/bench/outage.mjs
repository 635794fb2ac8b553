// Prints the outage figures (not a test: numbers, no verdicts):
// - reconnect → fully synced with 1,000 and 10,000 pending events;
// - reload with the network cut → incident list visible, 100 incidents and
//   10,000 events in IndexedDB.
// Runs against a real sitrep-server and Debian's Chromium; see scripts/bench.
import { launchBrowser } from '../support/browser.mjs';
import { AppPage } from '../support/pwa.mjs';
import { startServer } from '../support/server.mjs';

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

const browser = await launchBrowser();
try {
  console.log(`outage: Chromium against a loopback sitrep-server (${process.env.SITREP_SERVER ?? 'target/debug/sitrep-server'})`);
  for (const n of [1_000, 10_000]) {
    const ms = await reconnect(browser, n);
    console.log(`  reconnect → fully synced, ${n} pending events: ${ms.toFixed(0)} ms (budget for 10,000: 1000 ms)`);
  }
  const samples = await offlineReload(browser);
  console.log(`  reload with network cut → list of 100 incidents visible (10,000 events stored): median ${median(samples).toFixed(0)} ms of ${samples.map((s) => s.toFixed(0)).join(', ')} (budget 300 ms)`);
} finally {
  await browser.close();
}
