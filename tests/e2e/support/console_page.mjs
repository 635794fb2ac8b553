// A page object for the console: every control is found by its role and
// accessible name, as a screen reader would find it.
const WAIT = 10_000;
/** The password of every account startServer makes (see server.mjs). */
export const TEST_PASSWORD = 'e2e password for every account';

export class ConsolePage {
  /** `account`: who `open` signs in as when the console asks (default ana, a responder). */
  constructor(page, baseURL, { account = 'ana' } = {}) {
    this.page = page;
    this.baseURL = baseURL;
    this.account = account;
  }

  /**
   * Opens a path; if the console asks for a sign-in (nobody has signed in
   * in this browser context yet), signs in as `this.account` first.
   * `pagesLoaded: false` for a test that holds the backend's catch-up back:
   * the console fetches every page's code only after it (or 15 s on).
   */
  async open(path = '/', { pagesLoaded = true } = {}) {
    await this.page.goto(this.baseURL + path);
    const heading = this.page.getByRole('heading', { level: 1 }).first();
    await heading.waitFor({ timeout: WAIT });
    if ((await heading.textContent()) === 'Sign in to Sitrep') {
      await this.signIn(this.account);
      await this.page.getByRole('heading', { level: 1 }).first().waitFor({ timeout: WAIT });
    }
    // Every page's code is fetched in the background after the start; a test
    // that cuts the network next must not race it (a responder a second in
    // would not notice it either).
    if (pagesLoaded) await this.page.locator('html[data-pages="loaded"]').waitFor({ state: 'attached', timeout: WAIT });
  }

  /** Fills the sign-in form (the page's or the signed-out banner's) and waits for it to go. */
  async signIn(name = this.account, password = TEST_PASSWORD) {
    const form = this.page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Password', { exact: true }).fill(password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.waitFor({ state: 'detached', timeout: WAIT });
  }

  async waitFor(locator) {
    await locator.waitFor({ timeout: WAIT });
  }

  /** The header's navigation (behind the menu button on a narrow screen). */
  nav() {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  /** The header's menu button, shown where the nav folds away (a phone). */
  menuButton() {
    return this.page.getByRole('banner').getByRole('button', { name: 'Menu', exact: true });
  }

  /**
   * How many pixels the page is wider than the window (0 or less when
   * nothing scrolls sideways), with the elements that stick out, for the
   * message. Measured against the window less its scrollbar (clientWidth),
   * which is stricter than `innerWidth`.
   */
  async sidewaysOverflow() {
    return this.page.evaluate(() => {
      const root = document.documentElement;
      const over = Math.max(root.scrollWidth - window.innerWidth, root.scrollWidth - root.clientWidth);
      const culprits = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).trim().replace(/\s+/g, '.')}` : ''} (right ${Math.round(el.getBoundingClientRect().right)})`);
      return { over, culprits };
    });
  }

  /** The header's account line: "Signed in as NAME (role)". */
  whoAmI() {
    return this.page.getByTestId('account');
  }

  /**
   * Declares with the form's title, severity and summary. `commander`: the
   * form's choice; specs that count the edits a declaration makes get one
   * (the declared event) with the default "Nobody yet"; "Me (NAME)" adds the
   * role (guide.test.mjs covers the form's own default, the declarer).
   */
  async declare({ title, severity = 'SEV2', summary = '', commander = 'Nobody yet' }) {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Declare incident' }).click();
    await this.page.getByLabel('Title', { exact: true }).fill(title);
    await this.page.getByLabel('Severity', { exact: true }).selectOption({ label: severity });
    await this.page.getByLabel('Summary', { exact: true }).fill(summary);
    await this.page.getByLabel('Incident commander', { exact: true }).selectOption({ label: commander });
    await this.page.getByRole('button', { name: 'Declare incident' }).click();
    await this.page.waitForURL(/\/incidents\//, { timeout: WAIT });
    await this.page.getByRole('heading', { name: title }).waitFor({ timeout: WAIT });
  }

  async addNote(text) {
    await this.page.getByLabel('Note', { exact: true }).fill(text);
    await this.page.getByRole('button', { name: 'Add note' }).click();
  }

  /** Picking "Resolved" opens the resolve form: it is resolved with a note. */
  async setStatus(label) {
    await this.page.getByLabel('Status', { exact: true }).selectOption({ label });
    if (label === 'Resolved') await this.resolve('Resolved in the test.');
  }

  /** The resolve form, open: its warnings. */
  resolveForm() {
    return this.page.getByRole('form', { name: 'Resolve the incident' });
  }

  async resolve(note) {
    const form = this.resolveForm();
    await form.getByLabel('Resolution note', { exact: true }).fill(note);
    await form.getByRole('button', { name: 'Resolve incident' }).click();
    await form.waitFor({ state: 'detached', timeout: WAIT });
  }

  /** Severity options read "SEV1 · Critical": pick by level. */
  async setSeverity(label) {
    await this.page.getByLabel('Severity', { exact: true }).selectOption(label.toLowerCase());
  }

  incidentLink(title) {
    return this.page.getByRole('table', { name: 'Incidents' }).getByRole('link', { name: title });
  }

  entry(text) {
    return this.page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text });
  }

  /** Waits until the entry with this text shows the given delivery mark. */
  async waitForEntry(text, mark = 'delivered') {
    await this.entry(text).getByText(mark, { exact: mark === 'delivered' }).waitFor({ timeout: WAIT });
  }

  pendingCount() {
    return this.page.getByTestId('pending-count');
  }

  connection() {
    return this.page.getByTestId('connection');
  }

  async waitForPending(text, timeout = WAIT) {
    await this.page.getByTestId('pending-count').getByText(text, { exact: true }).waitFor({ timeout });
  }

  /** Waits until the header says every edit has reached the backend. */
  async waitForAllDelivered(timeout = 20_000) {
    await this.waitForPending('All edits delivered', timeout);
  }
}

/**
 * Records the id of every event a page delivered (a POST the backend
 * answered with 200, i.e. acknowledged), so a test can prove that nothing
 * acknowledged was sent again. Attempts that failed (offline, 5xx) do not
 * count: re-sending those is the point. Attach it to each page of a context.
 */
export class SentEvents {
  constructor() {
    this.ids = [];
  }

  watch(page) {
    page.on('requestfinished', async (req) => {
      if (req.method() !== 'POST' || !req.url().endsWith('/api/v1/events')) return;
      // The page may close while the answer is read (the test is over):
      // nothing more to count then, and no rejection left unhandled.
      const response = await req.response().catch(() => null);
      if (response?.status() !== 200) return;
      for (const e of JSON.parse(req.postData() ?? '{"events":[]}').events) this.ids.push(e.id);
    });
    return page;
  }

  /** Ids sent more than once. */
  repeated() {
    const seen = new Set();
    return this.ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  }
}

/** A new page in `context`, opened at `path` and signed in as `account` (default ana). */
export async function signedInPage(context, server, { account = 'ana', path = '/' } = {}) {
  const app = new ConsolePage(await context.newPage(), server.url, { account });
  await app.open(path);
  return app;
}
