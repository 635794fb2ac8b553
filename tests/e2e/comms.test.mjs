// The comms desk through the UI of a real console against a real
// sitrep-server: draft from a template, per-channel edits with counters,
// checks overridden with a reason, approval by someone else, publishing to
// the own status page and reading it back from /api/v2/summary.json, the cadence in the list, and a responder's view.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommsPage } from './support/comms_page.mjs';
import { eventually } from './support/seed.mjs';
import { createServer } from 'node:http';
import { allEvents, createToken, makeEvent, postEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

describe('the comms desk', () => {
  let server, browser;
  const incident = 'comms-e2e-1';
  withServerAndBrowser(async (started) => {
    ({ server, browser } = started);
    const now = Date.now();
    await postEvents(server, [
      makeEvent('workspace', { kind: 'component_defined', component: 'api', name: 'Public API', group: '' }, { author: 'ada' }),
      makeEvent(incident, { kind: 'declared', title: 'Checkout errors', severity: 'sev2', summary: '', started_at: now - 5 * 60_000 }, { author: 'ana', at: now }),
      makeEvent(incident, { kind: 'component_status_set', component: 'api', status: 'major_outage' }, { author: 'ana', at: now + 1 }),
      // Declared two hours ago and never told customers anything: overdue.
      makeEvent('comms-e2e-late', { kind: 'declared', title: 'Quiet outage', severity: 'sev3', summary: '', started_at: now - 7_200_000 }, { author: 'ana', at: now - 7_200_000 }),
    ]);
  });

  async function desk(account) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const c = new CommsPage(await context.newPage(), server.url, { account });
    await c.open(`/incidents/${incident}/comms`);
    await c.waitFor(c.desk());
    return c;
  }

  test('a draft goes from template to published: counted, checked, overridden with a reason, approved by someone else', async () => {
    const cody = await desk('cody');
    await cody.draftFromTemplate('Investigating');
    const draft = cody.update('Investigating · Draft');
    await cody.waitFor(draft);
    // The template was filled from the incident: the component's catalogue name.
    await eventually(async () => assert.match(await draft.getByLabel('Status page text', { exact: true }).inputValue(), /problems with Public API/));
    // Nothing public names the incident yet: the draft must give a public title.
    await cody.waitFor(cody.checks(draft).getByText('Give the incident a public title: status pages show it instead of the internal title.', { exact: true }));
    await cody.setPublicTitle(draft, 'Payment problems');
    await cody.save(draft);
    await cody.waitFor(cody.checks(draft).getByText(/^All \d+ checks pass for the saved text\.$/));

    await cody.editChannel(draft, 'Social post', 'Checkout is failing for some customers. '.repeat(8));
    await cody.waitFor(draft.getByText('320 of 280 characters as X counts them: 40 over the limit', { exact: true }));
    await cody.save(draft);
    const checks = cody.checks(draft);
    await cody.waitFor(checks.getByText('The social post is 320 characters as X counts them; the limit is 280.', { exact: true }));

    // The last editor may not approve under the default policy, and is told why.
    const approve = cody.approveButton(draft);
    await eventually(async () => assert.equal(await approve.isDisabled(), true));
    await cody.waitFor(draft.getByText('You wrote the current text; the comms policy asks someone else to approve it.', { exact: true }));
    assert.equal(await cody.publishButton(draft).isDisabled(), true);

    const carl = await desk('carl');
    const carlsView = carl.update('Investigating · Draft');
    await carl.waitFor(carlsView);
    await eventually(async () => assert.equal(await carl.approveButton(carlsView).isDisabled(), false));
    await carl.approveButton(carlsView).click();

    const approved = cody.update('Investigating · Approved');
    await cody.waitFor(approved);
    await cody.waitFor(approved.getByText('1 failing check needs fixing or an override with a reason.', { exact: true }));
    await cody.overrideCheck(approved, 'The social post is over 280 characters', 'Posted as a thread of two');
    await cody.waitFor(approved.getByText('Choose at least one place to publish to.', { exact: true }));
    await cody.chooseTarget(approved, 'Own status page');
    await eventually(async () => assert.equal(await cody.publishButton(approved).isDisabled(), false));
    await cody.publishButton(approved).click();

    const published = cody.update('Investigating · Published');
    await cody.waitFor(published);
    const overridden = published.getByRole('list', { name: 'Checks overridden' });
    await cody.waitFor(overridden.getByText('Posted as a thread of two'));
    assert.match(await overridden.innerText(), /social_too_long/);
    const row = cody.deliveries(published).getByRole('row').filter({ hasText: 'Own status page' });
    await cody.waitFor(row);
    // sitrep-server delivers it to its own page and reports back on the stream.
    await eventually(async () => assert.equal(await row.getByRole('cell').nth(1).innerText(), 'Sent'), 20_000);

    // Customers read it back through the Statuspage v2 JSON, no sign-in needed.
    const summary = await (await fetch(`${server.url}/api/v2/summary.json`)).json();
    // Named by the public title, never by the internal one.
    const shown = summary.incidents.find((i) => i.name === 'Payment problems');
    assert.ok(shown, JSON.stringify(summary.incidents));
    assert.ok(!summary.incidents.some((i) => i.name === 'Checkout errors'), JSON.stringify(summary.incidents));
    await cody.waitFor(published.getByText('Payment problems', { exact: true }));
    assert.equal(shown.status, 'investigating');
    assert.match(shown.incident_updates[0].body, /Public API/);
    const api = summary.components.find((c) => c.name === 'Public API');
    assert.equal(api?.status, 'major_outage', JSON.stringify(summary.components));
    assert.equal(summary.status.indicator, 'critical'); // a major outage, as Statuspage rates it

    // The log has each step, by its author, with the override's reason.
    await eventually(async () => {
      const mine = (await allEvents(server)).filter((e) => e.incident === incident);
      const kinds = mine.map((e) => `${e.body.kind}:${e.author}`);
      assert.ok(kinds.includes('update_drafted:cody'), kinds.join());
      assert.ok(kinds.includes('update_edited:cody'), kinds.join());
      assert.ok(kinds.includes('update_approved:carl'), kinds.join());
      assert.ok(mine.some((e) => e.body.kind === 'update_edited' && e.body.public_title === 'Payment problems'), kinds.join());
      const pub = mine.find((e) => e.body.kind === 'update_published');
      assert.deepEqual(pub.body.targets, ['own']);
      assert.deepEqual(pub.body.overrides, [{ check: 'social_too_long', reason: 'Posted as a thread of two' }]);
    });

    // The list says when the next update is due, in words.
    await cody.open('/');
    const listed = cody.page.getByRole('table', { name: 'Incidents' }).getByRole('row').filter({ hasText: 'Checkout errors' });
    await cody.waitFor(listed.getByText(/^Update due in (29|30) min$/));
    const late = cody.page.getByRole('table', { name: 'Incidents' }).getByRole('row').filter({ hasText: 'Quiet outage' });
    await cody.waitFor(late.getByText(/^Update overdue by 1 h 3\d min$/));
    await cody.page.context().close();
    await carl.page.context().close();
  });

  test('a delivery a target refused shows its own words, and a communicator retries it', async () => {
    // A Statuspage stand-in that refuses the key at first, then accepts.
    let accept = false;
    const seen = [];
    const fake = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      if (!accept) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Could not authenticate you"}');
      } else {
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"sp-1","name":"Checkout errors","status":"investigating"}');
      }
    });
    await new Promise((ok) => fake.listen(0, '127.0.0.1', ok));
    fake.unref();
    try {
      const admin = { authorization: `Bearer ${createToken(server.dataDir, 'ada')}`, 'content-type': 'application/json' };
      const put = await fetch(`${server.url}/api/v1/publish/targets/vendor`, {
        method: 'PUT', headers: admin,
        body: JSON.stringify({ kind: 'statuspage', name: 'Vendor page', base_url: `http://127.0.0.1:${fake.address().port}`, page_id: 'abc123', key: 'wrong-key', components: {} }),
      });
      assert.equal(put.status, 200, await put.text());
      const drafted = makeEvent(incident, { kind: 'update_drafted', phase: 'identified', channels: { status_page: 'We found the cause.' }, components: {}, public_title: 'Payment problems' }, { author: 'cody' });
      await postEvents(server, [drafted]);
      await postEvents(server, [makeEvent(incident, { kind: 'update_approved', update: drafted.id }, { author: 'carl' })]);
      // Only the status page text is written and no component state: the
      // server asks a reason for the empty channels and for the page that
      // would contradict the incident's affected components.
      const overrides = [
        { check: 'channel_empty', reason: 'Status page only' },
        { check: 'status_page_contradiction', reason: 'Component states go out separately' },
      ];
      await postEvents(server, [makeEvent(incident, { kind: 'update_published', update: drafted.id, targets: ['vendor'], overrides }, { author: 'cody' })]);

      const cody = await desk('cody');
      const card = cody.update('Identified · Published');
      await cody.waitFor(card);
      const row = cody.deliveries(card).getByRole('row').filter({ hasText: 'Vendor page' });
      await eventually(async () => assert.equal(await row.getByRole('cell').nth(1).innerText(), 'Failed'), 20_000);
      await cody.waitFor(row.getByText(/Could not authenticate you/));
      assert.equal(seen.length, 1, 'a 401 is not retried by itself');

      accept = true;
      await row.getByRole('button', { name: 'Retry delivery to Vendor page', exact: true }).click();
      await eventually(async () => assert.equal(await row.getByRole('cell').nth(1).innerText(), 'Sent'), 20_000);
      assert.ok(seen.length >= 2, seen.join());
      assert.equal(await row.getByRole('button', { name: 'Retry delivery to Vendor page' }).count(), 0);
      await cody.page.context().close();
    } finally {
      fake.close();
    }
  });

  test('a responder sees the desk read-only, with the reason', async () => {
    const ana = await desk('ana');
    await ana.waitFor(ana.desk().getByRole('note').filter({ hasText: 'Only communicators can draft customer updates; you are signed in as a responder.' }));
    assert.equal(await ana.page.getByRole('button', { name: 'Draft from template' }).isDisabled(), true);
    // What was published is there to read.
    await ana.waitFor(ana.update('Investigating · Published'));
    await ana.page.context().close();
  });
});
