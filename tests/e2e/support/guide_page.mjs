// A page object for the flows that guide: the declare form's components,
// impact and commander, the plan form's freeze reason, the comms desk's
// checks as typed. Found by role and accessible name.
import { MaintenanceRoomPage } from './freeze_page.mjs';

const WAIT = 10_000;

export class GuidePage extends MaintenanceRoomPage {
  async openDeclare() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Declare incident' }).click();
    await this.page.getByRole('heading', { name: 'Declare an incident', level: 1 }).waitFor({ timeout: WAIT });
  }

  /** `components`: { 'Public API': 'Major outage' }; `impact`: an option's label; `commander`: 'Someone else' etc. */
  async fillDeclare({ title, severity = 'SEV2', components = {}, impact, commander, commanderName }) {
    await this.page.getByLabel('Title', { exact: true }).fill(title);
    await this.page.getByLabel('Severity', { exact: true }).selectOption({ label: severity });
    const affected = this.page.getByRole('group', { name: 'Affected components' });
    for (const [name, status] of Object.entries(components)) {
      await affected.getByLabel(name, { exact: true }).selectOption({ label: status });
    }
    if (impact) await this.page.getByLabel('Customer impact', { exact: true }).selectOption({ label: impact });
    if (commander) await this.page.getByLabel('Incident commander', { exact: true }).selectOption({ label: commander });
    if (commanderName) await this.page.getByLabel("Commander's name", { exact: true }).fill(commanderName);
  }

  async submitDeclare(title) {
    await this.page.getByRole('button', { name: 'Declare incident' }).click();
    await this.page.waitForURL(/\/incidents\//, { timeout: WAIT });
    await this.page.getByRole('heading', { name: title, level: 1 }).waitFor({ timeout: WAIT });
  }

  severityDefinition() {
    return this.page.getByTestId('severity-definition');
  }

  async openPlan() {
    await this.page.getByRole('link', { name: 'Plan maintenance' }).click();
    await this.page.getByRole('heading', { name: 'Plan maintenance', level: 1 }).waitFor({ timeout: WAIT });
  }

  planFreezeWarning() {
    return this.page.getByTestId('maint-freeze-warning');
  }

  startFreezeWarning() {
    return this.page.getByTestId('start-freeze-warning');
  }

  error() {
    return this.page.getByRole('alert');
  }
}
