/**
 * Golden expositions of `nsx exporter` on the fixture hosts (v1, v2, hybrid), in both formats, as node_exporter's
 * end-to-end test compares its output with a fixture; and `promtool check metrics` on each (Debian `prometheus`).
 * Regenerate after an intended change with `NSX_UPDATE_GOLDEN=1 node --test dist/test/exporter/golden.test.js`
 * and review the diff.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fixture, fixtureHost } from '../helpers/host.js';
import { hasTool } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';
import { makeSampler } from '../../src/exporter/sample.js';
import { makeScraper } from '../../src/exporter/server.js';
import type { Format } from '../../src/exporter/registry.js';

const UPDATE = !!process.env.NSX_UPDATE_GOLDEN;
const HOSTS: ReadonlyArray<{ host: string; layout: string; overlay?: string }> = [
  { host: 'docker-v1', layout: 'legacy' },
  // with containerd's CRI bundles and /var/log/pods: pod, namespace, container and image labels
  { host: 'k8s-v2-node', layout: 'unified', overlay: 'golden/exporter/k8s-v2-meta.manifest' },
  { host: 'hybrid-systemd', layout: 'hybrid' },
  { host: 'k8s-node', layout: 'hybrid' },
];

async function exposition(host: string, format: Format, overlay?: string): Promise<{ text: string; layout: string }> {
  const h = fixtureHost(`${host}.manifest`, ...(overlay ? [overlay] : []));
  try {
    const sampler = makeSampler({ paths: h.paths, clock: () => 1000 });
    return { text: await makeScraper(sampler, 0, () => 1000).text(format), layout: sampler.layout.kind };
  } finally {
    h.cleanup();
  }
}

function golden(name: string, text: string): void {
  const file = fixture('golden', 'exporter', name);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) assert.fail(`missing golden ${file} (run with NSX_UPDATE_GOLDEN=1)`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.equal(text, readFileSync(file, 'utf8'), name);
}

for (const { host, layout, overlay } of HOSTS) {
  test(`exporter golden: ${host} (${layout}), Prometheus text and OpenMetrics`, async () => {
    const prom = await exposition(host, 'prometheus', overlay);
    assert.equal(prom.layout, layout);
    golden(`${host}.prom`, prom.text);
    const om = await exposition(host, 'openmetrics', overlay);
    golden(`${host}.om`, om.text);
    assert.ok(om.text.endsWith('# EOF\n'));
    // every counter family keeps `_total` in the text format (prom-client renames OpenMetrics counters in place)
    assert.match(prom.text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
    assert.match(om.text, /^# TYPE container_cpu_usage_seconds counter$/m);
    if (overlay) {
      assert.match(prom.text, /^container_memory_working_set_bytes\{id="[^"]*cri-containerd-1d3d[^"]*",name="api",image="registry.example\/billing\/api:2.3.1",pod="billing-api-7d4b9c-x2x9q",namespace="billing",container="api"\} \d+$/m);
      assert.match(prom.text, /^container_processes\{id="[^"]*kubepods-burstable-pod7a9634c6_2a1b_4c3e_9f99_0242ac120002.slice",pod="billing-api-7d4b9c-x2x9q",namespace="billing"\} \d+$/m);
    }
  });
}

test('exporter golden: the CLI --once prints the same exposition as the service', () => {
  const r = runNsx(['--root', fixture('docker-v1.manifest'), 'exporter', '--once']);
  assert.equal(r.code, 0, r.stderr);
  const strip = (t: string) => t.replace(/^nsx_exporter_sample_duration_seconds .*$/m, '');
  assert.equal(strip(r.stdout), strip(readFileSync(fixture('golden', 'exporter', 'docker-v1.prom'), 'utf8')));
});

const promtool = hasTool('promtool') ? false : "promtool is not installed (Debian package 'prometheus')";
for (const { host } of HOSTS) {
  test(`promtool check metrics: ${host}`, { skip: promtool }, () => {
    const text = readFileSync(fixture('golden', 'exporter', `${host}.prom`), 'utf8');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    assert.equal((r.stdout + r.stderr).trim(), '', 'promtool reports no lint problem');
  });
}
