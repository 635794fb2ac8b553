// Customers hear it everywhere, through a real console, a real server and a
// real SMTP server (aiosmtpd): a subscriber confirmed by email gets the
// update the desk publishes; when the SMTP server refuses, the desk shows
// its words and Retry sends it; the social post is copied and marked as
// posted; the post-mortem records what customers lost and got and where
// each update went; the public page passes axe-core and works without
// JavaScript; admins add a team webhook and see its receiver's answers.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { AdminPage } from './support/admin_page.mjs';
import { launchBrowser } from './support/browser.mjs';
import { CommsPage } from './support/comms_page.mjs';
import { PostmortemPage } from './support/postmortem_page.mjs';
import { axeViolations, PublicStatusPage } from './support/public_page.mjs';
import { eventually } from './support/seed.mjs';
import { makeEvent, postEvents, startServer } from './support/server.mjs';
import { SmtpSink } from './support/smtp.mjs';

const PAGE = 'https://status.example.com';

describe('channels', () => {
  let server, browser, sink;
  const incident = `channels-e2e-${process.pid}`;
  before(async () => {
    sink = await SmtpSink.start();
    server = await startServer({
      args: ['--smtp', sink.url(), '--smtp-from', 'Example status <status@example.com>', '--smtp-rate', '50',
        '--status-page-url', PAGE, '--status-page-name', 'Example status', '--subscribe-burst', '100',
        '--publish-retry-base-ms', '100', '--publish-attempts', '2'],
    });
    browser = await launchBrowser();
    const now = Date.now();
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'api', name: 'Public API', group: '' }, { author: 'ada' }),
      makeEvent(incident, { kind: 'declared', title: 'db-7 primary failover', severity: 'sev2', summary: '', started_at: now - 10 * 60_000 }, { author: 'ana', at: now }),
      makeEvent(incident, { kind: 'component_status_set', component: 'api', status: 'partial_outage' }, { author: 'ana', at: now + 1 }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    sink?.stop();
  });

  /** Subscribes through the public form, then confirms from the emailed link. */
  async function subscribe(address) {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    const status = new PublicStatusPage(page, server.url);
    await status.open('/status/subscribe');
    await status.subscribeByEmail(address);
    await page.getByRole('heading', { name: 'Check your inbox', level: 1 }).waitFor();
    let link;
    await eventually(() => {
      const m = sink.messages().find((x) => x.rcpt_tos[0] === address && /Confirm here: /.test(x.body));
      assert.ok(m, 'a confirmation email');
      link = m.body.match(/Confirm here: (\S+)/)[1].replace(PAGE, server.url);
    }, 15_000);
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed', level: 1 }).waitFor();
    await page.context().close();
  }

  async function desk(account) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const c = new CommsPage(await context.newPage(), server.url, { account });
    await c.open(`/incidents/${incident}/comms`);
    await c.waitFor(c.desk());
    return c;
  }

  test('a confirmed subscriber gets the email; a refusal shows the server\'s words and Retry sends it; the social post is copied and marked as posted', async () => {
    await subscribe('ana@example.com');
    const cody = await desk('cody');
    await cody.draftFromTemplate('Investigating');
    const draft = cody.update('Investigating · Draft');
    await cody.waitFor(draft);
    await cody.setPublicTitle(draft, 'Slow checkout');
    await cody.save(draft);
    await cody.waitFor(cody.checks(draft).getByText(/^All \d+ checks pass for the saved text\.$/));
    const carl = await desk('carl');
    const toApprove = carl.update('Investigating · Draft');
    await carl.waitFor(toApprove);
    await eventually(async () => assert.equal(await carl.approveButton(toApprove).isDisabled(), false));
    await carl.approveButton(toApprove).click();

    const approved = cody.update('Investigating · Approved');
    await cody.waitFor(approved);
    await cody.chooseTarget(approved, 'Own status page');
    await cody.chooseTarget(approved, 'Email to subscribers (1 confirmed subscriber)');
    // The SMTP server refuses everything for now.
    sink.control({ refuse_data: '554 5.7.1 Relay access denied' });
    await eventually(async () => assert.equal(await cody.publishButton(approved).isDisabled(), false));
    await cody.publishButton(approved).click();

    const published = cody.update('Investigating · Published');
    await cody.waitFor(published);
    const email = cody.delivery(published, 'Email to subscribers (1 confirmed subscriber)');
    await email.getByText('Failed', { exact: true }).waitFor({ timeout: 20_000 });
    await email.getByText(/ana@example\.com: 554 5\.7\.1 Relay access denied/).waitFor();
    // Published everywhere else all the same.
    await cody.delivery(published, 'Own status page').getByText('Sent', { exact: true }).waitFor();
    const status = await (await fetch(`${server.url}/status`)).text();
    assert.match(status, /Slow checkout/);

    sink.control({});
    await cody.retry(published, 'Email to subscribers (1 confirmed subscriber)');
    await email.getByText('Sent', { exact: true }).waitFor({ timeout: 20_000 });
    await email.getByText(/sent to 1 subscriber/).waitFor();
    const mails = sink.messages().filter((m) => m.rcpt_tos[0] === 'ana@example.com' && !/Confirm here/.test(m.body));
    assert.equal(mails.length, 1, 'exactly one email');
    assert.match(mails[0].data, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);

    // Social: copy the approved text, then mark it as posted.
    await cody.copySocialPost(published);
    await cody.waitFor(cody.social(published).getByText('Copied: paste it into the post.'));
    const copied = await cody.page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /Public API/);
    await cody.markPosted(published, 'not an address');
    await cody.waitFor(cody.social(published).getByText(/Not marked: the post's address must be a web address/));
    await cody.markPosted(published, 'https://social.example/status/42');
    await cody.waitFor(cody.postedAt(published).filter({ hasText: 'https://social.example/status/42' }));
    await cody.waitFor(cody.postedAt(published).filter({ hasText: /posted by cody/ }));
    // The mark shows as soon as it is recorded; the next test reads it from
    // the backend, so it must have been delivered before this browser closes.
    await cody.waitForAllDelivered();
    await cody.page.context().close();
    await carl.page.context().close();
  });

  test('the post-mortem records what customers lost and got, and where each update went', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const pm = new PostmortemPage(await context.newPage(), server.url, { account: 'cody' });
    await pm.openFor(incident);
    await pm.writeCustomerFact('What data was lost or delayed', 'Orders placed between 14:00 and 14:20 were delayed up to two hours; none were lost.');
    await pm.writeCustomerFact('Which customers', 'Shops on the EU cluster');
    await pm.recordOffer({ kind: 'Make-up days', details: '3 days added to every subscription', customers: 'the affected shops' });
    await pm.recordOffer({ kind: 'Credit', details: 'recorded by mistake' });
    await pm.waitFor(pm.offers().filter({ hasText: 'Make-up days: 3 days added to every subscription' }));
    const wrong = pm.offers().filter({ hasText: 'recorded by mistake' });
    await wrong.getByRole('button', { name: /^Withdraw the offer/ }).click();
    await pm.waitFor(wrong.getByText(/withdrawn by cody/));
    // Where the update went: the page, the email after its retry, the post.
    const trail = pm.trail().first();
    await pm.waitFor(trail.getByText('own: sent'));
    await pm.waitFor(trail.getByText(/^email: sent \(sent to 1 subscriber\)$/));
    await pm.waitFor(trail.getByRole('link', { name: 'https://social.example/status/42' }));
    // Each is an event: a reload shows them back from the log.
    await pm.page.reload();
    await pm.waitFor(pm.section('What customers lost and got').getByLabel('Which customers (Markdown)', { exact: true }));
    await eventually(async () => assert.equal(
      await pm.section('What customers lost and got').getByLabel('Which customers (Markdown)', { exact: true }).inputValue(),
      'Shops on the EU cluster'));
    const { text } = await pm.exportMarkdown();
    assert.match(text, /- Offered: Make-up days: 3 days added to every subscription \(to the affected shops\)/);
    assert.doesNotMatch(text, /recorded by mistake/);
    assert.match(text, /social post: <https:\/\/social\.example\/status\/42>/);
    await context.close();
  });

  test('the public page reads without JavaScript and has no accessibility violations', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false });
    const page = await plain.newPage();
    const status = new PublicStatusPage(page, server.url);
    await status.open('/status');
    await status.incident('Slow checkout').waitFor();
    await status.section('Components').getByRole('list', { name: /^Public API, the last 90 days: \d+\.\d\d % uptime$/ }).waitFor();
    await status.incident('Slow checkout').getByRole('link', { name: 'Slow checkout' }).click();
    await page.getByRole('heading', { level: 1, name: 'Slow checkout' }).waitFor();
    assert.doesNotMatch(await page.content(), /db-7/);
    // Times in a chosen zone, through the footer form: no script needed.
    await page.getByLabel('Show times in', { exact: true }).selectOption('Asia/Tokyo');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByText(/Asia\/Tokyo \(UTC\+09:00\) · \d\d:\d\d UTC/).first().waitFor();
    await plain.close();

    const checked = await browser.newContext({ bypassCSP: true });
    const p = await checked.newPage();
    const pub = new PublicStatusPage(p, server.url);
    for (const path of ['/status', '/status/history', '/status/subscribe', '/status?tz=Europe/Paris']) {
      await pub.open(path);
      assert.deepEqual(await axeViolations(p), [], `${path}: axe-core found violations`);
    }
    await pub.open('/status');
    await pub.incident('Slow checkout').getByRole('link', { name: 'Slow checkout' }).click();
    await p.getByRole('heading', { level: 1, name: 'Slow checkout' }).waitFor();
    assert.deepEqual(await axeViolations(p), [], 'the incident page');
    // With script, times follow the reader's own zone, UTC beside.
    const tokyo = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
    const t = await tokyo.newPage();
    await t.goto(`${server.url}/status`);
    await t.getByText(/GMT\+9 · \d\d:\d\d UTC/).first().waitFor();
    await Promise.all([checked.close(), tokyo.close()]);
  });

  test('an admin adds a team webhook, sees each delivery with the receiver\'s answer, and retries a failed one', async () => {
    let answer = 500;
    const got = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        got.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'ok' : 'receiver down');
      });
    });
    await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
    receiver.unref();
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = new AdminPage(await context.newPage(), server.url);
    await admin.open('/');
    await admin.openAdmin('Webhooks');
    await admin.addHook({ id: 'ops', name: 'Ops tools', url, events: ['Incident declared'] });
    await admin.waitFor(admin.hookRow('ops'));
    assert.match(await admin.shownKey().textContent(), /^whsec_[0-9a-f]{64}$/);

    const declared = makeEvent(`hooked-${process.pid}`, { kind: 'declared', title: 'Search is slow', severity: 'sev3', summary: '', started_at: Date.now() }, { author: 'ana' });
    await postEvents(server, [declared]);
    // The receiver fails; with two attempts allowed it is failed, in its words.
    await admin.openDeliveries('Ops tools');
    const table = admin.deliveriesOf('ops');
    await eventually(async () => {
      await admin.page.getByRole('button', { name: 'Refresh' }).click();
      await table.getByText('failed', { exact: true }).waitFor({ timeout: 1000 });
    }, 20_000);
    await table.getByText(/HTTP 500 receiver down/).waitFor();
    answer = 200;
    await table.getByRole('button', { name: 'Retry' }).click();
    await eventually(async () => {
      await admin.page.getByRole('button', { name: 'Refresh' }).click();
      await table.getByText('sent', { exact: true }).waitFor({ timeout: 1000 });
    }, 20_000);
    await table.getByText('HTTP 200 ok').waitFor();
    const accepted = got.filter((g) => g.body.type === 'incident.declared');
    assert.equal(accepted.length, 3, 'two failed attempts, then the retry');
    assert.ok(accepted.every((g) => g.headers['sitrep-delivery'] === `ops/${declared.id}`));
    await context.close();
    receiver.close();
  });
});
