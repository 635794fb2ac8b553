// Change freeze and scheduled maintenance against the real server: a
// resolved customer-impacting incident freezes changes for everyone (the
// banner in another browser, GET /api/v1/freeze for deploy tools) until an
// admin ends it early; a maintenance past its end asks for an overrun update
// and converts into an incident that keeps its log.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FreezeSettingsPage, MaintenanceRoomPage, freezeBanner } from './support/freeze_page.mjs';
import { eventually } from './support/seed.mjs';
import { allEvents, makeEvent, postEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

const WAIT = 10_000;

describe('change freeze and maintenance', () => {
  let server, browser;
  withServerAndBrowser((started) => ({ server, browser } = started));

  async function freezeApi(headers = server.auth) {
    const res = await fetch(`${server.url}/api/v1/freeze`, { headers });
    return { status: res.status, body: await res.json() };
  }

  /** `2026-11-26 15:00 UTC`, as the console writes an instant. */
  const utcText = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

  test('resolving a customer-impacting incident freezes changes for everyone until an admin ends it early', async () => {
    assert.equal((await freezeApi()).body.active, false, 'no freeze to begin with');
    const responder = new MaintenanceRoomPage(await (await browser.newContext()).newPage(), server.url, { account: 'ana' });
    const viewerContext = await browser.newContext({ timezoneId: 'America/New_York' });
    const viewer = new FreezeSettingsPage(await viewerContext.newPage(), server.url, { account: 'vera' });
    await responder.open('/');
    await viewer.open('/');
    assert.equal(await freezeBanner(viewer.page).count(), 0);

    await responder.declare({ title: 'Card payments failing', severity: 'SEV1' });
    await responder.recordCustomerImpact();
    await responder.setStatus('Resolved');
    await responder.waitForAllDelivered();

    // The viewer, on another browser context, sees the banner arrive.
    const banner = freezeBanner(viewer.page);
    await banner.waitFor({ timeout: WAIT });
    await banner.getByText('Customer-impacting incident resolved: Card payments failing').waitFor();

    // Deploy tools see the same freeze, ending when the banner says.
    const { status, body } = await freezeApi();
    assert.equal(status, 200);
    assert.equal(body.active, true);
    assert.equal(body.source, 'incident');
    assert.match(body.reason, /Card payments failing/);
    const resolved = (await allEvents(server)).find((e) => e.body.kind === 'status_changed' && e.body.status === 'resolved');
    assert.equal(body.incident, resolved.incident);
    // Three business days at least three calendar days on (the default policy).
    assert.ok(body.until - resolved.at >= 3 * 86_400_000 - 1000, JSON.stringify(body));
    assert.equal(await banner.getByTestId('freeze-until').textContent(), utcText(body.until));
    // The reader's own zone is shown beside UTC, named (this context is in New York).
    await banner.getByText(/\b(EST|EDT) your time\)/).waitFor();

    // Nobody signed in gets nothing.
    assert.equal((await freezeApi({})).status, 401);

    // An admin ends it early, with a reason; the banner goes everywhere.
    const admin = new FreezeSettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await admin.openSettings();
    await admin.state().getByText(/^Frozen until/).waitFor();
    await admin.endEarly('Hotfix for a security issue must ship');
    await admin.banner().waitFor({ state: 'detached', timeout: WAIT });
    await banner.waitFor({ state: 'detached', timeout: WAIT });
    await admin.waitForAllDelivered();
    await eventually(async () => assert.equal((await freezeApi()).body.active, false));
    const ended = (await allEvents(server)).filter((e) => e.body.kind === 'freeze_ended');
    assert.deepEqual(ended.map((e) => [e.author, e.body.reason]), [['ada', 'Hotfix for a security issue must ship']]);

    for (const p of [responder, viewer, admin]) await p.page.context().close();
  });

  test('a maintenance past its end prompts for an overrun update, then converts into an incident keeping its entries', async () => {
    const now = Date.now();
    const id = 'maint-e2e-1';
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'db', name: 'Primary database', group: '' }, { author: 'ada' }),
      makeEvent(id, {
        kind: 'maintenance_planned', title: 'Database upgrade', starts_at: now - 2 * 3_600_000, ends_at: now - 3_600_000,
        components: ['db'], customer_notice: 'Checkout may be slow for ten minutes',
      }, { author: 'ana', at: now - 3 * 3_600_000 }),
      makeEvent(id, { kind: 'maintenance_started' }, { author: 'ana', at: now - 2 * 3_600_000 }),
      makeEvent(id, { kind: 'note_added', text: 'Replica catching up slower than planned' }, { author: 'ana', at: now - 90 * 60_000 }),
    ]);
    const room = new MaintenanceRoomPage(await (await browser.newContext()).newPage(), server.url, { account: 'ana' });
    await room.open('/');
    // Listed with the incidents, marked as maintenance and overrunning.
    const row = room.page.getByRole('table', { name: 'Incidents' }).getByRole('row').filter({ hasText: 'Database upgrade' });
    await row.getByText('Maintenance', { exact: true }).waitFor({ timeout: WAIT });
    await row.getByText('Overrunning', { exact: true }).waitFor();

    await room.incidentLink('Database upgrade').click();
    await room.page.getByRole('heading', { name: 'Database upgrade', level: 1 }).waitFor();
    await room.overrunPrompt().waitFor({ timeout: WAIT });
    assert.equal(await room.state().textContent(), 'Overrunning');

    await room.logOverrun('Index rebuild takes another hour; checkout stays slow');
    await room.overrunPrompt().waitFor({ state: 'detached', timeout: WAIT });
    assert.equal(await room.state().textContent(), 'In progress');
    await room.entry('Maintenance overrun: Index rebuild takes another hour').waitFor();

    await room.convert('SEV2');
    await room.panelOfMaintenance().waitFor({ state: 'detached', timeout: WAIT });
    await room.page.locator('.room-head').getByText('SEV2', { exact: true }).waitFor();
    // The log is kept: the maintenance entries, the note, then the conversion.
    for (const text of [
      'Maintenance planned: Database upgrade',
      'Maintenance started',
      'Replica catching up slower than planned',
      'Maintenance overrun: Index rebuild takes another hour',
      'Maintenance converted into a SEV2 incident',
    ]) {
      await room.entry(text).first().waitFor({ timeout: WAIT });
    }
    await room.waitForAllDelivered();
    const kinds = (await allEvents(server)).filter((e) => e.incident === id).map((e) => e.body.kind);
    assert.deepEqual(kinds, ['maintenance_planned', 'maintenance_started', 'note_added', 'maintenance_overrun', 'maintenance_converted']);
    // Back on the list it is an incident now, not a maintenance.
    await room.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await row.getByText('SEV2', { exact: true }).waitFor({ timeout: WAIT });
    assert.equal(await row.getByText('Maintenance', { exact: true }).count(), 0);
    await room.page.context().close();
  });

  test('a maintenance is planned, started and completed from the console', async () => {
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'search', name: 'Search', group: '' }, { author: 'ada' }),
    ]);
    const room = new MaintenanceRoomPage(await (await browser.newContext()).newPage(), server.url, { account: 'ana' });
    await room.open('/');
    await room.plan({ title: 'Search reindex', notice: 'Search results may be stale', components: ['Search'] });
    await room.page.getByText('Search results may be stale').first().waitFor();
    assert.equal(await room.state().textContent(), 'Scheduled');
    await room.page.getByRole('button', { name: 'Start maintenance' }).click();
    await eventually(async () => assert.equal(await room.state().textContent(), 'In progress'));
    await room.page.getByRole('button', { name: 'Complete maintenance' }).click();
    await eventually(async () => assert.equal(await room.state().textContent(), 'Completed'));
    await room.waitForAllDelivered();
    const planned = (await allEvents(server)).find((e) => e.body.kind === 'maintenance_planned' && e.body.title === 'Search reindex');
    assert.deepEqual(planned.body.components, ['search']);
    assert.ok(planned.body.ends_at > planned.body.starts_at);
    await room.page.context().close();
  });
});
