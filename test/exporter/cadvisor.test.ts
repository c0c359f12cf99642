/**
 * Issue 21: nsx's container_* families against cAdvisor's own golden exposition (google/cadvisor
 * lib/metrics/testdata/prometheus_metrics, copied to fixtures/cadvisor/, provenance in fixtures/PROVENANCE.md).
 * For every family both export: the same name, TYPE (text format), HELP, and label names — cAdvisor's base labels
 * `id`, `image`, `name` (plus its configurable `container_env_*`, `container_label_*`, `zone_name`) against nsx's
 * `id`, `name`, `image` plus the kubelet's `pod`, `namespace`, `container`; the extra labels (`cpu`, `device`,
 * `interface`, `failure_type`, `scope`, …) exactly the same.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/host.js';
import { CATALOGUE, seriesOf } from '../../src/exporter/series.js';
import { renderSeriesMap } from '../../src/exporter/registry.js';
import type { ExporterCgroup, ExporterSample } from '../../src/exporter/sample.js';
import type { CgroupSample } from '../../src/model/cgroup-sample.js';

interface Family {
  help?: string;
  type?: string;
  labels: Set<string>;
}

/** HELP, TYPE and the label names of every family of an exposition (text format, with or without timestamps). */
function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  const fam = (n: string) => out.get(n) ?? out.set(n, { labels: new Set() }).get(n)!;
  for (const line of text.split('\n')) {
    const h = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (h) {
      if (h[1] === 'HELP') fam(h[2]).help = h[3];
      else fam(h[2]).type = h[3];
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) continue;
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) fam(m[1]).labels.add(l[1]);
  }
  return out;
}

/** A sample that makes every family of the catalogue: a container with a quota (and bursts), v1 memory, IO, network, fds. */
function everything(): ExporterSample {
  const stats: CgroupSample = {
    path: '/c',
    inodes: {},
    inode: 1,
    cpu: { usage_usec: 5, user_usec: 3, system_usec: 2, nr_periods: 10, nr_throttled: 2, throttled_usec: 7, nr_bursts: 1, burst_usec: 4, local_throttled_usec: 1, max_usec: 50_000, period_usec: 100_000, shares: 1024 },
    memory: {
      current_bytes: 100, peak_bytes: 120, max_bytes: 1 << 20, failcnt: 1, working_set_bytes: 90, rss_bytes: 50, cache_bytes: 40, swap_bytes: 0,
      stat: { total_rss: 50, total_cache: 40, total_swap: 0, total_mapped_file: 5, total_active_file: 7, total_inactive_file: 10, pgfault: 3, pgmajfault: 1, total_pgfault: 4, total_pgmajfault: 2 },
      oom_control: { oom_kill: 0 }, events: { max: 1, oom_kill: 0 }, events_local: { oom: 0 },
    },
    io: { devices: [{ major: 8, minor: 0, rbytes: 1, wbytes: 2, rios: 3, wios: 4, dbytes: 0 }] },
    pids: { current: 2, max: 100 },
    psi: { cpu: { some: { total_usec: 1 }, full: { total_usec: 1 } }, memory: { some: { total_usec: 1 }, full: { total_usec: 1 } }, io: { some: { total_usec: 1 }, full: { total_usec: 1 } } },
  } as CgroupSample;
  const net = [{ name: 'eth0', rx_bytes: 1, rx_packets: 1, rx_errs: 0, rx_drop: 0, tx_bytes: 1, tx_packets: 1, tx_errs: 0, tx_drop: 0 }];
  const cg: ExporterCgroup = {
    path: '/c', stats, selected: true, start_time_s: 1, processes: 1, fds: 3, net,
    names: { name: 'web', image: 'nginx', pod: 'p', namespace: 'n', container: 'web' },
    identity: { kind: 'container', cgroup: '/c' } as ExporterCgroup['identity'],
  };
  return {
    mono_ms: 0, layout: 'legacy', cgroups: [cg], devices: { '8:0': '/dev/sda' }, gone: 0, denied: [], read_ms: 0, wall_s: 2,
    namespaces: { counts: { net: 1 }, sharedWithHost: { '/c': ['net'] } },
    self: { open_files: 1, max_open_files: 2, open_files_kernel_bytes: 3, read_errors: { EIO: 1 } },
  };
}

