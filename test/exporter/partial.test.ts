/**
 * Issue 19, point 3: partial scrapes. A cgroup file that cannot be read (an EIO or EINVAL injected into the fd
 * source's syscall layer) costs that file's series only: the scrape is a 200 with every other series, the failure
 * is counted in nsx_exporter_read_errors_total{reason}, and the body carries no error text. And the sampler's
 * sampleAsync: the same sample as sample(), taken in slices that let the event loop run between them.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { fixtureHost } from '../helpers/host.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { serveExporter } from '../../src/exporter/server.js';
import { realFdOps, type FdOps } from '../../src/sampler/fd-source.js';
import { parseExposition } from './live-helpers.js';

const DOCKER = '/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** FdOps over the real files whose reads (`pread`) or opens of files matching `match` fail with `code`. */
function failing(match: (path: string) => boolean, code: string, at: 'pread' | 'open'): FdOps {
  const paths = new Map<number, string>();
  const fail = (p: string) => Object.assign(new Error(`${code}: injected (${p})`), { code, syscall: at, path: p });
  return {
    open: (p) => {
      if (at === 'open' && match(p)) throw fail(p);
      const fd = realFdOps.open(p);
      paths.set(fd, p);
      return fd;
    },
    pread: (fd, buf, offset, length, position) => {
      const p = paths.get(fd)!;
      if (at === 'pread' && match(p)) throw fail(p);
      return realFdOps.pread(fd, buf, offset, length, position);
    },
    close: (fd) => {
      paths.delete(fd);
      realFdOps.close(fd);
    },
  };
}

for (const [code, at] of [['EIO', 'pread'], ['EINVAL', 'open']] as const) {
  test(`partial scrape: ${code} from ${at}(2) of one cgroup's memory.stat → 200, every other series, nsx_exporter_read_errors_total{reason="${code}"}`, async () => {
    const h = fixtureHost('docker-v1.manifest');
    const broken = `/memory${DOCKER}/memory.stat`;
    const sampler = makeSampler({ paths: h.paths, fdOps: failing((p) => p.endsWith(broken), code, at), namespaces: false });
    const ex = await serveExporter({ sampler, host: '127.0.0.1', port: 0, maxAgeMs: 0 });
    try {
      const port = ex.address.port;
      const r = await get(port, '/metrics');
      assert.equal(r.status, 200, r.body);
      const { samples } = parseExposition(r.body);
      const has = (name: string, id: string) => samples.some((s) => s.name === name && s.labels.id === id);
      // the broken file's series are gone…
      assert.ok(!has('container_memory_rss', DOCKER), "the container's memory.stat series are left out");
      assert.ok(!has('container_memory_total_active_file_bytes', DOCKER));
      // …and nothing else: the container's other files, and every other cgroup
      assert.ok(has('container_spec_memory_limit_bytes', DOCKER), "the container's memory.limit_in_bytes");
      assert.ok(has('container_cpu_usage_seconds_total', DOCKER), "the container's CPU");
      assert.ok(has('container_memory_rss', '/system.slice/docker.service'), "another cgroup's memory.stat");
      assert.ok(has('container_memory_rss', '/system.slice/ssh.service'));
      const errors = () => samples.filter((s) => s.name === 'nsx_exporter_read_errors_total' && s.labels.reason === code);
      assert.deepEqual(errors().map((s) => s.value), [1], 'the failure, counted by its errno');
      assert.ok(!r.body.includes('injected') && !/\bEIO:|no such|error reading/i.test(r.body), 'no error text in the body');
      // a counter: the next scrape fails again and counts again
      const again = parseExposition((await get(port, '/metrics')).body).samples;
      assert.deepEqual(again.filter((s) => s.name === 'nsx_exporter_read_errors_total' && s.labels.reason === code).map((s) => s.value), [2]);
      assert.equal((await get(port, '/healthz')).status, 200);
    } finally {
      await ex.close();
      sampler.close();
      h.cleanup();
    }
  });
}

test('sampleAsync: the same sample as sample(), in slices that let the event loop run; concurrent calls share one', async () => {
  const h = fixtureHost('k8s-node.manifest');
  try {
    const a = makeSampler({ paths: h.paths, clock: () => 1000, wallClock: () => 1.7e12, sliceMs: 0 });
    const b = makeSampler({ paths: h.paths, clock: () => 1000, wallClock: () => 1.7e12 });
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const [x, y] = await Promise.all([a.sampleAsync(), a.sampleAsync()]);
    spinning = false;
    assert.equal(x, y, 'a call made while one runs shares its result');
    assert.ok(turns > 10, `the event loop ran between slices (${turns} turns)`);
    const strip = (s: typeof x) => ({ ...s, read_ms: 0 });
    assert.deepEqual(strip(x), strip(b.sample()));
    assert.throws(() => {
      void a.sampleAsync();
      a.sample();
    }, /sample\(\) called while sampleAsync\(\) runs/);
  } finally {
    h.cleanup();
  }
});
