// Accounts end to end: signing in, who you are, a viewer who cannot write
// (UI disabled, and the server refuses a forged request), a session that
// expires while offline without losing the outbox, another account signing
// in never sending the previous one's queued edits, the Content-Security-
// Policy the app runs under, and hostile text shown back as text.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage, TEST_PASSWORD, signedInPage } from './support/console_page.mjs';
import { allEvents, startServer } from './support/server.mjs';

/** Collects CSP violations and console errors from the first script on. */
async function watchForViolations(context) {
  const problems = [];
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  context.on('page', (page) => {
    page.on('console', (m) => {
      // Before signing in, the session check and the stream are answered
      // 401, and Chromium logs each refused request as an error: expected.
      const refused401 = /status of 401|response code: 401|HTTP Authentication failed/.test(m.text());
      if (m.type() === 'error' && !refused401) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });
  return async (page) => [...problems, ...(await page.evaluate(() => window.__violations))];
}

describe('accounts in the console', () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('a first visit asks to sign in; then the header says who you are and events are authored by that account, with no CSP violation', async () => {
    const server = await startServer();
    const context = await browser.newContext();
    const problems = await watchForViolations(context);
    const app = new ConsolePage(await context.newPage(), server.url);
    await app.page.goto(server.url + '/');
    await app.page.getByRole('heading', { name: 'Sign in to Sitrep' }).waitFor();

    // A wrong password is refused with a message, not a crash.
    await app.page.getByLabel('Name', { exact: true }).fill('ana');
    await app.page.getByLabel('Password', { exact: true }).fill('not the password');
    await app.page.getByRole('button', { name: 'Sign in' }).click();
    await app.page.getByRole('alert').getByText('Wrong name or password.').waitFor();

    await app.signIn('ana', TEST_PASSWORD);
    await app.whoAmI().getByText('Signed in as ana (responder)').waitFor();
    await app.declare({ title: 'Signed-in declaration' });
    await app.waitForAllDelivered();
    const [event] = await allEvents(server);
    assert.equal(event.author, 'ana');

    const csp = (await fetch(server.url + '/')).headers.get('content-security-policy');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.deepEqual(await problems(app.page), [], 'no CSP violation or console error');
    await context.close();
    await server.stop();
  });

  test('a viewer sees every writing control disabled, and a forged POST from the page is refused by the server', async () => {
    const server = await startServer();
    // An incident to look at, made by ana through the API.
    const incident = 'inc-viewer';
    const made = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { ...server.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ id: 'declared-1', incident, author: 'x', at: Date.now(),
        body: { kind: 'declared', title: 'Read-only view', severity: 'sev2', summary: '', started_at: Date.now() } }] }),
    });
    assert.equal(made.status, 200, await made.text());

    const context = await browser.newContext();
    const app = await signedInPage(context, server, { account: 'vera', path: `/incidents/${incident}` });
    await app.whoAmI().getByText('Signed in as vera (viewer)').waitFor();
    await app.page.getByRole('heading', { name: 'Read-only view' }).waitFor();
    for (const label of ['Status', 'Severity', 'Note']) {
      assert.ok(await app.page.getByLabel(label, { exact: true }).isDisabled(), `${label} is disabled`);
    }
    assert.ok(await app.page.getByRole('button', { name: 'Add note' }).isDisabled());
    await app.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Declare incident' }).click();
    assert.ok(await app.page.getByLabel('Title', { exact: true }).isDisabled());
    assert.ok(await app.page.getByRole('button', { name: 'Declare incident' }).isDisabled());

    // The UI is a courtesy; the server is the authority.
    const forged = await app.page.evaluate(async (incident) => {
      const r = await fetch('/api/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ id: 'forged-1', incident, author: 'ana', at: Date.now(),
          body: { kind: 'note_added', text: 'forged' } }] }),
      });
      return { status: r.status, body: await r.json() };
    }, incident);
    assert.equal(forged.status, 403);
    assert.match(forged.body.error, /vera is a viewer/);
    assert.equal((await allEvents(server)).length, 1, 'nothing forged was stored');
    await context.close();
    await server.stop();
  });

  test('a session that expires while offline asks to sign in again, and the outbox is delivered after signing in', async () => {
    const server = await startServer({ args: ['--session-ms', '4000'] });
    const context = await browser.newContext();
    const app = await signedInPage(context, server);
    await context.setOffline(true);
    await app.declare({ title: 'Made while offline' });
    await app.addNote('kept through a sign-in');
    await app.waitForPending('2 edits not yet delivered');
    // The session ends while the browser is away.
    await app.page.waitForTimeout(4500);
    await context.setOffline(false);
    await app.page.getByTestId('signed-out').getByText('Signed out — 2 edits waiting').waitFor({ timeout: 15_000 });
    assert.equal((await allEvents(server)).length, 0);

    await app.signIn('ana', TEST_PASSWORD);
    await app.waitForAllDelivered();
    const stored = await allEvents(server);
    assert.equal(stored.length, 2);
    assert.ok(stored.every((e) => e.author === 'ana'));
    await context.close();
    await server.stop();
  });

  test('signing in as another account never sends the previous account\'s queued edits; they wait for their author', async () => {
    const server = await startServer({ args: ['--session-ms', '5000'] });
    const context = await browser.newContext();
    const app = await signedInPage(context, server);
    await context.setOffline(true);
    await app.declare({ title: 'Made by ana while offline' });
    await app.addNote('ana wrote this');
    await app.waitForPending('2 edits not yet delivered');
    // Ana's session ends while the browser is away; cody signs in on it.
    await app.page.waitForTimeout(5500);
    await context.setOffline(false);
    await app.page.getByTestId('signed-out').getByText('Signed out — 2 edits waiting').waitFor({ timeout: 15_000 });
    await app.signIn('cody', TEST_PASSWORD);
    await app.whoAmI().getByText('Signed in as cody (communicator)').waitFor();
    await app.page.getByTestId('held-edits').getByText(
      'Kept for their authors, not sent as you: 2 edits by ana. They are delivered when that account signs in here again.',
      { exact: true },
    ).waitFor();
    await app.waitForPending('All edits delivered');
    await app.page.waitForTimeout(1500);
    assert.deepEqual(await allEvents(server), [], 'nothing of ana\'s went out as cody');

    // Ana signs in again: hers go out, as hers.
    await app.page.getByTestId('account').getByRole('button', { name: 'Sign out' }).click();
    await app.signIn('ana', TEST_PASSWORD);
    await app.waitForAllDelivered();
    const stored = await allEvents(server);
    assert.equal(stored.length, 2);
    assert.ok(stored.every((e) => e.author === 'ana'), JSON.stringify(stored.map((e) => e.author)));
    assert.equal(await app.page.getByTestId('held-edits').count(), 0);
    await context.close();
    await server.stop();
  });

  test('hostile text typed into every field is shown back as text and runs nothing', async () => {
    const corpus = [
      '<script>window.__xss = 1</script>',
      '<img src=x onerror="window.__xss = 2">',
      '"><svg onload="window.__xss = 3">',
      "'; window.__xss = 4; //",
      '</textarea><b id="xss-bold">bold</b>',
      'javascript:window.__xss = 5',
      '{{constructor.constructor("window.__xss = 6")()}}',
      '<iframe srcdoc="<script>parent.__xss = 7</script>">',
    ];
    const server = await startServer();
    const context = await browser.newContext();
    const app = await signedInPage(context, server);
    let dialogs = 0;
    app.page.on('dialog', (d) => { dialogs++; d.dismiss(); });
    for (const [i, text] of corpus.entries()) {
      const title = `${text} #${i}`;
      await app.declare({ title, summary: `summary ${text}` });
      await app.addNote(`note ${text}`);
      await app.waitForEntry(`note ${text}`, 'delivered');
      assert.equal(await app.page.getByRole('heading', { level: 1 }).textContent(), title);
      await app.page.getByText(`summary ${text}`, { exact: true }).waitFor();
    }
    await app.open('/');
    for (const [i, text] of corpus.entries()) {
      await app.incidentLink(`${text} #${i}`).waitFor();
    }
    const injected = await app.page.evaluate(() => ({
      xss: window.__xss ?? null,
      bold: document.getElementById('xss-bold') !== null,
      iframes: document.querySelectorAll('iframe').length,
    }));
    assert.deepEqual(injected, { xss: null, bold: false, iframes: 0 });
    assert.equal(dialogs, 0);
    await context.close();
    await server.stop();
  });
});
