// The before/after most e2e files repeat: a real sitrep-server and a
// headless Chromium started before the file's tests and closed after them
// (browser first, then the server), whatever the tests did.
import { after, before } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { startServer } from './server.mjs';

/**
 * Call inside `describe`. Before the tests: starts a server (`server`:
 * startServer's options) and a browser, then hands both to `ready`, which
 * keeps them (and may seed the server). After the tests: closes both.
 *
 *   let server, browser;
 *   withServerAndBrowser(async (started) => {
 *     ({ server, browser } = started);
 *     await postEvents(server, [...]);
 *   });
 */
export function withServerAndBrowser(ready, { server: options } = {}) {
  let started;
  before(async () => {
    const server = await startServer(options);
    started = { server, browser: undefined };
    started.browser = await launchBrowser();
    await ready(started);
  });
  after(async () => {
    await started?.browser?.close();
    await started?.server?.stop();
  });
}
