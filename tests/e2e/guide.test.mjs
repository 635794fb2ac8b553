// Flows that guide a first-time responder (issue 18), through the UI of a
// real console against a real sitrep-server: declaring with components,
// impact and a commander; resolving with what still argues against it and a
// required note; maintenance during a change freeze needs a reason; the
// comms checks read the text as typed; controls a role cannot use say why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommsPage } from './support/comms_page.mjs';
import { GuidePage } from './support/guide_page.mjs';
import { eventually } from './support/seed.mjs';
import { allEvents, makeEvent, postEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

const WAIT = 10_000;

describe('flows that guide', () => {
  let server, browser;
  withServerAndBrowser(async (started) => {
    ({ server, browser } = started);
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'api', name: 'Public API', group: '' }, { author: 'ada' }),
      makeEvent('workspace', { kind: 'severity_defined', severity: 'sev1', name: 'Critical', definition: 'Most customers cannot pay or sign in.' }, { author: 'ada' }),
    ]);
  });

  async function as(account, options = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const g = new GuidePage(await context.newPage(), server.url, { account });
    await g.open('/');
    return g;
  }

  const incidentId = (g) => decodeURIComponent(new URL(g.page.url()).pathname.split('/').pop());
  const eventsOf = async (id) => (await allEvents(server)).filter((e) => e.incident === id);

  test('declaring takes components, customer impact and the severity definitions, and the declarer commands unless they choose otherwise', async () => {
    const ana = await as('ana');
    await ana.openDeclare();
    await ana.page.getByLabel('Severity', { exact: true }).selectOption({ label: 'SEV1' });
    await ana.severityDefinition().getByText('Most customers cannot pay or sign in.').waitFor();
    await ana.fillDeclare({ title: 'Payments failing', severity: 'SEV1', components: { 'Public API': 'Major outage' }, impact: 'Yes, customers are affected' });
    await ana.submitDeclare('Payments failing');
    const id = incidentId(ana);
    await ana.waitForAllDelivered();
    const bodies = (await eventsOf(id)).map((e) => e.body);
    assert.deepEqual(bodies.map((b) => b.kind), ['declared', 'role_assigned', 'component_status_set', 'impact_set']);
    assert.deepEqual(bodies[1], { kind: 'role_assigned', role: 'incident_commander', person: 'ana' });
    assert.equal(bodies[2].component, 'api');
    assert.equal(bodies[2].status, 'major_outage');
    assert.equal(bodies[3].customer_impact, true);
    await ana.waitFor(ana.roleHolders().getByRole('listitem').filter({ hasText: 'Incident commander' }).getByText('ana', { exact: true }));

    // Someone else named; no impact known: no impact event, bo commands.
    await ana.openDeclare();
    await ana.fillDeclare({ title: 'Search slow', severity: 'SEV3', commander: 'Someone else', commanderName: 'bo' });
    await ana.submitDeclare('Search slow');
    const other = incidentId(ana);
    await ana.waitForAllDelivered();
    const second = (await eventsOf(other)).map((e) => e.body);
    assert.deepEqual(second.map((b) => b.kind), ['declared', 'role_assigned']);
    assert.equal(second[1].person, 'bo');
    await ana.page.context().close();
  });

  test('resolving warns of what is not over and needs the resolution note, recorded before the status', async () => {
    const ana = await as('ana');
    await ana.openDeclare();
    await ana.fillDeclare({ title: 'Checkout errors', components: { 'Public API': 'Partial outage' } });
    await ana.submitDeclare('Checkout errors');
    const id = incidentId(ana);
    await ana.addTask({ title: 'Roll back the cache' });

    await ana.page.getByLabel('Status', { exact: true }).selectOption({ label: 'Resolved' });
    const form = ana.resolveForm();
    const warnings = form.getByRole('list', { name: 'Before you resolve' });
    await warnings.getByText(/Not operational yet: Public API \(Partial outage\)/).waitFor({ timeout: WAIT });
    await warnings.getByText('1 open task: Roll back the cache.').waitFor({ timeout: WAIT });
    await warnings.getByText(/No resolving customer update has been published/).waitFor();
    // No note, no resolution.
    await form.getByRole('button', { name: 'Resolve incident' }).click();
    await form.getByRole('alert').getByText('Write the resolution note: what ended the impact.').waitFor();
    assert.equal((await eventsOf(id)).filter((e) => e.body.kind === 'status_changed').length, 0);

    await ana.resolve('Rolled back deploy 41; errors at zero since 14:10.');
    await ana.waitForEntry('Resolution: Rolled back deploy 41');
    await ana.waitForAllDelivered();
    const kinds = (await eventsOf(id)).map((e) => e.body.kind);
    assert.deepEqual(kinds.slice(-2), ['note_added', 'status_changed']);
    assert.equal(await ana.page.getByLabel('Status', { exact: true }).inputValue(), 'resolved');
    await ana.page.context().close();
  });

  test('planning or starting a maintenance during a change freeze warns and needs a reason, which is logged', async () => {
    const now = Date.now();
    const until = now + 2 * 86_400_000;
    await postEvents(server, [
      makeEvent('workspace', { kind: 'freeze_started', until, reason: 'Quarter-end close' }, { author: 'ada', at: now - 1000 }),
    ]);
    // The freeze's end reads in the reader's zone like every time in the
    // console (Tokyo keeps UTC+09:00 all year), with UTC on hover.
    const ana = await as('ana', { timezoneId: 'Asia/Tokyo' });
    const inTokyo = new Date(until + 9 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    const inUtc = new Date(until).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    const freezeEnd = async (warning) => {
      const end = warning.locator('time');
      assert.equal(await end.textContent(), inTokyo);
      assert.equal(await end.getAttribute('title'), inUtc);
    };
    await ana.openPlan();
    // The default window (tomorrow) falls in the freeze.
    const warning = ana.planFreezeWarning();
    await warning.getByText(/Quarter-end close/).waitFor({ timeout: WAIT });
    await freezeEnd(warning);
    await ana.page.getByLabel('Title', { exact: true }).fill('Cache resize');
    await ana.page.getByRole('button', { name: 'Plan maintenance' }).click();
    await ana.error().getByText(`falls in the change freeze until ${inTokyo}: say why it must go ahead`).waitFor();
    await warning.getByLabel('Why it must go ahead during the freeze', { exact: true }).fill('Cache fills up before the freeze ends');
    await ana.page.getByRole('button', { name: 'Plan maintenance' }).click();
    await ana.page.getByRole('heading', { name: 'Cache resize', level: 1 }).waitFor({ timeout: WAIT });
    const id = incidentId(ana);
    await ana.entry('during a change freeze: Cache fills up before the freeze ends').waitFor({ timeout: WAIT });

    // Starting asks again: the button waits for the reason.
    const start = ana.panelOfMaintenance().getByRole('button', { name: 'Start maintenance' });
    await ana.startFreezeWarning().waitFor({ timeout: WAIT });
    await freezeEnd(ana.startFreezeWarning());
    assert.equal(await start.isDisabled(), true);
    await ana.startFreezeWarning().getByLabel('Why it must start during the freeze', { exact: true }).fill('Approved by the CTO');
    await start.click();
    await ana.waitForEntry('Maintenance started during a change freeze: Approved by the CTO');
    const bodies = (await eventsOf(id)).map((e) => e.body);
    assert.equal(bodies[0].freeze_reason, 'Cache fills up before the freeze ends');
    assert.equal(bodies[1].freeze_reason, 'Approved by the CTO');

    await postEvents(server, [makeEvent('workspace', { kind: 'freeze_ended', reason: 'Close done' }, { author: 'ada' })]);
    await ana.page.context().close();
  });

  test('the comms checks read the text as typed, say which text they checked, and catch "operational" while a component is affected', async () => {
    const now = Date.now();
    const id = 'guide-comms';
    await postEvents(server, [
      makeEvent(id, { kind: 'declared', title: 'Checkout errors', severity: 'sev2', summary: '', started_at: now - 60_000 }, { author: 'ana', at: now }),
      makeEvent(id, { kind: 'component_status_set', component: 'api', status: 'major_outage' }, { author: 'ana', at: now + 1 }),
    ]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cody = new CommsPage(await context.newPage(), server.url, { account: 'cody' });
    await cody.open(`/incidents/${id}/comms`);
    await cody.waitFor(cody.desk());
    await cody.draftFromTemplate('Investigating');
    const draft = cody.update('Investigating · Draft');
    await cody.waitFor(draft);
    const checks = cody.checks(draft);
    await checks.getByTestId('checked-text').getByText('Checked: the saved text.').waitFor({ timeout: WAIT });

    // Typed, not saved: the checks run on it after a pause.
    await cody.editChannel(draft, 'Status page text', 'All systems operational.');
    await checks.getByTestId('checked-text').getByText('Checked: the text as typed (not saved yet).').waitFor({ timeout: WAIT });
    await checks.getByText(/The text calls the service operational \("All systems operational"\), but Public API \(Major outage\) is affected\./).waitFor({ timeout: WAIT });
    assert.equal(await checks.getByText(/^All \d+ checks pass/).count(), 0, 'no pass is claimed for unsaved text');
    const stored = (await allEvents(server)).filter((e) => e.incident === id && e.body.kind === 'update_edited');
    assert.equal(stored.length, 0, 'nothing was saved to find it');
    await context.close();
  });

  test('a responder on Upstreams and Settings finds admin-only controls disabled, with the reason', async () => {
    const ana = await as('ana');
    await ana.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await ana.page.getByRole('note').filter({ hasText: 'Only admins change these settings; you are signed in as a responder' }).waitFor({ timeout: WAIT });
    const add = ana.page.getByRole('form', { name: 'Add a component' }).getByRole('button', { name: 'Add component' });
    assert.equal(await add.isDisabled(), true);
    await ana.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upstreams' }).click();
    await ana.page.getByRole('heading', { name: 'Upstream providers', level: 1 }).waitFor({ timeout: WAIT });
    await ana.page.getByRole('note').filter({ hasText: 'signed in as a responder' }).waitFor({ timeout: WAIT });
    const addProvider = ana.page.getByRole('form', { name: 'Watch a provider' }).getByRole('button', { name: 'Add provider' });
    if (await addProvider.count()) assert.equal(await addProvider.isDisabled(), true);
    await ana.page.context().close();
  });
});
