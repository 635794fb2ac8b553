// What several replicas need around them, started and stopped by a test:
// a throwaway PostgreSQL cluster of its own (scripts/pg-cluster: its own
// directory, a free loopback port, run as the postgres user) and Debian's
// haproxy in front of the replicas.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startServer } from './server.mjs';

const root = resolve(import.meta.dirname, '../../..');
const CLUSTER = join(root, 'scripts/pg-cluster');
const run = promisify(execFile);

/** Why the replicas' tests cannot run here, or null when they can. */
export function missing() {
  const haproxy = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));
  if (!haproxy) return 'haproxy is not installed (scripts/setup --test installs it)';
  return null;
}

function haproxyBin() {
  return ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));
}

/**
 * A PostgreSQL cluster of this test's own. `url` is its admin database,
 * which the replicas use (the cluster holds nothing else). `restart()`
 * stops it (fast: every connection is cut) and starts it on the same port.
 */
export async function startPostgres() {
  const dir = await mkdtemp(join('/tmp', 'sitrep-pg-e2e-'));
  let url;
  try {
    url = (await run('bash', [CLUSTER, 'start', dir])).stdout.trim();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL could not start: ${(e.stderr ?? e.message).trim()}`);
  }
  return {
    url,
    async restart() {
      await run('bash', [CLUSTER, 'restart', dir]);
    },
    async stop() {
      try {
        execFileSync('bash', [CLUSTER, 'stop', dir], { stdio: 'ignore' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** haproxy's configuration for replicas on these loopback ports. */
export function balancerConfig(port, backends) {
  return `# Sitrep behind haproxy: two (or more) replicas on one PostgreSQL database.
global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # Websockets (/api/v1/stream) live as long as the console is open.
    timeout tunnel 1h
    # A request to a replica that is gone is tried on another one.
    option redispatch
    retries 2

frontend sitrep
    bind 127.0.0.1:${port}
    default_backend replicas

backend replicas
    # Any replica serves any request; sticky sessions are not needed.
    # Hashing the client's address keeps one office's consoles on one
    # replica, the drill's worst case when that replica dies.
    balance source
    hash-type consistent
    # A replica whose database does not answer answers 503 here.
    option httpchk GET /api/v1/health
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
${backends.map((p, i) => `    server replica${i + 1} 127.0.0.1:${p} check`).join('\n')}
`;
}

async function accepts(port) {
  return new Promise((ok) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      ok(true);
    });
    s.once('error', () => ok(false));
  });
}

/** haproxy in front of the replicas listening on `backends` (ports). */
export async function startBalancer(backends) {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'sitrep-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  await writeFile(config, balancerConfig(port, backends));
  const child = spawn(haproxyBin(), ['-f', config, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((ok) => child.once('exit', ok));
  for (let i = 0; i < 100 && !(await accepts(port)); i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  process.on('exit', () => child.kill('SIGKILL'));
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function health(url) {
  const res = await fetch(`${url}/api/v1/health`).catch(() => null);
  return res?.ok ? res.json() : null;
}

/** Polls `check` until it returns something truthy; throws after `timeout` ms. */
export async function until(what, check, timeout = 30_000) {
  const began = Date.now();
  for (;;) {
    const got = await check().catch(() => null);
    if (got) return got;
    if (Date.now() - began > timeout) throw new Error(`${what}: not within ${timeout} ms`);
    await sleep(100);
  }
}

/**
 * PostgreSQL, two replicas (a, then b: a leads) on one database, and
 * haproxy in front: what the failover drill and its bench run.
 */
export class Deployment {
  static async start({ args = [] } = {}) {
    const d = new Deployment();
    d.args = args;
    d.pg = await startPostgres();
    d.replicas = {};
    d.ports = { a: await freePort(), b: await freePort() };
    await d.restart('a');
    await until('replica a leads', async () => (await health(d.replicas.a.url))?.leader);
    await d.restart('b');
    d.lb = await startBalancer([d.ports.a, d.ports.b]);
    await d.healthy();
    return d;
  }

  get url() {
    return this.lb.url;
  }

  /** Starts (or starts again) replica `name` on its port. */
  async restart(name) {
    this.replicas[name] = await startServer({
      dataDir: this.dataDir,
      port: this.ports[name],
      database: this.pg.url,
      args: this.args,
    });
    this.dataDir ??= this.replicas[name].dataDir;
  }

  /** Until every running replica and the balancer answer. */
  async healthy() {
    await until('every replica up behind haproxy', async () => {
      const all = await Promise.all(Object.values(this.replicas).map((r) => health(r.url)));
      return all.every((h) => h?.ok) && (await health(this.lb.url))?.ok;
    });
  }

  /** The replica (a or b) the balancer sends this machine's clients to. */
  async current() {
    const ids = {};
    for (const [name, r] of Object.entries(this.replicas)) ids[(await health(r.url))?.replica] = name;
    return ids[(await health(this.lb.url))?.replica];
  }

  /** SIGKILL: no goodbye to anyone, like a machine dying. */
  async kill(name) {
    await this.replicas[name].stop('SIGKILL');
    delete this.replicas[name];
  }

  /** A replica still running, for API calls that bypass the balancer. */
  any() {
    return Object.values(this.replicas)[0];
  }

  async stop() {
    await this.lb?.stop();
    for (const r of Object.values(this.replicas ?? {})) await r.stop('SIGKILL');
    await this.pg?.stop();
  }
}

/** The connection line of each console. */
export async function connectionStates(consoles) {
  return Promise.all(consoles.map(async (c) => (await c.connection().innerText()).trim()));
}

/**
 * SIGKILLs replica `name`; returns the ms from the kill until every
 * console says "Online" again (after first noticing the loss).
 */
export async function killAndTime(deployment, name, consoles) {
  const killedAt = Date.now();
  await deployment.kill(name);
  await until('the consoles notice', async () => (await connectionStates(consoles)).every((s) => s !== 'Online'), 5_000)
    .catch(() => {});
  await until('every console Online again', async () => (await connectionStates(consoles)).every((s) => s === 'Online'));
  return Date.now() - killedAt;
}
