/** Pure parts of the exporter: content negotiation, --listen, path globs, the sample → series mapping. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { negotiate, makeRegistries, renderSeriesMap } from '../../src/exporter/registry.js';
import { parseListen } from '../../src/exporter/server.js';
import { globToRegExp, makeSelector, walkPlanOf, walkRootOf } from '../../src/exporter/select.js';
import { LabelSets, SeriesMap, seriesOf, weightToShares, CATALOGUE, type Series } from '../../src/exporter/series.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { fixtureHost } from '../helpers/host.js';
import type { ExporterCgroup, ExporterSample } from '../../src/exporter/sample.js';
import { identifyCgroupPath } from '../../src/model/identity.js';
import type { CgroupSample as CgroupStats } from '../../src/model/cgroup-sample.js';

test('negotiate: Prometheus asks for OpenMetrics first; plain clients get the text format', () => {
  assert.equal(negotiate(undefined), 'prometheus');
  assert.equal(negotiate('*/*'), 'prometheus');
  assert.equal(negotiate('text/plain;version=0.0.4'), 'prometheus');
  assert.equal(
    negotiate('application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1'),
    'openmetrics',
  );
  assert.equal(negotiate('application/openmetrics-text; version=1.0.0'), 'openmetrics');
  assert.equal(negotiate('application/openmetrics-text;version=0.0.1;q=0.9,text/plain;q=0.5'), 'prometheus');
  assert.equal(negotiate('text/plain;q=1,application/openmetrics-text;q=0.2'), 'prometheus');
  assert.equal(negotiate('application/openmetrics-text;q=0'), 'prometheus');
});

