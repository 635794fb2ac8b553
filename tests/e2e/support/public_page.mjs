// The public status page as a customer reads it (no sign-in), found by role
// and accessible name; and axe-core's accessibility check of any page.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const WAIT = 10_000;

export class PublicStatusPage {
  constructor(page, baseURL) {
    this.page = page;
    this.baseURL = baseURL;
  }

  async open(path = '/status') {
    await this.page.goto(this.baseURL + path);
    await this.page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: WAIT });
  }

  nav() {
    return this.page.getByRole('navigation', { name: 'Status page' });
  }

  section(name) {
    return this.page.getByRole('region', { name, exact: true });
  }

  incident(name) {
    return this.page.getByRole('article').filter({ has: this.page.getByRole('heading', { name, exact: true }) });
  }

  /** Subscribes by email through the page's form (works without script). */
  async subscribeByEmail(address) {
    const form = this.section('By email');
    await form.getByLabel('Email address', { exact: true }).fill(address);
    await form.getByRole('button', { name: 'Subscribe by email' }).click();
    await this.page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: WAIT });
  }
}

let axeSource;
/**
 * Runs axe-core on the page (WCAG 2.x A and AA rules) and answers the
 * violations, each as "rule: help (targets)". The page's context must
 * allow the injected script (`bypassCSP`), as the status page's own CSP
 * rightly forbids inline scripts.
 */
export async function axeViolations(page) {
  axeSource ??= await readFile(resolve(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}
