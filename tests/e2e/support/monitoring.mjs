// Starts Debian's Prometheus and Alertmanager for a test, each on a free
// loopback port with its own temporary config and data directory:
// Prometheus scrapes a sitrep-server's /metrics (with a monitor token) and
// evaluates the rules given; Alertmanager routes every alert to that
// server's intake (the same token), quickly and with resolutions.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
export const ALERTMANAGER = process.env.ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

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

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function start(bin, args, name) {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => {
    log = (log + d).slice(-20_000);
  });
  running.add(child);
  child.unref();
  child.stderr.unref();
  const exited = new Promise((ok) => child.once('exit', ok));
  exited.then(() => running.delete(child));
  return {
    name,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(grace);
    },
  };
}

async function ready(url, what, proc, timeout = 30_000) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready:\n${proc.log()}`);
}

/**
 * `sitrep`: { url, port } of the server to scrape and post to; `token`: a
 * monitor account's API token; `rules`: the text of a Prometheus rule file.
 * Returns { prometheus, alertmanager } with their base URLs, and `stop()`.
 */
export async function startMonitoring({ sitrep, token, rules }) {
  const dir = await mkdtemp(join(tmpdir(), 'sitrep-monitoring-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, token, { mode: 0o600 });
  const [promPort, amPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, 'rules.yml'), rules);
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:${amPort}']
scrape_configs:
  - job_name: sitrep
    metrics_path: /metrics
    authorization:
      credentials_file: ${tokenFile}
    static_configs:
      - targets: ['127.0.0.1:${sitrep.port}']
`,
  );
  await writeFile(
    join(dir, 'alertmanager.yml'),
    `route:
  receiver: sitrep
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sitrep
    webhook_configs:
      - url: ${sitrep.url}/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials_file: ${tokenFile}
`,
  );
  const alertmanager = start(
    ALERTMANAGER,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      // No cluster: it would listen on 9094 and wait for peers.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    'alertmanager',
  );
  const prometheus = start(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      // Firing alerts go to Alertmanager again after a second, not a minute.
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ],
    'prometheus',
  );
  const promUrl = `http://127.0.0.1:${promPort}`;
  const amUrl = `http://127.0.0.1:${amPort}`;
  await ready(`${amUrl}/-/ready`, 'Alertmanager', alertmanager);
  await ready(`${promUrl}/-/ready`, 'Prometheus', prometheus);
  return {
    prometheus: promUrl,
    alertmanager: amUrl,
    logs: () => `prometheus:\n${prometheus.log()}\nalertmanager:\n${alertmanager.log()}`,
    /** Alertmanager's view of the alerts it holds (its API v2). */
    async alerts() {
      return (await fetch(`${amUrl}/api/v2/alerts`)).json();
    },
    /** Prometheus's scrape targets and their health. */
    async targets() {
      return (await (await fetch(`${promUrl}/api/v1/targets`)).json()).data.activeTargets;
    },
    async stop() {
      await Promise.all([prometheus.stop(), alertmanager.stop()]);
    },
  };
}