test('parseListen: HOST:PORT, :PORT, [IPv6]:PORT; bad ones refused', () => {
  assert.deepEqual(parseListen(':9587'), { port: 9587 });
  assert.deepEqual(parseListen('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseListen('[::1]:9000'), { host: '::1', port: 9000 });
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
  for (const bad of ['9587', '127.0.0.1', ':99999', '::1:80', 'a:b', '']) assert.equal(parseListen(bad), undefined, bad);
});

test('globs: * within a level, ** across levels, anchored', () => {
  assert.ok(globToRegExp('/kubepods.slice/**').test('/kubepods.slice/a/b'));
  assert.ok(globToRegExp('/kubepods.slice/**').test('/kubepods.slice/a'));
  assert.ok(!globToRegExp('/kubepods.slice/*').test('/kubepods.slice/a/b'));
  assert.ok(globToRegExp('/system.slice/*.service').test('/system.slice/ssh.service'));
  assert.ok(!globToRegExp('/system.slice/*.service').test('/system.slice/ssh.scope'));
  assert.ok(globToRegExp('/**/docker-*.scope').test('/system.slice/docker-ab.scope'));
  assert.ok(globToRegExp('/**/docker-*.scope').test('/docker-ab.scope'));
  assert.ok(!globToRegExp('/a.b').test('/aXb'), 'dots are literal');
  assert.throws(() => globToRegExp('kubepods'), /absolute/);
});

test('selector: depth, include, exclude (wins), containers only', () => {
  const docker = '/docker/' + 'a'.repeat(64);
  const sel = (o: Parameters<typeof makeSelector>[0], p: string) => makeSelector(o)(p, identifyCgroupPath(p));
  assert.ok(sel({ depth: 1 }, '/docker'));
  assert.ok(!sel({ depth: 1 }, docker));
  assert.ok(sel({ depth: 0 }, '/'));
  assert.ok(sel({ include: ['/docker/**'] }, docker));
  assert.ok(!sel({ include: ['/docker/**'], exclude: [docker] }, docker));
  assert.ok(!sel({ include: ['/docker/**'] }, '/system.slice'));
  assert.ok(sel({ containersOnly: true }, docker));
  assert.ok(sel({ containersOnly: true }, '/'));
  assert.ok(!sel({ containersOnly: true }, '/docker'));
  assert.ok(!sel({ containersOnly: true }, docker + '/sub'), 'a cgroup inside a container is not the container');
  assert.ok(sel({ containersOnly: true }, '/kubepods/burstable/pod1234-5678'));
});

test('walkRootOf: the deepest directory common to the include patterns', () => {
  assert.equal(walkRootOf(undefined), '/');
  assert.equal(walkRootOf(['/kubepods.slice/**']), '/kubepods.slice');
  assert.equal(walkRootOf(['/kubepods.slice/**', '/kubepods.slice/kubepods-burstable.slice/*']), '/kubepods.slice');
  assert.equal(walkRootOf(['/kubepods.slice/**', '/system.slice/*.service']), '/');
  assert.equal(walkRootOf(['/a/b/c']), '/a/b');
  assert.equal(walkRootOf(['/nsx-*']), '/');
  assert.equal(walkRootOf(['/a/*/c/**']), '/a');
});

test('walkPlanOf: children of the walk root filtered by each pattern’s next component', () => {
  assert.deepEqual(walkPlanOf(undefined), { root: '/' });
  assert.deepEqual(walkPlanOf(['/a/**']), { root: '/a' });
  const p = walkPlanOf(['/nsx-test-x-*', '/nsx-test-x-*/**', '/kubepods.slice/**']);
  assert.equal(p.root, '/');
  assert.ok(p.child!.test('nsx-test-x-1') && p.child!.test('kubepods.slice'));
  assert.ok(!p.child!.test('system.slice') && !p.child!.test('kubepodsXslice'));
  assert.deepEqual(walkPlanOf(['/**/docker-*.scope']), { root: '/' }, '** at the next level: no filter');
});

test('weightToShares: cAdvisor conversion of cpu.weight', () => {
  assert.equal(weightToShares(100), 2597);
  assert.equal(weightToShares(1), 2);
  assert.equal(weightToShares(10000), 262144);
  assert.equal(weightToShares(0), undefined);
});

function cg(path: string, stats: Omit<CgroupStats, 'path' | 'inodes'>, extra: Partial<ExporterCgroup> = {}): ExporterCgroup {
  return { path, stats: { path, inodes: {}, inode: 1, ...stats }, selected: true, processes: 1, ...extra };
}
function sample(mono_ms: number, cgroups: ExporterCgroup[], layout: ExporterSample['layout'] = 'legacy'): ExporterSample {
  return { mono_ms, layout, cgroups, devices: { '8:0': '/dev/sda' }, gone: 0, denied: [], read_ms: 0 };
}
/** labels and value of series (`sharedLabels` is the same object as `labels`: checked here) */
const plain = (xs: readonly Series[]) =>
  xs.map((s) => {
    assert.equal(s.sharedLabels, s.labels);
    return { labels: s.labels, value: s.value };
  });
const find = (m: ReadonlyMap<string, readonly Series[]>, name: string, labels: Record<string, string>) =>
  plain(m.get(name)!.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)));

