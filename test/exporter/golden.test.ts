/**
 * Golden expositions of `nsx exporter` on the fixture hosts (v1, v2, hybrid), in both formats, as node_exporter's
 * end-to-end test compares its output with a fixture; and `promtool check metrics` on each (Debian `prometheus`).
 * Regenerate after an intended change with `NSX_UPDATE_GOLDEN=1 node --test dist/test/exporter/golden.test.js`
 * and review the diff.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fixture, fixtureHost } from '../helpers/host.js';
import { expectGolden } from '../helpers/golden.js';
import { hasTool } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { makeScraper } from '../../src/exporter/server.js';
import { DEFAULT_LIMITS_MAX_AGE_MS } from '../../src/exporter/run.js';
import type { Format } from '../../src/exporter/registry.js';

const HOSTS: ReadonlyArray<{ host: string; layout: string; overlay?: string; name?: string }> = [
  { host: 'docker-v1', layout: 'legacy' },
  // with /proc/PID/fd and /proc/PID/net/dev: container_file_descriptors and the network families
  { host: 'docker-v1', name: 'docker-v1-proc', layout: 'legacy', overlay: 'golden/exporter/docker-v1-proc.manifest' },
  // with containerd's CRI bundles and /var/log/pods: pod, namespace, container and image labels
  { host: 'k8s-v2-node', layout: 'unified', overlay: 'golden/exporter/k8s-v2-meta.manifest' },
  { host: 'hybrid-systemd', layout: 'hybrid' },
  { host: 'k8s-node', layout: 'hybrid' },
];

/** The fixed wall clock of the goldens (ms): container_last_seen, and every cgroup directory's mtime (start times). */
const WALL_MS = 1_765_000_000_000;

/** Set the mtime of every directory below `dir` (the cgroup trees) to WALL_MS − 1 h: a fixed start time. */
export function freezeDirTimes(dir: string): void {
  const t = (WALL_MS - 3_600_000) / 1000;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    utimesSync(d, t, t);
  };
  if (existsSync(dir)) walk(dir);
}

/** An exposition without what varies between runs of the CLI (sample time, wall clock, start times: fixture mtimes). */
export const stable = (t: string) => t.replace(/^(nsx_exporter_sample_duration_seconds|container_last_seen|container_start_time_seconds)\b.*\n/gm, '');

async function exposition(host: string, format: Format, overlay?: string): Promise<{ text: string; layout: string }> {
  const h = fixtureHost(`${host}.manifest`, ...(overlay ? [overlay] : []));
  try {
    freezeDirTimes(join(h.paths.sys, 'fs/cgroup'));
    const sampler = makeSampler({ paths: h.paths, clock: () => 1000, wallClock: () => WALL_MS, limitsMaxAgeMs: DEFAULT_LIMITS_MAX_AGE_MS });
    return { text: String(await makeScraper(sampler, 0, () => 1000).text(format)), layout: sampler.layout.kind };
  } finally {
    h.cleanup();
  }
}

const golden = (name: string, text: string): void => expectGolden(fixture('golden', 'exporter', name), text, { message: name });

for (const { host, layout, overlay, name = host } of HOSTS) {
  test(`exporter golden: ${name} (${layout}), Prometheus text and OpenMetrics`, async () => {
    const prom = await exposition(host, 'prometheus', overlay);
    assert.equal(prom.layout, layout);
    golden(`${name}.prom`, prom.text);
    const om = await exposition(host, 'openmetrics', overlay);
    golden(`${name}.om`, om.text);
    assert.ok(om.text.endsWith('# EOF\n'));
    // every counter family keeps `_total` in the text format (prom-client renames OpenMetrics counters in place)
    assert.match(prom.text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
    assert.match(om.text, /^# TYPE container_cpu_usage_seconds counter$/m);
    if (overlay?.includes('k8s')) {
      assert.match(prom.text, /^container_memory_working_set_bytes\{id="[^"]*cri-containerd-1d3d[^"]*",name="api",image="registry.example\/billing\/api:2.3.1",pod="billing-api-7d4b9c-x2x9q",namespace="billing",container="api"\} \d+$/m);
      assert.match(prom.text, /^container_processes\{id="[^"]*kubepods-burstable-pod7a9634c6_2a1b_4c3e_9f99_0242ac120002.slice",pod="billing-api-7d4b9c-x2x9q",namespace="billing"\} \d+$/m);
    }
  });
}

test('exporter golden: the CLI --once prints the same exposition as the service', () => {
  const r = runNsx(['--root', fixture('docker-v1.manifest'), 'exporter', '--once']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stable(r.stdout), stable(readFileSync(fixture('golden', 'exporter', 'docker-v1.prom'), 'utf8')));
});

const CADVISOR_FAILCNT = 'container_memory_failcnt counter metrics should have "_total" suffix';
const promtool = hasTool('promtool') ? false : "promtool is not installed (Debian package 'prometheus')";
for (const { host, name = host } of HOSTS) {
  test(`promtool check metrics: ${name}`, { skip: promtool }, () => {
    const text = readFileSync(fixture('golden', 'exporter', `${name}.prom`), 'utf8');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // one finding is cAdvisor's own, kept on purpose: its counter container_memory_failcnt (no `_total`; promtool
    // reports the same line on cAdvisor's golden exposition, fixtures/cadvisor/prometheus_metrics)
    const findings = (r.stdout + r.stderr).split('\n').filter((l) => l.trim() !== '' && l !== CADVISOR_FAILCNT);
    assert.deepEqual(findings, [], 'promtool reports no other lint problem');
    assert.ok(r.status === 0 || r.status === 3, `promtool: exit ${r.status}: ${r.stdout}${r.stderr}`);
  });
}
