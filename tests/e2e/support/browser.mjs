// Launches Debian's Chromium through playwright-core: these machines cannot
// download Playwright's own browser builds.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const options = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
};

export async function launchBrowser() {
  return chromium.launch(options);
}

/**
 * A browser with a real profile on disk, for what Chromium refuses in its
 * incognito-like contexts (it will not consider installing an app there).
 */
export async function launchProfile() {
  return chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'sitrep-profile-')), options);
}
