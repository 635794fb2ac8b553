// Regenerates the screenshots under docs/screenshots/ (1280x800; phone-*.png
// at 390x844; dark-*.png in the dark theme) from a real server and Chromium, with a seeded, realistic
// incident. Not a test:
// run it with `bash scripts/screenshots` and look at the pictures.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage } from './support/console_page.mjs';
import { allEvents, makeEvent, postEvents, startServer } from './support/server.mjs';

const out = resolve(import.meta.dirname, '../../docs/screenshots');
await mkdir(out, { recursive: true });
const server = await startServer({ dist: process.env.SITREP_DIST });
const browser = await launchBrowser();
try {
  const now = Date.now();
  const min = 60_000;
  const at = (m) => ({ at: now - m * min });
  const ws = (body) => makeEvent('workspace', body, { author: 'admin', ...at(600) });
  const id = 'checkout-eu';
  const ev = (m, author, body) => makeEvent(id, body, { author, ...at(m) });
  const other = (iid, title, severity, status, m) => [
    makeEvent(iid, { kind: 'declared', title, severity, summary: '', started_at: now - (m + 10) * min }, { author: 'kai', ...at(m) }),
    ...(status === 'investigating' ? [] : [makeEvent(iid, { kind: 'status_changed', status }, { author: 'kai', ...at(m - 5) })]),
  ];
  await postEvents(server, [
    ws({ kind: 'component_defined', component: 'checkout', name: 'Checkout', group: 'Payments' }),
    ws({ kind: 'component_defined', component: 'payments-api', name: 'Payments API', group: 'Payments' }),
    ws({ kind: 'component_defined', component: 'cdn', name: 'CDN', group: 'Edge' }),
    ev(52, 'ana', { kind: 'declared', title: 'Checkout fails for EU customers', severity: 'sev2', summary: '5xx on /pay from eu-west since the 14:02 deploy.', started_at: now - 61 * min, detected_at: now - 55 * min }),
    ev(51, 'ana', { kind: 'role_assigned', role: 'incident_commander', person: 'ana' }),
    ev(50, 'ana', { kind: 'role_assigned', role: 'communications_lead', person: 'sam' }),
    ev(49, 'ana', { kind: 'role_assigned', role: 'operations_lead', person: 'bo' }),
    ev(48, 'bo', { kind: 'component_status_set', component: 'checkout', status: 'major_outage' }),
    ev(47, 'bo', { kind: 'component_status_set', component: 'payments-api', status: 'degraded_performance' }),
    ev(46, 'bo', { kind: 'note_added', entry: 'observation', text: 'Error rate on `POST /pay` at **38%** in eu-west; us-east normal.' }),
    ev(44, 'ana', { kind: 'impact_set', customer_impact: true, share_permille: 230 }),
    ev(40, 'bo', { kind: 'change_started', what: 'Roll back deploy 4512 in eu-west' }),
    ev(31, 'bo', { kind: 'note_added', entry: 'observation', text: 'Rollback done. Errors down to 9%, not zero.\n\n- pods healthy\n- connection pool still saturated' }),
    ev(30, 'ana', { kind: 'task_added', title: 'Page the database on-call', assignee: 'lee', due_at: now + 10 * min }),
    ev(29, 'sam', { kind: 'task_added', title: 'Draft the 15:30 customer update', assignee: 'sam', due_at: now + 25 * min }),
    ev(22, 'ana', { kind: 'note_added', entry: 'decision', text: 'Keep eu-west on the old build until the pool is understood.' }),
    ...other('cdn-latency', 'Static assets slow in APAC', 'sev3', 'monitoring', 200),
    ...other('login-mfa', 'MFA codes delayed', 'sev2', 'resolved', 2000),
    ...other('search-index', 'Search results stale', 'sev4', 'identified', 90),
  ]);
  // Mark the decision as key, and give the rollback its outcome.
  const all = await allEvents(server);
  const find = (kind, pred = () => true) => all.find((e) => e.body.kind === kind && pred(e)).id;
  await postEvents(server, [
    ev(20, 'bo', { kind: 'change_outcome', change: find('change_started'), outcome: 'helped', note: 'errors 38% → 9%' }),
    ev(19, 'ana', { kind: 'entry_marked', entry: find('note_added', (e) => e.body.entry === 'decision'), key: true }),
    ev(12, 'bo', { kind: 'change_started', what: 'Raise payments DB pool from 50 to 120' }),
  ]);

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const app = new ConsolePage(await context.newPage(), server.url, { account: 'ana' });
  await app.open('/');
  const { page } = app;
  await page.getByRole('link', { name: 'Checkout fails for EU customers' }).waitFor();
  await page.screenshot({ path: join(out, 'incident-list.png') });
  await page.goto(`${server.url}/incidents/${id}`);
  await page.getByText('Raise payments DB pool').first().waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, 'incident-room.png') });
  // The dark theme (the device's preference) of the same two pages.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(out, 'dark-incident-room.png') });
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'Checkout fails for EU customers' }).waitFor();
  await page.screenshot({ path: join(out, 'dark-incident-list.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  // The same on a phone (390 × 844), for the README beside the desktop.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const small = new ConsolePage(await phone.newPage(), server.url, { account: 'ana' });
  await small.open('/');
  await small.page.getByRole('link', { name: 'Checkout fails for EU customers' }).waitFor();
  await small.page.screenshot({ path: join(out, 'phone-incident-list.png') });
  await small.page.goto(`${server.url}/incidents/${id}`);
  await small.page.getByText('Raise payments DB pool').first().waitFor();
  await small.page.waitForTimeout(500);
  await small.page.screenshot({ path: join(out, 'phone-incident-room.png') });
  await small.menuButton().click();
  await small.nav().waitFor({ state: 'visible' });
  await small.page.screenshot({ path: join(out, 'phone-menu.png') });
  await phone.close();

  // After the incident: it is resolved, the post-mortem is being written,
  // and a few older incidents give the metrics something to aggregate.
  const day = 24 * 60;
  const past = (iid, title, severity, component, startDaysAgo, detectMin, resolveMin) => {
    const start = now - startDaysAgo * day * min;
    const e = (m, body) => makeEvent(iid, body, { author: 'kai', at: start + m * min });
    return [
      e(detectMin + 2, { kind: 'declared', title, severity, summary: '', started_at: start, detected_at: start + detectMin * min }),
      e(detectMin + 3, { kind: 'component_status_set', component, status: 'partial_outage' }),
      e(resolveMin, { kind: 'status_changed', status: 'resolved' }),
    ];
  };
  await postEvents(server, [
    ev(5, 'ana', { kind: 'status_changed', status: 'resolved' }),
    ev(4, 'ana', { kind: 'postmortem_section_set', section: 'summary', text: 'For 56 minutes, 23% of checkout attempts in eu-west failed with a 5xx after deploy 4512.' }),
    ev(3, 'bo', { kind: 'postmortem_section_set', section: 'root_cause', text: 'Deploy 4512 doubled the queries per payment; the **payments DB pool** (50 connections) saturated under EU peak traffic.' }),
    ev(3, 'bo', { kind: 'postmortem_section_set', section: 'contributing_factors', text: '- No alert on pool saturation\n- The canary ran in us-east only' }),
    ev(2, 'sam', { kind: 'postmortem_section_set', section: 'went_well', text: 'Rollback started within 12 minutes of declaring.' }),
    ev(2, 'ana', { kind: 'postmortem_impact_set', customers_affected: 1840, data_lost: false }),
    ev(1, 'ana', { kind: 'task_added', title: 'Alert on payments DB pool saturation', assignee: 'lee', remediation: true }),
    ev(1, 'ana', { kind: 'task_added', title: 'Run canaries in every region', assignee: 'bo', remediation: true }),
    ...past('db-failover', 'Primary database failover', 'sev1', 'payments-api', 40, 3, 95),
    ...past('cdn-purge', 'Stale prices after CDN purge', 'sev3', 'cdn', 70, 25, 180),
    ...past('api-timeouts', 'Payments API timeouts', 'sev2', 'payments-api', 20, 9, 70),
    ...past('checkout-js', 'Checkout button unresponsive', 'sev2', 'checkout', 55, 14, 120),
  ]);
  // A reload reconnects: wait until the page is back online and has the
  // post-mortem's own text, not only the timeline's.
  const online = () => page.getByTestId('connection').getByText('Online', { exact: true }).waitFor({ timeout: 30_000 });
  await page.goto(`${server.url}/incidents/${id}/postmortem`);
  await page.getByText('For 56 minutes').first().waitFor({ timeout: 30_000 });
  await online();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, 'postmortem.png') });
  await page.goto(`${server.url}/metrics`);
  await page.getByRole('table', { name: 'Incidents by component' }).waitFor();
  await online();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, 'metrics.png') });
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
