// Publishing: an update drafted, approved and published by a communicator
// reaches the server's own public status page under its public title, read back through
// /api/v2/summary.json and seen at /status; admins configure targets in
// Settings, where a key is never shown again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SettingsPage } from './support/settings_page.mjs';
import { eventually, postEvents } from './support/seed.mjs';
import { makeEvent } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

describe('publishing', () => {
  let server, browser;
  withServerAndBrowser((started) => ({ server, browser } = started), { server: { args: ['--status-page-name', 'Example status'] } });

  test('draft, approve, publish to the own page, then read it back through summary.json and /status', async () => {
    const inc = `inc-pub-${process.pid}`;
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'api', name: 'Public API', group: '' }, { author: 'ada' }),
      makeEvent('workspace', { kind: 'component_defined', component: 'web', name: 'Website', group: '' }, { author: 'ada' }),
      makeEvent(inc, { kind: 'declared', title: 'Checkout errors', severity: 'sev2', summary: '', started_at: Date.now() - 60_000 }, { author: 'ana' }),
    ]);
    const drafted = makeEvent(inc, {
      kind: 'update_drafted', phase: 'identified',
      channels: { status_page: 'We found the cause of failed checkouts.' },
      components: { api: 'major_outage' },
      public_title: 'Checkout trouble',
    }, { author: 'cody' });
    await postEvents(server, [drafted]);
    await postEvents(server, [makeEvent(inc, { kind: 'update_approved', update: drafted.id }, { author: 'carl' })]);
    // Only the status page is written: the server asks a reason for the empty channels.
    await postEvents(server, [makeEvent(inc, { kind: 'update_published', update: drafted.id, targets: ['own'], overrides: [{ check: 'channel_empty', reason: 'Status page only' }] }, { author: 'cody' })]);

    let summary;
    await eventually(async () => {
      summary = await (await fetch(`${server.url}/api/v2/summary.json`)).json();
      assert.equal(summary.incidents.length, 1);
    });
    assert.equal(summary.page.name, 'Example status');
    const [shown] = summary.incidents;
    // Named by the public title the update gave, never the internal one.
    assert.equal(shown.name, 'Checkout trouble');
    assert.equal(shown.status, 'identified');
    assert.equal(shown.impact, 'critical');
    assert.equal(shown.incident_updates[0].body, 'We found the cause of failed checkouts.');
    assert.deepEqual(
      summary.components.map((c) => [c.id, c.name, c.status]),
      [['api', 'Public API', 'major_outage'], ['web', 'Website', 'operational']],
    );
    assert.equal(summary.status.indicator, 'critical');

    // Customers need no account for the page.
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/status`);
    await page.getByRole('heading', { name: 'Example status', level: 1, exact: true }).waitFor();
    await page.getByRole('status').getByText('Major Service Outage', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Checkout trouble', level: 3, exact: true }).waitFor();
    await page.getByText('We found the cause of failed checkouts.', { exact: true }).waitFor();
    assert.doesNotMatch(await page.content(), /Checkout errors/);
    await page.context().close();
  });

  test('an admin adds a target in Settings; its key is never shown again; others do not see the section', async () => {
    const admin = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await admin.openSettings();
    const section = admin.page.getByRole('region', { name: 'Publishing targets', exact: true });
    await section.getByRole('list', { name: 'Publishing targets', exact: true })
      .getByRole('listitem').filter({ hasText: 'Own status page (own)' }).waitFor();
    const form = section.getByRole('form', { name: 'Add or change a publishing target', exact: true });
    await form.getByLabel('Target id', { exact: true }).fill('main-page');
    await form.getByLabel('Kind', { exact: true }).selectOption('statuspage');
    await form.getByLabel('Target name', { exact: true }).fill('Main page');
    await form.getByLabel('Base URL', { exact: true }).fill('https://api.statuspage.io/v1');
    await form.getByLabel('Page id (Statuspage)', { exact: true }).fill('gytm4qzbx9t6');
    await form.getByLabel('API key or token', { exact: true }).fill('top-secret-key');
    await form.getByLabel('Component map (our id = their id, one per line)', { exact: true }).fill('api = 8kbf7d35c070');
    await form.getByRole('button', { name: 'Save target', exact: true }).click();
    await section.getByRole('status').getByText('Saved Main page.', { exact: true }).waitFor();
    assert.equal(await form.getByLabel('API key or token', { exact: true }).inputValue(), '');
    await section.getByRole('listitem').filter({ hasText: 'Main page (statuspage)' }).waitFor();

    // Editing fills everything but the key.
    await section.getByRole('button', { name: 'Edit Main page', exact: true }).click();
    assert.equal(await form.getByLabel('Page id (Statuspage)', { exact: true }).inputValue(), 'gytm4qzbx9t6');
    assert.equal(await form.getByLabel('Component map (our id = their id, one per line)', { exact: true }).inputValue(), 'api = 8kbf7d35c070');
    assert.equal(await form.getByLabel('API key or token', { exact: true }).inputValue(), '');

    const listed = await (await fetch(`${server.url}/api/v1/publish/targets`, { headers: server.auth })).text();
    assert.ok(!listed.includes('top-secret-key'), listed);
    assert.equal(JSON.parse(listed).targets.find((t) => t.id === 'main-page').key_set, true);

    // A bad URL is refused in the form with a reason.
    await form.getByLabel('Target id', { exact: true }).fill('other');
    await form.getByLabel('Base URL', { exact: true }).fill('ftp://example.com');
    await form.getByLabel('API key or token', { exact: true }).fill('k');
    await form.getByRole('button', { name: 'Save target', exact: true }).click();
    await section.getByRole('alert').getByText('the base URL must be an http(s) URL without spaces.', { exact: true }).waitFor();

    await section.getByRole('button', { name: 'Remove Main page', exact: true }).click();
    await section.getByRole('listitem').filter({ hasText: 'Main page (statuspage)' }).waitFor({ state: 'detached' });
    await admin.page.context().close();

    const viewer = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'vera' });
    await viewer.openSettings();
    await viewer.page.getByRole('heading', { name: 'Components', level: 2, exact: true }).waitFor();
    assert.equal(await viewer.page.getByRole('heading', { name: 'Publishing targets', exact: true }).count(), 0);
    await viewer.page.context().close();
  });
});
