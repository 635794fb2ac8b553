// Where delivering a backlog goes (not a test: a trace, no verdicts): seeds
// N pending edits offline, reconnects, and prints each POST's time on the
// wire, the console's time between an answer and the next POST, and the
// IndexedDB write transactions in between (puts and time to commit).
//   TRACE_N=10000 node tests/e2e/bench/trace_delivery.mjs
import { launchBrowser } from '../support/browser.mjs';
import { AppPage } from '../support/pwa.mjs';
import { startServer } from '../support/server.mjs';

const n = Number(process.env.TRACE_N ?? 10_000);
const browser = await launchBrowser();
try {
  const server = await startServer();
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const log = (globalThis.__idbTrace = []);
    const open = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (scope, mode, options) {
      const tx = open.call(this, scope, mode, options);
      if (mode === 'readwrite') {
        const entry = { stores: [].concat(scope).join('+'), start: performance.now(), puts: 0 };
        log.push(entry);
        tx.__entry = entry;
        tx.addEventListener('complete', () => { entry.end = performance.now(); });
      }
      return tx;
    };
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      if (this.transaction.__entry) this.transaction.__entry.puts++;
      return put.apply(this, args);
    };
  });
  const page = await context.newPage();
  const app = new AppPage(page, server.url);
  await app.open('/');
  await app.waitForServiceWorker();
  await context.setOffline(true);
  await page.evaluate(async (n) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('sitrep');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const tx = db.transaction(['events'], 'readwrite');
    const base = Date.now() - 3_600_000;
    const incident = '01900000-0000-7000-8000-000000000000';
    for (let j = 0; j < n; j++) {
      const id = `01900001-0000-7000-8000-${String(j).padStart(12, '0')}`;
      const body = j === 0
        ? { kind: 'declared', title: 'Bench incident 0', severity: 'sev1', summary: '', started_at: base }
        : { kind: 'note_added', text: `Observation ${j}: error rate back under 1% after the rollback` };
      const event = { id, incident, author: 'ana', at: base + j, body };
      tx.objectStore('events').put({ id, made: base + j, json: JSON.stringify(event) });
    }
    await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
    db.close();
  }, n);
  await page.reload();
  await app.waitForPending(`${n} edits not yet delivered`, 60_000);
  const posts = [];
  page.on('requestfinished', (req) => {
    if (req.method() === 'POST' && req.url().includes('/api/v1/events')) {
      const t = req.timing();
      posts.push({ start: t.startTime, wire: t.responseEnd, server: t.responseStart - t.requestStart });
    }
  });
  await page.evaluate(() => { globalThis.__idbTrace.length = 0; globalThis.__t0 = performance.now(); });
  const start = performance.now();
  await context.setOffline(false);
  await app.waitForAllDelivered(120_000);
  const total = performance.now() - start;
  const { trace, t0, origin, marks } = await page.evaluate(() => ({
    trace: globalThis.__idbTrace,
    t0: globalThis.__t0,
    origin: performance.timeOrigin,
    marks: performance.getEntriesByType('mark').filter((m) => m.name.startsWith('sitrep:outbox') || m.name === 'sitrep:acked')
      .map((m) => [m.startTime, m.name]),
  }));
  // One timeline, in the page's clock from the moment the network came back.
  const at = (pageMs) => (pageMs - t0).toFixed(0);
  const events = [];
  for (const p of posts) {
    const s = p.start - origin;
    events.push([s, `POST sent`], [s + p.wire, `POST answered`]);
  }
  for (const e of trace) events.push([e.start, `tx ${e.stores} opened (${e.puts} puts)`], [e.end ?? NaN, `tx ${e.stores} committed`]);
  for (const [t, name] of marks) if (t >= t0) events.push([t, `mark ${name}`]);
  events.sort((a, b) => a[0] - b[0]);
  if (process.env.TRACE_TIMELINE) for (const [t, what] of events) console.log(`  @${at(t)} ms ${what}`);
  posts.sort((a, b) => a.start - b.start);
  console.log(`trace: ${n} pending edits → all delivered in ${total.toFixed(0)} ms; ${posts.length} POSTs`);
  let wire = 0, server_ = 0, gaps = 0;
  posts.forEach((p, i) => {
    wire += p.wire; server_ += p.server;
    const gap = i + 1 < posts.length ? posts[i + 1].start - (p.start + p.wire) : NaN;
    if (!Number.isNaN(gap)) gaps += gap;
    console.log(`  POST ${i + 1}: on the wire ${p.wire.toFixed(0)} ms (server ~${p.server.toFixed(0)} ms), then ${Number.isNaN(gap) ? '-' : gap.toFixed(0)} ms until the next`);
  });
  console.log(`  sum: wire ${wire.toFixed(0)} ms (server ${server_.toFixed(0)} ms), console between POSTs ${gaps.toFixed(0)} ms`);
  const big = trace.filter((e) => e.puts > 0);
  const byStores = {};
  for (const e of big) {
    const k = e.stores;
    byStores[k] ??= { tx: 0, puts: 0, ms: 0 };
    byStores[k].tx++; byStores[k].puts += e.puts; byStores[k].ms += (e.end ?? NaN) - e.start;
  }
  for (const [k, v] of Object.entries(byStores)) {
    console.log(`  IndexedDB ${k}: ${v.tx} write transactions, ${v.puts} puts, ${v.ms.toFixed(0)} ms open→committed in sum`);
  }
  await context.close();
  await server.stop();
} finally {
  await browser.close();
}
