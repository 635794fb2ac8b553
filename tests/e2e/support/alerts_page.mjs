// The alert inbox (/alerts) and the alert routing rules in Settings, found
// by role and accessible name.
import { ConsolePage } from './console_page.mjs';

const WAIT = 10_000;

export class AlertInboxPage extends ConsolePage {
  async openInbox() {
    await this.open('/');
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await this.page.getByRole('heading', { name: 'Alert inbox', level: 1 }).waitFor({ timeout: WAIT });
  }

  /** A waiting group's card, by its title (the alert name). */
  waiting(title) {
    return this.page.getByRole('list', { name: 'Waiting alert groups' }).getByRole('listitem', { name: title, exact: true });
  }

  /** A group someone attached or dismissed that still fires. */
  handled(title) {
    return this.page.getByRole('list', { name: 'Handled alert groups' }).getByRole('listitem', { name: title, exact: true });
  }

  labels(title) {
    return this.waiting(title).getByRole('list', { name: 'Labels' }).getByRole('listitem');
  }

  alerts(title) {
    return this.waiting(title).getByRole('list', { name: 'Alerts' }).getByRole('listitem');
  }

  firingFor(title) {
    return this.waiting(title).getByTestId('firing-for');
  }

  proposal(title) {
    return this.waiting(title).locator('.proposal');
  }

  /** Declares an incident from a group (optionally retitled) and waits for its room. */
  async declareFrom(title, { as } = {}) {
    const form = this.waiting(title).getByRole('form', { name: 'Declare an incident from this group' });
    if (as) await form.getByLabel('Title', { exact: true }).fill(as);
    await form.getByRole('button', { name: 'Declare incident' }).click();
    await this.page.waitForURL(/\/incidents\//, { timeout: WAIT });
    await this.page.getByRole('heading', { level: 1, name: as ?? title }).waitFor({ timeout: WAIT });
  }

  async attach(title, incidentTitle) {
    const form = this.waiting(title).getByRole('form', { name: 'Attach this group to an incident' });
    await form.getByLabel('Open incident', { exact: true }).selectOption({ label: incidentTitle });
    await form.getByRole('button', { name: 'Attach' }).click();
  }

  async dismiss(title, reason) {
    const form = this.waiting(title).getByRole('form', { name: 'Dismiss this group' });
    await form.getByLabel('Reason', { exact: true }).fill(reason);
    await form.getByRole('button', { name: 'Dismiss' }).click();
  }

  /** The room's "Time to detect" line. */
  timeToDetect() {
    return this.page.getByText(/^Time to detect:/);
  }

  detectedField() {
    return this.page.getByLabel('Detected', { exact: true });
  }

  /** Settings → Alert routing: adds a rule. */
  async addRoute({ name, matchers, component, severity, openAtOnce = false }) {
    const form = this.page.getByRole('form', { name: 'Add an alert routing rule' });
    await form.getByLabel('Rule name', { exact: true }).fill(name);
    await form.getByLabel('Matchers', { exact: true }).fill(matchers);
    if (component) await form.getByLabel('Component', { exact: true }).selectOption({ label: component });
    if (severity) await form.getByLabel('Severity', { exact: true }).selectOption({ label: severity });
    if (openAtOnce) await form.getByLabel('Declare an incident at once (skip the inbox)').check();
    await form.getByRole('button', { name: 'Add rule' }).click();
  }

  routes() {
    return this.page.getByRole('list', { name: 'Alert routing rules' }).getByRole('listitem');
  }
}
