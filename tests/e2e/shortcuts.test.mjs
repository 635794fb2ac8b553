// Keyboard shortcuts, the command palette and the shortcut help, driven by
// the keyboard as a responder would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ListPage } from './support/list_page.mjs';
import { eventually, incident, postEvents } from './support/seed.mjs';
import { startServer } from './support/server.mjs';

const checkout = incident({ title: 'Checkout fails for EU customers', severity: 'sev2', minutesIn: 5 });
const dns = incident({ title: 'Old DNS outage', severity: 'sev1', status: 'resolved', minutesIn: 10 });

describe('keyboard shortcuts', () => {
  let server, browser, app, page;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await postEvents(server, [...checkout.events, ...dns.events]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function open(path = '/') {
    app = new ListPage(await (await browser.newContext()).newPage(), server.url);
    page = app.page;
    await app.open(path);
    if (path === '/') await app.incidentLink(checkout.title).waitFor();
    return app;
  }

  const isFocused = (locator) => locator.evaluate((el) => el === document.activeElement);
  const palette = () => page.getByRole('dialog', { name: 'Command palette' });
  const help = () => page.getByRole('dialog', { name: 'Keyboard shortcuts' });

  test('? lists every shortcut, and Escape closes the list and gives focus back', async () => {
    await open();
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' });
    await link.focus();
    await page.keyboard.press('?');
    await help().waitFor();
    const rows = await help().getByRole('row').allInnerTexts();
    for (const keys of ['n', 'a', '/', 'Ctrl+K or ⌘K', '?', 'Esc']) {
      assert.ok(rows.some((r) => r.startsWith(`${keys}\t`)), `no row for ${keys} in ${JSON.stringify(rows)}`);
    }
    assert.equal(await help().getAttribute('aria-modal'), 'true');
    await page.keyboard.press('Escape');
    await help().waitFor({ state: 'detached' });
    await eventually(async () => assert.ok(await isFocused(link)));
    await page.context().close();
  });

  test('n opens the form to declare an incident', async () => {
    await open();
    await page.keyboard.press('n');
    await page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/new');
    await page.context().close();
  });

  test('a puts the cursor in the note box of the incident room', async () => {
    await open(`/incidents/${checkout.id}`);
    await page.getByRole('heading', { name: checkout.title }).waitFor();
    const note = page.locator('#room-note');
    await note.waitFor();
    await page.keyboard.press('a');
    await eventually(async () => assert.ok(await isFocused(note)));
    assert.equal(await note.inputValue(), '', 'the shortcut itself is not typed');
    await page.context().close();
  });

  test('/ goes to the list from elsewhere and focuses its search', async () => {
    await open('/new');
    await page.getByRole('heading', { name: 'Declare an incident' }).waitFor();
    await page.keyboard.press('/');
    await eventually(async () => assert.ok(await isFocused(app.search())));
    assert.equal(new URL(page.url()).pathname, '/');
    await page.keyboard.type('checkout');
    await app.waitForCount('1 of 2 incidents');
    await page.context().close();
  });

  test('Ctrl+K opens the palette; part of a title and Enter open that incident', async () => {
    await open();
    await page.keyboard.press('Control+k');
    await palette().waitFor();
    const box = palette().getByRole('combobox', { name: 'Search commands' });
    await eventually(async () => assert.ok(await isFocused(box)));
    const options = await palette().getByRole('option').allInnerTexts();
    // Each title comes with its number (tests/e2e/numbers.test.mjs).
    assert.deepEqual(options.filter((o) => o.startsWith('Open:')).map((o) => o.replace(/ · INC-\d+$/, '')),
      ['Open: Checkout fails for EU customers', 'Open: Old DNS outage'], 'open incidents come first');
    await page.keyboard.type('eu cust');
    await palette().getByRole('option', { name: 'Open: Checkout fails for EU customers' }).waitFor();
    assert.equal(await palette().getByRole('option').count(), 1);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: checkout.title }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/incidents/${checkout.id}`);
    await palette().waitFor({ state: 'detached' });
    await page.context().close();
  });

  test('the palette follows the arrow keys and clicks, and Escape gives focus back', async () => {
    await open();
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' });
    await link.focus();
    await page.keyboard.press('Meta+k');
    await palette().waitFor();
    await page.keyboard.press('Escape');
    await palette().waitFor({ state: 'detached' });
    await eventually(async () => assert.ok(await isFocused(link)));

    await page.keyboard.press('Control+k');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const chosen = palette().getByRole('option', { name: 'Open settings' });
    assert.equal(await chosen.getAttribute('aria-selected'), 'true');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();

    await page.keyboard.press('Control+k');
    await palette().getByRole('option', { name: 'Show keyboard shortcuts' }).click();
    await help().waitFor();
    await palette().waitFor({ state: 'detached' });
    await help().getByRole('button', { name: 'Close' }).click();
    await help().waitFor({ state: 'detached' });
    await page.context().close();
  });

  test('letter shortcuts do nothing while typing in a field; Ctrl+K still opens the palette', async () => {
    await open();
    await app.search().click();
    await page.keyboard.type('n/?a');
    assert.equal(await app.search().inputValue(), 'n/?a');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await help().count(), 0);

    await page.getByRole('link', { name: 'Declare incident' }).first().click();
    const title = page.getByLabel('Title', { exact: true });
    await title.click();
    await page.keyboard.type('an outage?');
    assert.equal(await title.inputValue(), 'an outage?');
    assert.equal(new URL(page.url()).pathname, '/new');
    assert.equal(await help().count(), 0);

    await page.keyboard.press('Control+k');
    await palette().waitFor();
    await page.keyboard.type('n');
    assert.equal(new URL(page.url()).pathname, '/new', 'typing in the palette is not a shortcut');
    await page.context().close();
  });
});
