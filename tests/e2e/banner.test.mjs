// The in-app banner as a product embeds it (docs/banner.md): a page on
// another origin, under a strict Content-Security-Policy that allows only
// the status host, loads banner.js and shows the approved banner line the
// comms desk published, as text; a page on an origin the server does not
// list cannot read it and shows nothing.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { CommsPage } from './support/comms_page.mjs';
import { eventually } from './support/seed.mjs';
import { freePort, makeEvent, postEvents, startServer } from './support/server.mjs';

// Text a product must show as text: markup in it stays literal.
const LINE = 'Some card payments fail <b>now</b> & we are on it';

/** A product's page on its own origin, embedding the snippet under a strict CSP. */
async function productPage(port, statusOrigin) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<link rel="stylesheet" href="${statusOrigin}/status/banner.css"></head>
<body><h1>Shop</h1><div id="sitrep-banner" hidden></div>
<script src="${statusOrigin}/status/banner.js" async></script></body></html>`;
  const server = createServer((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src ${statusOrigin}; connect-src ${statusOrigin}; style-src ${statusOrigin}`,
    });
    res.end(html);
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  server.unref();
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

describe('the in-app banner embedded in a product', () => {
  let server, browser, allowed, other;
  const incident = `banner-e2e-${process.pid}`;
  before(async () => {
    const [allowedPort, otherPort] = [await freePort(), await freePort()];
    server = await startServer({
      args: ['--status-page-url', 'https://status.example.com', '--status-page-name', 'Example status',
        '--banner-origin', `http://127.0.0.1:${allowedPort}`],
    });
    const statusOrigin = new URL(server.url).origin;
    allowed = await productPage(allowedPort, statusOrigin);
    other = await productPage(otherPort, statusOrigin);
    browser = await launchBrowser();
    const now = Date.now();
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'api', name: 'Public API', group: '' }, { author: 'ada' }),
      makeEvent(incident, { kind: 'declared', title: 'pay-3 card processor errors', severity: 'sev1', summary: '', started_at: now - 5 * 60_000 }, { author: 'ana', at: now }),
      makeEvent(incident, { kind: 'component_status_set', component: 'api', status: 'major_outage' }, { author: 'ana', at: now + 1 }),
    ]);
  });
  after(async () => {
    await browser?.close();
    allowed?.close();
    other?.close();
    await server?.stop();
  });

  async function desk(account) {
    const c = new CommsPage(await (await browser.newContext()).newPage(), server.url, { account });
    await c.open(`/incidents/${incident}/comms`);
    await c.waitFor(c.desk());
    return c;
  }

  test('a page on a listed origin shows the published banner as text under its CSP; another origin shows nothing', async () => {
    // Before anything is published the holder stays hidden.
    const page = await (await browser.newContext()).newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    await page.goto(allowed.url);
    await eventually(async () => {
      const r = await fetch(`${server.url}/api/v2/banner.json`);
      assert.deepEqual(await r.json(), { banner: null });
    });
    assert.equal(await page.locator('#sitrep-banner').isHidden(), true);

    // The comms desk publishes an approved banner line.
    const cody = await desk('cody');
    await cody.draftFromTemplate('Investigating');
    const draft = cody.update('Investigating · Draft');
    await cody.waitFor(draft);
    await cody.setPublicTitle(draft, 'Card payments');
    await cody.editChannel(draft, 'Banner', LINE);
    await cody.save(draft);
    await cody.waitFor(cody.checks(draft).getByText(/^All \d+ checks pass for the saved text\.$/));
    const carl = await desk('carl');
    const toApprove = carl.update('Investigating · Draft');
    await carl.waitFor(toApprove);
    await eventually(async () => assert.equal(await carl.approveButton(toApprove).isDisabled(), false));
    await carl.approveButton(toApprove).click();
    const approved = cody.update('Investigating · Approved');
    await cody.waitFor(approved);
    await cody.chooseTarget(approved, 'In-app banner');
    await eventually(async () => assert.equal(await cody.publishButton(approved).isDisabled(), false));
    await cody.publishButton(approved).click();
    const published = cody.update('Investigating · Published');
    await cody.waitFor(published);
    await cody.delivery(published, 'In-app banner').getByText('Sent', { exact: true }).waitFor({ timeout: 20_000 });

    // The product's page picks it up on a reload (the script also polls).
    await page.reload();
    const shown = page.locator('#sitrep-banner').getByRole('status');
    await shown.waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#sitrep-banner .sitrep-banner__text').textContent(), LINE);
    assert.equal(await page.locator('#sitrep-banner b').count(), 0, 'markup stays text');
    assert.match(await shown.getAttribute('class'), /sitrep-banner--critical/);
    // "Details" leads to the public status page (--status-page-url).
    assert.match(await page.locator('#sitrep-banner a').getAttribute('href'), /^https:\/\/status\.example\.com\/status/);
    assert.deepEqual(violations, [], 'nothing refused by the page\'s CSP');

    // An origin the server does not list cannot read banner.json.
    const elsewhere = await (await browser.newContext()).newPage();
    const refused = [];
    elsewhere.on('console', (m) => refused.push(m.text()));
    await elsewhere.goto(other.url);
    await eventually(() => assert.ok(refused.some((t) => /CORS|Access-Control-Allow-Origin/.test(t)), refused.join('\n')));
    assert.equal(await elsewhere.locator('#sitrep-banner').isHidden(), true);
    await Promise.all([page, elsewhere, cody.page, carl.page].map((p) => p.context().close()));
  });
});
