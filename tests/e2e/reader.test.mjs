// The reader's own settings and how times read: the theme follows the
// device until the reader picks one in Settings (kept in this browser, on
// the page from the start); times read in the browser's zone with UTC on
// hover, or in UTC when preferred; a time on another day shows that day;
// and customer text speaks in the audience's IANA zone, daylight saving
// included, a zone name it does not know refused before anything is stored.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommsPage } from './support/comms_page.mjs';
import { ConsolePage } from './support/console_page.mjs';
import { eventually } from './support/seed.mjs';
import { allEvents, makeEvent, postEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

const WAIT = 10_000;
const DAY = 86_400_000;
const LIGHT_BG = 'rgb(246, 248, 250)';
const DARK_BG = 'rgb(15, 23, 32)';
const TOKYO = 9 * 3_600_000; // Asia/Tokyo keeps UTC+09:00 all year.

describe("the reader's theme, zone and the audience's zone", () => {
  let server, browser;
  // 09:00 tomorrow in Tokyo, whenever the test runs.
  const tomorrowNineTokyo = Math.floor((Date.now() + TOKYO) / DAY) * DAY + DAY + 9 * 3_600_000 - TOKYO;
  withServerAndBrowser(async (started) => {
    ({ server, browser } = started);
    await postEvents(server, [
      makeEvent('tz-room', { kind: 'declared', title: 'Search is slow', severity: 'sev3', summary: '', started_at: Date.UTC(2026, 10, 20, 8, 0) }, { author: 'ana' }),
      makeEvent('tz-room', { kind: 'task_added', title: 'Rebuild the index', assignee: 'ana', due_at: tomorrowNineTokyo }, { author: 'ana' }),
      // New York moved to summer time at 07:00 UTC on Sunday 2026-03-08.
      makeEvent('dst-before', { kind: 'declared', title: 'Before the change', severity: 'sev3', summary: '', started_at: Date.UTC(2026, 2, 8, 6, 30) }, { author: 'ana' }),
      makeEvent('dst-after', { kind: 'declared', title: 'After the change', severity: 'sev3', summary: '', started_at: Date.UTC(2026, 2, 8, 7, 30) }, { author: 'ana' }),
    ]);
  });

  async function open(path, options = {}, account = 'ana') {
    const context = await browser.newContext(options);
    const app = new ConsolePage(await context.newPage(), server.url, { account });
    await app.open(path);
    return app;
  }
  const background = (app) => app.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const themeAttr = (app) => app.page.evaluate(() => document.documentElement.getAttribute('data-theme'));

  test("with no choice made the theme is the device's, light or dark", async () => {
    for (const [colorScheme, bg] of [['light', LIGHT_BG], ['dark', DARK_BG]]) {
      const app = await open('/', { colorScheme });
      assert.equal(await themeAttr(app), null);
      assert.equal(await background(app), bg, colorScheme);
      await app.page.context().close();
    }
  });

  test('a theme picked in Settings applies at once, from the start of every load, until System is picked again', async () => {
    const app = await open('/settings', { colorScheme: 'light' });
    const theme = app.page.getByLabel('Theme', { exact: true });
    await theme.selectOption({ label: 'Dark' });
    await eventually(async () => assert.equal(await background(app), DARK_BG));
    assert.equal(await themeAttr(app), 'dark');
    await app.page.reload();
    await app.page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor({ timeout: WAIT });
    assert.equal(await themeAttr(app), 'dark');
    assert.equal(await background(app), DARK_BG);
    await theme.selectOption({ label: 'System (follows this device)' });
    await eventually(async () => assert.equal(await background(app), LIGHT_BG));
    assert.equal(await themeAttr(app), null);
    // On a dark device, Light wins over the device.
    await app.page.emulateMedia({ colorScheme: 'dark' });
    await eventually(async () => assert.equal(await background(app), DARK_BG));
    await theme.selectOption({ label: 'Light' });
    await eventually(async () => assert.equal(await background(app), LIGHT_BG));
    await app.page.context().close();
  });

  test("times read in the browser's zone with UTC on hover, another day shows its date, tomorrow says so, and UTC can be preferred", async () => {
    const app = await open('/incidents/tz-room', { timezoneId: 'Asia/Tokyo' });
    const head = app.page.getByText(/^Impact since /);
    await eventually(async () => assert.equal(await head.textContent(), 'Impact since 2026-11-20 17:00'));
    const task = app.page.getByRole('listitem').filter({ hasText: 'Rebuild the index' });
    await task.getByText('due tomorrow 09:00').waitFor({ timeout: WAIT });
    // The timeline's times: the reader's clock, the UTC reading on hover.
    const when = app.page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').first().locator('time');
    await when.waitFor({ timeout: WAIT });
    assert.match(await when.getAttribute('title'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    assert.doesNotMatch(await when.textContent(), /UTC/);

    await app.page.goto(server.url + '/settings');
    await app.page.getByLabel('Show times in UTC (your own time on hover)', { exact: true }).check();
    await app.page.goto(server.url + '/incidents/tz-room');
    await eventually(async () => assert.equal(await head.textContent(), 'Impact since 2026-11-20 08:00 UTC'));
    assert.match(await when.getAttribute('title'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d your time \(UTC\+09:00\)$/);
    await app.page.context().close();
  });

  test("customer text uses the audience's IANA zone across a daylight-saving change; an unknown zone is refused and nothing stored", async () => {
    const app = await open('/settings', {}, 'ada');
    const form = app.page.getByRole('form', { name: 'Comms policy' });
    const zone = form.getByLabel('Audience time zone (IANA name, e.g. Europe/Berlin)', { exact: true });
    const policies = async () => (await allEvents(server)).filter((e) => e.body.kind === 'comms_policy_set').length;
    await zone.fill('Eastern Time');
    await form.getByRole('button', { name: 'Save comms policy' }).click();
    await form.getByRole('alert').getByText('The audience zone "Eastern Time" is not a time zone this version knows; use an IANA name such as Europe/Berlin or America/New_York.').waitFor({ timeout: WAIT });
    assert.equal(await policies(), 0);
    await zone.fill('America/New_York');
    await form.getByRole('button', { name: 'Save comms policy' }).click();
    await form.getByRole('status').getByText('Comms policy saved.').waitFor({ timeout: WAIT });
    await eventually(async () => assert.equal(await policies(), 1));
    await app.page.context().close();

    for (const [incident, local] of [
      ['dst-before', '2026-03-08 01:30 America/New_York, UTC−05:00'],
      ['dst-after', '2026-03-08 03:30 America/New_York, UTC−04:00'],
    ]) {
      const context = await browser.newContext();
      const comms = new CommsPage(await context.newPage(), server.url, { account: 'cody' });
      await comms.open(`/incidents/${incident}/comms`);
      await comms.draftFromTemplate('Investigating');
      const draft = comms.update('Investigating · Draft');
      await comms.waitFor(draft);
      await eventually(async () => assert.ok(
        (await draft.getByLabel('Status page text', { exact: true }).inputValue()).includes(`(${local})`),
        `${incident}: ${await draft.getByLabel('Status page text', { exact: true }).inputValue()}`,
      ));
      await context.close();
    }
  });
});
