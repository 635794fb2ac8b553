// The admin pages (accounts, API tokens, the audit trail), found by role
// and accessible name as a screen reader would find them.
import { ConsolePage } from './console_page.mjs';

const WAIT = 10_000;

export class AdminPage extends ConsolePage {
  constructor(page, baseURL, { account = 'ada' } = {}) {
    super(page, baseURL, { account });
  }

  nav() {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  /** The header's Admin link, then one of the admin pages by its link. */
  async openAdmin(link = 'Accounts') {
    await this.nav().getByRole('link', { name: 'Admin', exact: true }).click();
    await this.page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor({ timeout: WAIT });
    if (link !== 'Accounts') {
      await this.page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: link, exact: true }).click();
      await this.page.getByRole('heading', { level: 1, name: link }).waitFor({ timeout: WAIT });
    }
  }

  /** The page's outcome line after an action ("Created nora (responder).", "Not done: …"). */
  saved(text) {
    return this.page.getByRole('status').filter({ hasText: text });
  }

  problem() {
    return this.page.getByRole('alert');
  }

  // Accounts

  accountsTable() {
    return this.page.getByRole('table', { name: 'Accounts' });
  }

  accountRow(name) {
    return this.accountsTable().getByRole('row').filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }

  async createAccount(name, role, password) {
    const form = this.page.getByRole('form', { name: 'Create an account' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Role', { exact: true }).selectOption(role);
    await form.getByLabel(/^Initial password/).fill(password);
    await form.getByRole('button', { name: 'Create account' }).click();
    await this.saved(`Created ${name} (${role}).`).waitFor({ timeout: WAIT });
  }

  roleOf(name) {
    return this.page.getByLabel(`Role of ${name}`, { exact: true });
  }

  async changeRole(name, role) {
    await this.roleOf(name).selectOption(role);
    await this.saved(`${name} is now a ${role}.`).waitFor({ timeout: WAIT });
  }

  async resetPassword(name, password, { keepTokens = false } = {}) {
    await this.page.getByRole('button', { name: `Reset password of ${name}`, exact: true }).click();
    const form = this.page.getByRole('form', { name: `New password for ${name}`, exact: true });
    await form.getByLabel(`New password for ${name}`, { exact: true }).fill(password);
    if (keepTokens) await form.getByRole('checkbox', { name: 'Keep its API tokens' }).check();
    await form.getByRole('button', { name: 'Set password' }).click();
    await this.saved(`New password set for ${name}`).waitFor({ timeout: WAIT });
  }

  async signOutEverywhere(name) {
    await this.page.getByRole('button', { name: `Sign out everywhere: ${name}`, exact: true }).click();
    await this.saved(`${name} is signed out everywhere.`).waitFor({ timeout: WAIT });
  }

  async disable(name) {
    await this.page.getByRole('button', { name: `Disable ${name}`, exact: true }).click();
    await this.saved(`${name} is disabled`).waitFor({ timeout: WAIT });
  }

  async enable(name) {
    await this.page.getByRole('button', { name: `Enable ${name}`, exact: true }).click();
    await this.saved(`${name} is enabled again.`).waitFor({ timeout: WAIT });
  }

  /**
   * Clicks Remove and answers the confirmation: `accept` false dismisses it.
   * Returns the question the console asked (undefined if it asked none).
   */
  async removeAccount(name, { accept }) {
    let asked;
    this.page.once('dialog', (d) => {
      asked = d.message();
      return accept ? d.accept() : d.dismiss();
    });
    await this.page.getByRole('button', { name: `Remove ${name}`, exact: true }).click();
    if (accept) await this.saved(`Removed ${name}.`).waitFor({ timeout: WAIT });
    return asked;
  }

  // API tokens

  token(id) {
    return this.page.getByRole('table', { name: 'API tokens' }).getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: id, exact: true }) });
  }

  /** Clicks Revoke and answers the confirmation; returns the question asked. */
  async revokeToken(id, account, { accept }) {
    let asked;
    this.page.once('dialog', (d) => {
      asked = d.message();
      return accept ? d.accept() : d.dismiss();
    });
    await this.page.getByRole('button', { name: `Revoke token ${id} of ${account}`, exact: true }).click();
    if (accept) await this.saved(`Revoked token ${id} of ${account}.`).waitFor({ timeout: WAIT });
    return asked;
  }

  // The audit trail

  auditRows() {
    return this.page.getByRole('table', { name: 'Audit trail' }).locator('tbody tr');
  }

  /** The rows shown as objects, in order (newest first), with their entry id. */
  async auditEntries() {
    return this.auditRows().evaluateAll((rows) => rows.map((r) => {
      const [at, actor, action, subject, address, detail, count] = [...r.cells].map((c) => c.textContent);
      return { id: Number(r.dataset.entry), at, actor, action, subject, address, detail, count };
    }));
  }

  /**
   * Waits until the rows shown satisfy `ok(entries)` (pages render a moment
   * after their answer); returns them, or throws naming `what`.
   */
  async waitForAudit(ok, what) {
    const until = Date.now() + WAIT;
    for (;;) {
      const entries = await this.auditEntries();
      if (ok(entries)) return entries;
      if (Date.now() > until) throw new Error(`the audit trail never showed ${what}: ${JSON.stringify(entries.slice(0, 5))}…`);
      await this.page.waitForTimeout(100);
    }
  }

  /** Filters by kind ('' for all) and account ('' for any) and waits for the page. */
  async filterAudit({ kind = '', account = '' } = {}) {
    const form = this.page.getByRole('form', { name: 'Filter the audit trail' });
    await form.getByLabel('Kind', { exact: true }).selectOption(kind);
    await form.getByLabel('Account (by or about)', { exact: true }).fill(account);
    const answered = this.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/audit');
    await form.getByRole('button', { name: 'Filter' }).click();
    await answered;
    await this.settle();
  }

  /** Lets the page render what the last answer brought. */
  async settle() {
    await this.page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  }

  async older() {
    const answered = this.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/audit');
    await this.page.getByRole('button', { name: 'Older', exact: true }).click();
    await answered;
    await this.settle();
  }

  async newer() {
    const answered = this.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/audit');
    await this.page.getByRole('button', { name: 'Newer', exact: true }).click();
    await answered;
    await this.settle();
  }

  /** Clicks Export CSV and returns the downloaded file's name and text. */
  async exportCsv() {
    const download = this.page.waitForEvent('download', { timeout: WAIT });
    await this.page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    const { readFile } = await import('node:fs/promises');
    return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
  }

  // Webhooks

  hooksTable() {
    return this.page.getByRole('table', { name: 'Webhooks' });
  }

  hookRow(id) {
    return this.hooksTable().locator(`tr[data-hook="${id}"]`);
  }

  async addHook({ id, name, url, format = 'Signed JSON', events }) {
    const form = this.page.getByRole('form', { name: 'Add or change a webhook' });
    await form.getByLabel('Hook id', { exact: true }).fill(id);
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Format', { exact: true }).selectOption({ label: format });
    await form.getByLabel('Address (https://…)', { exact: true }).fill(url);
    if (events) {
      for (const box of await form.getByRole('group', { name: 'Events to send' }).getByRole('checkbox').all()) {
        const label = await box.evaluate((b) => b.labels[0].textContent);
        await box.setChecked(events.includes(label));
      }
    }
    await form.getByRole('button', { name: 'Save webhook' }).click();
  }

  /** The signing key shown once after a hook is made. */
  shownKey() {
    return this.page.locator('.secret-once code');
  }

  async openDeliveries(name) {
    await this.page.getByRole('button', { name: `Deliveries of ${name}`, exact: true }).click();
  }

  deliveriesOf(id) {
    return this.page.getByRole('table', { name: `Deliveries of ${id}`, exact: true });
  }
}
