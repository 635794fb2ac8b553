// Browser notifications, in a real Chromium against a real server: cody
// (communicator) turns them on in Settings, and ana (responder) declares,
// raises severity and hands out roles and tasks through the API; an overdue
// customer update is reached by moving the pages' clock (Playwright's
// clock), not by waiting half an hour. Each notification
// shown is recorded by wrapping the service worker registration's
// showNotification in every page, before the console starts. Claims older
// than a day are dropped when the console starts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { AppPage } from './support/pwa.mjs';
import { eventually } from './support/seed.mjs';
import { postEvents } from './support/server.mjs';
import { withServerAndBrowser } from './support/suite.mjs';

/** Records every showNotification and every permission request, per page. */
function recordNotifications() {
  window.shownNotifications = [];
  window.permissionAsked = 0;
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
    window.shownNotifications.push({ title, body: options?.body, tag: options?.tag, url: options?.data?.url });
    return show.call(this, title, options);
  };
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => {
    window.permissionAsked += 1;
    return ask(...args);
  };
}

class NotifyPage extends AppPage {
  constructor(page, url) {
    super(page, url, { account: 'cody' });
  }

  shown() {
    return this.page.evaluate(() => window.shownNotifications);
  }

  section() {
    return this.page.getByRole('region', { name: 'Your notifications' });
  }

  async openSettings() {
    await this.open('/settings');
    await this.section().waitFor();
    await this.waitForServiceWorker();
  }

  async turnOn() {
    await this.section().getByRole('button', { name: 'Turn on notifications' }).click();
    await this.section().getByText('Notifications are on in this browser.').waitFor();
  }

  kind(label) {
    return this.section().getByRole('checkbox', { name: label });
  }
}

const ana = (incident, body) => ({ id: randomUUID(), incident, author: 'ana', at: Date.now(), body });
const declared = (incident, title, severity = 'sev2') =>
  ana(incident, { kind: 'declared', title, severity, summary: '', started_at: Date.now() - 60_000 });

