// Prints the alert intake figures (not a test: numbers, no verdicts):
// - intake throughput: alerts per second stored, posted as Alertmanager
//   does (webhook v4 payloads of 100 alerts, 40 at once, over 20 groups);
// - from an Alertmanager POST to the group showing in another console's
//   inbox (Chromium, already open on /alerts), median and worst of 10.
// Runs against a real sitrep-server and Debian's Chromium; see scripts/bench.
import { launchBrowser } from '../support/browser.mjs';
import { TEST_PASSWORD } from '../support/console_page.mjs';
import { createAccount, createToken, startServer } from '../support/server.mjs';

const ALERTS = 20_000;
const PER_POST = 100;
const AT_ONCE = 40;
const GROUPS = 20;

function payload(group, alerts) {
  return {
    version: '4', groupKey: `{}:{alertname="${group}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'sitrep',
    groupLabels: { alertname: group }, commonLabels: { alertname: group }, commonAnnotations: {},
    externalURL: 'http://alertmanager.bench', alerts,
  };
}

function alert(group, n) {
  return {
    status: 'firing', labels: { alertname: group, instance: `host-${n}`, severity: 'page' },
    annotations: { summary: `bench alert ${n}` }, startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.bench/graph', fingerprint: n.toString(16).padStart(16, '0'),
  };
}

const server = await startServer({ dist: process.env.SITREP_DIST });
createAccount(server.dataDir, 'alertmanager', 'monitor');
const token = createToken(server.dataDir, 'alertmanager');
const post = (body) => fetch(`${server.url}/api/v1/alerts/alertmanager`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
});
const browser = await launchBrowser();
try {
  // Throughput.
  const bodies = [];
  for (let i = 0; i < ALERTS; i += PER_POST) {
    const group = `Bench${(i / PER_POST) % GROUPS}`;
    bodies.push(payload(group, Array.from({ length: PER_POST }, (_, k) => alert(group, i + k))));
  }
  let next = 0, stored = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    while (next < bodies.length) {
      const res = await post(bodies[next++]);
      if (!res.ok) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
      stored += (await res.json()).new;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;

  // POST → inbox in a console that is already open.
  const context = await browser.newContext();
  const signedIn = await context.request.post(`${server.url}/api/v1/session`, {
    data: { name: 'ana', password: TEST_PASSWORD }, headers: { Origin: server.url },
  });
  if (!signedIn.ok()) throw new Error(`sign-in failed: ${signedIn.status()}`);
  const page = await context.newPage();
  await page.goto(`${server.url}/alerts`);
  await page.getByRole('heading', { name: 'Alert inbox', level: 1 }).waitFor({ timeout: 60_000 });
  await page.getByRole('list', { name: 'Waiting alert groups' }).getByRole('listitem').first().waitFor({ timeout: 60_000 });
  const samples = [];
  for (let i = 0; i < 10; i++) {
    const group = `Latency${i}`;
    const card = page.getByRole('list', { name: 'Waiting alert groups' }).getByRole('listitem', { name: group, exact: true });
    const t = performance.now();
    const res = await post(payload(group, [alert(group, 1_000_000 + i)]));
    if (!res.ok) throw new Error(`intake answered ${res.status}`);
    await card.waitFor({ timeout: 30_000 });
    samples.push(performance.now() - t);
    // Groups are paced per group: the next sample is another group.
  }
  samples.sort((a, b) => a - b);
  console.log(`alerts: ${process.env.SITREP_SERVER ?? 'target/debug/sitrep-server'} on loopback`);
  console.log(`  intake: ${stored} alerts stored in ${seconds.toFixed(2)} s = ${(stored / seconds).toFixed(0)} alerts/s (${PER_POST} per Alertmanager POST, ${AT_ONCE} POSTs at once, ${GROUPS} groups)`);
  console.log(`  Alertmanager POST → group in another console's inbox: median ${samples[4].toFixed(0)} ms, worst ${samples[9].toFixed(0)} ms of 10`);
} finally {
  await browser.close();
  await server.stop();
}
