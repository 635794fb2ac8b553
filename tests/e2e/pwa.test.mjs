// The console as an installed app: Chromium can install it, it starts with no
// network at all, and a new deploy is offered, never forced, then cleaned up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, launchProfile } from './support/browser.mjs';
import { AppPage, buildIdOf, copyBuild, nextBuild, pngSize, stamp } from './support/pwa.mjs';
import { startServer } from './support/server.mjs';

describe('the console as an installable, offline-capable app', () => {
  let browser;
  const servers = [];
  const serve = async (options) => {
    const s = await startServer(options);
    servers.push(s);
    return s;
  };
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    for (const s of servers) await s.stop();
  });

  test('the manifest describes an installable app and Chromium agrees', async () => {
    const server = await serve();
    const res = await fetch(`${server.url}/manifest.webmanifest`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/manifest\+json/);
    const manifest = await res.json();
    assert.equal(manifest.name, 'Sitrep incident console');
    assert.equal(manifest.short_name, 'Sitrep');
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.scope, '/');
    assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);

    const pngs = manifest.icons.filter((i) => i.type === 'image/png');
    for (const icon of pngs) {
      const r = await fetch(new URL(icon.src, server.url));
      assert.equal(r.status, 200, icon.src);
      const { width, height } = pngSize(new Uint8Array(await r.arrayBuffer()));
      assert.equal(`${width}x${height}`, icon.sizes, `${icon.src} is really ${icon.sizes}`);
    }
    const sizes = (purpose) => pngs.filter((i) => (i.purpose ?? 'any').split(' ').includes(purpose)).map((i) => i.sizes);
    assert.deepEqual(sizes('any').sort(), ['192x192', '512x512']);
    assert.deepEqual(sizes('maskable'), ['512x512']);

    // A profile on disk: Chromium never offers to install from incognito.
    const context = await launchProfile();
    const app = new AppPage(await context.newPage(), server.url);
    await app.open('/');
    await app.waitForServiceWorker();
    const cdp = await context.newCDPSession(app.page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
    await context.close();
  });

  test('with the network cut and the server gone, a reload opens the console and every incident', async () => {
    const server = await serve();
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), server.url);
    await app.open('/');
    await app.waitForServiceWorker();
    await app.declare({ title: 'Payments API timing out', severity: 'SEV1' });
    await app.waitForEntry('Declared SEV1 · Payments API timing out', 'delivered');
    await app.declare({ title: 'Status page stale', severity: 'SEV3' });
    await app.waitForEntry('Declared SEV3 · Status page stale', 'delivered');

    await context.setOffline(true);
    await server.stop();

    await app.page.reload();
    await app.page.getByRole('heading', { name: 'Status page stale' }).waitFor({ timeout: 10_000 });
    await app.open('/');
    await app.incidentLink('Payments API timing out').waitFor({ timeout: 10_000 });
    await app.incidentLink('Status page stale').waitFor();
    await context.close();
  });

  test('a new deploy is offered, waits for the click, then replaces the old version and its cache', async () => {
    // Version A is the build under test; B is the next deploy of it.
    const dirA = await copyBuild();
    const buildA = await buildIdOf(dirA);
    stamp(dirA);
    assert.equal(await buildIdOf(dirA), buildA, 'restamping an unchanged build keeps its id');
    const dirB = await nextBuild(dirA);
    const buildB = await buildIdOf(dirB);
    assert.notEqual(buildB, buildA);

    const serverA = await serve({ dist: dirA });
    const context = await browser.newContext();
    const app = new AppPage(await context.newPage(), serverA.url);
    await app.open('/');
    await app.waitForServiceWorker();
    assert.equal(await app.buildId(), buildA);
    await app.buildFooter().filter({ hasText: `Build ${buildA}` }).waitFor();
    await app.declare({ title: 'Deploy during an incident', severity: 'SEV2' });
    // A responder is half-way through a note when the deploy lands.
    await app.page.getByLabel('Note', { exact: true }).fill('Customer reports from');
    await app.page.evaluate(() => (window.sameDocument = true));

    await serverA.stop();
    await serve({ dist: dirB, dataDir: serverA.dataDir, port: serverA.port });
    await app.checkForUpdate();
    await app.updateButton().waitFor({ timeout: 15_000 });

    // Offered, not forced: same document, same code, the draft untouched.
    await app.page.waitForTimeout(500);
    assert.equal(await app.page.evaluate(() => window.sameDocument), true);
    assert.equal(await app.buildId(), buildA);
    assert.equal(await app.page.getByLabel('Note', { exact: true }).inputValue(), 'Customer reports from');

    // A plain reload keeps the running version and offers the new one again.
    await app.page.reload();
    await app.updateButton().waitFor({ timeout: 15_000 });
    assert.equal(await app.buildId(), buildA);

    // The new worker activates and reloads the page. If the reload never
    // comes, the failure says where the switch stopped.
    //
    // Chromium activates the new worker only once the running one has no
    // event in hand, and asks it to finish at once; a click landing while
    // the console preloads its pages through a worker still waking up waits
    // for that worker's 30 s idle timeout, and with DevTools attached (as
    // Playwright is) it never idles out. So click as a responder would, once
    // the console has fetched its pages; the README says what an early click
    // can cost.
    await app.page.locator('html[data-pages="loaded"]').waitFor({ state: 'attached', timeout: 15_000 });
    await app.watchServiceWorkers();
    try {
      await Promise.all([app.page.waitForEvent('load', { timeout: 15_000 }), app.updateButton().click()]);
    } catch (e) {
      throw new Error(`${e.message}\nservice worker switch: ${await app.serviceWorkerLog()}`);
    }
    await app.buildFooter().filter({ hasText: `Build ${buildB}` }).waitFor();
    assert.equal(await app.buildId(), buildB);
    assert.equal(await app.updatePrompt().count(), 0);
    assert.deepEqual(await app.shellCaches(), [`sitrep-shell-${buildB}`]);
    // The new version still has the data.
    await app.page.getByRole('heading', { name: 'Deploy during an incident' }).waitFor();
    await context.close();
  });
});
