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

  /** A target's row in a published card's delivery table. */
  delivery(card, targetName) {
    return this.deliveries(card).getByRole('row').filter({ has: this.page.getByRole('cell', { name: targetName, exact: true }) });
  }

  async retry(card, targetName) {
    await card.getByRole('button', { name: `Retry delivery to ${targetName}`, exact: true }).click();
  }

  social(card) {
    return card.getByRole('region', { name: 'Social post', exact: true });
  }

  async copySocialPost(card) {
    await this.social(card).getByRole('button', { name: 'Copy the post' }).click();
  }

  async markPosted(card, url) {
    const form = this.social(card).getByRole('form', { name: 'Mark the social post as posted' });
    await form.getByLabel('Address of the post', { exact: true }).fill(url);
    await form.getByRole('button', { name: 'Mark as posted' }).click();
  }

  postedAt(card) {
    return this.social(card).getByRole('list', { name: 'Where it was posted' }).getByRole('listitem');
  }

  async waitFor(locator) {
    await locator.waitFor({ timeout: WAIT });
  }
}