test('series: a child of a quota-limited parent gets throttling series and throttled_by naming the parent', () => {
  const parent = (usage: number, thr: number, periods: number) =>
    cg('/p', { cpu: { usage_usec: usage, nr_periods: periods, nr_throttled: thr, throttled_usec: thr * 80_000, max_usec: 20_000, period_usec: 100_000 } });
  const child = (usage: number) => cg('/p/c', { cpu: { usage_usec: usage, nr_periods: 0, nr_throttled: 0, throttled_usec: 0, max_usec: 'max', period_usec: 100_000 } });
  const a = sample(0, [cg('/', { cpu: { usage_usec: 1e9 } }), parent(0, 0, 0), child(0)]);
  const b = sample(10_000, [cg('/', { cpu: { usage_usec: 1e9 + 2e6 } }), parent(2e6, 90, 100), child(2e6)]);
  const s = seriesOf(a, b);
  assert.deepEqual(find(s, 'nsx_cgroup_cpu_throttled_by_info', { id: '/p/c' }), [{ labels: { id: '/p/c', by: '/p' }, value: 1 }]);
  assert.deepEqual(find(s, 'nsx_cgroup_cpu_throttled_by_info', { id: '/p' }), [{ labels: { id: '/p', by: '/p' }, value: 1 }]);
  assert.deepEqual(find(s, 'nsx_cgroup_cpu_throttled_by_info', { id: '/' }), []);
  assert.equal(find(s, 'nsx_cgroup_cpu_cfs_throttled_periods_total', { id: '/p/c', by: '/p' })[0].value, 90);
  assert.equal(find(s, 'nsx_cgroup_cpu_cfs_throttled_seconds_total', { id: '/p/c', by: '/p' })[0].value, 7.2);
  assert.equal(find(s, 'nsx_cgroup_cpu_effective_limit_cores', { id: '/p/c' })[0].value, 0.2);
  // cAdvisor's own CFS series only where the quota is the cgroup's own
  assert.equal(find(s, 'container_cpu_cfs_throttled_periods_total', { id: '/p' })[0].value, 90);
  assert.deepEqual(find(s, 'container_cpu_cfs_throttled_periods_total', { id: '/p/c' }), []);
  assert.deepEqual(find(s, 'container_spec_cpu_quota', { id: '/p/c' }), []);
  // no attribution without a previous sample
  assert.deepEqual(seriesOf(undefined, b).get('nsx_cgroup_cpu_throttled_by_info'), []);
});

test('series: cAdvisor memory conventions on v1 and v2; absent stays absent', () => {
  const v1 = seriesOf(undefined, sample(0, [
    cg('/m', { memory: { current_bytes: 100, working_set_bytes: 60, max_bytes: 64 << 20, failcnt: 3, rss_bytes: 50, cache_bytes: 40, swap_bytes: 0, stat: { total_rss: 50, total_cache: 40, total_swap: 0, total_mapped_file: 5 }, oom_control: { oom_kill: 2 } } }),
    cg('/u', { memory: { current_bytes: 10, max_bytes: 'max' } }),
  ]));
  assert.equal(find(v1, 'container_spec_memory_limit_bytes', { id: '/m' })[0].value, 64 << 20);
  assert.equal(find(v1, 'container_spec_memory_limit_bytes', { id: '/u' })[0].value, 0, 'no limit is 0, as cAdvisor');
  assert.equal(find(v1, 'container_memory_rss', { id: '/m' })[0].value, 50);
  assert.equal(find(v1, 'container_memory_cache', { id: '/m' })[0].value, 40);
  assert.equal(find(v1, 'container_memory_failcnt', { id: '/m' })[0].value, 3);
  assert.equal(find(v1, 'container_oom_events_total', { id: '/m' })[0].value, 2, 'v1: memory.oom_control oom_kill');
  assert.deepEqual(find(v1, 'container_memory_rss', { id: '/u' }), [], 'no memory.stat: no rss series (not 0)');
  assert.equal(find(v1, 'nsx_cgroup_memory_effective_limit_bytes', { id: '/m' })[0].labels.by, '/m');
  const v2 = seriesOf(undefined, sample(0, [
    cg('/m', { memory: { current_bytes: 100, swap_current_bytes: 7, rss_bytes: 30, cache_bytes: 20, swap_bytes: 7, stat: { anon: 30, file: 20 }, events_local: { oom_kill: 0 }, events: { low: 0, high: 1, max: 4, oom: 1, oom_kill: 1 } }, psi: { cpu: { some: { total_usec: 2e6 }, full: { total_usec: 1e6 } } } }),
  ], 'unified'));
  assert.equal(find(v2, 'container_memory_rss', { id: '/m' })[0].value, 30);
  assert.equal(find(v2, 'container_memory_swap', { id: '/m' })[0].value, 7);
  assert.equal(find(v2, 'container_memory_failcnt', { id: '/m' })[0].value, 4, 'v2: memory.events max');
  assert.equal(find(v2, 'container_oom_events_total', { id: '/m' })[0].value, 1);
  assert.equal(find(v2, 'nsx_cgroup_memory_events_total', { id: '/m', event: 'high' })[0].value, 1);
  assert.equal(find(v2, 'nsx_cgroup_memory_events_local_total', { id: '/m', event: 'oom_kill' })[0].value, 0);
  assert.equal(find(v2, 'container_pressure_cpu_stalled_seconds_total', { id: '/m' })[0].value, 1);
  assert.equal(find(v2, 'container_pressure_cpu_waiting_seconds_total', { id: '/m' })[0].value, 2);
});

