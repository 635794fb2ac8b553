// Events made as another console would make them, posted straight to the
// backend (docs/protocol.md), to give a test incidents to list and search.
import { randomUUID } from 'node:crypto';

export { postEvents } from './server.mjs';

// Two days ago on the hour: recent enough for the server's window on event
// times (a year either side of its clock), and the same shape on any day.
const HOUR = 3_600_000;
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;

function event(incident, at, body, author = 'seed') {
  return { id: randomUUID(), incident, author, at, body };
}

/**
 * The events of one incident: declared `minutesIn` minutes after a fixed
 * start, then its notes, components and finally its status.
 */
export function incident({ title, severity = 'sev2', status = 'investigating', minutesIn = 0, notes = [], components = [] }) {
  const id = randomUUID();
  const at = BASE + minutesIn * 60_000;
  const events = [event(id, at, { kind: 'declared', title, severity, summary: '', started_at: at })];
  notes.forEach((text, i) => events.push(event(id, at + 1000 + i, { kind: 'note_added', text })));
  components.forEach((component, i) =>
    events.push(event(id, at + 2000 + i, { kind: 'component_status_set', component, status: 'major_outage' })));
  if (status !== 'investigating') events.push(event(id, at + 3000, { kind: 'status_changed', status }));
  return { id, title, events };
}

export function component(id, name, group = '') {
  return event('workspace', BASE, { kind: 'component_defined', component: id, name, group }, 'admin');
}

/** Retries an assertion until it passes or the time is up (then rethrows). */
export async function eventually(check, timeout = 10_000) {
  const until = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
}
