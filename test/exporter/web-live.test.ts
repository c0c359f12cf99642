/**
 * `nsx exporter --web.config.file` for real (issue 19, point 2 and its acceptance), on 127.0.0.1 with a fixture
 * host: curl without credentials gets 401, with them 200; the TLS variant serves https with a throw-away CA
 * (made with openssl), refuses plain HTTP and TLS 1.1, verifies client certificates when asked; the file is read
 * again at each new connection (client-certificate policy changed, certificates rotated, a broken file fails
 * closed and is logged once); a bad file is refused at start with FILE:LINE; a real Prometheus (the Debian
 * package) scrapes both variants with `basic_auth` and `tls_config`.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import bcrypt from 'bcryptjs';
import { fixture } from '../helpers/host.js';
import { NSX_BIN, runNsx } from '../helpers/cli.js';
import { hasTool, startProcess, waitFor } from '../helpers/live.js';
import { freePort, httpText } from './live-helpers.js';
import { makePki } from './web-pki.js';

const HASH = bcrypt.hashSync('s3cret', 6);
const HOST = fixture('docker-v1.manifest');

const needs = (...tools: string[]): string | false => {
  for (const t of tools) if (!hasTool(t)) return `'${t}' is not installed`;
  return false;
};

interface WebExporter {
  readonly port: number;
  readonly scheme: string;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** `nsx --root HOST exporter --listen 127.0.0.1:0 ARGS…`, once it says where it listens. */
async function startWeb(args: string[]): Promise<WebExporter> {
  const child: ChildProcess = spawn(process.execPath, [NSX_BIN, '--root', HOST, 'exporter', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((r) => child.once('exit', (c) => ((exited = c), r(c))));
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`exporter did not start: ${err}`)), 30_000);
    child.stderr!.on('data', () => {
      const x = /listening on (https?):\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(err);
      if (x) {
        clearTimeout(t);
        resolve(x);
      }
    });
    void exit.then((c) => reject(new Error(`exporter exited ${c}: ${err}`)));
  });
  return {
    scheme: m[1],
    port: Number(m[2]),
    stderr: () => err,
    async stop() {
      if (exited === undefined) child.kill('SIGTERM');
      return exit;
    },
  };
}

/** The exporter logged `re` exactly once (stderr comes through a pipe: wait for it a little). */
async function logged(ex: WebExporter, re: RegExp): Promise<void> {
  await waitFor(() => (ex.stderr().match(re)?.length ?? 0) >= 1, 5000, `${re} in the log: ${ex.stderr()}`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(ex.stderr().match(re)?.length, 1, ex.stderr());
}

/** curl's HTTP status (000 when there was no HTTP answer) and headers for a URL. */
function curl(url: string, ...opts: string[]): { status: string; headers: string; body: string } {
  const r = spawnSync('curl', ['-s', '-S', '--max-time', '20', '-D', '-', '-o', '-', ...opts, url], { encoding: 'latin1' });
  const out = r.stdout ?? '';
  const split = out.indexOf('\r\n\r\n');
  const headers = split >= 0 ? out.slice(0, split) : out;
  const status = /^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1] ?? '000';
  return { status, headers, body: split >= 0 ? out.slice(split + 4) : '' };
}

