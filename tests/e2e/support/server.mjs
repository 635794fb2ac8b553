// Starts and stops a real sitrep-server process for a test, on a free
// loopback port with its own data directory.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const BIN = process.env.SITREP_SERVER ?? join(root, 'target/debug/sitrep-server');
const DIST = process.env.SITREP_DIST ?? join(root, 'dist');

export async function freePort() {
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

/** Every test server has these accounts (made through the CLI on first start). */
export const TEST_PASSWORD = 'e2e password for every account';
export const ACCOUNTS = { ana: 'responder', vera: 'viewer', cody: 'communicator', carl: 'communicator', ada: 'admin' };

/**
 * PostgreSQL databases by data dir: a server started with `database` (and
 * every CLI call on its data dir) runs on it, as SITREP_DATABASE says;
 * any other runs on SQLite in its data dir.
 */
const databases = new Map();

function envFor(dataDir) {
  const env = { ...process.env };
  delete env.SITREP_DATABASE;
  if (databases.has(dataDir)) env.SITREP_DATABASE = databases.get(dataDir);
  return env;
}

/** Creates an account the way an operator does: the CLI, password on stdin. */
export function createAccount(dataDir, name, role, password = TEST_PASSWORD) {
  execFileSync(BIN, ['account', 'create', '--name', name, '--role', role, '--data', dataDir], {
    input: `${password}\n`,
    stdio: ['pipe', 'ignore', 'pipe'],
    env: envFor(dataDir),
  });
}

/** A new API token for an account (for tests that call the API directly). */
export function createToken(dataDir, name = 'ana') {
  return execFileSync(BIN, ['token', 'create', '--name', name, '--data', dataDir], { stdio: ['ignore', 'pipe', 'ignore'], env: envFor(dataDir) })
    .toString()
    .trim();
}

/**
 * `dist`: the built console to serve (default SITREP_DIST), e.g. a copied build.
 * `args`: more `serve` flags (e.g. `--upstream NAME=URL`). On a fresh data dir the accounts in ACCOUNTS
 * are created first; `server.token` acts as ana (responder) on the API.
 * `database`: a postgres:// URL to run on instead of SQLite; servers given
 * the same data dir and database are replicas of one server.
 */
export async function startServer({ dataDir, port, dist = DIST, args = [], database } = {}) {
  dataDir ??= await mkdtemp(join(tmpdir(), 'sitrep-e2e-'));
  port ??= await freePort();
  if (database) databases.set(dataDir, database);
  const count = execFileSync(BIN, ['account', 'count', '--data', dataDir], { env: envFor(dataDir) }).toString().trim();
  if (count === '0') {
    for (const [name, role] of Object.entries(ACCOUNTS)) createAccount(dataDir, name, role);
  }
  const token = createToken(dataDir, 'ana');
  const child = spawn(BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--static', dist, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: envFor(dataDir),
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
    token,
    /** Headers that sign a fetch in as ana. */
    auth: { authorization: `Bearer ${token}` },
    /** What the server wrote to stderr so far (for a failure's message). */
    get log() {
      return stderr;
    },
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
    const res = await fetch(`${server.url}/api/v1/events?after=${after}&limit=1000`, { headers: server.auth });
    if (!res.ok) throw new Error(`GET events answered ${res.status}`);
    const page = await res.json();
    events.push(...page.events);
    if (page.events.length === 0) return events;
    after = page.events[page.events.length - 1].seq;
  }
}

const tokens = new WeakMap();
/**
 * A token to post as `author`: the server sets an event's author from the
 * account, so each seeded author gets an account (an admin, so it may write
 * settings too) the first time it is used on a server.
 */
function tokenFor(server, author) {
  let byAuthor = tokens.get(server);
  if (!byAuthor) tokens.set(server, (byAuthor = new Map()));
  if (!byAuthor.has(author)) {
    if (!(author in ACCOUNTS)) createAccount(server.dataDir, author, 'admin');
    byAuthor.set(author, createToken(server.dataDir, author));
  }
  return byAuthor.get(author);
}

/** Stores events straight through the API as their authors, in accepted batches. */
export async function postEvents(server, events) {
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    // One request per run of the same author, keeping the order made.
    for (let j = 0; j < batch.length;) {
      let k = j;
      while (k < batch.length && batch[k].author === batch[j].author) k++;
      const res = await fetch(`${server.url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(server, batch[j].author ?? 'seed')}` },
        body: JSON.stringify({ events: batch.slice(j, k) }),
      });
      if (!res.ok) throw new Error(`POST events answered ${res.status}: ${await res.text()}`);
      j = k;
    }
  }
}

let made = 0;
/** An event as a console would make it; ids sort in the order made. */
export function makeEvent(incident, body, { author = 'seed', at = Date.now() } = {}) {
  made += 1;
  return { id: `seed-${process.pid}-${String(made).padStart(8, '0')}`, incident, author, at, body };
}
