// Starts and stops a real sitrep-server process for a test, on a free
// loopback port with its own data directory.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const BIN = process.env.SITREP_SERVER ?? join(root, 'target/debug/sitrep-server');
const DIST = process.env.SITREP_DIST ?? join(root, 'dist');

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Servers still running when the test process exits (a test failed before
// stopping its own) are killed then, so a failure can never hang the run.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * `dist`: the built console to serve (default SITREP_DIST), e.g. a copied build.
 * `args`: more `serve` flags (e.g. `--upstream NAME=URL`).
 */
export async function startServer({ dataDir, port, dist = DIST, args = [] } = {}) {
  dataDir ??= await mkdtemp(join(tmpdir(), 'sitrep-e2e-'));
  port ??= await freePort();
  const child = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--static', dist, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`sitrep-server did not start:\n${stderr}`)), 15_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Sitrep is running at')) {
        clearTimeout(timer);
        ok();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`sitrep-server exited with ${code}:\n${stderr}`));
    });
  });
  running.add(child);
  // Neither the process nor its pipes keep the test runner alive.
  child.unref();
  child.stdout.unref();
  child.stderr.unref();
  const exited = new Promise((ok) => child.once('exit', ok));
  exited.then(() => running.delete(child));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    /** Stops the server and waits for it to exit. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A graceful stop waits for open connections; don't let a test hang on one.
      const grace = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(grace);
    },
  };
}

/** Every event the server holds, through its own paging API. */
export async function allEvents(server) {
  const events = [];
  let after = 0;
  for (;;) {
    const res = await fetch(`${server.url}/api/v1/events?after=${after}&limit=1000`);
    if (!res.ok) throw new Error(`GET events answered ${res.status}`);
    const page = await res.json();
    events.push(...page.events);
    if (page.events.length === 0) return events;
    after = page.events[page.events.length - 1].seq;
  }
}
