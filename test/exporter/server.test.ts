/** The HTTP service on 127.0.0.1 with a fixture host: endpoints, negotiation, gzip, one sample for concurrent scrapes, shutdown. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { fixture, fixtureHost } from '../helpers/host.js';
import { NSX_BIN } from '../helpers/cli.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { gzipPieces, serveExporter } from '../../src/exporter/server.js';

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

test('exporter server: --sample-interval auto takes each sample ahead of its scrape (one per scrape), 0 at the scrape, SECONDS in the background', async () => {
  const h = fixtureHost('docker-v1.manifest');
  const inner = makeSampler({ paths: h.paths });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // a sample that takes 400 ms of wall time (a big tree), yielding meanwhile
  let samples = 0;
  const slow = { sample: () => inner.sample(), sampleAsync: async () => (samples++, await sleep(400), inner.sample()) };
  const timed = async (port: number) => {
    const t0 = performance.now();
    const r = await get(port, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), /^container_cpu_usage_seconds_total\{id="\/docker\/b43d/m);
    return performance.now() - t0;
  };
  try {
    const auto = await serveExporter({ sampler: slow, host: '127.0.0.1', port: 0, maxAgeMs: 0, samplePace: 'auto' });
    try {
      const lat: number[] = [];
      // scrapes every 2.5 s: from the third on, the next sample is timed to end before its scrape
      for (let i = 0, t0 = performance.now(); i < 5; i++) {
        await sleep(t0 + i * 2500 - performance.now());
        lat.push(await timed(auto.address.port));
      }
      assert.equal(samples, 5, `one sample per scrape, no more (${samples})`);
      assert.ok(lat[0] >= 350 && lat[1] >= 350, `the first scrapes wait for their sample (${lat.map(Math.round)})`);
      assert.ok(lat[3] < 300 && lat[4] < 300, `later scrapes are served the sample taken ahead (${lat.map(Math.round)})`);
      // no scrape: no more samples
      await sleep(3000);
      assert.equal(samples, 6, `the sample timed for the next scrape only (${samples})`);
      assert.equal((await get(auto.address.port, '/healthz')).status, 200);
    } finally {
      await auto.close();
    }
    samples = 0;
    const onScrape = await serveExporter({ sampler: slow, host: '127.0.0.1', port: 0, maxAgeMs: 0, samplePace: 'scrape' });
    try {
      for (let i = 0; i < 4; i++) {
        assert.ok((await timed(onScrape.address.port)) >= 350, 'each scrape waits for its sample');
        await sleep(1100);
      }
      assert.equal(samples, 4);
    } finally {
      await onScrape.close();
    }
    samples = 0;
    const bg = await serveExporter({ sampler: slow, host: '127.0.0.1', port: 0, maxAgeMs: 0, samplePace: { everyMs: 1000 } });
    try {
      await sleep(2200);
      assert.ok(samples >= 2 && samples <= 4, `background samples without scrapes (${samples})`);
      assert.ok((await timed(bg.address.port)) < 300, 'a scrape is served the latest sample');
    } finally {
      await bg.close();
    }
    const n = samples;
    await sleep(1500);
    assert.ok(samples <= n + 1, 'no sampling after close');
  } finally {
    h.cleanup();
  }
});

test('exporter server: gzip of the exposition piece by piece (runs of ≈ 1 MB, big and tiny pieces) is the gzip of their concatenation', async () => {
  const pieces: Buffer[] = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 3000; i++) pieces.push(Buffer.from(`# piece ${i} ${'x'.repeat(Math.floor(rnd() * 4000))}\n`));
  pieces.splice(1500, 0, Buffer.alloc(3 << 20, 'y'), Buffer.alloc(0));
  const whole = Buffer.concat(pieces);
  assert.ok(whole.length > 8 << 20);
  assert.deepEqual(gunzipSync(await gzipPieces(pieces)), whole);
  assert.deepEqual(gunzipSync(await gzipPieces(whole.toString('latin1'))).toString('latin1'), whole.toString('latin1'));
  assert.deepEqual(gunzipSync(await gzipPieces([])), Buffer.alloc(0));
});
