// Every console route, read by axe-core (WCAG 2.x A and AA, best practice)
// in the light theme and in the dark one (the device's preference, with no
// choice made in Settings): no violations. Contrast included, so both
// colour sets are checked on real pages with real content.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage } from './support/console_page.mjs';
import { axeViolations } from './support/public_page.mjs';
import { makeEvent, postEvents, startServer } from './support/server.mjs';
import { consoleRoutes } from './support/routes.mjs';

const WAIT = 10_000;
const incident = 'a11y-checkout';
const title = 'Checkout fails for EU customers';

describe('accessibility of every console route, light and dark', () => {
  let server, browser;
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const now = Date.now();
    const at = (minutesAgo) => ({ at: now - minutesAgo * 60_000 });
    // Enough on each page that badges, banners, tasks and drafts are drawn.
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'payments-api', name: 'Payments API', group: 'Payments' }, { author: 'ada', ...at(120) }),
      makeEvent(incident, { kind: 'declared', title, severity: 'sev2', summary: '5xx on /pay from eu-west.', started_at: now - 60 * 60_000 }, { author: 'ana', ...at(50) }),
      makeEvent(incident, { kind: 'role_assigned', role: 'incident_commander', person: 'ana' }, { author: 'ana', ...at(49) }),
      makeEvent(incident, { kind: 'component_status_set', component: 'payments-api', status: 'major_outage' }, { author: 'ana', ...at(48) }),
      makeEvent(incident, { kind: 'note_added', entry: 'observation', text: 'Errors come from eu-west only.' }, { author: 'ana', ...at(47) }),
      makeEvent(incident, { kind: 'change_started', what: 'Roll back deploy 4512' }, { author: 'ana', ...at(46) }),
      makeEvent(incident, { kind: 'task_added', title: 'Page the database on-call', assignee: 'lee', due_at: now - 10 * 60_000 }, { author: 'ana', ...at(45) }),
      makeEvent(incident, {
        kind: 'update_drafted',
        phase: 'investigating',
        channels: {
          status_page: 'We are investigating errors at checkout.',
          social: 'Checkout errors: we are investigating.',
          email_subject: 'Checkout errors',
          email_body: 'Checkout fails for some customers.',
          banner: 'Checkout errors: we are investigating.',
        },
        components: { 'payments-api': 'major_outage' },
        public_title: 'Payment problems',
      }, { author: 'cody', ...at(44) }),
      makeEvent('a11y-sev1', { kind: 'declared', title: 'Login down', severity: 'sev1', summary: '', started_at: now - 30 * 60_000 }, { author: 'ana', ...at(29) }),
      makeEvent('a11y-sev3', { kind: 'declared', title: 'MFA codes delayed', severity: 'sev3', summary: '', started_at: now - 200 * 60_000 }, { author: 'ana', ...at(190) }),
      makeEvent('a11y-sev3', { kind: 'status_changed', status: 'resolved' }, { author: 'ana', ...at(100) }),
      makeEvent('a11y-sev4', { kind: 'declared', title: 'Slow exports', severity: 'sev4', summary: '', started_at: now - 20 * 60_000 }, { author: 'ana', ...at(19) }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // Each route and what shows it is drawn (as an admin, who sees them all).
  const routes = consoleRoutes({ title, incident, entryText: 'eu-west only.' });

  for (const colorScheme of ['light', 'dark']) {
    test(`no axe violations on any route in the ${colorScheme} theme`, async () => {
      // axe is injected as a script: the console's CSP rightly forbids that.
      const context = await browser.newContext({ colorScheme, bypassCSP: true, viewport: { width: 1280, height: 800 } });
      const app = new ConsolePage(await context.newPage(), server.url, { account: 'ada' });
      const found = [];
      await app.page.goto(server.url + '/');
      await app.page.getByRole('heading', { name: 'Sign in to Sitrep' }).waitFor({ timeout: WAIT });
      found.push(...(await axeViolations(app.page)).map((v) => `sign-in: ${v}`));
      await app.open('/');
      for (const [path, what, shown] of routes) {
        if (path === '/metrics') {
          // The server's own /metrics is Prometheus text: the console's page is reached from its nav.
          await app.nav().getByRole('link', { name: 'Metrics' }).click();
        } else {
          await app.page.goto(server.url + path);
        }
        await shown(app.page).first().waitFor({ timeout: WAIT });
        found.push(...(await axeViolations(app.page)).map((v) => `${what}: ${v}`));
      }
      await context.close();
      assert.deepEqual(found, [], `${found.length} violations in the ${colorScheme} theme:\n${found.join('\n')}`);
    });
  }
});
