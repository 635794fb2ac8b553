// The upstream panel end to end: sitrep-server polls status pages served on
// loopback (recorded summaries from ../shared/fixtures), a provider that
// degrades is on the console within one poll, one that answers HTML is
// "unknown since" while the other is unaffected, and with the network cut a
// reload still shows the last known state with its age.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { AppPage } from './support/pwa.mjs';
import { startServer } from './support/server.mjs';
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

function upstreamFlags(pages) {
  const args = ['--upstream-interval-ms', String(POLL_MS), '--upstream-timeout-ms', '2000'];
  for (const [name, page] of Object.entries(pages)) args.push('--upstream', `${name}=${page.url}`);
  return args;
}

describe('upstream panel', { timeout: 120_000, skip }, () => {
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
    const app = new AppPage(await context.newPage(), server.url);
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
});
