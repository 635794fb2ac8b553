// Page objects for the change freeze (the banner on every page, the settings
// section) and for a maintenance's room (its panel and the overrun prompt).
import { RoomPage } from './room_page.mjs';
import { SettingsPage } from './settings_page.mjs';

const WAIT = 10_000;

/** The banner is on every page, so any console page can read it. */
export function freezeBanner(page) {
  return page.getByRole('region', { name: 'Active change freeze', exact: true });
}

export class FreezeSettingsPage extends SettingsPage {
  banner() {
    return freezeBanner(this.page);
  }

  state() {
    return this.page.getByTestId('freeze-state');
  }

  async savePolicy({ days, zone, holidays = '' }) {
    const form = this.page.getByRole('form', { name: 'Freeze policy' });
    await form.getByLabel('Freeze length (business days)', { exact: true }).fill(String(days));
    await form.getByLabel('Time zone', { exact: true }).selectOption(zone);
    await form.getByLabel('Holidays (YYYY-MM-DD, one per line)', { exact: true }).fill(holidays);
    await form.getByRole('button', { name: 'Save freeze policy' }).click();
  }

  async endEarly(reason) {
    const form = this.page.getByRole('form', { name: 'End the freeze early' });
    await form.getByLabel('Reason for ending early', { exact: true }).fill(reason);
    await form.getByRole('button', { name: 'End freeze early' }).click();
  }
}

export class MaintenanceRoomPage extends RoomPage {
  panelOfMaintenance() {
    return this.page.getByRole('region', { name: 'Scheduled maintenance', exact: true });
  }

  state() {
    return this.page.getByTestId('maintenance-state');
  }

  overrunPrompt() {
    return this.page.getByRole('region', { name: 'Maintenance overrun', exact: true });
  }

  async logOverrun(note) {
    const prompt = this.overrunPrompt();
    await prompt.getByLabel('Overrun update', { exact: true }).fill(note);
    await prompt.getByRole('button', { name: 'Log overrun update' }).click();
  }

  async convert(severityLabel) {
    const form = this.page.getByRole('form', { name: 'Convert into an incident' });
    await form.getByLabel('Severity', { exact: true }).selectOption({ label: severityLabel });
    await form.getByRole('button', { name: 'Convert into an incident' }).click();
  }

  async recordCustomerImpact() {
    const panel = this.panel('Impact');
    await panel.getByLabel('Customers affected', { exact: true }).check();
    await panel.getByRole('button', { name: 'Record impact' }).click();
  }

  async plan({ title, notice, components = [] }) {
    await this.page.getByRole('link', { name: 'Plan maintenance' }).click();
    await this.page.getByRole('heading', { name: 'Plan maintenance', level: 1 }).waitFor({ timeout: WAIT });
    await this.page.getByLabel('Title', { exact: true }).fill(title);
    for (const c of components) await this.page.getByLabel(c, { exact: true }).check();
    await this.page.getByLabel('What customers will notice', { exact: true }).fill(notice);
    await this.page.getByRole('button', { name: 'Plan maintenance' }).click();
    await this.page.waitForURL(/\/incidents\//, { timeout: WAIT });
    await this.page.getByRole('heading', { name: title, level: 1 }).waitFor({ timeout: WAIT });
  }
}
