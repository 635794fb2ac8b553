// Prints the big-incident figures (not a test: numbers, no verdicts):
// - time to open an incident with 10,000 entries, to the first paint of the
//   room with its newest rows, from the network (a fresh browser) and from
//   IndexedDB (a reload);
// - the longest main-thread task and the longest gap between frames while
//   scrolling that timeline from end to end;
// - the JS heap once the room is open (after a garbage collection), beside
//   the wasm module's memory;
// - adding a note there: from the click to its row in the DOM and painted.
// Runs against a real sitrep-server and Debian's Chromium; see scripts/bench.
import { launchBrowser } from '../support/browser.mjs';
import { TEST_PASSWORD } from '../support/console_page.mjs';
import { makeEvent, postEvents, startServer } from '../support/server.mjs';

const ENTRIES = 10_000;
const server = await startServer({ dist: process.env.SITREP_DIST });
const browser = await launchBrowser();
try {
  const id = 'bench-big-incident';
  const start = Date.now() - ENTRIES * 1000;
  const events = [makeEvent(id, { kind: 'declared', title: 'Bench: big incident', severity: 'sev1', summary: '', started_at: start }, { at: start })];
  for (let i = 1; i < ENTRIES; i++) {
    const text = i % 10 === 0
      ? `Observation ${i}: **error rate** back under 1% after the rollback.\n\n- eu-west ok\n- us-east still 2%`
      : `Observation ${i}: error rate back under 1% after the rollback`;
    events.push(makeEvent(id, { kind: 'note_added', text }, { at: start + i * 1000 }));
  }
  await postEvents(server, events);

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Signed in over the API, so the figure is the room opening, not the form.
  const signedIn = await context.request.post(`${server.url}/api/v1/session`, {
    data: { name: 'ana', password: TEST_PASSWORD },
    headers: { Origin: server.url },
  });
  if (!signedIn.ok()) throw new Error(`sign-in failed: ${signedIn.status()}`);
  const page = await context.newPage();
  const url = `${server.url}/incidents/${id}`;
  const painted = () => page.locator('li[data-event]').filter({ hasText: `Observation ${ENTRIES - 1}:` }).waitFor({ timeout: 120_000 });

  let t = performance.now();
  await page.goto(url);
  await painted();
  const fromNetwork = performance.now() - t;

  const fromCache = [];
  // The console marks the steps of its start (`sitrep:…`, ms since the
  // navigation began): where a reload's time goes.
  const steps = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    await page.reload();
    await painted();
    fromCache.push(performance.now() - t);
    steps.push(await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark')
      .filter((m) => m.name.startsWith('sitrep:'))
      .map((m) => [m.name.slice('sitrep:'.length), m.startTime]))));
  }
  await page.waitForTimeout(500);

  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  // The wasm linear memory is outside the JS heap. Trunk leaves the
  // bindings on window.wasmBindings; initSync, once started, hands back the
  // instance's exports, memory among them.
  const wasmBytes = await page.evaluate(() => {
    try { return window.wasmBindings.initSync(undefined).memory.buffer.byteLength; } catch { return null; }
  });

  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('.timeline-scroll');
    const long = [];
    const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
    obs.observe({ type: 'longtask', buffered: false });
    const frame = () => new Promise((ok) => requestAnimationFrame(ok));
    let gaps = 0, last = performance.now(), frames = 0, rendered = 0;
    const t0 = performance.now();
    el.scrollTop = 0;
    // Scroll down from the first entry to the last, a screen per frame.
    for (;;) {
      await frame();
      const now = performance.now();
      gaps = Math.max(gaps, now - last);
      last = now;
      frames += 1;
      rendered = Math.max(rendered, el.querySelectorAll('li[data-event]').length);
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) break;
      el.scrollTop += el.clientHeight;
    }
    await frame();
    obs.disconnect();
    return { long, gaps, frames, rendered, ms: performance.now() - t0 };
  });

  // Add a note at the newest end: from the click to its row painted.
  const notes = [];
  for (let i = 0; i < 5; i++) {
    const text = `Bench note ${i} ${Date.now()}`;
    await page.getByLabel('Note', { exact: true }).fill(text);
    notes.push(await page.evaluate(async (text) => {
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Add note');
      const seen = () => [...document.querySelectorAll('li[data-event]')].some((li) => li.textContent.includes(text));
      const t0 = performance.now();
      button.click();
      await new Promise((ok) => {
        if (seen()) return ok();
        const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); ok(); } });
        obs.observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      const inDom = performance.now() - t0;
      await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
      return { inDom, painted: performance.now() - t0 };
    }, text));
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`big incident: ${ENTRIES} entries in one incident`);
  console.log(`  open the room, first paint from the network      ${fromNetwork.toFixed(0)} ms (fresh browser: catch-up + IndexedDB write)`);
  console.log(`  open the room, first paint from IndexedDB        ${median(fromCache).toFixed(0)} ms (median of 3 reloads: ${fromCache.map((x) => x.toFixed(0)).join(', ')})`);
  const stepNames = Object.keys(steps[0] ?? {});
  if (stepNames.length) {
    console.log(`    its steps, ms after the navigation (median)      ${stepNames.map((k) => `${k} ${median(steps.map((s) => s[k] ?? NaN)).toFixed(0)}`).join(', ')}`);
  }
  console.log(`  scroll end to end: ${scroll.frames} frames in ${scroll.ms.toFixed(0)} ms, at most ${scroll.rendered} rows in the DOM`);
  const longest = scroll.long.length ? `${Math.max(...scroll.long).toFixed(0)} ms (${scroll.long.length} tasks over 50 ms)` : 'none over 50 ms';
  console.log(`  longest main-thread task while scrolling          ${longest}`);
  console.log(`  longest gap between frames while scrolling        ${scroll.gaps.toFixed(0)} ms`);
  const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
  console.log(`  JS heap with the room open (after GC)             ${mb(heap.usedSize)} used of ${mb(heap.totalSize)}${wasmBytes ? `; wasm memory ${mb(wasmBytes)}` : ''}`);
  const inDom = median(notes.map((n) => n.inDom));
  const notePainted = median(notes.map((n) => n.painted));
  console.log(`  add a note → its row in the DOM / painted         ${inDom.toFixed(0)} / ${notePainted.toFixed(0)} ms (median of 5; budget 50 ms)`);
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
