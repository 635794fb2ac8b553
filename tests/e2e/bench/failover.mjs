// Prints the failover figure (not a test: numbers, no verdicts; the checks
// are in failover.test.mjs): PostgreSQL, two replicas and haproxy; two
// consoles signed in through the balancer; the replica both are on is
// SIGKILLed, and the time from the kill until both say "Online" again is
// measured; five times, the dead replica started again between kills.
import { launchBrowser } from '../support/browser.mjs';
import { ConsolePage } from '../support/console_page.mjs';
import { Deployment, killAndTime, missing } from '../support/replicas.mjs';

const why = missing();
if (why) {
  console.log(`failover: skipped, ${why}`);
  process.exit(0);
}
let deployment;
try {
  deployment = await Deployment.start();
} catch (e) {
  console.log(`failover: skipped, ${e.message}`);
  process.exit(0);
}
const browser = await launchBrowser();
try {
  const consoles = [];
  for (const account of ['ana', 'vera']) {
    const c = new ConsolePage(await (await browser.newContext()).newPage(), deployment.url, { account });
    await c.open('/');
    consoles.push(c);
  }
  const times = [];
  for (let round = 0; round < 5; round++) {
    const victim = await deployment.current();
    times.push(await killAndTime(deployment, victim, consoles));
    await deployment.restart(victim);
    await deployment.healthy();
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`failover: replica killed (SIGKILL) under two consoles, through haproxy → both "Online" again: median ${sorted[2]} ms, max ${sorted[4]} ms (${times.join(', ')} ms)`);
} finally {
  await browser.close();
  await deployment.stop();
}