test('series: labels — name/image/pod/namespace/container only when known; unselected cgroups get none', () => {
  const s = seriesOf(undefined, sample(0, [
    cg('/a', { pids: { current: 3, max: 'max' } }, { names: { name: 'web', image: 'nginx:1', pod: 'p', namespace: 'default', container: 'c' } }),
    cg('/b', { pids: { current: 1, max: 10 } }, { selected: false }),
  ]));
  assert.deepEqual(plain(s.get('container_threads')!), [{ labels: { id: '/a', name: 'web', image: 'nginx:1', pod: 'p', namespace: 'default', container: 'c' }, value: 3 }]);
  assert.equal(find(s, 'container_threads_max', { id: '/a' })[0].value, 0, 'no limit: 0 (cAdvisor: infinity if zero)');
});

test('series: label sets are kept between scrapes, renewed when names change, dropped with the cgroup', async () => {
  const labels = new LabelSets();
  const a = (names?: ExporterCgroup['names']) => cg('/a', { pids: { current: 3, max: 'max' }, cpu: { usage_usec: 1 } }, names ? { names } : {});
  seriesOf(undefined, sample(0, [a(), cg('/b', { pids: { current: 1, max: 10 } })]), labels);
  const s2 = seriesOf(undefined, sample(1000, [a(), cg('/b', { pids: { current: 2, max: 10 } })]), labels);
  assert.deepEqual(s2.get('container_threads')!.map((x) => x.labels), [{ id: '/a' }, { id: '/b' }]);
  assert.equal(labels.size, 2);
  const s3 = seriesOf(undefined, sample(2000, [a({ name: 'web' })]), labels);
  assert.deepEqual(s3.get('container_threads')![0].labels, { id: '/a', name: 'web' }, 'new names: a new label set');
  assert.equal(labels.size, 1, "/b is gone: its label sets are dropped");
  // the rendering is the same with kept label sets as with fresh ones
  const r = async (series: ReadonlyMap<string, readonly Series[]>) => makeRegistries(() => series).render('prometheus');
  const fresh = seriesOf(undefined, sample(2000, [a({ name: 'web' })]));
  assert.equal(await r(s3), await r(fresh));
});

test('series: a cgroup whose sample, ancestors’ limits and attribution are unchanged keeps its rows; a changed ancestor rebuilds them', () => {
  const labels = new LabelSets();
  const parent = (max: number, usage: number) => cg('/p', { memory: { current_bytes: usage, max_bytes: max } });
  const child = cg('/p/c', { memory: { current_bytes: 5, max_bytes: 'max' }, pids: { current: 1, max: 'max' } });
  const s1 = seriesOf(undefined, sample(0, [parent(100, 1), child]), labels);
  // the parent's usage changed (a new sample object), its limit did not: the child keeps its rows
  const s2 = seriesOf(undefined, sample(1000, [parent(100, 2), child]), labels);
  assert.equal(s2.rows[1], s1.rows[1], "the child's rows: the same object");
  assert.notEqual(s2.rows[0], s1.rows[0], "the parent's: rebuilt");
  const s3 = seriesOf(undefined, sample(2000, [parent(50, 2), child]), labels);
  assert.notEqual(s3.rows[1], s1.rows[1], "the parent's limit changed: the child's rows are rebuilt");
  assert.equal(find(s3, 'nsx_cgroup_memory_effective_limit_bytes', { id: '/p/c' })[0].value, 50, "the parent's new limit");
  // and the same as a build without kept state
  const plainAll = (m: ReadonlyMap<string, readonly Series[]>) => [...m].map(([k, v]) => [k, plain(v)]);
  assert.deepEqual(plainAll(s3), plainAll(seriesOf(undefined, sample(2000, [parent(50, 2), child]))));
  assert.deepEqual(plainAll(s2), plainAll(seriesOf(undefined, sample(1000, [parent(100, 2), child]))));
});

