// A responder's console on a phone (390 × 844): every page fits the width
// (nothing scrolls sideways, even with a 270-character word in a note, the
// comms text or the banner), the list reads as cards, the timeline's text
// takes the full width, and the header folds into a menu. On a desktop
// (1280 × 800) the header stays one line. While the wasm loads, the page
// already shows the app's frame and says so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage } from './support/console_page.mjs';
import { ListPage } from './support/list_page.mjs';
import { RoomPage } from './support/room_page.mjs';
import { eventually } from './support/seed.mjs';
import { makeEvent, postEvents, startServer } from './support/server.mjs';
import { consoleRoutes } from './support/routes.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const WAIT = 10_000;
// One word, no break opportunity: what a pasted token or URL-ish id looks like.
const LONG_WORD = `eu-west-${'x'.repeat(262)}`;
assert.equal(LONG_WORD.length, 270);

const incident = 'phone-checkout';
const resolved = 'phone-resolved';
const title = 'Checkout fails for EU customers';

describe('on a phone', () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const now = Date.now();
    const at = (minutesAgo) => ({ at: now - minutesAgo * 60_000 });
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'payments-api', name: 'Payments API', group: 'Payments' }, { author: 'ada', ...at(120) }),
      makeEvent(incident, { kind: 'declared', title, severity: 'sev2', summary: `5xx on /pay from ${LONG_WORD}`, started_at: now - 60 * 60_000 }, { author: 'ana', ...at(50) }),
      makeEvent(incident, { kind: 'role_assigned', role: 'incident_commander', person: 'ana' }, { author: 'ana', ...at(49) }),
      makeEvent(incident, { kind: 'component_status_set', component: 'payments-api', status: 'major_outage' }, { author: 'ana', ...at(48) }),
      makeEvent(incident, { kind: 'note_added', entry: 'observation', text: `Errors come from ${LONG_WORD} only.` }, { author: 'ana', ...at(47) }),
      makeEvent(incident, { kind: 'change_started', what: 'Roll back deploy 4512' }, { author: 'ana', ...at(46) }),
      makeEvent(incident, { kind: 'task_added', title: 'Page the database on-call', assignee: 'lee', due_at: now + 10 * 60_000 }, { author: 'ana', ...at(45) }),
      makeEvent(incident, {
        kind: 'update_drafted',
        phase: 'investigating',
        channels: {
          status_page: `We are investigating errors at checkout (${LONG_WORD}).`,
          social: `Checkout errors: ${LONG_WORD}`,
          // The backend takes 200 bytes of subject: a word as long as that.
          email_subject: `Checkout ${'y'.repeat(180)}`,
          email_body: `Checkout fails for some customers: ${LONG_WORD}`,
          banner: `Checkout errors ${LONG_WORD}`,
        },
        components: { 'payments-api': 'major_outage' },
        public_title: 'Payment problems',
      }, { author: 'cody', ...at(44) }),
      makeEvent(resolved, { kind: 'declared', title: 'MFA codes delayed', severity: 'sev3', summary: '', started_at: now - 200 * 60_000 }, { author: 'ana', ...at(190) }),
      makeEvent(resolved, { kind: 'status_changed', status: 'resolved' }, { author: 'ana', ...at(100) }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function phone(account = 'ana', path = '/') {
    const context = await browser.newContext({ viewport: PHONE });
    const app = new ConsolePage(await context.newPage(), server.url, { account });
    await app.open(path);
    return app;
  }

  async function assertFits(app, what) {
    // A row measured late (the timeline's virtual list) may still move: ask twice.
    await app.page.waitForTimeout(300);
    const { over, culprits } = await app.sidewaysOverflow();
    assert.ok(over <= 0, `${what} scrolls sideways by ${over} px at 390 px; wider than the window: ${culprits.join(', ')}`);
  }

  // Each route and what shows it is drawn.
  const routes = consoleRoutes({ title, incident, entryText: 'only.' });

  test('every page fits 390 px: nothing scrolls sideways, long words wrap', async () => {
    // As an admin, who sees every page (the admin pages too).
    const app = await phone('ada');
    for (const [path, what, shown] of routes) {
      if (path === '/metrics') {
        // The server's own /metrics is Prometheus text: the console's page
        // is reached from its nav, here through the menu.
        await app.menuButton().click();
        await app.nav().getByRole('link', { name: 'Metrics' }).click();
      } else {
        await app.page.goto(server.url + path);
      }
      await shown(app.page).first().waitFor({ timeout: WAIT });
      await assertFits(app, what);
    }
    await app.page.context().close();
  });

  test('the list is a column of cards the page objects still read as a table', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const list = new ListPage(await context.newPage(), server.url);
    await list.open('/');
    await list.waitForCount('2 of 2 incidents');
    assert.deepEqual(await list.titles(), [title, 'MFA codes delayed']);
    const card = list.row(title);
    const box = await card.boundingBox();
    assert.ok(box.width <= PHONE.width, `a card is ${box.width} px wide`);
    // Each cell names itself, since the column heads are not shown.
    const labels = await card.getByRole('cell').evaluateAll((cells) =>
      cells.map((c) => getComputedStyle(c, '::before').content).filter((c) => c !== 'none'));
    // Everything reached the backend: the "Not sent" cell is empty and hidden.
    assert.deepEqual(labels, ['"Components"', '"Impact since"', '"Next update"']);
    // (Hidden, it has no role to be found by.)
    const unsent = card.locator('td.unsent');
    assert.equal(await unsent.textContent(), '');
    assert.equal(await unsent.isVisible(), false);
    assert.equal(await list.page.getByRole('columnheader', { name: 'Title' }).isVisible(), false);
    await assertFits(list, 'the incident list');
    await context.close();
  });

  test("the timeline's text takes the full width, and a 270-character word wraps inside it", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const room = new RoomPage(await context.newPage(), server.url);
    await room.open(`/incidents/${incident}`);
    const entry = room.entry('only.');
    await entry.waitFor({ timeout: WAIT });
    const text = await entry.getByText(/^Errors come from/).boundingBox();
    const row = await entry.boundingBox();
    // The text runs under the time and author, not in a 50 px column beside them.
    assert.ok(text.width >= row.width * 0.8, `the note is ${text.width} px wide in a ${row.width} px row`);
    assert.ok(text.height > 40, 'the long word wraps onto several lines');
    // The panels come after the timeline, one column.
    const timeline = await room.page.getByRole('region', { name: 'Timeline entries' }).boundingBox();
    const roles = await room.panel('Roles').boundingBox();
    assert.ok(roles.y > timeline.y && Math.abs(roles.x - timeline.x) < 2, 'panels stack under the timeline');
    await assertFits(room, 'the incident room');
    await context.close();
  });

  test('the header folds into a menu button that opens the nav and closes on a pick', async () => {
    const app = await phone();
    const menu = app.menuButton();
    await menu.waitFor();
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.equal(await app.nav().isVisible(), false, 'the nav waits behind the menu');
    // What a responder must always see stays out of the menu.
    await app.waitForAllDelivered();
    assert.ok(await app.pendingCount().isVisible());

    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await app.nav().waitFor({ state: 'visible' });
    await app.whoAmI().getByRole('button', { name: 'Sign out' }).waitFor({ state: 'visible' });
    await assertFits(app, 'the open menu');

    await app.nav().getByRole('link', { name: 'Settings' }).click();
    await app.page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await eventually(async () => assert.equal(await menu.getAttribute('aria-expanded'), 'false'));
    assert.equal(await app.nav().isVisible(), false);
    await app.page.context().close();
  });

  test('on a desktop the header is one line, with "Last synced" and the admin link', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const app = new ConsolePage(await context.newPage(), server.url, { account: 'ada' });
    await app.open('/');
    await app.nav().getByRole('link', { name: 'Admin' }).waitFor();
    await app.page.getByRole('status', { name: 'Delivery' }).getByText(/^Last synced/).waitFor({ timeout: WAIT });
    assert.equal(await app.menuButton().isVisible(), false, 'no menu on a desktop');
    const nav = await app.nav().boundingBox();
    const header = await app.page.getByRole('banner').boundingBox();
    const status = await app.page.getByRole('status', { name: 'Delivery' }).boundingBox();
    const signOut = await app.whoAmI().getByRole('button', { name: 'Sign out' }).boundingBox();
    assert.ok(nav.height < 30, `the nav is one row (${nav.height} px high)`);
    for (const [name, box] of [['the delivery status', status], ['Sign out', signOut]]) {
      const middle = box.y + box.height / 2;
      assert.ok(middle > nav.y && middle < nav.y + nav.height, `${name} is on the nav's line`);
    }
    assert.ok(header.height < 60, `the header is ${header.height} px high`);

    // Narrower desktops, down to where the menu takes over, keep it one line.
    for (const width of [1025, 1100, 1215]) {
      await app.page.setViewportSize({ width, height: DESKTOP.height });
      assert.equal(await app.menuButton().isVisible(), false, `no menu at ${width} px`);
      const row = await app.nav().boundingBox();
      const out = await app.whoAmI().getByRole('button', { name: 'Sign out' }).boundingBox();
      const bar = await app.page.getByRole('banner').boundingBox();
      assert.ok(bar.height < 60, `at ${width} px the header is ${bar.height} px high`);
      const middle = out.y + out.height / 2;
      assert.ok(middle > row.y && middle < row.y + row.height, `at ${width} px Sign out is on the nav's line`);
    }
    await app.page.setViewportSize(DESKTOP);

    // "Plan maintenance" sits with "Declare incident", at the right.
    const plan = await app.page.getByRole('link', { name: 'Plan maintenance' }).boundingBox();
    const declare = await app.page.getByRole('main').getByRole('link', { name: 'Declare incident' }).boundingBox();
    assert.ok(Math.abs(plan.y - declare.y) < 2 && declare.x - (plan.x + plan.width) < 20, 'the two buttons are side by side');
    assert.ok(declare.x + declare.width > DESKTOP.width - 60, 'at the right edge');
    await context.close();
  });

  test('index.html holds the app frame and "Loading Sitrep…", shown until the console mounts', async () => {
    const html = await (await fetch(server.url + '/')).text();
    const frame = html.match(/<div id="loading"[^>]*>([\s\S]*?)<\/div>/);
    assert.ok(frame, 'index.html has the loading frame');
    assert.match(frame[1], /<header class="app-bar">[\s\S]*Sitrep[\s\S]*<\/header>/);
    assert.match(frame[1], /Loading Sitrep…/);

    // Hold the wasm back: the frame is what the browser paints meanwhile.
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    let release;
    const held = new Promise((ok) => (release = ok));
    await page.route('**/*.wasm', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(server.url + '/');
    await page.getByText('Loading Sitrep…').waitFor({ state: 'visible' });
    await page.getByRole('banner').getByText('Sitrep').waitFor({ state: 'visible' });
    release();
    await page.getByRole('heading', { name: 'Sign in to Sitrep' }).waitFor({ timeout: WAIT });
    assert.equal(await page.getByText('Loading Sitrep…').count(), 0, 'the frame is gone once the console is up');
    await context.close();
  });

  test('rough edges: one entry is "1 entry", an outcome must be chosen, a resolved incident says when', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const room = new RoomPage(await context.newPage(), server.url);
    await room.open(`/incidents/${resolved}`);
    // Its timeline: the declaration and the resolution.
    await room.showOnly('Key entries');
    await room.waitFor(room.page.getByText('0 entries', { exact: true }));
    await room.showOnly('Status changes');
    await room.waitFor(room.page.getByText('1 entry', { exact: true }));
    await room.waitFor(room.page.getByTestId('resolved-at').getByText(/^Resolved (yesterday |\d{4}-\d\d-\d\d )?\d\d:\d\d \(after 1 h 40 min\)$/));

    await room.open(`/incidents/${incident}`);
    const changes = room.panel('Changes');
    const outcome = changes.getByLabel('Outcome of Roll back deploy 4512', { exact: true });
    await room.waitFor(outcome);
    assert.equal(await outcome.inputValue(), '', 'no outcome is assumed');
    const item = changes.getByRole('listitem').filter({ hasText: 'Roll back deploy 4512' });
    await item.getByRole('button', { name: 'Record outcome' }).click();
    await room.waitFor(changes.getByRole('alert').filter({ hasText: 'Choose an outcome first.' }));
    assert.equal(await room.entry('Outcome of').count(), 0, 'nothing was recorded');
    await room.recordOutcome('Roll back deploy 4512', 'No effect', 'errors unchanged');
    await room.waitForEntry('Outcome of “Roll back deploy 4512”: No effect — errors unchanged');
    assert.equal(await room.page.getByTestId('resolved-at').count(), 0, 'an open incident has no resolved time');
    await context.close();
  });
});
