// A page object for the comms desk (/incidents/:id/comms), found by role
// and accessible name.
import { ConsolePage } from './console_page.mjs';

const WAIT = 10_000;

export class CommsPage extends ConsolePage {
  desk() {
    return this.page.getByRole('region', { name: 'Customer updates', exact: true });
  }

  /** One update's card, by its heading: "Investigating · Draft". */
  update(heading) {
    return this.desk().getByRole('article', { name: heading, exact: true });
  }

  async draftFromTemplate(phase) {
    const form = this.page.getByRole('form', { name: 'New customer update' });
    await form.getByLabel('Phase', { exact: true }).selectOption({ label: phase });
    await form.getByRole('button', { name: 'Draft from template' }).click();
  }

  async editChannel(card, label, text) {
    await card.getByLabel(label, { exact: true }).fill(text);
  }

  async setPublicTitle(card, title) {
    await card.getByLabel('Public title', { exact: true }).fill(title);
  }

  async save(card) {
    await card.getByRole('button', { name: 'Save changes' }).click();
  }

  checks(card) {
    return card.getByRole('region', { name: 'Checks', exact: true });
  }

  async overrideCheck(card, title, reason) {
    await card.getByLabel(`Reason to override: ${title}`, { exact: true }).fill(reason);
  }

  async chooseTarget(card, name) {
    await card.getByRole('group', { name: 'Publish to', exact: true }).getByLabel(name, { exact: true }).check();
  }

  approveButton(card) {
    return card.getByRole('button', { name: 'Approve', exact: true });
  }

  publishButton(card) {
    return card.getByRole('button', { name: 'Publish', exact: true });
  }

  deliveries(card) {
    return card.getByRole('table', { name: 'Delivery' });
  }

  async waitFor(locator) {
    await locator.waitFor({ timeout: WAIT });
  }
}
