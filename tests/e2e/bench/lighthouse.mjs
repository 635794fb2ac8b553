// Prints Lighthouse's figures (not a test: numbers, no verdicts) for the
// sign-in page and, signed in, the incident list and a room of a backend
// holding 100 incidents of 100 events each (10,000 events): performance,
// accessibility and best-practices scores, FCP, LCP, TBT and CLS. Lighthouse's
// defaults: the mobile preset with its simulated throttling, storage cleared
// before each run (so the console starts as a fresh browser would; the
// session cookie stays, Lighthouse keeps cookies). Each page is run
// LH_RUNS times (default 3) and the median by performance score is printed.
// LH_PAGES (e.g. `list,room`; default `sign-in,list,room`) narrows the pages;
// LH_DETAIL=1 also prints, for the median run, where its time went: the
// long tasks (start, duration, script), the main thread's work by category
// and the layout shifts (score and the nodes that moved).
// Runs Debian's Chromium headless against a real sitrep-server; see scripts/bench.
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { TEST_PASSWORD } from '../support/console_page.mjs';
import { makeEvent, postEvents, startServer } from '../support/server.mjs';

const RUNS = Number(process.env.LH_RUNS ?? 3);
const PAGES = (process.env.LH_PAGES ?? 'sign-in,list,room').split(',');
const DETAIL = process.env.LH_DETAIL === '1';
const INCIDENTS = 100;
const PER_INCIDENT = 100;

const server = await startServer({ dist: process.env.SITREP_DIST });
const chrome = await launch({
  chromePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-quic', '--disable-component-update', '--disable-sync'],
});
try {
  const start = Date.now() - 3_600_000;
  const events = [];
  const ids = [];
  for (let i = 0; i < INCIDENTS; i++) {
    const id = `bench-lh-${String(i).padStart(3, '0')}`;
    ids.push(id);
    events.push(makeEvent(id, { kind: 'declared', title: `Bench incident ${i}`, severity: `sev${(i % 4) + 1}`, summary: '', started_at: start }, { at: start }));
    for (let j = 1; j < PER_INCIDENT; j++) {
      events.push(makeEvent(id, { kind: 'note_added', text: `Observation ${j}: error rate back under 1% after the rollback` }, { at: start + j * 1000 }));
    }
  }
  await postEvents(server, events);

  const audit = async (label, path) => {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await lighthouse(`${server.url}${path}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
      });
      const { categories, audits } = result.lhr;
      runs.push({
        performance: Math.round(categories.performance.score * 100),
        accessibility: Math.round(categories.accessibility.score * 100),
        bestPractices: Math.round(categories['best-practices'].score * 100),
        fcp: audits['first-contentful-paint'].numericValue,
        lcp: audits['largest-contentful-paint'].numericValue,
        tbt: audits['total-blocking-time'].numericValue,
        cls: audits['cumulative-layout-shift'].numericValue,
        failing: [...Object.values(categories.accessibility.auditRefs), ...Object.values(categories['best-practices'].auditRefs)]
          .map((ref) => audits[ref.id])
          .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary')
          .map((a) => a.id),
        detail: DETAIL ? detail(audits) : null,
      });
    }
    runs.sort((a, b) => a.performance - b.performance);
    const m = runs[Math.floor(runs.length / 2)];
    const scores = runs.map((r) => r.performance).join(', ');
    console.log(`  ${label.padEnd(34)} performance ${m.performance} (runs: ${scores}), accessibility ${m.accessibility}, best-practices ${m.bestPractices}`);
    if (m.detail) console.log(m.detail);
    console.log(`  ${''.padEnd(34)} FCP ${m.fcp.toFixed(0)} ms, LCP ${m.lcp.toFixed(0)} ms, TBT ${m.tbt.toFixed(0)} ms, CLS ${m.cls.toFixed(3)}${m.failing.length ? `; failing: ${m.failing.join(', ')}` : ''}`);
  };

  // Where a run's time went (LH_DETAIL=1): Lighthouse's own audits.
  const detail = (audits) => {
    const rows = (id) => audits[id]?.details?.items ?? [];
    const short = (url) => String(url ?? '').replace(server.url, '').slice(0, 60);
    const lines = [];
    lines.push('    long tasks (simulated ms): ' + rows('long-tasks')
      .map((t) => `${t.startTime.toFixed(0)}+${t.duration.toFixed(0)} ${short(t.url)}`).join('; '));
    lines.push('    main thread (ms): ' + rows('mainthread-work-breakdown')
      .map((r) => `${r.groupLabel} ${r.duration.toFixed(0)}`).join(', '));
    lines.push('    scripts (ms): ' + rows('bootup-time')
      .map((r) => `${short(r.url)} ${r.total.toFixed(0)} (eval ${r.scripting.toFixed(0)}, parse ${r.scriptParseCompile.toFixed(0)})`).join('; '));
    for (const s of rows('layout-shifts')) {
      lines.push(`    layout shift ${s.score.toFixed(3)}: ${s.node?.snippet ?? '?'} ${s.node?.selector ?? ''}`);
    }
    return lines.join('\n');
  };

  console.log(`lighthouse: mobile preset, default throttling, median of ${RUNS}; ${INCIDENTS} incidents / ${INCIDENTS * PER_INCIDENT} events`);
  console.log('  (targets: performance ≥ 95, TBT ≤ 200 ms, CLS ≤ 0.1 on the signed-in list; accessibility 100)');
  if (PAGES.includes('sign-in')) await audit('sign-in page', '/');

  // Signed in through the sign-in API in this same browser, so the session
  // cookie is in its jar for Lighthouse's runs.
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
  const signedIn = await cdp.contexts()[0].request.post(`${server.url}/api/v1/session`, {
    data: { name: 'ana', password: TEST_PASSWORD },
    headers: { Origin: server.url },
  });
  if (!signedIn.ok()) throw new Error(`sign-in failed: ${signedIn.status()}`);
  if (PAGES.includes('list')) await audit('signed in: the incident list', '/');
  if (PAGES.includes('room')) await audit('signed in: a room (100 entries)', `/incidents/${ids[INCIDENTS - 1]}`);
  await cdp.close();
} finally {
  await chrome.kill();
  await server.stop();
}
