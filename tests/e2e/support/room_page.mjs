// A page object for the incident room's panels, found by role and name.
import { ConsolePage } from './console_page.mjs';

const WAIT = 10_000;

export class RoomPage extends ConsolePage {
  panel(name) {
    return this.page.getByRole('region', { name, exact: true });
  }

  async assignRole(role, person) {
    const panel = this.panel('Roles');
    await panel.getByLabel('Role', { exact: true }).selectOption({ label: role });
    await panel.getByLabel('Person', { exact: true }).fill(person);
    await panel.getByRole('button', { name: 'Assign' }).click();
  }

  /** The incident's number in the room's header: "INC-42" or "number pending". */
  incidentNumber() {
    return this.page.getByTestId('incident-number');
  }

  /**
   * Types into a people picker (a combobox) and takes the option whose name
   * starts with `option` with the keyboard, or leaves what was typed.
   */
  async pickPerson(scope, label, typed, option) {
    const box = scope.getByRole('combobox', { name: label, exact: true });
    await box.fill(typed);
    if (option === undefined) return;
    const list = scope.getByRole('listbox', { name: `People for ${label}`, exact: true });
    const options = list.getByRole('option');
    await options.first().waitFor({ timeout: WAIT });
    const names = await options.allInnerTexts();
    const at = names.findIndex((n) => n.trim().startsWith(option));
    if (at < 0) throw new Error(`no option ${option} in ${JSON.stringify(names)}`);
    for (let i = 0; i <= at; i++) await box.press('ArrowDown');
    await box.press('Enter');
  }

  roleHolders() {
    return this.panel('Roles').getByRole('list', { name: 'Role holders' });
  }

  async startChange(what) {
    const panel = this.panel('Changes');
    await panel.getByLabel('Change', { exact: true }).fill(what);
    await panel.getByRole('button', { name: /^Start change/ }).click();
  }

  async recordOutcome(what, outcome, note = '') {
    const panel = this.panel('Changes');
    await panel.getByLabel(`Outcome of ${what}`, { exact: true }).selectOption({ label: outcome });
    const item = panel.getByRole('listitem').filter({ hasText: what });
    if (note) await item.getByLabel('What you saw', { exact: true }).fill(note);
    await item.getByRole('button', { name: 'Record outcome' }).click();
  }

  async addTask({ title, assignee = '', due = '' }) {
    const panel = this.panel('Tasks');
    await panel.getByLabel('Task', { exact: true }).fill(title);
    await panel.getByLabel('Assignee', { exact: true }).fill(assignee);
    if (due) await panel.getByLabel('Due (UTC)', { exact: true }).fill(due);
    await panel.getByRole('button', { name: 'Add task' }).click();
  }

  openTasks() {
    return this.panel('Tasks').getByRole('list', { name: 'Open tasks' });
  }

  async addNoteOfKind(text, kind) {
    await this.page.getByLabel('Note', { exact: true }).fill(text);
    await this.page.getByLabel('Kind', { exact: true }).selectOption({ label: kind });
    await this.page.getByRole('button', { name: 'Add note' }).click();
  }

  async showOnly(label) {
    await this.page.getByLabel('Show', { exact: true }).selectOption({ label });
  }

  timelineItems() {
    return this.page.getByRole('list', { name: 'Timeline' }).getByRole('listitem');
  }

  async waitFor(locator) {
    await locator.waitFor({ timeout: WAIT });
  }
}