describe('browser notifications', () => {
  let server, browser;
  withServerAndBrowser((started) => ({ server, browser } = started));

  async function consoleWith({ granted }) {
    const context = await browser.newContext();
    if (granted) await context.grantPermissions(['notifications'], { origin: server.url });
    await context.addInitScript(recordNotifications);
    return context;
  }

  /** All notifications the pages showed, after the marker notice arrived. */
  async function shownUpTo(pages, markerTitle) {
    return eventually(async () => {
      const all = (await Promise.all(pages.map((p) => p.shown()))).flat();
      assert.ok(all.some((n) => n.title === markerTitle), `waiting for "${markerTitle}", have ${JSON.stringify(all)}`);
      return all;
    });
  }

  /** Tells a page it is a background tab; headless Chromium keeps every tab visible. */
  async function hide(tab) {
    await tab.page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
  }

  test('nothing is asked or shown on a first load, before the reader turns notifications on', async () => {
    const context = await consoleWith({ granted: false });
    const cody = new NotifyPage(await context.newPage(), server.url);
    await cody.open('/');
    const id = randomUUID();
    await postEvents(server, [declared(id, 'Quiet first load')]);
    await cody.page.getByText('Quiet first load').first().waitFor();
    assert.equal(await cody.page.evaluate(() => window.permissionAsked), 0, 'no permission asked');
    assert.equal(await cody.page.evaluate(() => Notification.permission), 'default');
    assert.deepEqual(await cody.shown(), []);
    await cody.openSettings();
    assert.equal(await cody.section().getByTestId('notification-state').textContent(), 'Notifications are off in this browser.');
    assert.equal(await cody.page.evaluate(() => window.permissionAsked), 0, 'opening Settings does not ask either');
    await context.close();
  });

  test('with two tabs open, each event is shown once; severity raised and a role given to me each notify', async () => {
    const context = await consoleWith({ granted: true });
    const first = new NotifyPage(await context.newPage(), server.url);
    await first.openSettings();
    await first.turnOn();
    assert.equal(await first.page.evaluate(() => window.permissionAsked), 1, 'asked from the button');
    const second = new NotifyPage(await context.newPage(), server.url);
    await second.open('/');
    // Both tabs in the background.
    await hide(first);
    await hide(second);

    const id = randomUUID();
    await postEvents(server, [declared(id, 'Checkout <b>down</b>')]);
    await postEvents(server, [ana(id, { kind: 'severity_changed', severity: 'sev1' })]);
    await postEvents(server, [ana(id, { kind: 'role_assigned', role: 'communications_lead', person: 'cody' })]);
    // Text stays text: the markup in the title is shown as typed.
    const all = await shownUpTo([first, second], 'You are communications lead');
    assert.deepEqual(all.map((n) => n.title).sort(), [
      'Checkout <b>down</b> raised to SEV1',
      'SEV2 declared: Checkout <b>down</b>',
      'You are communications lead',
    ], 'one notification per event across both tabs');
    const role = all.find((n) => n.title === 'You are communications lead');
    assert.equal(role.body, 'Checkout <b>down</b> · given by ana');
    assert.equal(role.url, `/incidents/${id}`, 'a click opens the incident');
    const shownByWorker = await first.page.evaluate(async () =>
      (await (await navigator.serviceWorker.getRegistration()).getNotifications()).map((n) => n.title));
    assert.equal(shownByWorker.length, 3, `the registration holds them: ${shownByWorker}`);

    // A lowered severity, and a role given to someone else, say nothing.
    await postEvents(server, [ana(id, { kind: 'severity_changed', severity: 'sev3' })]);
    await postEvents(server, [ana(id, { kind: 'role_assigned', role: 'scribe', person: 'carl' })]);
    await postEvents(server, [ana(id, { kind: 'severity_changed', severity: 'sev2' })]);
    const later = await shownUpTo([first, second], 'Checkout <b>down</b> raised to SEV2');
    assert.equal(later.length, 4, JSON.stringify(later.map((n) => n.title)));

    // A reload replays the cache and catches up: nothing old comes again,
    // and the next raise (to SEV1 again, a new event) is shown once.
    const before = (await first.shown()).length;
    await second.page.reload();
    await second.page.locator('html[data-pages="loaded"]').waitFor({ state: 'attached' });
    await postEvents(server, [ana(id, { kind: 'severity_changed', severity: 'sev1' })]);
    const since = await eventually(async () => {
      const fresh = [...(await first.shown()).slice(before), ...(await second.shown())];
      assert.ok(fresh.length > 0, 'waiting for the new raise');
      return fresh;
    });
    assert.deepEqual(since.map((n) => n.title), ['Checkout <b>down</b> raised to SEV1'], 'only the new event since the reload');
    await context.close();
  });

  test('a task given to me, added or reassigned, is shown once across two tabs; one for someone else is not', async () => {
    const context = await consoleWith({ granted: true });
    const first = new NotifyPage(await context.newPage(), server.url);
    await first.openSettings();
    await first.turnOn();
    const second = new NotifyPage(await context.newPage(), server.url);
    await second.open('/');
    await hide(first);
    await hide(second);

    const id = randomUUID();
    await postEvents(server, [declared(id, 'Payments queue backed up')]);
    const mine = ana(id, { kind: 'task_added', title: 'Page the payments on-call', assignee: 'cody' });
    const carls = ana(id, { kind: 'task_added', title: 'Check the <i>dashboards</i>', assignee: 'carl' });
    const open = ana(id, { kind: 'task_added', title: 'Draft the status note' });
    await postEvents(server, [mine]);
    await postEvents(server, [carls]);
    await postEvents(server, [open]);
    // Nobody's task handed to me: news.
    await postEvents(server, [ana(id, { kind: 'task_updated', task: open.id, assignee: 'cody' })]);
    // Still mine with a new due time, or taken from me: not news.
    await postEvents(server, [ana(id, { kind: 'task_updated', task: mine.id, assignee: 'cody', due_at: Date.now() + 3_600_000 })]);
    await postEvents(server, [ana(id, { kind: 'task_updated', task: mine.id, assignee: 'carl' })]);
    // Carl's task reassigned to me: news, and the last thing posted.
    await postEvents(server, [ana(id, { kind: 'task_updated', task: carls.id, assignee: 'cody' })]);

    const all = await shownUpTo([first, second], 'Task for you: Check the <i>dashboards</i>');
    assert.deepEqual(all.map((n) => n.title).sort(), [
      'SEV2 declared: Payments queue backed up',
      'Task for you: Check the <i>dashboards</i>',
      'Task for you: Draft the status note',
      'Task for you: Page the payments on-call',
    ], 'one notification per task given to cody, across both tabs; none for carl\'s task');
    const added = all.find((n) => n.title === 'Task for you: Page the payments on-call');
    assert.equal(added.body, 'Payments queue backed up · from ana');
    assert.equal(added.url, `/incidents/${id}`, 'a click opens the incident');
    await context.close();
  });

  test('the communications lead hears once that a customer update is overdue; a reader who is not the lead does not', async () => {
    const context = await consoleWith({ granted: true });
    // The console's "now" is Date.now(), re-read on a setInterval tick;
    // Playwright's clock drives both, so half an hour passes at once.
    await context.clock.install({ time: Date.now() });
    const first = new NotifyPage(await context.newPage(), server.url);
    await first.openSettings();
    await first.turnOn();
    const second = new NotifyPage(await context.newPage(), server.url);
    await second.open('/');

    // Investigating: the default policy wants an update every 30 minutes
    // from the declaration. Carl leads comms on one incident, cody on the other.
    const carls = randomUUID();
    const codys = randomUUID();
    await postEvents(server, [declared(carls, 'Login errors')]);
    await postEvents(server, [ana(carls, { kind: 'role_assigned', role: 'communications_lead', person: 'carl' })]);
    await postEvents(server, [declared(codys, 'Search outage')]);
    await postEvents(server, [ana(codys, { kind: 'role_assigned', role: 'communications_lead', person: 'cody' })]);
    const early = await shownUpTo([first, second], 'You are communications lead');
    assert.ok(!early.some((n) => n.title.startsWith('Customer update overdue')), 'nothing is overdue yet');
    // Earlier tests' incidents share the server (cody leads comms on one of
    // them), so only this test's two incidents are counted from here on.
    const ours = [`/incidents/${codys}`, `/incidents/${carls}`];

    await context.clock.fastForward('31:00');
    const overdue = await shownUpTo([first, second], 'Customer update overdue: Search outage');
    // Another minute of ticks in both tabs: the same overdue moment, not news again.
    // A raise posted after that is the marker that both tabs are past it.
    await context.clock.runFor('01:00');
    await postEvents(server, [ana(codys, { kind: 'severity_changed', severity: 'sev1' })]);
    const all = await shownUpTo([first, second], 'Search outage raised to SEV1');
    assert.deepEqual(all.filter((n) => n.title.startsWith('Customer update overdue') && ours.includes(n.url))
      .map((n) => n.title), ['Customer update overdue: Search outage'], 'once, across both tabs, and not for carl\'s incident');
    const notice = overdue.find((n) => n.title === 'Customer update overdue: Search outage');
    assert.match(notice.body, /^Customers last heard from us .* ago; you are the communications lead\.$/);
    assert.equal(notice.url, `/incidents/${codys}`);
    await context.close();
  });

  test('a kind switched off is not shown; the others still are', async () => {
    const context = await consoleWith({ granted: true });
    const cody = new NotifyPage(await context.newPage(), server.url);
    await cody.openSettings();
    await cody.kind('An incident is declared').uncheck();
    await cody.turnOn();
    const id = randomUUID();
    await postEvents(server, [declared(id, 'Search slow', 'sev3')]);
    await postEvents(server, [ana(id, { kind: 'severity_changed', severity: 'sev2' })]);
    const all = await shownUpTo([cody], 'Search slow raised to SEV2');
    assert.deepEqual(all.map((n) => n.title), ['Search slow raised to SEV2'], 'no declaration notice');

    // Turned off: nothing, and what happened meanwhile stays quiet when they
    // are turned on again; only what comes after is news.
    await cody.section().getByRole('button', { name: 'Turn off notifications' }).click();
    await cody.section().getByText('Notifications are off in this browser.').waitFor();
    await postEvents(server, [ana(id, { kind: 'severity_changed', severity: 'sev1' })]);
    await cody.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await cody.page.getByRole('table', { name: 'Incidents' }).getByRole('row')
      .filter({ hasText: 'Search slow' }).filter({ hasText: 'SEV1' }).waitFor();
    await cody.page.goBack();
    await cody.section().waitFor();
    await cody.turnOn();
    await postEvents(server, [ana(id, { kind: 'role_assigned', role: 'operations_lead', person: 'cody' })]);
    const now = await shownUpTo([cody], 'You are operations lead');
    assert.deepEqual(now.map((n) => n.title), ['Search slow raised to SEV2', 'You are operations lead'],
      'the raise to SEV1 came while they were off');
    await context.close();
  });

  test('claims on notices older than a day are dropped when the console starts; fresh ones stay', async () => {
    const context = await consoleWith({ granted: true });
    const cody = new NotifyPage(await context.newPage(), server.url);
    await cody.open('/');
    // Each tab claims a notice in the console's IndexedDB (`meta`, key
    // `notice:` + the notice's key, valued with when) before showing it.
    const claims = (plant) => cody.page.evaluate((plant) => new Promise((ok, fail) => {
      const open = indexedDB.open('sitrep');
      open.onerror = () => fail(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction('meta', 'readwrite');
        const store = tx.objectStore('meta');
        for (const [key, at] of plant) store.put(at, key);
        const keys = store.getAllKeys();
        tx.oncomplete = () => {
          db.close();
          ok(keys.result.filter((k) => String(k).startsWith('notice:e2e-')).sort());
        };
        tx.onerror = () => fail(tx.error);
      };
    }), plant);
    const now = Date.now();
    assert.deepEqual(await claims([
      ['notice:e2e-old', now - 25 * 3_600_000],
      ['notice:e2e-fresh', now - 3_600_000],
    ]), ['notice:e2e-fresh', 'notice:e2e-old']);
    await cody.page.reload();
    await cody.page.getByRole('heading', { level: 1 }).first().waitFor();
    await eventually(async () => assert.deepEqual(await claims([]), ['notice:e2e-fresh']));
    await context.close();
  });
});