test('exposition: the rendering kept between scrapes (runs of unchanged cgroups) is the text of a fresh rendering', () => {
  const labels = new LabelSets();
  const c = (i: number, usage = 1) => cg(`/k${i}`, { cpu: { usage_usec: usage * 1e6 }, pids: { current: i, max: 'max' } });
  let all = Array.from({ length: 400 }, (_, i) => c(i));
  const check = (what: string) => {
    const kept = renderSeriesMap(seriesOf(undefined, sample(0, all), labels), 'prometheus');
    assert.equal(kept, renderSeriesMap(seriesOf(undefined, sample(0, all)), 'prometheus'), what);
  };
  check('first');
  check('unchanged');
  all[123] = c(123, 5);
  check('one cgroup changed');
  all = all.filter((_, i) => i !== 50);
  check('one removed');
  all.splice(200, 0, c(1000));
  check('one added');
  all.reverse();
  check('reordered');
});

test('exposition: the rows render as prom-client renders the same series, on every fixture host, in both formats', async () => {
  for (const [host, overlay] of [['docker-v1.manifest'], ['docker-v1.manifest', 'golden/exporter/docker-v1-proc.manifest'], ['hybrid-systemd.manifest'], ['k8s-node.manifest'], ['k8s-v2-node.manifest', 'golden/exporter/k8s-v2-meta.manifest']] as const) {
    const h = fixtureHost(host, ...(overlay ? [overlay] : []));
    try {
      const sampler = makeSampler({ paths: h.paths, clock: () => 1000, wallClock: () => 1.7e12 });
      const labels = new LabelSets();
      const a = sampler.sample();
      const b = sampler.sample();
      seriesOf(undefined, a, labels);
      const m = seriesOf(a, b, labels);
      assert.ok(m instanceof SeriesMap);
      for (const format of ['prometheus', 'openmetrics'] as const) {
        const ours = renderSeriesMap(m, format);
        const theirs = await makeRegistries(() => new Map(m)).render(format);
        assert.equal(ours, theirs, `${host} ${overlay ?? ''}: ${format}`);
      }
    } finally {
      h.cleanup();
    }
  }
});

test('prom-client: the text format keeps _total after an OpenMetrics render; escaping of hostile paths', async () => {
  const hostile = '/a"b\\c\nd';
  const series = seriesOf(undefined, sample(0, [cg(hostile, { cpu: { usage_usec: 5e6 } })]));
  const r = makeRegistries(() => series);
  const om = await r.render('openmetrics');
  const prom = await r.render('prometheus');
  assert.match(om, /^container_cpu_usage_seconds_total\{id="\/a\\"b\\\\c\\nd",cpu="total"\} 5$/m);
  assert.match(prom, /^# TYPE container_cpu_usage_seconds_total counter$/m);
  assert.match(prom, /^container_cpu_usage_seconds_total\{id="\/a\\"b\\\\c\\nd",cpu="total"\} 5$/m);
  for (const f of CATALOGUE) assert.match(prom, new RegExp(`^# TYPE ${f.name} ${f.type}$`, 'm'));
});
