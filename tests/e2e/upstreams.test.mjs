// The upstream panel end to end: sitrep-server polls status pages served on
// loopback (recorded summaries from ../shared/fixtures), a provider that
// degrades is on the console within one poll, one that answers HTML is
// "unknown since" while the other is unaffected, and with the network cut a
// reload still shows the last known state with its age.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { AppPage } from './support/pwa.mjs';
import { allEvents, postEvents, startServer } from './support/server.mjs';
import { allOperational, fixture, FIXTURES, StatusPage } from './support/status_page.mjs';

const GITHUB = 'statuspage-v2_github_summary_partial-outage_2022-11-25.json';
const OPENAI = 'incidentio-statuspage-compat_openai_summary_2026-07-09.json';
const POLL_MS = 500;
/** One poll (jittered by 10%) plus the push and a render. */
const ONE_POLL = POLL_MS * 1.1 + 1_500;

const github = await fixture(GITHUB);
const openai = await fixture(OPENAI);
const skip = github && openai ? false : `../shared is absent (${FIXTURES}): no recorded status pages to serve`;
if (skip) console.log(`upstreams e2e skipped: ${skip}`);

/** Posts events straight to the server, as another (admin's) console would. */
async function post(server, events) {
  const at = Date.now();
  await postEvents(server, events.map(([id, incident, body]) => ({ id, incident, author: 'admin', at, body })));
}

