// The admin pages against the real server: an admin manages an account
// through its whole life (made, signed in elsewhere, its role changed, its
// password reset, signed out everywhere, disabled), revokes a token, reads
// the audit trail (filtered, paged, exported as CSV, the export itself
// audited), removes an account only once sure; and nobody else sees them.
// The tests share one server and run in order: the audit test reads what
// the ones before it did.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AdminPage } from './support/admin_page.mjs';
import { launchBrowser } from './support/browser.mjs';
import { ConsolePage } from './support/console_page.mjs';
import { createToken, startServer } from './support/server.mjs';

const WAIT = 10_000;
const FIRST = 'nora first password';
const SECOND = 'nora second password';

describe('the admin pages', () => {
  let browser;
  let server;
  /** Acts as ada (admin) on the API, for what a test sets up or checks there. */
  let adminApi;
  before(async () => {
    browser = await launchBrowser();
    server = await startServer();
    const token = createToken(server.dataDir, 'ada');
    adminApi = (path, init = {}) =>
      fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A console in a fresh browser context showing the sign-in page. */
  async function signInPage() {
    const context = await browser.newContext();
    const app = new ConsolePage(await context.newPage(), server.url, { account: 'nora' });
    await app.page.goto(server.url + '/');
    await app.page.getByRole('heading', { name: 'Sign in to Sitrep' }).waitFor({ timeout: WAIT });
    return app;
  }

  async function trySignIn(app, password) {
    const form = app.page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Name', { exact: true }).fill('nora');
    await form.getByLabel('Password', { exact: true }).fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
  }

  test('an admin creates an account, which signs in; then changes its role, signs it out everywhere, resets its password and disables it', async () => {
    const context = await browser.newContext();
    const admin = new AdminPage(await context.newPage(), server.url);
    await admin.open('/');
    await admin.openAdmin('Accounts');
    await admin.accountRow('ada').waitFor({ timeout: WAIT });

    await admin.createAccount('nora', 'responder', FIRST);
    assert.equal(await admin.roleOf('nora').inputValue(), 'responder');

    // The new account signs in, in another browser.
    const nora = await signInPage();
    await nora.signIn('nora', FIRST);
    await nora.whoAmI().getByText('Signed in as nora (responder)').waitFor({ timeout: WAIT });

    await admin.changeRole('nora', 'viewer');
    await nora.page.reload();
    await nora.whoAmI().getByText('Signed in as nora (viewer)').waitFor({ timeout: WAIT });

    // Signed out everywhere: its session ends, and its console says so.
    await admin.signOutEverywhere('nora');
    await nora.page.getByTestId('signed-out').waitFor({ timeout: 15_000 });
    await nora.page.context().close();

    // A new password: the old one is refused from then on.
    await admin.resetPassword('nora', SECOND);
    const again = await signInPage();
    await trySignIn(again, FIRST);
    await again.page.getByRole('alert').getByText('Wrong name or password.').waitFor({ timeout: WAIT });
    await again.signIn('nora', SECOND);
    await again.whoAmI().getByText('Signed in as nora (viewer)').waitFor({ timeout: WAIT });

    // Disabled: its session ends at once, and it cannot sign in again.
    await admin.disable('nora');
    await admin.accountRow('nora').getByText(/^Disabled /).waitFor({ timeout: WAIT });
    await again.page.getByTestId('signed-out').waitFor({ timeout: 15_000 });
    await again.page.context().close();
    const refused = await signInPage();
    await trySignIn(refused, SECOND);
    await refused.page.getByRole('alert').getByText(/this account is disabled/).waitFor({ timeout: WAIT });
    await refused.page.context().close();

    const { accounts } = await (await adminApi('/api/v1/accounts')).json();
    const row = accounts.find((a) => a.name === 'nora');
    assert.equal(row.role, 'viewer');
    assert.ok(row.disabled_at, 'disabled on the server');
    assert.equal(row.sessions, 0);
    await context.close();
  });

  test('an admin revokes a token after being asked, and it stops working', async () => {
    const made = await adminApi('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ account: 'cody' }) });
    assert.equal(made.status, 201);
    const { id, token } = await made.json();
    const asCody = () => fetch(`${server.url}/api/v1/session`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await asCody()).status, 200);

    const context = await browser.newContext();
    const admin = new AdminPage(await context.newPage(), server.url);
    await admin.open('/');
    await admin.openAdmin('API tokens');
    const row = admin.token(id);
    await row.waitFor({ timeout: WAIT });
    assert.match(await row.innerText(), /cody/);
    assert.doesNotMatch(await row.locator('td').nth(2).innerText(), /never/, 'its last use is listed');

    // A password reset that keeps the tokens: the token still works. (The
    // nora drill above shows a plain reset ending the account's sessions.)
    await admin.openAdmin('Accounts');
    await admin.resetPassword('cody', 'cody after a reset', { keepTokens: true });
    assert.equal((await asCody()).status, 200, 'kept through the reset');
    await admin.openAdmin('API tokens');
    await row.waitFor({ timeout: WAIT });

    // Dismissed: nothing revoked.
    const asked = await admin.revokeToken(id, 'cody', { accept: false });
    assert.equal(asked, `Revoke token ${id} of cody? Every tool using it is refused from now on.`);
    assert.equal((await asCody()).status, 200);
    await row.waitFor();

    await admin.revokeToken(id, 'cody', { accept: true });
    await row.waitFor({ state: 'detached', timeout: WAIT });
    assert.equal((await asCody()).status, 401, 'the revoked token is refused');
    await context.close();
  });

  test('the audit trail lists those actions, filters by kind and account, pages older, and exports CSV, which it then lists too', async () => {
    // More token_created entries than one page holds.
    for (let i = 0; i < 55; i++) {
      const r = await adminApi('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ account: 'vera' }) });
      assert.equal(r.status, 201);
    }
    const context = await browser.newContext();
    const admin = new AdminPage(await context.newPage(), server.url);
    await admin.open('/');
    await admin.openAdmin('Audit trail');

    // What the earlier tests did to nora, newest first.
    await admin.filterAudit({ account: 'nora' });
    const nora = await admin.waitForAudit((e) => e.some((x) => x.action === 'account_disabled'), "nora's entries");
    const did = nora.filter((e) => e.actor === 'ada').map((e) => e.action);
    assert.deepEqual(did, ['account_disabled', 'password_set', 'signed_out_everywhere', 'role_changed', 'account_created']);
    assert.ok(nora.every((e) => e.actor === 'nora' || e.subject === 'nora'), 'only entries by or about nora');
    assert.ok(nora.some((e) => e.action === 'sign_in_failed' && e.actor === 'nora'), 'the old password refused');
    const ids = nora.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');

    // By kind.
    await admin.filterAudit({ kind: 'token_revoked' });
    const revoked = await admin.waitForAudit((e) => e.length > 0 && e.every((x) => x.action === 'token_revoked'), 'only token_revoked');
    assert.deepEqual(revoked.map((e) => [e.actor, e.subject]), [['ada', 'cody']]);

    // Paged: 50 a page, "Older" the entries before the last shown.
    await admin.filterAudit({ kind: 'token_created' });
    const first = await admin.waitForAudit((e) => e.length === 50 && e.every((x) => x.action === 'token_created'), 'a full page');
    assert.equal(await admin.page.getByRole('button', { name: 'Newer' }).isDisabled(), true);
    await admin.older();
    const oldest = Math.min(...first.map((e) => e.id));
    const second = await admin.waitForAudit((e) => e.length > 0 && e.every((x) => x.id < oldest), 'the older page');
    assert.ok(second.every((e) => e.action === 'token_created'));
    const { entries: all } = await (await adminApi('/api/v1/audit?kind=token_created&limit=1000')).json();
    assert.equal(first.length + second.length, all.length, 'two pages hold them all');
    assert.equal(await admin.page.getByRole('button', { name: 'Older' }).isDisabled(), true, 'no page after the last');
    await admin.newer();
    await admin.waitForAudit((e) => e.length === 50 && e[0].id === first[0].id, 'the newest page again');

    // Exported: the file holds nora's entries, as the API lists them.
    await admin.filterAudit({ account: 'nora' });
    await admin.waitForAudit((e) => e.length === nora.length, "nora's entries again");
    const { name, text } = await admin.exportCsv();
    assert.equal(name, 'sitrep-audit.csv');
    const lines = text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'id,at,last_at,count,actor,action,subject,address,detail');
    const rows = lines.slice(1).map((l) => l.split(','));
    assert.deepEqual(rows.map((r) => Number(r[0])), ids, 'the rows shown, in order');
    assert.deepEqual(rows.map((r) => r[5]), nora.map((e) => e.action));
    assert.ok(rows.every((r) => r[4] === 'nora' || r[6] === 'nora'));
    await admin.saved(`Exported ${ids.length} entries as sitrep-audit.csv.`).waitFor({ timeout: WAIT });

    // The server recorded the export.
    await admin.filterAudit({});
    const latest = await admin.waitForAudit((e) => e[0]?.action === 'audit_exported', 'audit_exported on top');
    assert.equal(latest[0].actor, 'ada');
    assert.equal(latest[0].detail, `account=nora: ${ids.length} entries`);
    await context.close();
  });

  test('removing an account asks first, naming it; dismissing keeps it', async () => {
    const context = await browser.newContext();
    const admin = new AdminPage(await context.newPage(), server.url);
    await admin.open('/');
    await admin.openAdmin('Accounts');
    await admin.createAccount('temp', 'viewer', 'a temporary password');

    const asked = await admin.removeAccount('temp', { accept: false });
    assert.match(asked ?? '', /^Remove the account temp\?/);
    await admin.page.reload();
    await admin.accountRow('temp').waitFor({ timeout: WAIT });
    let { accounts } = await (await adminApi('/api/v1/accounts')).json();
    assert.ok(accounts.some((a) => a.name === 'temp'), 'still on the server');

    await admin.removeAccount('temp', { accept: true });
    await admin.accountRow('temp').waitFor({ state: 'detached', timeout: WAIT });
    ({ accounts } = await (await adminApi('/api/v1/accounts')).json());
    assert.ok(!accounts.some((a) => a.name === 'temp'), 'gone from the server');
    await context.close();
  });

  test('a non-admin sees no admin link, and an admin page opened by its address says admins only', async () => {
    const context = await browser.newContext();
    const ana = new ConsolePage(await context.newPage(), server.url, { account: 'ana' });
    await ana.open('/');
    await ana.whoAmI().getByText('Signed in as ana (responder)').waitFor({ timeout: WAIT });
    const nav = ana.page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Settings' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Admin' }).count(), 0);
    await nav.getByRole('link', { name: 'Settings' }).click();
    await ana.page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor({ timeout: WAIT });
    assert.equal(await ana.page.getByRole('heading', { name: 'Administration' }).count(), 0);

    for (const [path, title] of [['/admin/accounts', 'Accounts'], ['/admin/tokens', 'API tokens'], ['/admin/audit', 'Audit trail']]) {
      await ana.open(path);
      await ana.page.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: WAIT });
      await ana.page.getByRole('alert').getByText(/^Admins only/).waitFor({ timeout: WAIT });
      assert.equal(await ana.page.getByRole('table').count(), 0, `${path} shows nothing of the admin's`);
    }
    await context.close();
  });
});
