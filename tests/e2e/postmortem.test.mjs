// After the incident: a post-mortem rebuilt from the log and written by two
// people at once, exported as Markdown, and the metrics page's figures,
// against a real sitrep-server and Chromium.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConsolePage } from './support/console_page.mjs';
import { MetricsPage, PostmortemPage } from './support/postmortem_page.mjs';
import { eventually } from './support/seed.mjs';
import { allEvents, makeEvent, postEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

const MIN = 60_000;
const ID = 'checkout-eu';
const TITLE = 'Checkout fails for EU customers';

describe('post-mortem and metrics', () => {
  let server, browser;
  withServerAndBrowser(async (started) => {
    ({ server, browser } = started);
    const now = Date.now();
    const ev = (m, author, body) => makeEvent(ID, body, { author, at: now - m * MIN });
    const decision = ev(30, 'ana', { kind: 'note_added', entry: 'decision', text: 'Keep eu-west on the **old build**.' });
    // An older SEV1, detected after 4 min and resolved after 90.
    const old = now - 3 * 24 * 60 * MIN;
    const sev1 = (m, body) => makeEvent('login-outage', body, { author: 'ana', at: old + m * MIN });
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'checkout', name: 'Checkout', group: 'Payments' }, { author: 'ada' }),
      ev(50, 'ana', { kind: 'declared', title: TITLE, severity: 'sev2', summary: '5xx on /pay from eu-west.', started_at: now - 60 * MIN, detected_at: now - 54 * MIN }),
      ev(49, 'ana', { kind: 'component_status_set', component: 'checkout', status: 'major_outage' }),
      ev(48, 'ana', { kind: 'impact_set', customer_impact: true, share_permille: 230 }),
      ev(40, 'ana', { kind: 'note_added', entry: 'observation', text: 'Pool saturated at 50 connections.' }),
      decision,
      ev(29, 'ana', { kind: 'entry_marked', entry: decision.id, key: true }),
      ev(28, 'ana', { kind: 'task_added', title: 'Page the DBA' }),
      sev1(10, { kind: 'declared', title: 'Login outage', severity: 'sev1', summary: '', started_at: old, detected_at: old + 4 * MIN }),
      sev1(90, { kind: 'status_changed', status: 'resolved' }),
      sev1(120, { kind: 'task_added', title: 'Rate-limit login retries', assignee: 'kai', remediation: true }),
    ]);
  });

  test('a resolved incident gets a post-mortem written by two people, exported as Markdown', async () => {
    // Resolve the customer-impacting incident in the room, then open its post-mortem from there.
    const room = new ConsolePage(await (await browser.newContext()).newPage(), server.url, { account: 'ana' });
    await room.open(`/incidents/${ID}`);
    await room.page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    await room.setStatus('Resolved');
    await room.entry('Status Investigating → Resolved').waitFor();
    await room.page.getByRole('link', { name: 'Post-mortem', exact: true }).click();
    const first = new PostmortemPage(room.page, server.url, { account: 'ana' });
    await first.page.getByRole('heading', { level: 1, name: `Post-mortem: ${TITLE}` }).waitFor();

    // What the log knows, without anyone writing it.
    assert.equal(await first.fact('Times (UTC)', 'Time to detect').textContent(), '6 min');
    assert.match(await first.fact('Times (UTC)', 'Time to resolve').textContent(), /^(59 min|1 h 0\d min)$/);
    assert.equal(await first.fact('Impact', 'Share affected').textContent(), '23% of users or traffic');
    assert.equal(await first.fact('Impact', 'Components').textContent(), 'Payments / Checkout (worst: Major outage)');
    const key = first.page.getByRole('list', { name: 'Key entries', exact: true });
    assert.deepEqual(await key.getByRole('listitem').count(), 1);
    await key.getByText('old build', { exact: true }).waitFor(); // rendered as Markdown (strong)
    await first.page.getByRole('list', { name: 'Every entry', exact: true }).getByText('Pool saturated at 50 connections.').waitFor();

    // A second person, in another browser context, has the same page open.
    const second = new PostmortemPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await second.openFor(ID);

    await first.write('Root cause', 'The **payments DB pool** was sized for 2019 traffic.');
    await second.section('Root cause').locator('strong', { hasText: 'payments DB pool' }).waitFor();
    await second.write('What did not go well', 'Alert fired late. <img src=x onerror=alert(1)>');
    // Shown as text in the other context: no element made from what was typed.
    await first.section('What did not go well').getByText('Alert fired late. <img src=x onerror=alert(1)>').waitFor();
    assert.equal(await first.section('What did not go well').locator('img').count(), 0);
    await second.write('What went well', 'Rollback took 4 minutes.');
    await first.section('What went well').getByText('Rollback took 4 minutes.').waitFor();
    await first.section('Root cause').getByText(/^Last edited by ana, /).waitFor();

    await first.setImpact({ customers: '1,200', dataLost: 'No' });
    await eventually(async () => assert.equal(await second.fact('Impact', 'Customers affected').textContent(), '1200'));
    await first.setImpact({ customers: 'lots', dataLost: 'No' });
    await first.section('Impact').getByRole('alert').getByText(/whole number/).waitFor();

    await first.addRemediation('Alert on pool saturation', 'lee');
    await first.flagAsRemediation('Page the DBA');
    await second.remediationTasks().getByText('Alert on pool saturation').waitFor();
    await second.remediationTasks().getByText('Page the DBA').waitFor();

    const { name, text } = await first.exportMarkdown();
    assert.equal(name, `postmortem-${ID}.md`);
    for (const want of [
      `# Post-mortem: ${TITLE}\n`,
      '## Summary\n\n5xx on /pay from eu-west.\n',
      '- Share affected: 23% of users or traffic\n',
      '- Customers affected: 1200\n',
      '- Data lost: no\n',
      '- Time to detect: 6 min\n',
      '## Root cause\n\nThe **payments DB pool** was sized for 2019 traffic.\n',
      '## What went well\n\nRollback took 4 minutes.\n',
      '## Contributing factors\n\n_Not written yet._\n',
      '- [ ] Alert on pool saturation (lee)\n',
      '- [ ] Page the DBA\n',
    ]) {
      assert.ok(text.includes(want), `the export lacks ${JSON.stringify(want)}:\n${text}`);
    }
    assert.match(text, /### Key entries\n\n- \d{4}-\d\d-\d\d \d\d:\d\d UTC · ana · Decision: Keep eu-west on the \*\*old build\*\*\.\n\n### Every entry/);
    assert.match(text, /- Time to resolve: (59 min|1 h 0\d min)\n/);

    // The remediation tasks are the incident's tasks: the room shows them too.
    await room.page.goto(`${server.url}/incidents/${ID}`);
    const open = room.page.getByRole('list', { name: 'Open tasks', exact: true });
    await open.getByRole('listitem').filter({ hasText: 'Alert on pool saturation' }).getByText('remediation', { exact: true }).waitFor();

    // Every edit was an event in the log.
    const kinds = (await allEvents(server)).filter((e) => e.incident === ID).map((e) => e.body.kind);
    assert.equal(kinds.filter((k) => k === 'postmortem_section_set').length, 3);
    assert.equal(kinds.filter((k) => k === 'postmortem_impact_set').length, 1);
    assert.equal(kinds.filter((k) => k === 'task_remediation_set').length, 1);
  });

  test('the metrics page says it is loading until the log has arrived, then shows mean times, components, the last SEV1 and open remediation in its tables', async () => {
    const page = await (await browser.newContext()).newPage();
    // The fresh browser's catch-up is held at its end: the events pass, the
    // backend's `caught_up` waits (in order with what follows) until released.
    let release;
    const released = new Promise((ok) => { release = ok; });
    await page.routeWebSocket('**/api/v1/stream**', (ws) => {
      const backend = ws.connectToServer();
      ws.onMessage((m) => backend.send(m));
      let queue = Promise.resolve();
      backend.onMessage((m) => {
        queue = queue.then(async () => {
          if (typeof m === 'string' && JSON.parse(m).type === 'caught_up') await released;
          ws.send(m);
        });
      });
    });
    const metrics = new MetricsPage(page, server.url, { account: 'vera' });
    await metrics.open('/', { pagesLoaded: false });
    await metrics.openFromHeader();
    const caption = 'Time to detect and resolve by severity';
    // Figures over part of the log would read as real ones (zeros, here).
    const loading = page.getByRole('status').filter({ hasText: 'Loading the log…' });
    await loading.waitFor({ timeout: 10_000 });
    assert.equal(await metrics.table(caption).count(), 0);
    release();
    await loading.waitFor({ state: 'detached', timeout: 10_000 });
    const sev1 = await metrics.row(caption, /^SEV1/);
    assert.deepEqual(sev1, ['1', '1', '4 min', '1', '1 h 30 min']);
    const sev2 = await metrics.row(caption, /^SEV2/);
    assert.equal(sev2[0], '1');
    assert.equal(sev2[2], '6 min');
    assert.deepEqual((await metrics.row(caption, /^SEV4/)).slice(0, 3), ['0', '0', 'no data']);
    await metrics.chart(`${caption}: mean times, detect plain, resolve hatched`).waitFor();
    assert.deepEqual(await metrics.row('Incidents by component', 'Payments / Checkout'), ['1']);
    assert.match(await metrics.page.getByTestId('since-last-sev1').textContent(), /^3 d 0 h$/);
    const remediation = metrics.page.getByRole('table', { name: /^Open remediation tasks/ });
    await remediation.getByRole('rowheader', { name: 'Rate-limit login retries' }).waitFor();
    // The bars carry their values as text, not only as length or colour.
    await metrics.chart('Incidents by component').getByText('Payments / Checkout', { exact: true }).waitFor();
  });
});
