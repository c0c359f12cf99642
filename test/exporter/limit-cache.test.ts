/**
 * Limits kept up to --limits-max-age by the fd source (src/exporter/limit-cache.ts, src/sampler/fd-source.ts'
 * aged files); counters read every sample; what is kept open is bounded by --max-open-files.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../helpers/host.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { agedSpread, realFdOps, type FdOps } from '../../src/sampler/fd-source.js';

const DOCKER = '/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f';

test('limits: a changed memory limit shows within --limits-max-age (at its cgroup’s spread time), a changed counter at once', () => {
  const h = fixtureHost('docker-v1.manifest');
  let now = 1000;
  try {
    const sampler = makeSampler({ paths: h.paths, clock: () => now, limitsMaxAgeMs: 60_000, namespaces: false });
    const mem = () => sampler.sample().cgroups.find((c) => c.path === DOCKER)!.stats.memory!;
    const first = mem();
    assert.notEqual(first.rss_bytes, 4096);
    // the first re-read falls (1 − spread) × 60 s after the first read: cgroups' limits are spread over the period
    const due = 1000 + Math.ceil((1 - agedSpread(DOCKER)) * 60_000);
    const dir = join(h.paths.sys, 'fs/cgroup/memory', DOCKER);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), '1048576\n');
    writeFileSync(join(dir, 'memory.stat'), 'total_rss 4096\ntotal_cache 0\ntotal_inactive_file 0\n');
    now = due - 1;
    const soon = mem();
    assert.equal(soon.rss_bytes, 4096, 'a counter: read at every sample');
    assert.equal(soon.max_bytes, first.max_bytes, 'a limit: kept until due');
    now = due;
    assert.equal(mem().max_bytes, 1048576, 'read again once due');
    writeFileSync(join(dir, 'memory.limit_in_bytes'), '2097152\n');
    now = due + 59_999;
    assert.equal(mem().max_bytes, 1048576, 'then kept a whole period');
    now = due + 60_000;
    assert.equal(mem().max_bytes, 2097152);
  } finally {
    h.cleanup();
  }
});

/** FdOps over the real files that count opens, reads and closes per file name. */
function countingOps() {
  const names = new Map<number, string>();
  const opens = new Map<string, number>();
  const reads = new Map<string, number>();
  let open = 0;
  const ops: FdOps = {
    open: (p) => {
      const fd = realFdOps.open(p);
      const n = p.slice(p.lastIndexOf('/') + 1);
      names.set(fd, n);
      opens.set(n, (opens.get(n) ?? 0) + 1);
      open++;
      return fd;
    },
    pread: (fd, buf, offset, length, position) => {
      if (position === 0) reads.set(names.get(fd)!, (reads.get(names.get(fd)!) ?? 0) + 1);
      return realFdOps.pread(fd, buf, offset, length, position);
    },
    close: (fd) => {
      open--;
      realFdOps.close(fd);
    },
  };
  return { ops, opens, reads, openNow: () => open };
}

test('limits are never kept open, counters are kept within --max-open-files, and the rest is read by open/read/close', () => {
  const h = fixtureHost('docker-v1.manifest');
  let now = 0;
  try {
    const c = countingOps();
    const sampler = makeSampler({ paths: h.paths, clock: () => now, limitsMaxAgeMs: 60_000, namespaces: false, fdOps: c.ops, maxOpenFiles: 5 });
    const s1 = sampler.sample();
    const n = s1.cgroups.length;
    assert.ok(n >= 3);
    assert.equal(c.openNow(), 5, 'kept files: the budget');
    assert.deepEqual({ open: s1.self!.open_files, max: s1.self!.max_open_files }, { open: 5, max: 5 });
    assert.equal(s1.self!.open_files_kernel_bytes, 5 * 4440);
    const quotaReads = c.reads.get('cpu.cfs_quota_us')!;
    const statReads = c.reads.get('memory.stat')!;
    for (let i = 1; i <= 6; i++) {
      now += 10_000;
      sampler.sample();
      assert.ok(c.reads.get('cpu.cfs_quota_us')! <= quotaReads * 2, 'a limit is read at most once per period');
    }
    // each cgroup's limits fell due once in (0 s, 60 s], at a time spread by its path
    assert.equal(c.reads.get('cpu.cfs_quota_us'), quotaReads * 2, 'every limit read again within a period');
    assert.equal(c.reads.get('memory.stat'), statReads * 7, 'counters: every sample');
    assert.equal(c.openNow(), 5, 'still the budget');
    // limits were opened each time they were read (never kept)
    assert.equal(c.opens.get('cpu.cfs_quota_us'), c.reads.get('cpu.cfs_quota_us'));
    sampler.close();
    assert.equal(c.openNow(), 0);
  } finally {
    h.cleanup();
  }
});
