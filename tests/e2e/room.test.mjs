// The incident room through the UI of a real console against a real
// sitrep-server: roles, changes, timeline, tasks, impact, times, presence.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { TEST_PASSWORD } from './support/console_page.mjs';
import { RoomPage } from './support/room_page.mjs';
import { allEvents, makeEvent, postEvents, startServer } from './support/server.mjs';

describe('the incident room', () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function room(title, { severity = 'SEV2', account = 'ana' } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const r = new RoomPage(await context.newPage(), server.url, { account });
    await r.open('/');
    await r.declare({ title, severity });
    return r;
  }

  const incidentId = (r) => new URL(r.page.url()).pathname.split('/').pop();

  test('a role is assigned, handed over, shown with its holder and since when, and the log keeps the history', async () => {
    const r = await room('Roles drill');
    await r.assignRole('Incident commander', 'ana');
    await r.waitFor(r.roleHolders().getByRole('listitem').filter({ hasText: 'Incident commander' }).getByText('ana', { exact: true }));
    await r.assignRole('Incident commander', 'bo');
    const ic = r.roleHolders().getByRole('listitem').filter({ hasText: 'Incident commander' });
    await r.waitFor(ic.getByText('bo', { exact: true }));
    assert.match(await ic.innerText(), /since \d\d:\d\d$/m);
    await r.waitForEntry('Incident commander: handed over from ana to bo');
    await r.assignRole('Scribe', 'cy');
    await r.waitFor(r.roleHolders().getByRole('listitem').filter({ hasText: 'Scribe' }).getByText('cy', { exact: true }));
    await r.page.getByRole('button', { name: 'Release Scribe' }).click();
    await r.waitForEntry('Scribe: released by cy');
    // A role id settings never defined, from another client: shown, named as unknown.
    await postEvents(server, [makeEvent(incidentId(r), { kind: 'role_assigned', role: 'ghost_role', person: 'zed' })]);
    await r.waitFor(r.roleHolders().getByRole('listitem').filter({ hasText: 'Unknown role (ghost_role)' }).getByText('zed'));
    await r.page.context().close();
  });

  test('changes go one at a time: a second change while the first has no outcome is warned about, outcomes are recorded', async () => {
    const r = await room('Changes drill');
    await r.startChange('Roll back deploy 41');
    const changes = r.panel('Changes');
    await r.waitFor(changes.getByRole('alert').filter({ hasText: '“Roll back deploy 41” has no outcome yet' }));
    await r.waitFor(changes.getByRole('button', { name: 'Start change anyway' }));
    await r.startChange('Raise pool size');
    await r.waitFor(changes.getByText('2 changes in flight without an outcome'));
    await r.waitFor(changes.getByText('(started while another change had no outcome)'));
    await r.recordOutcome('Roll back deploy 41', 'Helped', 'errors halved');
    await r.waitForEntry('Outcome of “Roll back deploy 41”: Helped — errors halved');
    await r.waitForEntry('Change: Roll back deploy 41 (outcome: Helped)');
    await r.waitFor(changes.getByRole('list', { name: 'Changes in flight' }).getByRole('listitem'));
    assert.equal(await changes.getByRole('list', { name: 'Changes in flight' }).getByRole('listitem').count(), 1);
    await r.page.context().close();
  });

  test('the timeline filters by kind, marks key entries, jumps to a time, and renders Markdown as text and elements only', async () => {
    const r = await room('Timeline drill');
    const dialogs = [];
    r.page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    await r.addNoteOfKind('Fail over to **eu-west**', 'Decision');
    await r.addNoteOfKind('<img src=x onerror="alert(1)"> <script>alert(2)</script> [x](javascript:alert(3))', 'Observation');
    await r.waitForEntry('Fail over to eu-west');
    await r.waitFor(r.entry('Fail over to eu-west').locator('strong', { hasText: 'eu-west' }));
    const hostile = r.entry('<script>alert(2)</script>');
    await r.waitFor(hostile);
    assert.equal(await hostile.locator('img, script').count(), 0, 'no element made from note HTML');
    assert.equal(await hostile.locator('a').count(), 0, 'a javascript: link is not a link');

    await r.showOnly('Decisions');
    await r.waitFor(r.timelineItems().first());
    assert.deepEqual(await r.timelineItems().evaluateAll((li) => li.map((e) => e.dataset.kind)), ['Decisions']);

    await r.showOnly('All entries');
    await r.entry('Fail over to eu-west').getByRole('button', { name: /^Key entry/ }).click();
    await r.waitFor(r.entry('Fail over to eu-west').getByRole('button', { name: /^Key entry/, pressed: true }));
    await r.showOnly('Key entries');
    await r.waitFor(r.entry('Fail over to eu-west'));
    assert.equal(await r.timelineItems().count(), 1);
    await r.showOnly('All entries');

    // Jump to a time after everything: nothing there, said plainly.
    await r.page.getByLabel('Jump to time (UTC)', { exact: true }).fill('2099-01-01T00:00');
    await r.page.getByRole('button', { name: 'Jump' }).click();
    await r.waitFor(r.page.getByRole('alert').filter({ hasText: 'Nothing at or after 2099-01-01 00:00 UTC' }));
    assert.deepEqual(dialogs, []);
    await r.page.context().close();
  });

  test('tasks are added with an assignee and due time, reassigned, and marked done; open ones stay in view', async () => {
    const r = await room('Tasks drill');
    await r.addTask({ title: 'Page the DB on-call', assignee: 'bo', due: '2020-01-01T10:00' });
    await r.addTask({ title: 'Draft customer update' });
    const open = r.openTasks();
    await r.waitFor(open.getByText('Page the DB on-call', { exact: true }));
    await r.waitFor(open.getByRole('listitem').filter({ hasText: 'Page the DB on-call' }).getByText('overdue since 2020-01-01 10:00'));
    const assign = open.getByLabel('Assignee of Draft customer update', { exact: true });
    await assign.fill('cy');
    await open.getByRole('listitem').filter({ hasText: 'Draft customer update' }).getByRole('button', { name: 'Assign' }).click();
    await r.page.getByLabel('Page the DB on-call', { exact: true }).check();
    await r.waitForEntry('Task done: Page the DB on-call');
    await r.waitFor(r.panel('Tasks').getByText('Done (1)'));
    assert.equal(await open.getByRole('listitem').count(), 1);
    await r.waitForAllDelivered();
    const updated = (await allEvents(server)).filter((e) => e.body.kind === 'task_updated');
    assert.equal(updated.at(-1).body.assignee, 'cy');
    await r.page.context().close();
  });

  test('affected components carry a status, unknown component ids show as unknown, and impact drives the severity prompt', async () => {
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'api', name: 'Public API', group: 'Core' }),
      makeEvent('workspace', { kind: 'component_defined', component: 'web', name: 'Dashboard', group: 'Core' }),
    ]);
    const r = await room('Impact drill', { severity: 'SEV3' });
    const impact = r.panel('Impact');
    await impact.getByLabel('Component', { exact: true }).selectOption({ label: 'Core / Public API' });
    await impact.getByLabel('Its status', { exact: true }).selectOption({ label: 'Partial outage' });
    await impact.getByRole('button', { name: 'Add component' }).click();
    await r.waitForEntry('Core / Public API: Partial outage');
    await impact.getByLabel('Core / Public API', { exact: true }).selectOption({ label: 'Operational' });
    await r.waitForEntry('Core / Public API: Operational');

    // An id this console has never heard of, from another client.
    await postEvents(server, [makeEvent(incidentId(r), { kind: 'component_status_set', component: '<b>ghost</b>', status: 'major_outage' })]);
    await r.waitFor(impact.getByText('Unknown component (<b>ghost</b>)'));

    assert.equal(await r.page.getByRole('alert').filter({ hasText: 'Severity policy' }).count(), 0);
    await impact.getByLabel('Customers affected', { exact: true }).check();
    await impact.getByLabel('Share of users or traffic affected (%)', { exact: true }).fill('12.5');
    await impact.getByRole('button', { name: 'Record impact' }).click();
    await r.waitForEntry('Customers affected; 12.5% of users or traffic');
    const prompt = r.page.getByRole('alert').filter({ hasText: 'Severity policy: customers are affected, so this incident should be at least SEV1 (it is SEV3).' });
    await r.waitFor(prompt);
    await prompt.getByRole('button', { name: 'Raise to SEV1' }).click();
    await r.waitForEntry('Severity SEV3 → SEV1');
    await prompt.waitFor({ state: 'detached' });

    await impact.getByLabel('Share of users or traffic affected (%)', { exact: true }).fill('140');
    await impact.getByRole('button', { name: 'Record impact' }).click();
    await r.waitFor(impact.getByRole('alert').filter({ hasText: '“140” is not a share between 0 and 100%.' }));
    await r.page.context().close();
  });

  test('impact start, detection and declaration are separate times, corrected afterwards with the change logged', async () => {
    const r = await room('Times drill');
    const times = r.panel('Times (UTC)');
    await times.getByLabel('Impact started', { exact: true }).fill('2026-11-20T08:00');
    await times.getByLabel('Detected', { exact: true }).fill('2026-11-20T08:25');
    await times.getByRole('button', { name: 'Save times' }).click();
    await r.waitForEntry('Times corrected: impact start 2026-11-20 08:00 UTC, detected 2026-11-20 08:25 UTC');
    await r.waitFor(times.getByText('Time to detect: 25 min'));
    await times.getByLabel('Detected', { exact: true }).fill('2026-11-20T07:00');
    await times.getByRole('button', { name: 'Save times' }).click();
    await r.waitFor(times.getByRole('alert').filter({ hasText: 'cannot be before impact start' }));
    await r.page.reload();
    await r.waitFor(times.getByText('Time to detect: 25 min'));
    await r.page.context().close();
  });

  test('presence: each responder sees who else has the incident open, and sees them leave', async () => {
    const ana = await room('Presence drill', { account: 'ana' });
    const context = await browser.newContext();
    const vera = new RoomPage(await context.newPage(), server.url, { account: 'vera' });
    await vera.open(new URL(ana.page.url()).pathname);
    await vera.waitFor(vera.page.getByRole('status', { name: 'Also here' }).getByText('Also here: ana'));
    await ana.waitFor(ana.page.getByRole('status', { name: 'Also here' }).getByText('Also here: vera'));
    await context.close();
    await ana.waitFor(ana.page.getByRole('status', { name: 'Also here' }).getByText('Nobody else has this incident open.'));
    await ana.page.context().close();
  });

  test('HTML typed into every room field is stored and shown as text', async () => {
    const evil = '<img src=x onerror="window.__pwned=1">';
    const r = await room(`${evil} title`);
    await r.assignRole('Scribe', evil);
    await r.startChange(`${evil} change`);
    await r.addTask({ title: `${evil} task`, assignee: evil });
    await r.addNote(`${evil} note`);
    await r.waitForEntry(`${evil} note`);
    await r.waitForEntry(`Scribe: ${evil}`);
    await r.waitFor(r.page.getByRole('heading', { name: `${evil} title` }));
    assert.equal(await r.page.locator('main img').count(), 0);
    // A 100 KB note is kept and shown with the backend's refusal, not lost.
    await r.addNote(`big ${'x'.repeat(100 * 1024)}`);
    await r.waitFor(r.entry('big xxxx').getByText(/refused by the backend: .*note is 102404 bytes; the limit is 65536/));
    // An empty note is not recorded.
    await r.addNote('   ');
    await r.waitFor(r.page.getByRole('alert').filter({ hasText: 'Write something first.' }));
    assert.equal(await r.page.evaluate(() => window.__pwned), undefined);
    await r.page.context().close();
  });

  test('a refused note offers Retry and Discard; discarding asks first, and after a reload only it is gone', async () => {
    const r = await room('Refused note drill');
    await r.addNote('a note the backend keeps');
    await r.waitForEntry('a note the backend keeps');
    await r.addNote(`too big ${'y'.repeat(100 * 1024)}`);
    const refused = r.entry('too big yyyy');
    await r.waitFor(refused.getByText(/refused by the backend: .*the limit is 65536/));

    // Retry sends it again; the backend refuses it again, with its reason.
    const resent = r.page.waitForRequest((req) => req.method() === 'POST' && req.url().endsWith('/api/v1/events')
      && (req.postData() ?? '').includes('too big yyyy'));
    await refused.getByRole('button', { name: 'Retry', exact: true }).click();
    await resent;
    await r.waitFor(refused.getByText(/refused by the backend/));

    // Saying no keeps it; saying yes drops it.
    r.page.once('dialog', (d) => d.dismiss());
    await refused.getByRole('button', { name: 'Discard', exact: true }).click();
    await r.waitFor(refused.getByText(/refused by the backend/));
    r.page.once('dialog', (d) => { assert.match(d.message(), /Discard this edit/); d.accept(); });
    await refused.getByRole('button', { name: 'Discard', exact: true }).click();
    await refused.waitFor({ state: 'detached', timeout: 10_000 });

    await r.page.reload();
    await r.waitForEntry('a note the backend keeps');
    assert.equal(await r.entry('too big yyyy').count(), 0, 'a discarded edit does not come back from IndexedDB');
    await r.waitForAllDelivered();
    await r.page.context().close();
  });

  test('a room opened in a fresh browser on a phone does not move under the reader as it arrives (layout shift under 0.1)', async () => {
    const id = 'arriving-room';
    const start = Date.now() - 3_600_000;
    const events = [makeEvent(id, { kind: 'declared', title: 'Arriving room', severity: 'sev2', summary: '', started_at: start }, { at: start })];
    for (let i = 1; i < 100; i++) {
      events.push(makeEvent(id, { kind: 'note_added', text: `Observation ${i}: error rate back under 1% after the rollback` }, { at: start + i * 1000 }));
    }
    // Lighthouse's phone. The room is opened before the backend has the
    // incident, so it surely arrives after the first paint (as it does in
    // a fresh browser catching up on a big log), and every layout shift
    // until it is complete is summed as the browser reports them (not a
    // timing: a shift is where boxes moved, whatever the speed).
    const context = await browser.newContext({ viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true });
    const signedIn = await context.request.post(`${server.url}/api/v1/session`, {
      data: { name: 'ana', password: TEST_PASSWORD },
      headers: { Origin: server.url },
    });
    assert.ok(signedIn.ok(), `sign-in: ${signedIn.status()}`);
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.shifts = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (!e.hadRecentInput) window.shifts.push({ value: e.value, nodes: e.sources.map((s) => `${s.node?.nodeName}.${s.node?.className ?? ''}`) });
        }
      }).observe({ type: 'layout-shift', buffered: true });
    });
    const r = new RoomPage(page, server.url);
    await page.goto(`${server.url}/incidents/${id}`);
    await r.waitFor(page.getByText('No incident with this id here yet'));
    // The build id's footer, placed after the console once it starts.
    await page.locator('footer.build-id').waitFor({ state: 'attached', timeout: 10_000 });
    await postEvents(server, events);
    await r.waitFor(page.getByText('100 entries'));
    await r.waitFor(r.entry('Observation 99:'));
    await r.waitForAllDelivered();
    // Two frames, so the last layout is reported.
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    const shifts = await page.evaluate(() => window.shifts);
    const total = shifts.reduce((sum, s) => sum + s.value, 0);
    assert.ok(total < 0.1, `layout shift ${total.toFixed(3)}: ${JSON.stringify(shifts)}`);
    await context.close();
  });

  test('a timeline of 10,000 entries renders only the rows in view and scrolls from end to end', async () => {
    const id = 'big-incident';
    // On the hour, two days ago: any day's run sees the same timeline.
    const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 48 * 3_600_000;
    const events = [makeEvent(id, { kind: 'declared', title: 'Big incident', severity: 'sev1', summary: '', started_at: start }, { at: start })];
    for (let i = 1; i < 10_000; i++) {
      events.push(makeEvent(id, { kind: 'note_added', text: `Entry number ${i}${i % 7 === 0 ? '\n\nwith a second paragraph' : ''}` }, { at: start + i * 1000 }));
    }
    await postEvents(server, events);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const r = new RoomPage(await context.newPage(), server.url);
    await r.open(`/incidents/${id}`);
    await r.waitFor(r.page.getByText('10000 entries'));
    await r.waitFor(r.entry('Entry number 9999'));
    const rendered = await r.timelineItems().count();
    assert.ok(rendered > 5 && rendered < 200, `rendered ${rendered} rows`);
    const scroller = r.page.getByRole('region', { name: 'Timeline entries' });
    await scroller.evaluate((el) => { el.scrollTop = 0; });
    await r.waitFor(r.entry('Declared SEV1 · Big incident'));
    assert.ok((await r.timelineItems().count()) < 200);
    // Jump into the middle by time.
    // 1 h 23 min in is entry 4980 (one entry a second).
    const jumpTo = new Date(start + 4980 * 1000).toISOString().slice(0, 16);
    await r.page.getByLabel('Jump to time (UTC)', { exact: true }).fill(jumpTo);
    await r.page.getByRole('button', { name: 'Jump' }).click();
    await r.waitFor(r.entry('Entry number 4980'));
    await context.close();
  });
});
