// The incident list seen through its filters, count and rows.
import { ConsolePage } from './console_page.mjs';

export class ListPage extends ConsolePage {
  filters() {
    return this.page.getByRole('search', { name: 'Filter incidents' });
  }

  search() {
    return this.page.getByLabel('Search titles, notes and numbers', { exact: true });
  }

  async filterBy({ status, severity, component, sort }) {
    const f = this.filters();
    if (status !== undefined) await f.getByLabel('Status', { exact: true }).selectOption(status);
    if (severity !== undefined) await f.getByLabel('Severity', { exact: true }).selectOption(severity);
    if (component !== undefined) await f.getByLabel('Component', { exact: true }).selectOption(component);
    if (sort !== undefined) await f.getByLabel('Sort', { exact: true }).selectOption(sort);
  }

  count() {
    return this.page.getByTestId('list-count');
  }

  async waitForCount(text) {
    await this.count().getByText(text, { exact: true }).waitFor({ timeout: 10_000 });
  }

  /** The titles of the listed incidents, in the order shown. */
  titles() {
    return this.page.getByRole('table', { name: 'Incidents' }).getByRole('link').allInnerTexts();
  }

  row(title) {
    return this.page.getByRole('table', { name: 'Incidents' }).getByRole('row').filter({ hasText: title });
  }

  noMatch() {
    return this.page.getByTestId('no-match');
  }
}
