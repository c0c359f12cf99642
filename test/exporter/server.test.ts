/** The HTTP service on 127.0.0.1 with a fixture host: endpoints, negotiation, gzip, one sample for concurrent scrapes, shutdown. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { fixture, fixtureHost } from '../helpers/host.js';
import { NSX_BIN } from '../helpers/cli.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { serveExporter } from '../../src/exporter/server.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('exporter server: /metrics, /healthz, negotiation, gzip, 404/405, shared sample, graceful close', async () => {
  const h = fixtureHost('docker-v1.manifest');
  const inner = makeSampler({ paths: h.paths });
  let samples = 0;
  const sampler = { sample: () => (samples++, inner.sample()) };
  const ex = await serveExporter({ sampler, host: '127.0.0.1', port: 0, maxAgeMs: 60_000 });
  try {
    const port = ex.address.port;
    const hz = await get(port, '/healthz');
    assert.equal(hz.status, 200);
    assert.equal(hz.body.toString(), 'ok\n');
    const [a, b, c] = await Promise.all([get(port, '/metrics'), get(port, '/metrics'), get(port, '/metrics', { Accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3' })]);
    assert.equal(samples, 1, 'concurrent scrapes share one sample');
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(a.body.toString(), b.body.toString());
    assert.match(a.body.toString(), /^container_cpu_usage_seconds_total\{id="\/docker\/b43d/m);
    assert.equal(c.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.ok(c.body.toString().endsWith('# EOF\n'));
    const z = await get(port, '/metrics', { 'Accept-Encoding': 'gzip' });
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(z.body).toString(), a.body.toString());
    assert.equal((await get(port, '/nope')).status, 404);
    assert.equal((await get(port, '/metrics', {}, 'POST')).status, 405);
    assert.equal((await get(port, '/metrics', {}, 'HEAD')).status, 200);
  } finally {
    await ex.close();
    h.cleanup();
  }
});

test('exporter CLI: listens on --listen, exits 0 on SIGTERM; bad flags exit 2', async () => {
  const child = spawn(process.execPath, [NSX_BIN, '--root', fixture('docker-v1.manifest'), 'exporter', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d: string) => {
      err += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const r = await get(port, '/metrics');
  assert.equal(r.status, 200);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  assert.equal(code, 0, err);
  const { runNsx } = await import('../helpers/cli.js');
  for (const bad of [['--listen', 'nowhere'], ['--include', 'relative/*'], ['--depth', '-1'], ['--openmetrics'], ['stray']]) {
    const b = runNsx(['--root', fixture('docker-v1.manifest'), 'exporter', ...bad]);
    assert.equal(b.code, 2, `${bad.join(' ')}: ${b.stderr}`);
    assert.match(b.stderr, /^nsx exporter: /);
  }
});
