/** The pure diagnosis on literal samples: each finding, its binding cgroup, its words and numbers. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, fmtBytes, whySampleFromCgroups, type WhyChain, type WhyCpu, type WhyMemory, type WhyPids, type WhySample } from '../../src/model/why.js';
import type { CgroupSample } from '../../src/model/cgroup-sample.js';

const chain = <T>(version: 1 | 2, nodes: [string, T | undefined][]): WhyChain<T> => ({ version, nodes: nodes.map(([path, v]) => (v === undefined ? { path } : { path, v })) });
const S = (mono_ms: number, o: Partial<WhySample> = {}): WhySample => ({ mono_ms, host_cpus: 4, ...o });

test('fmtBytes: binary units', () => {
  assert.equal(fmtBytes(100), '100 B');
  assert.equal(fmtBytes(32 << 20), '32 MiB');
  assert.equal(fmtBytes(1.5 * 2 ** 30), '1.5 GiB');
  assert.equal(fmtBytes(143360), '140 KiB');
});

test('own quota: throttled %, binding cgroup, whole quota used', () => {
  const cpu = (u: number, per: number, thr: number, tu: number): WhyChain<WhyCpu> =>
    chain(1, [
      ['/', { usage_usec: u * 10, max_usec: 'max', period_usec: 100000 }],
      ['/a', { usage_usec: u, nr_periods: per, nr_throttled: thr, throttled_usec: tu, max_usec: 20000, period_usec: 100000 }],
    ]);
  const d = diagnose({ target: '/a', first: S(0, { cpu: cpu(0, 0, 0, 0) }), last: S(2000, { cpu: cpu(400_000, 20, 19, 1_500_000) }) });
  assert.equal(d.clean, false);
  assert.equal(d.mode, 'window');
  const f = d.findings[0];
  assert.equal(f.id, 'cpu.throttled');
  assert.equal(f.cgroup, '/a');
  assert.equal(f.severity, 'critical');
  assert.equal(f.text, 'CPU throttled in 95 % of periods by /a (quota 0.2 CPU using 0.2 of it), 1.5 s throttled');
  assert.deepEqual(d.verdict, ['ERROR: ' + f.text]);
  assert.ok(f.causes.some((c) => c.startsWith('it uses its whole quota')));
  assert.deepEqual(d.limits.find((l) => l.limit === 'cpu.quota')?.binding, { path: '/a', value: 0.2 });
});

test('parent quota, child without: attributed to the parent; the sibling eating it is named', () => {
  const mk = (k: number): WhySample =>
    S(k * 1000, {
      cpu: chain(1, [
        ['/', { usage_usec: k * 3e6 }],
        ['/p', { usage_usec: k * 500_000, nr_periods: k * 10, nr_throttled: k * 6, throttled_usec: k * 300_000, max_usec: 50000, period_usec: 100000 }],
        ['/p/c', { usage_usec: k * 20_000, nr_periods: 0, nr_throttled: 0, throttled_usec: 0, max_usec: 'max', period_usec: 100000 }],
      ]),
      cpu_children: {
        '/p': [
          { path: '/p/c', usage_usec: k * 20_000 },
          { path: '/p/hog', usage_usec: k * 470_000 },
          { path: '/p/idle', usage_usec: 5 },
        ],
      },
    });
  const d = diagnose({ target: '/p/c', first: mk(0), last: mk(2) });
  const f = d.findings[0];
  assert.equal(f.cgroup, '/p');
  assert.equal(d.cpu?.throttled_by, '/p');
  assert.equal(f.text, 'CPU throttled in 60 % of periods by /p (quota 0.5 CPU shared by 2 cgroups using 0.5 of it), 600 ms throttled');
  const shared = f.causes.find((c) => c.includes('shared by'));
  assert.equal(shared, "the quota is /p's, shared by 2 cgroups: /p/hog 0.47; this one's branch 0.02");
});

test('bursting threads at low average use: low average, parallelism, tight period and PSI are named', () => {
  const cpu = (k: number): WhyChain<WhyCpu> =>
    chain(2, [
      ['/', { usage_usec: k * 1e6 }],
      ['/b', { usage_usec: k * 300_000, nr_periods: k * 100, nr_throttled: k * 40, throttled_usec: k * 200_000, max_usec: 10000, period_usec: 10000, nr_bursts: 0 }],
    ]);
  const th = (r: number, ran: Record<string, number>) => ({ total: 9, runnable: r, cpu_usec: ran });
  const first = S(0, { cpu: cpu(0), threads: th(0, { 1: 0, 2: 0, 3: 0 }), psi: { cpu: { some: { avg10: 30, total_usec: 0 }, full: { avg10: 10, total_usec: 0 } } } });
  const mid = S(500, { threads: th(8, {}) });
  const last = S(1000, { cpu: cpu(1), threads: th(1, { 1: 5, 2: 7, 3: 0 }), psi: { cpu: { some: { avg10: 30, total_usec: 250_000 }, full: { avg10: 10, total_usec: 100_000 } } } });
  const d = diagnose({ target: '/b', first, last, samples: [mid] });
  const f = d.findings[0];
  assert.equal(f.text, 'CPU throttled in 40 % of periods by /b (quota 1 CPU per 10 ms using 0.3 of it), 200 ms throttled');
  assert.deepEqual(f.causes, [
    'average use 0.3 CPU is only 30 % of the quota: it runs out within bursts, not on average',
    "up to 8 runnable threads (2 ran) against a quota of 1 CPU: running on 4 CPUs at once they spend each 10 ms period's quota in 2.5 ms, then wait 7.5 ms",
    'the period is 10 ms (default 100 ms): the 10 ms quota per period leaves no room for a longer burst',
    'CPU pressure: some tasks waited 25 % of the time, all 10 %',
  ]);
  assert.equal(f.evidence.low_average, true);
});

test('v2 memory: OOM kills named by the parent whose local oom counter rose; kernel report joined', () => {
  const mem = (k: number): WhyChain<WhyMemory> =>
    chain(2, [
      ['/', { current_bytes: 2 << 30 }],
      ['/p', { current_bytes: 63 << 20, max_bytes: 64 << 20, events: { max: k * 40, oom: k, oom_kill: k }, events_local: { max: k * 40, oom: k, oom_kill: 0 } }],
      ['/p/c', { current_bytes: 60 << 20, max_bytes: 'max', events: { max: 0, oom: 0, oom_kill: k }, events_local: { max: 0, oom: 0, oom_kill: k } }],
    ]);
  const kernel = {
    readable: true,
    oom_kills: [
      { usec: 99e6, constraint: 'CONSTRAINT_MEMCG', oom_memcg: '/p', task_memcg: '/p/c', task: 'old', pid: 1 },
      { usec: 100.5e6, constraint: 'CONSTRAINT_MEMCG', oom_memcg: '/p', task_memcg: '/p/c', task: 'node', pid: 42, anon_rss_kb: 61440 },
      { usec: 100.6e6, constraint: 'CONSTRAINT_MEMCG', oom_memcg: '/q', task_memcg: '/q', task: 'other', pid: 43 },
    ],
  };
  const first = S(0, { memory: mem(0), uptime_s: 100 });
  const last = S(2000, { memory: mem(1), uptime_s: 102 });
  const d = diagnose({ target: '/p/c', first, last, kernel });
  const f = d.findings[0];
  assert.equal(f.id, 'memory.oom-kill');
  assert.equal(f.cgroup, '/p');
  assert.equal(f.severity, 'critical');
  assert.equal(f.text, '1 process OOM-killed in the window by the memory limit of /p (limit 64 MiB, 63 MiB used now)');
  assert.deepEqual(f.causes, ['killed: node[42] 60 MiB anon (kernel: oom_memcg=/p)', 'named from kernel log oom_memcg']);
  // without the kernel log: from memory.events.local oom
  const d2 = diagnose({ target: '/p/c', first, last });
  assert.equal(d2.findings[0].cgroup, '/p');
  assert.equal(d2.findings[0].evidence.named_from, 'memory.events.local oom');
  // limit hits of the parent are reported too, below the kill
  assert.ok(d2.findings.some((x) => x.id === 'memory.max' && x.cgroup === '/p' && x.severity === 'info'));
});

test("v2 memory.events is hierarchical: an ancestor's count from another branch does not blame a sibling", () => {
  const mem = (k: number): WhyChain<WhyMemory> =>
    chain(2, [
      ['/', {}],
      ['/r', { current_bytes: 1 << 20, max_bytes: 'max', events: { max: k * 9, oom: k, oom_kill: k }, events_local: { max: 0, oom: 0, oom_kill: 0 } }],
      ['/r/ok', { current_bytes: 1 << 20, max_bytes: 'max', events: { max: 0, oom: 0, oom_kill: 0 }, events_local: { max: 0, oom: 0, oom_kill: 0 } }],
    ]);
  const d = diagnose({ target: '/r/ok', first: S(0, { memory: mem(0) }), last: S(1000, { memory: mem(1) }) });
  assert.equal(d.clean, true, d.verdict.join(' | '));
  // the ancestor's own limit ran out (local): a warning for the sibling, naming the ancestor
  const own = (k: number): WhyChain<WhyMemory> =>
    chain(2, [
      ['/', {}],
      ['/r', { current_bytes: 8 << 20, max_bytes: 8 << 20, events: { oom: k, oom_kill: k }, events_local: { oom: k, oom_kill: 0 } }],
      ['/r/ok', { current_bytes: 1 << 20, max_bytes: 'max', events: { oom: 0, oom_kill: 0 }, events_local: { oom: 0, oom_kill: 0 } }],
    ]);
  const d2 = diagnose({ target: '/r/ok', first: S(0, { memory: own(0) }), last: S(1000, { memory: own(2) }) });
  assert.equal(d2.findings[0].id, 'memory.oom');
  assert.equal(d2.findings[0].severity, 'warning');
  assert.equal(d2.findings[0].text, "the memory limit of /r (limit 8 MiB, 8 MiB used now) ran out 2 times (OOM) without a kill of this cgroup's tasks");
});

test('v1 memory: failcnt of the ancestor names the limit; oom_control oom_kill of the victim counts kills', () => {
  const mem = (k: number): WhyChain<WhyMemory> =>
    chain(1, [
      ['/', { current_bytes: 1 << 30, max_bytes: 'max', failcnt: 0 }],
      ['/p', { current_bytes: 32 << 20, max_bytes: 32 << 20, failcnt: k * 98, oom_control: { oom_kill_disable: 0, under_oom: 0, oom_kill: 0 } }],
      ['/p/c', { current_bytes: 31 << 20, max_bytes: 'max', failcnt: 0, oom_control: { oom_kill_disable: 0, under_oom: 0, oom_kill: k * 2 } }],
    ]);
  const d = diagnose({ target: '/p/c', first: S(0, { memory: mem(0) }), last: S(1000, { memory: mem(1) }) });
  assert.equal(d.findings[0].text, '2 processes OOM-killed in the window by the memory limit of /p (limit 32 MiB, 32 MiB used now)');
  assert.equal(d.findings[0].evidence.named_from, 'memory.failcnt');
  // one sample (a recorded host): counters since creation
  const one = S(0, { memory: mem(1) });
  const c = diagnose({ target: '/p/c', first: one, last: one });
  assert.equal(c.mode, 'cumulative');
  assert.equal(c.findings[0].text, '2 processes OOM-killed since it was created by the memory limit of /p (limit 32 MiB, 32 MiB used now)');
  // kills before the window only: a warning, "earlier"
  const e = diagnose({ target: '/p/c', first: S(0, { memory: mem(1) }), last: S(1000, { memory: mem(1) }) });
  assert.equal(e.findings[0].severity, 'warning');
  assert.match(e.findings[0].text, /^2 processes OOM-killed earlier \(before the window\) by the memory limit of \/p/);
});

test('host-wide OOM: the kernel says CONSTRAINT_NONE, no cgroup is blamed', () => {
  const m = chain<WhyMemory>(2, [['/', {}], ['/x', { current_bytes: 1 << 20, max_bytes: 'max', events: { oom_kill: 1 } }]]);
  const d = diagnose({
    target: '/x',
    first: S(0, { memory: m }),
    last: S(0, { memory: m }),
    kernel: { readable: true, oom_kills: [{ constraint: 'CONSTRAINT_NONE', task_memcg: '/x', task: 'java', pid: 9 }] },
  });
  assert.equal(d.findings[0].cgroup, null);
  assert.match(d.findings[0].text, /the host ran out of memory \(CONSTRAINT_NONE\), not a cgroup limit/);
});

test('memory.high and working set near the limit', () => {
  const m = (k: number) =>
    chain<WhyMemory>(2, [
      ['/', {}],
      ['/h', { current_bytes: 100 << 20, working_set_bytes: 95 << 20, max_bytes: 'max', high_bytes: 100 << 20, events: { high: k * 7 }, events_local: { high: k * 7 } }],
    ]);
  const d = diagnose({ target: '/h', first: S(0, { memory: m(0) }), last: S(1000, { memory: m(1) }) });
  assert.equal(d.findings[0].text, 'slowed by memory.high of /h (100 MiB): 7 times over it (reclaim and throttling)');
  const n = chain<WhyMemory>(2, [['/', {}], ['/n', { current_bytes: 100 << 20, working_set_bytes: 95 << 20, max_bytes: 100 << 20 }]]);
  const d2 = diagnose({ target: '/n', first: S(0, { memory: n }), last: S(1000, { memory: n }) });
  assert.equal(d2.findings[0].text, 'working set 95 MiB is 95 % of the memory limit of /n (100 MiB)');
});

test('pids: fork failures, the cgroup whose pids.max is full', () => {
  const p = (k: number) =>
    chain<WhyPids>(1, [
      ['/', { current: 300 }],
      ['/p', { current: 8, max: 8, events: { max: 0 } }],
      ['/p/c', { current: 8, max: 'max', events: { max: k * 22 } }],
    ]);
  const d = diagnose({ target: '/p/c', first: S(0, { pids: p(0) }), last: S(1000, { pids: p(1) }) });
  assert.equal(d.findings[0].text, 'fork failed 22 times in the window: pids.max 8 of /p reached (8 tasks now)');
  assert.deepEqual(d.limits.find((l) => l.limit === 'pids.max')?.binding, { path: '/p', value: 8 });
  // v2 ≥ 6.9 counts a hit at the cgroup whose limit it was: the target's own count stays 0
  const up = (k: number) =>
    chain<WhyPids>(2, [
      ['/', {}],
      ['/a', { current: 10, max: 10, events: { max: k * 3 } }],
      ['/a/b', { current: 4, max: 'max', events: { max: 0 } }],
    ]);
  const d2 = diagnose({ target: '/a/b', first: S(0, { pids: up(0) }), last: S(1000, { pids: up(1) }) });
  assert.equal(d2.findings[0].severity, 'warning');
  assert.equal(d2.findings[0].text, 'pids.max 10 of /a was hit 3 times (by this cgroup or another below it); 10 tasks now');
});

test('clean: one line with the usage against the binding limits', () => {
  const cpu = (u: number) => chain<WhyCpu>(2, [['/', { usage_usec: u * 10 }], ['/k', { usage_usec: u, nr_periods: 10, nr_throttled: 0, max_usec: 50000, period_usec: 100000 }]]);
  const mem = chain<WhyMemory>(2, [['/', {}], ['/k', { current_bytes: 12 << 20, max_bytes: 256 << 20 }]]);
  const d = diagnose({ target: '/k', first: S(0, { cpu: cpu(0), memory: mem }), last: S(2000, { cpu: cpu(40_000), memory: mem }) });
  assert.equal(d.clean, true);
  assert.deepEqual(d.verdict, ['clean: /k was not throttled, hit no memory limit and refused no fork over 2 s (cpu 0.02 of 0.5 CPU (its own); memory 12 MiB of 256 MiB (its own))']);
});

test('effective limits: the tightest on the path wins, ties go to the deepest; unlimited nodes are left out', () => {
  const mem = chain<WhyMemory>(1, [
    ['/', { max_bytes: 'max' }],
    ['/a', { max_bytes: 64 << 20 }],
    ['/a/b', { max_bytes: 64 << 20 }],
    ['/a/b/c', { max_bytes: 128 << 20 }],
  ]);
  const d = diagnose({ target: '/a/b/c', first: S(0, { memory: mem }), last: S(0, { memory: mem }) });
  const l = d.limits.find((x) => x.limit === 'memory.max')!;
  assert.deepEqual(l.binding, { path: '/a/b', value: 64 << 20 });
  assert.deepEqual(l.along.map((x) => x.path), ['/a', '/a/b', '/a/b/c']);
});

test('counter reset (a cgroup recreated in the window) gives no delta, not a negative one', () => {
  const cpu = (u: number, thr: number) => chain<WhyCpu>(1, [['/', {}], ['/r', { usage_usec: u, nr_periods: thr, nr_throttled: thr, max_usec: 1000, period_usec: 100000 }]]);
  const d = diagnose({ target: '/r', first: S(0, { cpu: cpu(5e6, 500) }), last: S(1000, { cpu: cpu(1000, 1) }) });
  assert.equal(d.clean, true);
});

test("whySampleFromCgroups: a sampler's CgroupSamples (merged paths) give the same diagnosis", () => {
  const at = (k: number) =>
    new Map<string, CgroupSample>([
      ['/', { path: '/', inodes: { cpu: 1 }, cpu: { usage_usec: k * 3e6 } }],
      ['/p', { path: '/p', inodes: { cpu: 2 }, cpu: { usage_usec: k * 500_000, nr_periods: k * 10, nr_throttled: k * 6, throttled_usec: k * 300_000, max_usec: 50000, period_usec: 100000 } }],
      ['/p/c', { path: '/p/c', inodes: { cpu: 3 }, cpu: { usage_usec: k * 20_000, nr_periods: 0, nr_throttled: 0, max_usec: 'max', period_usec: 100000 }, memory: { current_bytes: 1 << 20, max_bytes: 'max', oom_control: { oom_kill: 2n ** 60n } } }],
      ['/p/hog', { path: '/p/hog', inodes: { cpu: 4 }, cpu: { usage_usec: k * 470_000 } }],
    ]);
  const first = whySampleFromCgroups(at(0), '/p/c', { mono_ms: 0, version: 1 });
  const last = whySampleFromCgroups(at(2), '/p/c', { mono_ms: 2000, version: 1 });
  assert.deepEqual(last.cpu?.nodes.map((n) => n.path), ['/', '/p', '/p/c']);
  assert.deepEqual(last.cpu_children?.['/p'].map((c) => c.path), ['/p/c', '/p/hog']);
  const d = diagnose({ target: '/p/c', first, last });
  assert.equal(d.findings[0].cgroup, '/p');
  assert.ok(d.findings[0].causes.some((c) => c.includes('/p/hog 0.47')));
  // a bigint counter (exact beyond 2^53) is read as a number, not thrown on
  assert.ok(d.findings.some((f) => f.id === 'memory.oom-kill'));
});