/** Waits until the server holds an event matching `pred`. */
async function serverHas(server, what, pred, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = (await allEvents(server)).find(pred);
    if (found) return found;
    assert.ok(Date.now() < deadline, `the server never got ${what}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

function upstreamFlags(pages) {
  const args = ['--upstream-interval-ms', String(POLL_MS), '--upstream-timeout-ms', '2000'];
  for (const [name, page] of Object.entries(pages)) args.push('--upstream', `${name}=${page.url}`);
  return args;
}

describe('upstream panel', { timeout: 240_000, skip }, () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  function region(app, name) {
    return app.page.getByRole('region', { name, exact: true });
  }

  test('a provider that degrades is shown within one poll, without a reload, and the incident list tallies it', async () => {
    const gh = await new StatusPage({ json: allOperational(github) }).start();
    const oa = await new StatusPage({ json: openai }).start();
    const server = await startServer({ args: upstreamFlags({ github: gh, openai: oa }) });
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), server.url);
    await app.open('/');
    await app.page.getByRole('link', { name: 'Upstreams: all 2 operational', exact: true }).waitFor();
    await app.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upstreams' }).click();
    await app.page.getByRole('heading', { level: 1, name: 'Upstream providers' }).waitFor();

    const gr = region(app, 'github');
    await gr.getByText('Operational', { exact: true }).waitFor();
    await gr.getByText(/^as of \d\d:\d\d UTC \(just now\)$/).waitFor();
    assert.equal(await gr.getByRole('list', { name: 'Components not operational' }).count(), 0);

    gh.set({ json: github });
    await gr.getByText('Degraded', { exact: true }).waitFor({ timeout: ONE_POLL });
    const packages = gr.getByRole('list', { name: 'Components not operational' }).getByRole('listitem');
    assert.deepEqual(await packages.allInnerTexts(), ['Packages: Partial outage']);
    const incident = gr
      .getByRole('list', { name: 'Unresolved incidents' })
      .getByRole('listitem')
      .filter({ hasText: 'Incident with Packages and Pages' });
    await incident.getByText(/Packages is now experiencing degraded performance/).waitFor();
    assert.match(await incident.innerText(), /Investigating/);
    // The other provider is untouched by it.
    await region(app, 'openai').getByText('Operational', { exact: true }).waitFor();

    await app.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await app.page.getByRole('link', { name: 'Upstreams: 1 degraded', exact: true }).waitFor({ timeout: ONE_POLL });

    await context.close();
    await server.stop();
    await gh.stop();
    await oa.stop();
  });

  test('a provider answering HTML is unknown since when it was lost, its last state marked stale, the other unaffected', async () => {
    const gh = await new StatusPage({ json: github }).start();
    const oa = await new StatusPage({ json: openai }).start();
    const server = await startServer({ args: upstreamFlags({ github: gh, openai: oa }) });
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), server.url, { account: 'ada' });
    await app.open('/upstreams');
    const gr = region(app, 'github');
    await gr.getByText('Degraded', { exact: true }).waitFor();

    gh.set({ type: 'text/html', body: '<!DOCTYPE html><html><body><script>window.hacked=1</script>Sign in</body></html>' });
    const lost = gr.getByText(/^Unknown since \d\d:\d\d UTC \(the answer is an HTML page/);
    await lost.waitFor({ timeout: ONE_POLL });
    // The last known state is still there, marked as not current.
    await gr.getByText('Last known state (stale, not current):').waitFor();
    await gr.getByText('Degraded', { exact: true }).waitFor();
    assert.equal(await gr.getByText('Operational', { exact: true }).count(), 0, 'unknown is never operational');
    await region(app, 'openai').getByText('Operational', { exact: true }).waitFor();
    assert.equal(await region(app, 'openai').getByText(/unknown since/i).count(), 0);
    assert.equal(await app.page.evaluate(() => window.hacked), undefined, 'the page text is never run');

    await context.close();
    await server.stop();
    await gh.stop();
    await oa.stop();
  });

  test('with the network cut and the server gone, a reload still shows the last known state and its age', async () => {
    const gh = await new StatusPage({ json: github }).start();
    const oa = await new StatusPage({ json: openai }).start();
    const server = await startServer({ args: upstreamFlags({ github: gh, openai: oa }) });
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), server.url);
    await app.page.clock.install();
    await app.open('/upstreams');
    await app.waitForServiceWorker();
    const gr = region(app, 'github');
    await gr.getByText('Degraded', { exact: true }).waitFor();
    await app.page.getByTestId('upstreams-source').getByText(/^Live:/).waitFor();

    await context.setOffline(true);
    await server.stop();
    await gh.stop();
    await oa.stop();
    await app.page.reload();

    await app.page.getByRole('heading', { level: 1, name: 'Upstream providers' }).waitFor();
    await gr.getByText('Degraded', { exact: true }).waitFor();
    await gr.getByRole('list', { name: 'Components not operational' }).getByText('Packages: Partial outage').waitFor();
    await region(app, 'openai').getByText('Operational', { exact: true }).waitFor();
    await app.page.getByTestId('upstreams-source').getByText(/^Showing the list saved in this browser, as of \d\d:\d\d UTC \(just now\)\.$/).waitFor();

    // Time passes with the network still cut: the age says so.
    await app.page.clock.fastForward('07:00');
    await gr.getByText(/^as of \d\d:\d\d UTC \(7 min ago\)$/).waitFor();
    await app.page.getByTestId('upstreams-source').getByText(/\(7 min ago\)\.$/).waitFor();

    await context.close();
  });

  test('an admin adds a provider from the panel, the server polls it, and removing it takes it off', async () => {
    const gh = await new StatusPage({ json: github }).start();
    const oa = await new StatusPage({ json: openai }).start();
    const server = await startServer({ args: upstreamFlags({ github: gh }) });
    const context = await browser.newContext();
    // Adding a provider is a settings change: an admin's.
    const app = new AppPage(await context.newPage(), server.url, { account: 'ada' });
    await app.open('/upstreams');
    await region(app, 'github').getByText('Configured on the server\'s command line.').waitFor();

    await app.page.getByLabel('Provider name', { exact: true }).fill('openai');
    await app.page.getByLabel('Status page URL', { exact: true }).fill('status.openai.com');
    await app.page.getByRole('button', { name: 'Add provider', exact: true }).click();
    await app.page.getByRole('alert').getByText('The URL must start with https:// or http://.').waitFor();

    await app.page.getByLabel('Status page URL', { exact: true }).fill(oa.url);
    await app.page.getByRole('button', { name: 'Add provider', exact: true }).click();
    const or = region(app, 'openai');
    await or.getByText('Operational', { exact: true }).waitFor({ timeout: 10_000 });

    // Removing asks first, naming the provider; dismissing keeps it.
    const asked = [];
    app.page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); });
    await or.getByRole('button', { name: 'Remove openai', exact: true }).click();
    assert.match(asked[0] ?? '', /^Remove the provider openai\?/);
    await or.getByText('Operational', { exact: true }).waitFor();
    app.page.once('dialog', (d) => d.accept());
    await or.getByRole('button', { name: 'Remove openai', exact: true }).click();
    await or.waitFor({ state: 'detached', timeout: 10_000 });
    await region(app, 'github').getByText('Degraded', { exact: true }).waitFor();

    await context.close();
    await server.stop();
    await gh.stop();
    await oa.stop();
  });

  test('a provider component linked to ours that breaks offers a note to the open incident touching ours, and a prefilled declaration', async () => {
    const gh = await new StatusPage({ json: allOperational(github) }).start();
    const server = await startServer({ args: upstreamFlags({ github: gh }) });
    const at = Date.now();
    await post(server, [
      ['c1', 'workspace', { kind: 'component_defined', component: 'checkout', name: 'Checkout', group: '' }],
      ['i1', 'inc-checkout', { kind: 'declared', title: 'Checkout slow', severity: 'sev2', summary: '', started_at: at }],
      ['i2', 'inc-checkout', { kind: 'component_status_set', component: 'checkout', status: 'degraded_performance' }],
      ['i3', 'inc-search', { kind: 'declared', title: 'Search broken', severity: 'sev3', summary: '', started_at: at }],
    ]);
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), server.url, { account: 'ada' });
    await app.open('/upstreams');
    const gr = region(app, 'github');
    await gr.getByText('Operational', { exact: true }).waitFor();
    await gr.getByText('Link components to ours').click();
    await gr.getByLabel('Link Packages to our component', { exact: true }).selectOption({ label: 'Checkout' });
    await serverHas(server, 'the link', (e) => e.body.kind === 'upstream_linked' && e.body.component === 'checkout');
    const trouble = app.page.getByRole('region', { name: 'Upstream trouble on our components', exact: true });
    assert.equal(await trouble.count(), 0, 'nothing to offer while it is operational');

    gh.set({ json: github });
    await trouble.getByText('is Partial outage — linked to our Checkout.').waitFor({ timeout: ONE_POLL });
    assert.equal(await trouble.getByRole('button', { name: 'Add a note to Search broken' }).count(), 0);
    await trouble.getByRole('button', { name: 'Add a note to Checkout slow', exact: true }).click();
    await trouble.getByRole('status').getByText('Note added to Checkout slow.').waitFor();
    await serverHas(server, 'the note', (e) => e.incident === 'inc-checkout' && e.body.kind === 'note_added'
      && /Upstream github reports Packages: Partial outage \(linked to our Checkout\)/.test(e.body.text));

    // The incident list offers the same.
    await app.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await trouble.getByRole('link', { name: 'Declare an incident', exact: true }).click();
    // Titled by our component, which our own blame check passes; the
    // provider's report goes in the (internal) summary.
    assert.equal(await app.page.getByLabel('Title', { exact: true }).inputValue(), 'Checkout: Partial outage');
    assert.equal(await app.page.getByLabel('Summary', { exact: true }).inputValue(),
      'Upstream github reports Packages: Partial outage.');
    await app.page.getByText('Touches our component Checkout (Partial outage).').waitFor();
    await app.page.getByRole('button', { name: 'Declare incident' }).click();
    await app.page.waitForURL(/\/incidents\//);
    const id = decodeURIComponent(new URL(app.page.url()).pathname.split('/').pop());
    await serverHas(server, 'the declared incident touching Checkout', (e) => e.incident === id
      && e.body.kind === 'component_status_set' && e.body.component === 'checkout' && e.body.status === 'partial_outage');

    await context.close();
    await server.stop();
    await gh.stop();
  });
});
