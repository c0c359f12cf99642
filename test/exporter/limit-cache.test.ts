/** Limits kept up to --limits-max-age below the fd source (src/exporter/limit-cache.ts); counters read every sample. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../helpers/host.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { limitKeepingOps } from '../../src/exporter/limit-cache.js';
import { readAll } from '../../src/host/read.js';
import type { FdOps } from '../../src/sampler/fd-source.js';

const DOCKER = '/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f';

test('limits: a changed memory limit shows after --limits-max-age, a changed counter at once', () => {
  const h = fixtureHost('docker-v1.manifest');
  let now = 1000;
  try {
    const sampler = makeSampler({ paths: h.paths, clock: () => now, limitsMaxAgeMs: 60_000, namespaces: false });
    const mem = () => sampler.sample().cgroups.find((c) => c.path === DOCKER)!.stats.memory!;
    const first = mem();
    assert.notEqual(first.rss_bytes, 4096);
    const dir = join(h.paths.sys, 'fs/cgroup/memory', DOCKER);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), '1048576\n');
    writeFileSync(join(dir, 'memory.stat'), 'total_rss 4096\ntotal_cache 0\ntotal_inactive_file 0\n');
    now += 10_000;
    const soon = mem();
    assert.equal(soon.rss_bytes, 4096, 'a counter: read at every sample');
    assert.equal(soon.max_bytes, first.max_bytes, 'a limit: kept for up to a minute');
    now += 51_000;
    assert.equal(mem().max_bytes, 1048576, 'read again once older than --limits-max-age');
  } finally {
    h.cleanup();
  }
});

test('limits: only limit files are kept; a new fd is always read; 0 keeps nothing', () => {
  const reads: number[] = [];
  const files = new Map<number, string>();
  let next = 3;
  const base: FdOps = {
    open: (p) => {
      files.set(next, p);
      return next++;
    },
    pread: (fd, buf, offset, _length, position) => {
      const text = `${files.get(fd)}\n`;
      if (position === 0) reads.push(fd);
      return (position ?? 0) >= text.length ? 0 : buf.write(text.slice(position ?? 0), offset, 'latin1');
    },
    close: () => undefined,
  };
  let now = 0;
  const ops = limitKeepingOps(60_000, () => now, base);
  const rb = { buf: Buffer.alloc(16) }; // smaller than a path: the whole read takes several preads
  const whole = (fd: number) => {
    const n = readAll(fd, rb, true, ops.pread);
    return rb.buf.toString('latin1', 0, n);
  };
  const quota = ops.open('/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us');
  const stat = ops.open('/sys/fs/cgroup/cpu/a/cpu.stat');
  for (let i = 0; i < 3; i++) {
    assert.equal(whole(quota), '/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us\n');
    assert.equal(whole(stat), '/sys/fs/cgroup/cpu/a/cpu.stat\n');
    now += 10_000;
  }
  assert.deepEqual(reads, [quota, stat, stat, stat]);
  now += 60_000;
  assert.equal(whole(quota), '/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us\n');
  assert.equal(reads.at(-1), quota, 'read again after maxAge');
  ops.close(quota);
  const again = ops.open('/sys/fs/cgroup/cpu/b/cpu.cfs_quota_us');
  assert.equal(whole(again), '/sys/fs/cgroup/cpu/b/cpu.cfs_quota_us\n');
  assert.equal(reads.at(-1), again, 'a new fd: read');
  assert.equal(limitKeepingOps(0, () => now, base), base);
});
