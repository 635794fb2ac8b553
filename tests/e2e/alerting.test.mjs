// From alert to incident with the real tools: Debian's Prometheus scrapes
// sitrep-server's /metrics (a monitor token) and evaluates a rule on a
// figure the test moves through the API (a change freeze, started and
// ended by an admin); Debian's Alertmanager routes the alert to Sitrep's
// intake; the console shows the group in the inbox, declares an incident
// from it whose detection time is the alert's start, and shows the
// resolution as a timeline entry once the rule stops firing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AlertInboxPage } from './support/alerts_page.mjs';
import { launchBrowser } from './support/browser.mjs';
import { startMonitoring } from './support/monitoring.mjs';
import { eventually } from './support/seed.mjs';
import { allEvents, createAccount, createToken, makeEvent, postEvents, startServer } from './support/server.mjs';

// Alertmanager waits a second to group, Prometheus evaluates every second:
// the whole way takes a few seconds; a loaded machine gets a minute.
const ROUTED = 60_000;

const RULES = `groups:
  - name: sitrep
    rules:
      - alert: ChangeFreezeActive
        expr: sitrep_change_freeze_active == 1
        labels:
          severity: page
          service: deploys
        annotations:
          summary: A change freeze is on; deploys are blocked
`;

describe('alerts from Prometheus through Alertmanager', () => {
  let server, monitoring, browser, token;
  before(async () => {
    server = await startServer();
    // The senders' own account: a monitor, which posts alerts and reads /metrics only.
    createAccount(server.dataDir, 'prometheus', 'monitor');
    token = createToken(server.dataDir, 'prometheus');
    monitoring = await startMonitoring({ sitrep: server, token, rules: RULES });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await monitoring?.stop();
    await server?.stop();
  });

  const freeze = (body) => postEvents(server, [makeEvent('workspace', body, { author: 'ada' })]);

  test('a firing rule reaches the inbox; declared from it, the incident detects at the alert start; the resolution is an entry', async () => {
    // An admin routes deploy pages to SEV2 in Settings.
    const admin = new AlertInboxPage(await (await browser.newContext()).newPage(), server.url, { account: 'ada' });
    await admin.open('/settings');
    await admin.addRoute({ name: 'Deploy pages', matchers: 'service=deploys, severity=page', severity: 'SEV2' });
    await admin.routes().filter({ hasText: 'Deploy pages' }).waitFor();

    // A responder's console, open on the inbox before anything fires.
    const ana = new AlertInboxPage(await (await browser.newContext()).newPage(), server.url, { account: 'ana' });
    await ana.openInbox();
    assert.equal(await ana.waiting('ChangeFreezeActive').count(), 0);

    // Prometheus scrapes Sitrep with the monitor token.
    await eventually(async () => {
      const targets = await monitoring.targets();
      assert.equal(targets[0]?.health, 'up', JSON.stringify(targets));
    }, 20_000);

    await freeze({ kind: 'freeze_started', until: Date.now() + 3_600_000, reason: 'Release week (alerting e2e)' });
    const card = ana.waiting('ChangeFreezeActive');
    await card.waitFor({ timeout: ROUTED }).catch((e) => {
      throw new Error(`${e.message}\n${monitoring.logs()}`);
    });
    assert.ok((await ana.labels('ChangeFreezeActive').allTextContents()).includes('severity=page'));
    assert.match(await ana.firingFor('ChangeFreezeActive').textContent(), /^firing for \d+ (s|min)$/);
    assert.match(await ana.alerts('ChangeFreezeActive').first().textContent(), /A change freeze is on; deploys are blocked/);
    assert.match(await ana.proposal('ChangeFreezeActive').textContent(), /Proposed by Deploy pages: SEV2/);

    // Alertmanager's own record of when the alert started.
    const held = (await monitoring.alerts()).find((a) => a.labels.alertname === 'ChangeFreezeActive');
    const startsAt = Date.parse(held.startsAt);

    await ana.declareFrom('ChangeFreezeActive', { as: 'Deploys blocked by a freeze' });
    await ana.entry('Alerts attached: ChangeFreezeActive').waitFor();
    const detected = new Date(startsAt).toISOString().slice(0, 16);
    await eventually(async () => assert.equal(await ana.detectedField().inputValue(), detected));
    await ana.timeToDetect().waitFor();
    await eventually(async () => {
      const linked = (await allEvents(server)).find((e) => e.body.kind === 'alerts_linked');
      assert.equal(linked?.body.started_at, startsAt, 'detection is the alert start, to the millisecond');
      assert.ok(linked.seq, 'delivered');
    });
    // The inbox no longer offers it; it is listed as handled while it fires.
    await ana.page.goBack();
    await ana.handled('ChangeFreezeActive').waitFor();
    assert.equal(await ana.waiting('ChangeFreezeActive').count(), 0);

    // The rule stops firing: Alertmanager sends the resolution, the room shows it.
    await freeze({ kind: 'freeze_ended', reason: 'Release done' });
    await ana.page.goForward();
    await ana.entry('Alert resolved: ChangeFreezeActive').waitFor({ timeout: ROUTED }).catch((e) => {
      throw new Error(`${e.message}\n${monitoring.logs()}`);
    });
    // A resolved alert never resolves the incident.
    const statuses = (await allEvents(server)).filter((e) => e.body.kind === 'status_changed');
    assert.equal(statuses.length, 0);
    assert.equal(await ana.page.getByLabel('Status', { exact: true }).inputValue(), 'investigating');
  });

  test('a group is attached to an open incident, another dismissed with a reason; both leave the inbox and say who did what', async () => {
    // A script posts two groups in the generic format with the monitor token.
    const fire = (name, summary) => fetch(`${server.url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ alerts: [{ name, labels: { job: name.toLowerCase() }, annotations: { summary } }] }),
    });
    // An incident already open, that one of them belongs to.
    await postEvents(server, [makeEvent('inc-checkout-slow', {
      kind: 'declared', title: 'Checkout slow', severity: 'sev2', summary: '', started_at: Date.now() - 60_000,
    }, { author: 'ana' })]);
    assert.equal((await fire('CheckoutLatencyHigh', 'p99 over 2 s')).status, 200);
    assert.equal((await fire('BackupLate', 'no backup for 26 h')).status, 200);

    const ana = new AlertInboxPage(await (await browser.newContext()).newPage(), server.url, { account: 'ana' });
    await ana.openInbox();
    await ana.waiting('CheckoutLatencyHigh').waitFor();
    await ana.waiting('BackupLate').waitFor();

    await ana.attach('CheckoutLatencyHigh', 'Checkout slow');
    await ana.handled('CheckoutLatencyHigh').getByText('Attached by ana to').waitFor();
    await ana.dismiss('BackupLate', 'Known: the backup host is being replaced');
    await ana.handled('BackupLate').getByText('Dismissed by ana: Known: the backup host is being replaced').waitFor();
    assert.equal(await ana.waiting('CheckoutLatencyHigh').count(), 0);
    assert.equal(await ana.waiting('BackupLate').count(), 0);

    // Delivered as the protocol says: the incident names the group it took
    // on, and the dismissal carries its reason and author.
    await eventually(async () => {
      const all = await allEvents(server);
      const linked = all.find((e) => e.body.kind === 'alerts_linked' && e.incident === 'inc-checkout-slow');
      assert.ok(linked?.seq, 'the link is delivered');
      const dismissed = all.find((e) => e.body.kind === 'alert_group_dismissed');
      assert.equal(dismissed?.body.reason, 'Known: the backup host is being replaced');
      assert.equal(dismissed.author, 'ana');
    });
    // The room of the open incident shows the alert it took on.
    await ana.handled('CheckoutLatencyHigh').getByRole('link', { name: 'Checkout slow' }).click();
    await ana.entry('Alerts attached: CheckoutLatencyHigh').waitFor();
  });
});
