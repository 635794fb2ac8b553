// Page objects for an incident's post-mortem and for the metrics page,
// every control found by its role and accessible name.
import { ConsolePage } from './console_page.mjs';

const WAIT = 10_000;

export class PostmortemPage extends ConsolePage {
  /** Opens the post-mortem of incident `id` (signing in if asked). */
  async openFor(id) {
    await this.open(`/incidents/${id}/postmortem`);
    await this.page.getByRole('heading', { level: 1, name: /^Post-mortem: / }).waitFor({ timeout: WAIT });
  }

  section(name) {
    return this.page.getByRole('region', { name, exact: true });
  }

  /** Edits a written section in place and saves it. */
  async write(name, text) {
    const section = this.section(name);
    await section.getByRole('button', { name: 'Edit', exact: true }).click();
    await section.getByLabel(`${name} (Markdown)`, { exact: true }).fill(text);
    await section.getByRole('button', { name: 'Save', exact: true }).click();
  }

  /** The value shown beside `term` in a section's facts (Impact, Times (UTC)). */
  fact(sectionName, term) {
    return this.section(sectionName)
      .getByRole('term')
      .filter({ hasText: new RegExp(`^${term}$`) })
      .locator('xpath=following-sibling::dd[1]');
  }

  async setImpact({ customers, dataLost }) {
    const section = this.section('Impact');
    await section.getByLabel('Customers affected', { exact: true }).fill(customers);
    await section.getByLabel('Data lost', { exact: true }).selectOption({ label: dataLost });
    await section.getByRole('button', { name: 'Save impact', exact: true }).click();
  }

  async addRemediation(title, owner = '') {
    const section = this.section('Remediation');
    await section.getByLabel('Remediation task', { exact: true }).fill(title);
    await section.getByLabel('Owner', { exact: true }).fill(owner);
    await section.getByRole('button', { name: 'Add remediation task', exact: true }).click();
  }

  async flagAsRemediation(taskTitle) {
    const section = this.section('Remediation');
    await section.getByLabel('Existing task', { exact: true }).selectOption({ label: taskTitle });
    await section.getByRole('button', { name: 'Flag as remediation', exact: true }).click();
  }

  remediationTasks() {
    return this.section('Remediation').getByRole('list', { name: 'Remediation tasks', exact: true });
  }

  /** Writes one of what customers lost and got, and saves it. */
  async writeCustomerFact(label, text) {
    const form = this.section('What customers lost and got').getByRole('form', { name: label, exact: true });
    await form.getByLabel(`${label} (Markdown)`, { exact: true }).fill(text);
    await form.getByRole('button', { name: `Save: ${label.toLowerCase()}` }).click();
  }

  async recordOffer({ kind, details, customers = '' }) {
    const form = this.section('What customers lost and got').getByRole('form', { name: 'Record an offer' });
    await form.getByLabel('Offer', { exact: true }).selectOption({ label: kind });
    await form.getByLabel('What exactly', { exact: true }).fill(details);
    await form.getByLabel('To whom', { exact: true }).fill(customers);
    await form.getByRole('button', { name: 'Record offer' }).click();
  }

  offers() {
    return this.section('What customers lost and got').getByRole('list', { name: 'Offers' }).getByRole('listitem');
  }

  /** "Where each update went": one item per published update. */
  trail() {
    return this.section('Where each update went').getByRole('list', { name: 'Published updates' }).getByRole('listitem');
  }

  /** Clicks "Export Markdown" and answers the downloaded file's name and text. */
  async exportMarkdown() {
    const [download] = await Promise.all([
      this.page.waitForEvent('download', { timeout: WAIT }),
      this.page.getByRole('button', { name: 'Export Markdown', exact: true }).click(),
    ]);
    const { readFile } = await import('node:fs/promises');
    return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
  }
}

export class MetricsPage extends ConsolePage {
  async openFromHeader() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Metrics', exact: true }).click();
    await this.page.getByRole('heading', { level: 1, name: 'Metrics', exact: true }).waitFor({ timeout: WAIT });
  }

  table(caption) {
    return this.page.getByRole('table', { name: caption, exact: true });
  }

  /** The texts of a table row's cells (after its row header), found by the header's text. */
  async row(caption, header) {
    const row = this.table(caption).getByRole('row').filter({
      has: this.page.getByRole('rowheader', { name: header }),
    });
    await row.waitFor({ timeout: WAIT });
    return row.getByRole('cell').allTextContents();
  }

  chart(name) {
    return this.page.getByRole('img', { name, exact: true });
  }
}
