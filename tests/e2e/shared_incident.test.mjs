// One incident shared by two browsers through a real sitrep-server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage } from './support/console_page.mjs';
import { allEvents, startServer } from './support/server.mjs';

describe('an incident shared by two browsers', () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a declared incident and its note reach a second browser without a reload, and survive a reload', async () => {
    const first = new ConsolePage(await (await browser.newContext()).newPage(), server.url);
    const second = new ConsolePage(await (await browser.newContext()).newPage(), server.url);
    await first.open('/');
    await second.open('/');

    await first.declare({ title: 'Checkout fails for EU customers', severity: 'SEV1', summary: '5xx on /pay' });
    await first.addNote('Rolled back deploy 4512');
    await first.waitForEntry('Rolled back deploy 4512', 'delivered');

    // The second browser never reloads: the incident arrives over the stream.
    await second.incidentLink('Checkout fails for EU customers').waitFor({ timeout: 5_000 });
    await second.incidentLink('Checkout fails for EU customers').click();
    await second.entry('Rolled back deploy 4512').waitFor({ timeout: 5_000 });

    // A status change made in the second shows up live in the first.
    await second.setStatus('Monitoring');
    await first.entry('Status Investigating → Monitoring').waitFor({ timeout: 5_000 });

    await first.page.reload();
    await first.page.getByRole('heading', { name: 'Checkout fails for EU customers' }).waitFor();
    await first.waitForEntry('Rolled back deploy 4512', 'delivered');
    await first.entry('Status Investigating → Monitoring').waitFor();

    const kinds = (await allEvents(server)).map((e) => e.body.kind);
    assert.deepEqual(kinds, ['declared', 'note_added', 'status_changed']);
  });

  test('the console renders incidents from IndexedDB before the backend answers', async () => {
    const context = await browser.newContext();
    const console_ = new ConsolePage(await context.newPage(), server.url);
    await console_.open('/');
    await console_.declare({ title: 'Search latency high', severity: 'SEV3' });
    await console_.waitForEntry('Declared SEV3 · Search latency high', 'delivered');

    // From here on the backend never answers: API calls hang, the stream never opens.
    await console_.page.route('**/api/**', () => {});
    await console_.page.routeWebSocket('**/api/v1/stream**', () => {});
    await console_.open('/', { pagesLoaded: false });
    await console_.incidentLink('Search latency high').waitFor({ timeout: 5_000 });
    await context.close();
  });

  test('a note the backend refuses stays in the timeline with the reason beside it', async () => {
    const context = await browser.newContext();
    const console_ = new ConsolePage(await context.newPage(), server.url);
    await console_.open('/');
    await console_.declare({ title: 'Paste of a huge log', severity: 'SEV4' });
    const huge = 'log line '.repeat(9_000); // 81 KB: over the 64 KiB note limit
    await console_.addNote(huge);
    await console_.entry('log line log line').getByText(/refused by the backend: note is \d+ bytes; the limit is 65536/).waitFor();
    // The pending count keeps counting it: it has not been delivered.
    assert.match(await console_.pendingCount().innerText(), /1 edit not yet delivered/);

    await console_.page.reload();
    await console_.entry('log line log line').getByText(/refused by the backend/).waitFor();
    const notes = (await allEvents(server)).filter((e) => e.body.kind === 'note_added' && e.body.text.startsWith('log line'));
    assert.equal(notes.length, 0, 'the refused note must not be stored by the server');
    await context.close();
  });
});