test('--web.config.file, HTTP with basic auth: curl without credentials 401, with them 200; extra headers', { skip: needs('curl'), timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-web-'));
  const file = join(dir, 'web.yml');
  writeFileSync(file, `basic_auth_users:\n  prometheus: ${HASH}\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n    X-Frame-Options: deny\n`);
  const ex = await startWeb(['--web.config.file', file]);
  try {
    assert.equal(ex.scheme, 'http');
    const url = `http://127.0.0.1:${ex.port}/metrics`;
    const none = curl(url);
    assert.equal(none.status, '401');
    assert.match(none.headers, /^WWW-Authenticate: Basic/im);
    assert.match(none.headers, /^X-Frame-Options: deny/im);
    assert.doesNotMatch(none.body, /container_/);
    assert.equal(curl(url, '-u', 'prometheus:wrong').status, '401');
    assert.equal(curl(url, '-u', 'nobody:s3cret').status, '401');
    const ok = curl(url, '-u', 'prometheus:s3cret');
    assert.equal(ok.status, '200');
    assert.match(ok.headers, /^X-Content-Type-Options: nosniff/im);
    assert.match(ok.body, /^container_cpu_usage_seconds_total\{id="\/docker\/b43d/m);
    assert.equal(curl(`http://127.0.0.1:${ex.port}/healthz`).status, '401', 'every path is behind authentication, as in exporter-toolkit');
    // the file is read at each request: a new password works at once
    writeFileSync(file, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('n3w', 4)}\n`);
    assert.equal(curl(url, '-u', 'prometheus:s3cret').status, '401');
    assert.equal(curl(url, '-u', 'prometheus:n3w').status, '200');
    // a broken file fails closed (a bare 500) and is logged once
    writeFileSync(file, `basic_auth_users:\n  prometheus: not-a-hash\n`);
    for (let i = 0; i < 3; i++) {
      const r = curl(url, '-u', 'prometheus:n3w');
      assert.equal(r.status, '500');
      assert.equal(r.body, 'Internal Server Error\n');
    }
    await logged(ex, /web\.yml:2: basic_auth_users\.prometheus: not a bcrypt hash/g);
  } finally {
    assert.equal(await ex.stop(), 0, ex.stderr());
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--web.config.file, TLS: https with a throw-away CA, plain HTTP and TLS 1.1 refused, client certificates, re-read per connection', { skip: needs('curl', 'openssl'), timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-web-'));
  const pki = makePki(dir);
  const file = join(dir, 'web.yml');
  const tlsCfg = (extra = '') => `tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n${extra}basic_auth_users:\n  prometheus: ${HASH}\n`;
  copyFileSync(pki.cert, join(dir, 'live.crt'));
  copyFileSync(pki.key, join(dir, 'live.key'));
  writeFileSync(file, tlsCfg());
  const ex = await startWeb(['--web.config.file', file]);
  try {
    assert.equal(ex.scheme, 'https');
    const url = `https://127.0.0.1:${ex.port}/metrics`;
    const ca = ['--cacert', pki.ca];
    assert.equal(curl(url, ...ca).status, '401');
    const ok = curl(url, ...ca, '-u', 'prometheus:s3cret');
    assert.equal(ok.status, '200');
    assert.match(ok.body, /^container_cpu_usage_seconds_total\{/m);
    assert.equal(curl(url, '-u', 'prometheus:s3cret').status, '000', 'an unknown CA is refused by the client');
    assert.equal(curl(`http://127.0.0.1:${ex.port}/metrics`).status, '000', 'no plain HTTP on the TLS port');
    assert.equal(curl(url, ...ca, '-u', 'prometheus:s3cret', '--tlsv1.0', '--tls-max', '1.1').status, '000', 'TLS 1.1 refused');
    assert.equal(curl(url, ...ca, '-u', 'prometheus:s3cret', '--tlsv1.3').status, '200', 'TLS 1.3');
    // client certificates required from the next connection on (the file is read at each new connection)
    writeFileSync(file, tlsCfg('  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n'));
    assert.equal(curl(url, ...ca, '-u', 'prometheus:s3cret').status, '000', 'no client certificate');
    assert.equal(curl(url, ...ca, '-u', 'prometheus:s3cret', '--cert', pki.clientCert, '--key', pki.clientKey).status, '200', 'with the client certificate');
    writeFileSync(file, tlsCfg('  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  client_allowed_sans: [someone.else]\n'));
    assert.equal(curl(url, ...ca, '-u', 'prometheus:s3cret', '--cert', pki.clientCert, '--key', pki.clientKey).status, '000', 'a SAN not allowed');
    // certificates rotated on disk: served from the next handshake
    writeFileSync(file, tlsCfg());
    const dir2 = join(dir, 'rotated');
    mkdirSync(dir2);
    const pki2 = makePki(dir2, 'nsx-test-ca-2');
    copyFileSync(pki2.cert, join(dir, 'live.crt'));
    copyFileSync(pki2.key, join(dir, 'live.key'));
    assert.equal(curl(url, '--cacert', pki2.ca, '-u', 'prometheus:s3cret').status, '200', 'the new certificate');
    assert.equal(curl(url, ...ca, '-u', 'prometheus:s3cret').status, '000', 'the old CA no longer matches');
    // a key that does not match: handshakes refused, logged once; fixed: served again
    copyFileSync(pki.otherKey, join(dir, 'live.key'));
    for (let i = 0; i < 2; i++) assert.equal(curl(url, '--cacert', pki2.ca, '-u', 'prometheus:s3cret').status, '000');
    await logged(ex, /do not load as a pair/g);
    copyFileSync(pki2.key, join(dir, 'live.key'));
    assert.equal(curl(url, '--cacert', pki2.ca, '-u', 'prometheus:s3cret').status, '200');
  } finally {
    assert.equal(await ex.stop(), 0, ex.stderr());
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--web.config.file: a bad file is refused at start (exit 2, FILE:LINE); bad --web.max-requests exit 2', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-web-'));
  try {
    const file = join(dir, 'web.yml');
    const cases: Array<[string, RegExp]> = [
      ['tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_versio: TLS12\n', /web\.yml:4: tls_server_config: unknown key 'min_versio'/],
      ['tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n', /web\.yml:2: cert_file .*a\.crt: no such file or directory/],
      ['basic_auth_users:\n  prom: hunter2\n', /web\.yml:2: basic_auth_users\.prom: not a bcrypt hash/],
    ];
    for (const [text, re] of cases) {
      writeFileSync(file, text);
      const r = runNsx(['--root', HOST, 'exporter', '--listen', '127.0.0.1:0', '--web.config.file', file]);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].startsWith(`nsx exporter: ${file}:`), lines[0]);
      assert.match(lines[0], re);
    }
    const missing = runNsx(['--root', HOST, 'exporter', '--web.config.file', join(dir, 'nope.yml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^nsx exporter: .*nope\.yml: cannot be read: no such file or directory$/m);
    for (const bad of ['x', '-1']) {
      const r = runNsx(['--root', HOST, 'exporter', '--web.max-requests', bad]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^nsx exporter: invalid web\.max-requests argument/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real Prometheus scrapes the HTTP + basic auth and the TLS + basic auth + client certificate variants (loopback)', { skip: needs('prometheus', 'openssl'), timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-web-prom-'));
  const pki = makePki(dir);
  writeFileSync(join(dir, 'basic.yml'), `basic_auth_users:\n  prometheus: ${HASH}\n`);
  writeFileSync(join(dir, 'tls.yml'), `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\nbasic_auth_users:\n  prometheus: ${HASH}\n`);
  let basic: WebExporter | undefined;
  let tls: WebExporter | undefined;
  let prom: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    basic = await startWeb(['--web.config.file', join(dir, 'basic.yml')]);
    tls = await startWeb(['--web.config.file', join(dir, 'tls.yml')]);
    const port = await freePort();
    const job = (name: string, target: number, extra: string) => `  - job_name: ${name}\n    static_configs:\n      - targets: ['127.0.0.1:${target}']\n${extra}`;
    const auth = (pw: string) => `    basic_auth:\n      username: prometheus\n      password: ${pw}\n`;
    const tlsConf = `    scheme: https\n    tls_config:\n      ca_file: ${pki.ca}\n      cert_file: ${pki.clientCert}\n      key_file: ${pki.clientKey}\n`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n` +
        job('basic', basic.port, auth('s3cret')) +
        job('tls', tls.port, tlsConf + auth('s3cret')) +
        job('wrong-password', basic.port, auth('nope')) +
        job('no-client-cert', tls.port, `    scheme: https\n    tls_config:\n      ca_file: ${pki.ca}\n` + auth('s3cret')),
    );
    prom = startProcess('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
    const query = async (q: string) => {
      const r = await httpText(port, `/api/v1/query?query=${encodeURIComponent(q)}`, {}, 5000);
      const j = JSON.parse(r.body) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return j.status === 'success' ? j.data.result : [];
    };
    const ups = async () => new Map((await query('up')).map((r) => [r.metric.job, r.value[1]]));
    const end = Date.now() + 90_000;
    let seen = new Map<string, string>();
    for (;;) {
      try {
        seen = await ups();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' && !/timeout/.test((e as Error).message)) throw e; // not listening yet
      }
      if (seen.get('basic') === '1' && seen.get('tls') === '1' && seen.has('wrong-password') && seen.has('no-client-cert')) break;
      if (Date.now() > end) assert.fail(`up: ${JSON.stringify([...seen])}\nbasic: ${basic.stderr()}\ntls: ${tls!.stderr()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(seen.get('wrong-password'), '0', 'a wrong password: 401, target down');
    assert.equal(seen.get('no-client-cert'), '0', 'no client certificate: handshake refused, target down');
    const series = await query('container_cpu_usage_seconds_total{job="tls"}');
    assert.ok(series.length > 0, 'series scraped over TLS');
  } finally {
    await prom?.stop();
    const codes = [await basic?.stop(), await tls?.stop()];
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(codes, [0, 0], `${basic?.stderr()}\n${tls?.stderr()}`);
  }
});
