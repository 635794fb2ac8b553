// A provider's status page on loopback for the upstream tests: serves
// /api/v2/summary.json with whatever the test last set, and can be stopped.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
export const FIXTURES = join(root, '../shared/fixtures');

/** A recorded summary from ../shared/fixtures, parsed; null when ../shared is absent. */
export async function fixture(name) {
  try {
    return JSON.parse(await readFile(join(FIXTURES, name), 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

/** The same page with every component operational and no incidents. */
export function allOperational(summary) {
  const copy = structuredClone(summary);
  copy.status = { indicator: 'none', description: 'All Systems Operational' };
  for (const c of copy.components ?? []) c.status = 'operational';
  copy.incidents = [];
  return copy;
}

export class StatusPage {
  /** `answer`: `{ json }` or `{ status, type, body }`. */
  constructor(answer) {
    this.answer = answer;
    this.server = createServer((req, res) => {
      if (req.url !== '/api/v2/summary.json') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('wrong path');
        return;
      }
      const a = this.answer;
      if (a.json !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(a.json));
      } else {
        res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'text/plain' }).end(a.body ?? '');
      }
    });
  }

  async start() {
    await new Promise((ok) => this.server.listen(0, '127.0.0.1', ok));
    // A failing test may never reach stop(); an unref'd server cannot keep
    // `node --test` waiting for it.
    this.server.unref();
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  set(answer) {
    this.answer = answer;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((ok) => this.server.close(ok));
  }
}
