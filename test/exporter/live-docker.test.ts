/**
 * Live in a real container (root, Docker): `nsx exporter` in an image built offline (test/exporter/image.ts), run
 * with the DaemonSet's mounts, user, capabilities, read-only root filesystem and command (from deploy/kubernetes;
 * the command is the Dockerfile's ENTRYPOINT, Node flags included), host PID and host network namespaces, scraped
 * on 127.0.0.1, reports the same series as `nsx exporter` run on the host:
 * a test cgroup with a CPU quota and a memory limit, and a Docker container (`--network none`) with its name and
 * image. Only loopback addresses are used. The DaemonSet's `--containers-only` is left out so that the plain test
 * cgroup is included.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { testName, waitFor, type Started } from '../helpers/live.js';
import { hostPaths } from '../../src/host/paths.js';
import { cgroups, freePort, httpText, liveCgroupSkip, makeCgroup, parseExposition, removeCgroup, startExporter, startIn, type Exporter } from './live-helpers.js';
import { SLOWDOWN, paced } from '../helpers/pace.js';
import { buildExporterImage, DOCKER, dockerUsable } from './image.js';
import { dockerRunOf } from './manifests.js';
import { readDockerfile } from './dockerfile.js';

function skip(): string | false {
  const r = liveCgroupSkip();
  if (r) return r;
  return dockerUsable() ? false : 'live test: Docker is not running (scripts/runtimes.sh up starts it)';
}

const docker = (...args: string[]) => spawnSync(DOCKER, args, { encoding: 'utf8', timeout: paced(60_000) });

/** Series keys (name{labels}) of the cgroup families, and their values. */
function cgroupSeries(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of parseExposition(text).samples) {
    if (!/^(container_|nsx_cgroup_|nsx_container_)/.test(s.name) || s.name === 'nsx_cgroup_cpu_throttled_by_info') continue;
    out.set(s.key, s.value);
  }
  return out;
}

test('live: nsx exporter in a container with the DaemonSet’s mounts reports the same series as on the host', { skip: skip(), timeout: 240_000 * SLOWDOWN }, async () => {
  const base = testName('expdock');
  const tag = `nsx-test-exporter-img:${process.pid}`;
  const exporterName = `nsx-test-exporter-${process.pid}`;
  const ctrName = `nsx-test-expctr-${process.pid}`;
  const procs: Started[] = [];
  let removeImage: (() => void) | undefined;
  let onHost: Exporter | undefined;
  let ctrStarted = false;
  try {
    removeImage = buildExporterImage(tag);
    makeCgroup(`${base}/q`);
    cgroups.cpuMax(`${base}/q`, 20000);
    cgroups.memoryMax(`${base}/q`, 64 << 20);
    procs.push(startIn(`${base}/q`, 'sleep 600'));
    await waitFor(() => cgroups.members(`${base}/q`).length > 0, 10_000, 'sleep in its cgroup');
    const include = ['--include', `/${base}/**`];
    // a Docker container of the busybox image the runtime tests build (scripts/runtimes.sh up), when present
    let ctrPath: string | undefined;
    if (docker('image', 'inspect', 'nsx-busybox:latest').status === 0) {
      const r = docker('run', '-d', '--network', 'none', '--cpus', '0.3', '--memory', '48m', '--name', ctrName, 'nsx-busybox:latest', 'sleep', '600');
      assert.equal(r.status, 0, r.stderr);
      ctrStarted = true;
      const pid = docker('inspect', '-f', '{{.State.Pid}}', ctrName).stdout.trim();
      // the cpu hierarchy's line on v1 (cgroupfs driver: /docker/<id>), the one cgroup2 line on v2 (systemd driver: /system.slice/docker-<id>.scope)
      const lines = readFileSync(join(hostPaths().proc, pid, 'cgroup'), 'utf8').split('\n');
      const line = cgroups.unified ? lines.find((l) => l.startsWith('0::')) : lines.find((l) => l.split(':')[1]?.split(',').includes('cpu'));
      ctrPath = line?.split(':').slice(2).join(':');
      assert.ok(ctrPath, 'container cgroup path');
      include.push('--include', ctrPath!);
    }
    const { options, args } = dockerRunOf();
    const port = await freePort();
    const ctrArgs = args.filter((a) => a !== '--containers-only');
    const li = ctrArgs.indexOf('--listen');
    ctrArgs.splice(li, 2, '--listen', `127.0.0.1:${port}`);
    const run = docker('run', '-d', '--name', exporterName, ...options, tag, ...ctrArgs, ...include);
    assert.equal(run.status, 0, run.stderr);
    const end = Date.now() + paced(60_000);
    for (;;) {
      const ok = await httpText(port, '/healthz', {}, 2000).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > end) assert.fail(`containerized exporter not up: ${docker('logs', exporterName).stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // the process in the container runs the DaemonSet's command (the image's ENTRYPOINT, with its Node flags)
    const epid = docker('inspect', '-f', '{{.State.Pid}}', exporterName).stdout.trim();
    const cmdline = readFileSync(join(hostPaths().proc, epid, 'cmdline'), 'utf8').split('\0').filter(Boolean);
    assert.deepEqual(cmdline.slice(0, readDockerfile().entrypoint.length), readDockerfile().entrypoint);
    onHost = await startExporter(include);
    const inCtr = cgroupSeries((await httpText(port, '/metrics')).body);
    const host = cgroupSeries((await httpText(onHost.port, '/metrics')).body);
    const keys = (m: Map<string, number>) => [...m.keys()].sort();
    assert.ok(host.size > 20, `series on the host: ${host.size}`);
    assert.deepEqual(keys(inCtr), keys(host), 'the same series in the container as on the host');
    const q = `/${base}/q`;
    assert.equal(inCtr.get(`container_spec_memory_limit_bytes{id="${q}"}`), 64 << 20);
    assert.equal(inCtr.get(`container_spec_cpu_quota{id="${q}"}`), 20000);
    assert.equal(inCtr.get(`container_processes{id="${q}"}`), 1, 'host PID namespace: cgroup.procs lists the process');
    if (ctrPath) {
      const labels = `id="${ctrPath}",name="${ctrName}",image="nsx-busybox:latest"`;
      assert.equal(inCtr.get(`container_spec_memory_limit_bytes{${labels}}`), 48 << 20, 'Docker name and image from config.v2.json');
      assert.equal(inCtr.get(`container_spec_cpu_quota{${labels}}`), 30000);
      for (const t of ['user', 'time']) assert.ok(inCtr.has(`nsx_container_host_namespace_info{${labels},type="${t}"}`), `shares the host's ${t} namespace`);
      assert.ok(!inCtr.has(`nsx_container_host_namespace_info{${labels},type="net"}`), '--network none: its own network namespace');
    }
  } finally {
    await onHost?.stop();
    docker('rm', '-f', exporterName);
    if (ctrStarted) docker('rm', '-f', ctrName);
    removeImage?.();
    for (const p of procs) await p.stop();
    removeCgroup(base, ['q']);
  }
});
