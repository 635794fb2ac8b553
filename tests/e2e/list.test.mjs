// The incident list: filters, search over notes, sort, and a query kept in
// the URL, against incidents another console recorded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ListPage } from './support/list_page.mjs';
import { component, eventually, incident, postEvents } from './support/seed.mjs';
import { startServer } from './support/server.mjs';

const checkout = incident({ title: 'Checkout fails for EU customers', severity: 'sev1', minutesIn: 30, components: ['payments-api'] });
const search = incident({ title: 'Search latency high', severity: 'sev3', status: 'monitoring', minutesIn: 20,
  notes: ['Replica lag traced to the shard rebalancer'] });
const database = incident({ title: 'Database failover', severity: 'sev2', status: 'resolved', minutesIn: 10 });
const images = incident({ title: 'Images slow in Asia', severity: 'sev2', status: 'identified', minutesIn: 40, components: ['cdn'] });

describe('the incident list', () => {
  let server, browser, list;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await postEvents(server, [
      component('payments-api', 'Payments API', 'Payments'),
      component('cdn', 'CDN', 'Edge'),
      ...[checkout, search, database, images].flatMap((i) => i.events),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openList(path = '/') {
    list = new ListPage(await (await browser.newContext()).newPage(), server.url);
    await list.open(path);
    return list;
  }

  test('lists open incidents first, the most severe on top, and counts them', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    assert.deepEqual(await list.titles(),
      ['Checkout fails for EU customers', 'Images slow in Asia', 'Search latency high', 'Database failover']);
    await list.row('Checkout fails for EU customers').getByText('Payments / Payments API').waitFor();
    await list.page.context().close();
  });

  test('filters by status, severity and component, and says which filters hide everything', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    await list.filterBy({ status: 'open' });
    await list.waitForCount('3 of 4 incidents');
    assert.ok(!(await list.titles()).includes('Database failover'));

    await list.filterBy({ severity: 'sev2' });
    await list.waitForCount('1 of 4 incidents');
    assert.deepEqual(await list.titles(), ['Images slow in Asia']);

    await list.filterBy({ component: 'payments-api' });
    await list.waitForCount('0 of 4 incidents');
    await list.noMatch().getByText(
      'No incidents match these filters: status: open; severity: SEV2; component: Payments / Payments API.').waitFor();

    await list.filterBy({ severity: '' });
    await list.waitForCount('1 of 4 incidents');
    assert.deepEqual(await list.titles(), ['Checkout fails for EU customers']);

    await list.noMatch().waitFor({ state: 'detached' });
    await list.filterBy({ status: 'resolved' });
    await list.noMatch().getByRole('button', { name: 'Clear filters' }).click();
    await list.waitForCount('4 of 4 incidents');
    await list.page.context().close();
  });

  test('search finds a word that is only in a note, ignoring case', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    await list.search().fill('REBALANCER');
    await list.waitForCount('1 of 4 incidents');
    assert.deepEqual(await list.titles(), ['Search latency high']);
    await list.search().fill('no such words anywhere');
    await list.noMatch().getByText('search: “no such words anywhere”', { exact: false }).waitFor();
    await list.page.context().close();
  });

  test('sorts by age and keeps the choice', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    await list.filterBy({ sort: 'newest' });
    await eventually(async () => assert.deepEqual(await list.titles(),
      ['Images slow in Asia', 'Checkout fails for EU customers', 'Search latency high', 'Database failover']));
    await list.filterBy({ sort: 'oldest' });
    await eventually(async () => assert.deepEqual(await list.titles(),
      ['Database failover', 'Search latency high', 'Checkout fails for EU customers', 'Images slow in Asia']));
    assert.match(list.page.url(), /[?&]sort=oldest/);
    await list.page.context().close();
  });

  test('the query is kept in the URL across a reload and opens the same view from a shared link', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    await list.filterBy({ status: 'resolved' });
    await list.search().fill('failover');
    await list.waitForCount('1 of 4 incidents');
    const url = new URL(list.page.url());
    assert.equal(url.pathname, '/');
    assert.equal(url.searchParams.get('status'), 'resolved');
    assert.equal(url.searchParams.get('q'), 'failover');

    await list.page.reload();
    await list.waitForCount('1 of 4 incidents');
    assert.equal(await list.search().inputValue(), 'failover');
    assert.equal(await list.filters().getByLabel('Status', { exact: true }).inputValue(), 'resolved');
    assert.deepEqual(await list.titles(), ['Database failover']);
    await list.page.context().close();

    // Someone else opens the link in their own browser.
    await openList(url.pathname + url.search);
    await list.waitForCount('1 of 4 incidents');
    assert.deepEqual(await list.titles(), ['Database failover']);
    await list.page.context().close();
  });

  test('a reload with the network cut paints the rows from the stored summary before the local copy is read', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    const { page } = list;
    await page.waitForFunction(async () => {
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    }, null, { timeout: 15_000 });
    // Written a moment after the list last changed.
    await page.waitForFunction(() => (localStorage.getItem('sitrep.list-summary.ana') ?? '').includes('Images slow in Asia'),
      null, { timeout: 10_000 });

    // A disk that never answers: IndexedDB opens but never says so, so the
    // only way to see the rows is the summary.
    await page.context().addInitScript(() => {
      indexedDB.open = () => ({});
    });
    await page.context().setOffline(true);
    await page.reload();
    await list.waitForCount('4 of 4 incidents');
    const table = page.locator('table[data-source="summary"]');
    await table.waitFor({ timeout: 10_000 });
    assert.deepEqual(await list.titles(),
      ['Checkout fails for EU customers', 'Images slow in Asia', 'Search latency high', 'Database failover']);
    await list.row('Checkout fails for EU customers').getByText('Payments / Payments API').waitFor();
    await list.row('Search latency high').getByText('Monitoring').waitFor();

    // A filter needs more than the summary keeps: it waits for the log.
    await list.filterBy({ severity: 'sev2' });
    await page.locator('main').getByText('Reading the local copy…').waitFor();
    await page.context().close();
  });

  test('a summary that does not decode is ignored and the list comes from the log', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    const { page } = list;
    await page.waitForFunction(() => localStorage.getItem('sitrep.list-summary.ana') !== null, null, { timeout: 10_000 });
    await page.evaluate(() => localStorage.setItem('sitrep.list-summary.ana', '{"v":1,"rows":[{"title":'));
    await page.reload();
    await list.waitForCount('4 of 4 incidents');
    assert.equal(await page.locator('table[data-source="summary"]').count(), 0);
    assert.equal((await list.titles()).length, 4);
    await page.context().close();
  });

  test('a link with unknown filter values shows everything rather than failing', async () => {
    await openList('/?status=exploded&severity=sev9&sort=sideways');
    await list.waitForCount('4 of 4 incidents');
    await list.page.context().close();
  });

  // Last: it adds a fifth incident.
  test('a reload right after the list changed paints the changed list from the summary', async () => {
    await openList();
    await list.waitForCount('4 of 4 incidents');
    const { page } = list;
    await page.waitForFunction(() => (localStorage.getItem('sitrep.list-summary.ana') ?? '').includes('Images slow in Asia'),
      null, { timeout: 10_000 });
    await postEvents(server, incident({ title: 'Login emails delayed', severity: 'sev3', minutesIn: 50 }).events);
    await list.waitForCount('5 of 5 incidents');
    // Within the summary's debounce: leaving the page writes it.
    await page.context().addInitScript(() => {
      indexedDB.open = () => ({});
    });
    await page.reload();
    await page.locator('table[data-source="summary"]').waitFor({ timeout: 10_000 });
    await list.waitForCount('5 of 5 incidents');
    assert.ok((await list.titles()).includes('Login emails delayed'));
    await page.context().close();
  });
});
