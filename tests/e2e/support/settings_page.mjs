// The settings page: component catalogue, roles and severity policy.
import { ConsolePage } from './console_page.mjs';

export class SettingsPage extends ConsolePage {
  async openSettings() {
    await this.open('/');
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await this.page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  }

  async addComponent(name, group = '') {
    const form = this.page.getByRole('form', { name: 'Add a component' });
    await form.getByLabel('Component name', { exact: true }).fill(name);
    await form.getByLabel('Component group', { exact: true }).fill(group);
    await form.getByRole('button', { name: 'Add component' }).click();
  }

  /** The list of one group's components ("Ungrouped" for none). */
  group(name) {
    return this.page.getByRole('list', { name, exact: true });
  }

  component(group, name) {
    return this.group(group).getByRole('listitem').filter({ hasText: name });
  }

  async editComponent(current, { name, group }) {
    await this.page.getByRole('button', { name: `Edit ${current}`, exact: true }).click();
    const form = this.page.getByRole('form', { name: `Edit ${current}`, exact: true });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Group', { exact: true }).fill(group);
    await form.getByRole('button', { name: 'Save', exact: true }).click();
  }

  roles() {
    return this.page.getByRole('list', { name: 'Roles', exact: true }).getByRole('listitem');
  }

  async addRole(name) {
    const form = this.page.getByRole('form', { name: 'Add a role' });
    await form.getByLabel('Role name', { exact: true }).fill(name);
    await form.getByRole('button', { name: 'Add role' }).click();
  }

  async defineSeverity(label, { name, definition }) {
    const form = this.page.getByRole('form', { name: label, exact: true });
    await form.getByLabel(`${label} name`, { exact: true }).fill(name);
    await form.getByLabel(`${label} definition`, { exact: true }).fill(definition);
    await form.getByRole('button', { name: `Save ${label}` }).click();
  }

  rules() {
    return this.page.getByRole('list', { name: 'Rules', exact: true }).getByRole('listitem');
  }

  /** The rules in words, as listed (without their Remove buttons). */
  async ruleTexts() {
    return (await this.rules().allInnerTexts()).map((t) => t.replace(/\s*Remove$/, ''));
  }

  async addShareRule(percent, atLeast) {
    const form = this.page.getByRole('form', { name: 'Add a rule' });
    await form.getByLabel('When', { exact: true }).selectOption('share');
    await form.getByLabel('Share affected (%)', { exact: true }).fill(percent);
    await form.getByLabel('Is at least', { exact: true }).selectOption({ label: atLeast });
    await form.getByRole('button', { name: 'Add rule' }).click();
  }

  alert() {
    return this.page.getByRole('alert');
  }
}
