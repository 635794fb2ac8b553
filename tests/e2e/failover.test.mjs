// The failover drill, end to end: PostgreSQL, two sitrep-server replicas
// and Debian's haproxy in front of them, started here; two consoles signed
// in through the balancer. The replica both consoles are on is killed
// (SIGKILL) in the middle of a run of notes, then brought back and the
// other one killed, then PostgreSQL itself is restarted during writes.
// Every note is stored exactly once and in the order made, the second
// console sees all of them, and an update published just before each kill
// reaches its target exactly once.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage } from './support/console_page.mjs';
import { Deployment, killAndTime, missing, until } from './support/replicas.mjs';
import { allEvents, createToken, makeEvent, postEvents } from './support/server.mjs';

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** A Statuspage-like target that records every request. */
async function fakeTarget() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method, path: req.url, body });
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'remote-drill', status: 'investigating' }));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { requests, base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** The notes of an incident a console holds confirmed, in seq order. */
async function notesHeld(page, incident) {
  return page.evaluate(async (incident) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('sitrep');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const rows = await new Promise((ok, fail) => {
      const r = db.transaction('events').objectStore('events').getAll();
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    db.close();
    return rows
      .map((row) => JSON.parse(row.json))
      .filter((e) => e.incident === incident && e.body.kind === 'note_added' && e.seq)
      .sort((x, y) => x.seq - y.seq)
      .map((e) => e.body.text);
  }, incident);
}

describe('failover drill: two replicas on PostgreSQL behind haproxy', () => {
  let why = missing();
  let deployment, browser, target;

  before(async () => {
    if (!why) {
      try {
        deployment = await Deployment.start({ args: ['--publish-timeout-ms', '3000', '--publish-retry-base-ms', '200'] });
      } catch (e) {
        why = e.message;
      }
    }
    if (why) {
      // CI must run the drill: there a missing piece is a failure, not a skip.
      if (process.env.CI === 'true') throw new Error(`the failover drill cannot run: ${why}`);
      return;
    }
    browser = await launchBrowser();
    target = await fakeTarget();
  });

  after(async () => {
    await browser?.close();
    await deployment?.stop();
    target?.close();
  });

  /** Drafts (cody), approves (ada) and publishes (cody) an update to the fake target, through the balancer. */
  async function publish(incident, text) {
    const via = { url: deployment.url, dataDir: deployment.dataDir };
    const drafted = makeEvent(incident, {
      kind: 'update_drafted', phase: 'investigating', channels: { status_page: text },
      components: {}, public_title: 'Database failover',
    }, { author: 'cody' });
    await postEvents(via, [drafted]);
    await postEvents(via, [makeEvent(incident, { kind: 'update_approved', update: drafted.id }, { author: 'ada' })]);
    await postEvents(via, [makeEvent(incident, {
      kind: 'update_published', update: drafted.id, targets: ['drill'],
      overrides: [{ check: 'channel_empty', reason: 'Status page only' }],
    }, { author: 'cody' })]);
  }

  /** Adds notes `from`..`to` in the writer's console, calling `midway` after note `at`. */
  async function notes(writer, from, to, { at = 0, midway = async () => {}, gap = 100 } = {}) {
    for (let i = from; i <= to; i++) {
      await writer.addNote(`drill note ${String(i).padStart(2, '0')}`);
      if (i === at) await midway();
      await sleep(gap);
    }
  }

  test('kill the consoles\' replica mid-run, then the other, then restart PostgreSQL: nothing lost, nothing twice', async (t) => {
    if (why) return t.skip(why);
    const admin = { authorization: `Bearer ${createToken(deployment.dataDir, 'ada')}` };
    const saved = await fetch(`${deployment.url}/api/v1/publish/targets/drill`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'statuspage', name: 'Drill page', base_url: target.base, page_id: 'drill', key: 'drill-key', components: {} }),
    });
    assert.equal(saved.status, 200, await saved.text());

    const writer = new ConsolePage(await (await browser.newContext()).newPage(), deployment.url, { account: 'ana' });
    const reader = new ConsolePage(await (await browser.newContext()).newPage(), deployment.url, { account: 'vera' });
    const consoles = [writer, reader];
    await writer.open('/');
    await reader.open('/');
    await writer.declare({ title: 'Primary database failover', severity: 'SEV1' });
    const incident = decodeURIComponent(new URL(writer.page.url()).pathname.split('/').pop());
    await reader.incidentLink('Primary database failover').click();
    await reader.page.getByRole('heading', { name: 'Primary database failover' }).waitFor();

    // First kill: the replica the balancer gives this office, both consoles on it.
    const first = await deployment.current();
    const survivor = first === 'a' ? 'b' : 'a';
    await notes(writer, 1, 12, {
      at: 5,
      midway: async () => {
        await publish(incident, 'We are failing over the primary database.');
        const ms = await killAndTime(deployment, first, consoles);
        t.diagnostic(`failover: replica ${first} (both consoles on it) SIGKILLed mid-run; both consoles Online again after ${ms} ms`);
      },
    });
    await writer.waitForAllDelivered(60_000);

    // The dead one comes back; then the survivor is killed.
    await deployment.restart(first);
    await deployment.healthy();
    await notes(writer, 13, 24, {
      at: 17,
      midway: async () => {
        await publish(incident, 'The replica has been promoted.');
        const ms = await killAndTime(deployment, survivor, consoles);
        t.diagnostic(`failover: replica ${survivor} (the survivor) SIGKILLed mid-run; both consoles Online again after ${ms} ms`);
      },
    });
    await writer.waitForAllDelivered(60_000);

    // PostgreSQL restarts during writes: the consoles say the backend is
    // degraded, keep the edits, and deliver them once it is back.
    await notes(writer, 25, 26);
    const restarting = deployment.pg.restart();
    const writing = notes(writer, 27, 32, { gap: 400 });
    await writer.connection().getByText(/Backend degraded/).waitFor({ timeout: 20_000 });
    assert.match(await writer.pendingCount().innerText(), /not yet delivered/);
    await restarting;
    await writing;
    await writer.waitForAllDelivered(90_000);

    // Every note once, in the order made; the reader shows them all.
    const made = Array.from({ length: 32 }, (_, i) => `drill note ${String(i + 1).padStart(2, '0')}`);
    const stored = (await allEvents({ url: deployment.url, auth: deployment.any().auth }))
      .filter((e) => e.incident === incident && e.body.kind === 'note_added')
      .map((e) => e.body.text);
    assert.deepEqual(stored, made);
    await reader.entry(made[31]).waitFor({ timeout: 30_000 });
    // The timeline draws only what is on screen: what the reader's console
    // holds is read from its IndexedDB, confirmed events in seq order.
    await until('the reader holds all 32 notes', async () =>
      JSON.stringify(await notesHeld(reader.page, incident)) === JSON.stringify(made));

    // Each update published before a kill reached the target exactly once.
    await until('both updates delivered', async () => target.requests.length >= 2);
    await sleep(2_000);
    assert.deepEqual(target.requests.map((r) => `${r.method} ${r.path}`), [
      'POST /pages/drill/incidents',
      'PATCH /pages/drill/incidents/remote-drill',
    ]);
  });
});
