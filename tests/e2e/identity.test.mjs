// Identity and numbers through the UI of a real console against a real
// sitrep-server: every incident gets a number from the backend (INC-42),
// shown in the list, the room and the palette, searched by, and opened at
// /i/42; one declared offline says "number pending" until the backend
// answers; roles and tasks are given to accounts picked from the
// directory, or to someone without an account, marked as such.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ListPage } from './support/list_page.mjs';
import { RoomPage } from './support/room_page.mjs';
import { eventually } from './support/seed.mjs';
import { allEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

const WAIT = 10_000;

describe('incident numbers and people', () => {
  let server, browser;
  withServerAndBrowser((started) => ({ server, browser } = started));

  async function room(title) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const r = new RoomPage(await context.newPage(), server.url);
    await r.open('/');
    await r.declare({ title });
    return r;
  }

  /** Waits for the room's number and returns it (42 for "INC-42"). */
  async function numberOf(r) {
    await r.incidentNumber().getByText(/^INC-\d+$/).waitFor({ timeout: WAIT });
    return Number((await r.incidentNumber().innerText()).replace('INC-', ''));
  }

  test('the number is shown in the room and the list, found by the search and the palette, and /i/N opens it', async () => {
    const r = await room('Numbered checkout outage');
    const n = await numberOf(r);
    const stored = (await allEvents(server)).find((e) => e.body.kind === 'declared' && e.body.title === 'Numbered checkout outage');
    assert.equal(stored.number, n, 'the room shows the number the backend stored');
    const id = new URL(r.page.url()).pathname.split('/').pop();

    const list = new ListPage(r.page, server.url);
    await list.open('/');
    await list.waitFor(list.row('Numbered checkout outage').getByText(`INC-${n}`, { exact: true }));
    // Another incident, so the search has something to leave out.
    await r.declare({ title: 'Unrelated DNS trouble' });
    await list.open('/');
    await list.waitFor(list.incidentLink('Unrelated DNS trouble'));
    for (const typed of [`INC-${n}`, String(n)]) {
      await list.search().fill(typed);
      await eventually(async () => assert.deepEqual(await list.titles(), ['Numbered checkout outage']));
    }

    await r.page.keyboard.press('Escape');
    await r.page.locator('body').click();
    await r.page.keyboard.press('Control+k');
    const palette = r.page.getByRole('dialog', { name: 'Command palette' });
    await palette.getByRole('combobox', { name: 'Search commands' }).fill(`inc-${n}`);
    const option = palette.getByRole('option', { name: `Open: Numbered checkout outage · INC-${n}`, exact: true });
    await option.waitFor({ timeout: WAIT });
    await r.page.keyboard.press('Enter');
    await r.page.getByRole('heading', { name: 'Numbered checkout outage' }).waitFor({ timeout: WAIT });

    await r.page.goto(`${server.url}/i/${n}`);
    await r.page.getByRole('heading', { name: 'Numbered checkout outage' }).waitFor({ timeout: WAIT });
    assert.equal(new URL(r.page.url()).pathname, `/incidents/${id}`, 'the room\'s own address replaces /i/N');

    await r.page.goto(`${server.url}/i/9999`);
    await r.page.getByRole('heading', { name: 'No incident INC-9999' }).waitFor({ timeout: WAIT });
    await r.page.getByRole('link', { name: 'Back to incidents' }).waitFor();
    await r.page.context().close();
  });

  test('an incident declared offline shows "number pending" until the backend has stored it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const r = new RoomPage(await context.newPage(), server.url);
    await r.open('/');
    await context.setOffline(true);
    await r.declare({ title: 'Declared with the network cut' });
    await r.waitFor(r.incidentNumber().getByText('number pending', { exact: true }));
    const list = new ListPage(r.page, server.url);
    await r.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await list.waitFor(list.row('Declared with the network cut').getByText('number pending', { exact: true }));
    await context.setOffline(false);
    await list.waitFor(list.row('Declared with the network cut').getByText(/^INC-\d+$/));
    await list.incidentLink('Declared with the network cut').click();
    const n = await numberOf(r);
    const stored = (await allEvents(server)).find((e) => e.body.kind === 'declared' && e.body.title === 'Declared with the network cut');
    assert.equal(stored.number, n);
    await context.close();
  });

  test('a commander is picked from the accounts by keyboard, and someone without an account is named and marked', async () => {
    const r = await room('People drill');
    const roles = r.panel('Roles');
    // The options show only while the picker has focus: a page that opens
    // with every list of people spread over it is not a picker.
    const people = roles.getByRole('listbox', { name: 'People for Person' });
    assert.equal(await people.isVisible(), false, 'no list of people before the picker is used');
    await roles.getByLabel('Role', { exact: true }).selectOption({ label: 'Incident commander' });
    await r.pickPerson(roles, 'Person', 'co', 'cody');
    assert.equal(await roles.getByRole('combobox', { name: 'Person', exact: true }).inputValue(), 'cody');
    await roles.getByRole('button', { name: 'Assign' }).click();
    const ic = r.roleHolders().getByRole('listitem').filter({ hasText: 'Incident commander' });
    await r.waitFor(ic.getByText('cody', { exact: true }));
    assert.equal(await ic.getByText('no account').count(), 0, 'cody has an account');

    await roles.getByLabel('Role', { exact: true }).selectOption({ label: 'Scribe' });
    await r.pickPerson(roles, 'Person', 'Priya from Acme');
    await r.waitFor(people.getByRole('option', { name: 'Priya from Acme no account' }));
    // Escape closes the options and keeps the name as typed.
    await roles.getByRole('combobox', { name: 'Person', exact: true }).press('Escape');
    assert.equal(await people.isVisible(), false, 'Escape closes the list of people');
    await roles.getByRole('button', { name: 'Assign' }).click();
    const scribe = r.roleHolders().getByRole('listitem').filter({ hasText: 'Scribe' });
    await r.waitFor(scribe.getByText('Priya from Acme', { exact: true }));
    await r.waitFor(scribe.getByText('no account', { exact: true }));

    // A task's assignee, picked with the mouse.
    const tasks = r.panel('Tasks');
    await tasks.getByLabel('Task', { exact: true }).fill('Page the payments team');
    const box = tasks.getByRole('combobox', { name: 'Assignee', exact: true });
    await box.fill('ver');
    await tasks.getByRole('listbox', { name: 'People for Assignee' }).getByRole('option', { name: 'vera' }).click();
    assert.equal(await box.inputValue(), 'vera');
    await tasks.getByRole('button', { name: 'Add task' }).click();
    await r.waitFor(r.openTasks().getByRole('combobox', { name: 'Assignee of Page the payments team' }));
    assert.equal(await r.openTasks().getByRole('combobox', { name: 'Assignee of Page the payments team' }).inputValue(), 'vera');

    const events = await allEvents(server);
    assert.ok(events.some((e) => e.body.kind === 'role_assigned' && e.body.person === 'cody'));
    assert.ok(events.some((e) => e.body.kind === 'role_assigned' && e.body.person === 'Priya from Acme'));
    assert.ok(events.some((e) => e.body.kind === 'task_added' && e.body.assignee === 'vera'));
    await r.page.context().close();
  });
});
