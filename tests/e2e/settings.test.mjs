// The settings page: the component catalogue, custom roles and the severity
// policy are shared through the workspace stream and kept across reloads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SettingsPage } from './support/settings_page.mjs';
import { eventually } from './support/seed.mjs';
import { allEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

describe('settings', () => {
  let server, browser;
  withServerAndBrowser((started) => ({ server, browser } = started));

  async function twoConsoles() {
    const first = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    const second = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await first.openSettings();
    await second.openSettings();
    return [first, second];
  }

  const workspaceEvents = async (kind) =>
    (await allEvents(server)).filter((e) => e.incident === 'workspace' && e.body.kind === kind);

  test('a component is listed under its group, renamed and regrouped, and removed, in both browsers and after a reload', async () => {
    const [first, second] = await twoConsoles();
    await first.addComponent('Payments API', 'Payments');
    await first.component('Payments', 'Payments API').waitFor();
    await second.component('Payments', 'Payments API').waitFor();

    await first.waitForAllDelivered();
    await first.page.reload();
    await first.component('Payments', 'Payments API').waitFor();

    await first.editComponent('Payments API', { name: 'Payments gateway', group: 'Checkout' });
    await first.component('Checkout', 'Payments gateway').waitFor();
    await second.component('Checkout', 'Payments gateway').waitFor();
    assert.equal(await second.group('Payments').count(), 0, 'the emptied group is gone');

    // Removing asks first, naming the component; dismissing keeps it.
    const remove = second.page.getByRole('button', { name: 'Remove Payments gateway', exact: true });
    const asked = [];
    second.page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
    await remove.click();
    assert.match(asked[0] ?? '', /^Remove the component Payments gateway from the catalogue\?/);
    assert.equal(await second.pendingCount().textContent(), 'All edits delivered', 'nothing recorded');
    await second.component('Checkout', 'Payments gateway').waitFor();
    second.page.once('dialog', (d) => d.accept());
    await remove.click();
    await first.group('Checkout').waitFor({ state: 'detached' });
    await second.waitForAllDelivered();

    const defined = await workspaceEvents('component_defined');
    assert.deepEqual(defined.map((e) => [e.body.component, e.body.name, e.body.group]), [
      ['payments-api', 'Payments API', 'Payments'],
      ['payments-api', 'Payments gateway', 'Checkout'],
    ]);
    assert.deepEqual((await workspaceEvents('component_removed')).map((e) => e.body.component), ['payments-api']);
    await first.page.context().close();
    await second.page.context().close();
  });

  test('a custom role is added beside the four built in, shared, kept and removed', async () => {
    const [first, second] = await twoConsoles();
    assert.deepEqual((await first.roles().allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')), [
      'Incident commander (built in)', 'Communications lead (built in)', 'Operations lead (built in)', 'Scribe (built in)',
    ]);
    await first.addRole('Database liaison');
    await second.roles().filter({ hasText: 'Database liaison' }).waitFor();
    await first.waitForAllDelivered();
    await first.page.reload();
    await first.roles().filter({ hasText: 'Database liaison' }).waitFor();
    assert.equal(await first.roles().count(), 5);

    await first.addRole('scribe');
    await first.alert().getByText('There is already a role named scribe.').waitFor();

    await second.page.getByRole('button', { name: 'Remove role Database liaison' }).click();
    await eventually(async () => assert.equal(await first.roles().count(), 4));
    const roles = await workspaceEvents('role_defined');
    assert.deepEqual(roles.map((e) => [e.body.role, e.body.name]), [['database-liaison', 'Database liaison']]);
    await first.page.context().close();
    await second.page.context().close();
  });

  test('a severity level is renamed and redefined and a rule replaces the default, in both browsers and after a reload', async () => {
    const [first, second] = await twoConsoles();
    await first.defineSeverity('SEV2', { name: 'Serious', definition: 'Paying customers notice' });
    await first.page.getByRole('status').getByText('SEV2 saved.').waitFor();
    const secondName = second.page.getByLabel('SEV2 name', { exact: true });
    await eventually(async () => assert.equal(await secondName.inputValue(), 'Serious'));
    assert.equal(await second.page.getByLabel('SEV2 definition', { exact: true }).inputValue(), 'Paying customers notice');

    assert.deepEqual(await first.ruleTexts(),
      ['any customer impact is at least SEV1']);
    await first.addShareRule('25', 'SEV1');
    await first.rules().filter({ hasText: 'at least 25% of users or traffic affected is at least SEV1' }).waitFor();
    await first.page.getByRole('button', { name: 'Remove rule: any customer impact is at least SEV1' }).click();
    await eventually(async () =>
      assert.deepEqual(await second.ruleTexts(),
        ['at least 25% of users or traffic affected is at least SEV1']));

    await first.waitForAllDelivered();
    await first.page.reload();
    await eventually(async () => assert.equal(await first.page.getByLabel('SEV2 name', { exact: true }).inputValue(), 'Serious'));
    assert.equal(await first.rules().count(), 1);

    // The list's severity filter names the level as the policy now does.
    await first.open('/');
    await first.page.getByLabel('Severity', { exact: true }).locator('option', { hasText: 'SEV2 · Serious' }).waitFor({ state: 'attached' });

    const sets = await workspaceEvents('severity_rules_set');
    assert.deepEqual(sets.at(-1).body.rules, [{ when: { kind: 'share_at_least', permille: 250 }, at_least: 'sev1' }]);
    await first.page.context().close();
    await second.page.context().close();
  });

  test('a bad share in a rule is refused in the form with the reason', async () => {
    const page = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await page.openSettings();
    const before = (await workspaceEvents('severity_rules_set')).length;
    await page.addShareRule('150', 'SEV2');
    await page.alert().getByText('Share affected: “150” is not a percentage between 0.1 and 100.').waitFor();
    assert.equal((await workspaceEvents('severity_rules_set')).length, before);
    await page.page.context().close();
  });

  test('an empty component name is refused in the form and nothing is recorded', async () => {
    const page = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await page.openSettings();
    const before = (await workspaceEvents('component_defined')).length;
    await page.addComponent('   ', 'Edge');
    await page.alert().getByText('The component name is empty.', { exact: true }).waitFor();
    assert.equal(await page.pendingCount().innerText(), 'All edits delivered');
    await page.page.reload();
    await page.page.getByText('No components yet.').waitFor();
    assert.equal((await workspaceEvents('component_defined')).length, before);
    await page.page.context().close();
  });

  test('a component name with markup is shown as text, never run', async () => {
    const page = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await page.openSettings();
    const name = '<img src=x onerror="window.__pwned=1">';
    await page.addComponent(name, '<b>Edge</b>');
    await page.component('<b>Edge</b>', name).waitFor();
    assert.equal(await page.page.locator('main img').count(), 0);
    assert.equal(await page.page.evaluate(() => window.__pwned), undefined);
    await page.page.context().close();
  });

  test('a responder finds Settings disabled with the reason and records nothing; a refused edit still blocks none after it', async () => {
    // Settings are admins' (the server refuses anyone else): a responder's
    // console says so and disables the controls instead of recording an
    // edit that would be refused.
    const ana = new SettingsPage(await (await browser.newContext()).newPage(), server.url, { account: 'ana' });
    await ana.openSettings();
    await ana.page.getByRole('note').filter({ hasText: 'Only admins change these settings; you are signed in as a responder' }).waitFor();
    const form = ana.page.getByRole('form', { name: 'Add a component' });
    assert.equal(await form.getByRole('button', { name: 'Add component' }).isDisabled(), true);
    assert.equal(await form.getByLabel('Component name', { exact: true }).isDisabled(), true);
    assert.equal(await ana.page.getByText(/^Added /).count(), 0);

    // The console is no security boundary: an edit the backend refuses (a
    // note over its size limit) is refused alone, and later edits (on
    // another incident) go out.
    await ana.declare({ title: 'A refused note' });
    await ana.addNote('log line '.repeat(9_000));
    await ana.entry('log line log line').getByText(/refused by the backend/).waitFor();
    await ana.declare({ title: 'Refusal does not block the queue' });
    await ana.addNote('written after the refused edit');
    await ana.waitForEntry('written after the refused edit');
    await eventually(async () => {
      const notes = (await allEvents(server)).filter((e) => e.body.kind === 'note_added' && e.body.text === 'written after the refused edit');
      assert.equal(notes.length, 1, 'the note reached the backend once');
    });
    assert.doesNotMatch(await ana.connection().innerText(), /degraded/i, 'a refusal is not an outage');
    await ana.page.context().close();
  });
});