const CADVISOR_BASE = new Set(['id', 'image', 'name']);
const CADVISOR_CONFIGURED = (l: string) => l.startsWith('container_env_') || l.startsWith('container_label_') || l === 'zone_name';
const KUBELET = new Set(['pod', 'namespace', 'container']);

test('every container_* family nsx exports has cAdvisor’s name, type, help and label names (cAdvisor’s golden exposition)', () => {
  const cad = families(readFileSync(fixture('cadvisor', 'prometheus_metrics'), 'utf8'));
  const ours = families(renderSeriesMap(seriesOf(everything(), everything()), 'prometheus'));
  const both: string[] = [];
  for (const f of CATALOGUE) {
    if (!f.name.startsWith('container_')) continue;
    const o = ours.get(f.name)!;
    assert.ok(o.labels.size > 0, `${f.name}: the test sample makes a series of it`);
    const c = cad.get(f.name);
    if (!c) continue; // not in cAdvisor's golden file (container_spec_memory_limit_bytes, container_blkio… are real cAdvisor families it does not list)
    both.push(f.name);
    assert.equal(o.type, c.type, `${f.name}: TYPE`);
    assert.equal(o.help, c.help, `${f.name}: HELP`);
    const cadExtra = [...c.labels].filter((l) => !CADVISOR_BASE.has(l) && !CADVISOR_CONFIGURED(l)).sort();
    const ourExtra = [...o.labels].filter((l) => !CADVISOR_BASE.has(l) && !KUBELET.has(l)).sort();
    assert.deepEqual(ourExtra, cadExtra, `${f.name}: labels beyond id, name, image (and the kubelet's pod, namespace, container)`);
    for (const l of o.labels) assert.ok(CADVISOR_BASE.has(l) || KUBELET.has(l) || c.labels.has(l), `${f.name}: label ${l}`);
  }
  // the families the issue names, and the ones nsx had before
  for (const name of [
    'container_network_receive_bytes_total', 'container_network_transmit_bytes_total', 'container_network_receive_packets_total',
    'container_network_transmit_packets_total', 'container_network_receive_packets_dropped_total', 'container_network_transmit_packets_dropped_total',
    'container_network_receive_errors_total', 'container_network_transmit_errors_total', 'container_fs_reads_bytes_total', 'container_fs_writes_bytes_total',
    'container_fs_reads_total', 'container_fs_writes_total', 'container_start_time_seconds', 'container_last_seen', 'container_file_descriptors',
    'container_memory_failures_total', 'container_memory_total_active_file_bytes', 'container_memory_total_inactive_file_bytes',
    'container_cpu_cfs_burst_periods_total', 'container_cpu_cfs_burst_seconds_total', 'container_memory_failcnt', 'container_cpu_usage_seconds_total',
  ]) assert.ok(both.includes(name), `${name} is compared`);
  assert.ok(both.length >= 45, `${both.length} families compared`);
});

test('container_memory_failcnt: a counter as in cAdvisor, typed unknown in OpenMetrics so that its samples keep their name', () => {
  const om = renderSeriesMap(seriesOf(undefined, everything()), 'openmetrics');
  assert.match(om, /^# TYPE container_memory_failcnt unknown$/m);
  assert.match(om, /^container_memory_failcnt\{/m);
  assert.doesNotMatch(om, /^container_memory_failcnt_total/m);
  const prom = renderSeriesMap(seriesOf(undefined, everything()), 'prometheus');
  assert.match(prom, /^# TYPE container_memory_failcnt counter$/m);
});
