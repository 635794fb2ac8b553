// A real SMTP server for the end-to-end tests: Python's aiosmtpd, run by
// crates/server/tests/support/smtp_sink.py from the tests' throwaway venv
// (target/test-pyenv, made by `scripts/setup --test` or the server tests;
// made here too when absent). Accepted messages are files the test reads;
// what the server answers is changed while it runs (`control`).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const SINK = join(root, 'crates/server/tests/support/smtp_sink.py');
const PACKAGES = ['aiosmtpd==1.4.6', 'feedparser==6.0.11'];

function python() {
  if (process.env.SITREP_TEST_PYTHON) return process.env.SITREP_TEST_PYTHON;
  const dir = join(root, 'target/test-pyenv');
  const ready = join(dir, '.ready');
  if (!existsSync(ready) || readFileSync(ready, 'utf8').trim() !== PACKAGES.join(' ')) {
    execFileSync('python3', ['-m', 'venv', dir]);
    execFileSync(join(dir, 'bin/pip'), ['install', '--quiet', '--disable-pip-version-check', ...PACKAGES]);
    writeFileSync(ready, PACKAGES.join(' '));
  }
  return join(dir, 'bin/python');
}

/** A message's body, quoted-printable soft breaks and escapes undone. */
function body(data) {
  const at = data.indexOf('\r\n\r\n');
  const head = data.slice(0, at);
  const text = data.slice(at + 4);
  if (!/^Content-Transfer-Encoding:\s*quoted-printable/im.test(head)) return text.replace(/\r\n/g, '\n');
  const bytes = Buffer.from(
    text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  );
  return bytes.toString('utf8').replace(/\r\n/g, '\n');
}

export class SmtpSink {
  static async start() {
    const dir = mkdtempSync(join(tmpdir(), 'sitrep-smtp-'));
    const child = spawn(python(), [SINK, '--out', dir], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, PYTHONWARNINGS: 'ignore::DeprecationWarning' },
    });
    const port = await new Promise((ok, fail) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening (\d+)/);
        if (m) ok(Number(m[1]));
      });
      child.once('exit', (code) => fail(new Error(`the SMTP sink exited with ${code}`)));
    });
    child.unref();
    child.stdout.unref();
    const sink = new SmtpSink();
    Object.assign(sink, { child, dir, port });
    return sink;
  }

  /** The `--smtp` flag for this sink. */
  url() {
    return `smtp://127.0.0.1:${this.port}?tls=none`;
  }

  control(value) {
    writeFileSync(join(this.dir, 'control.json.tmp'), JSON.stringify(value));
    renameSync(join(this.dir, 'control.json.tmp'), join(this.dir, 'control.json'));
  }

  /** Every accepted message: { rcpt_tos, data, body } (body decoded from quoted-printable). */
  messages() {
    return readdirSync(this.dir)
      .filter((f) => /^\d+\.json$/.test(f))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')))
      .map((m) => ({ ...m, body: body(m.data) }));
  }

  stop() {
    this.child.kill('SIGKILL');
  }
}
