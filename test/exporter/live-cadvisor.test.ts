/**
 * Live (root, containerd; any cgroup layout): kubernetes-mixin's pod and namespace dashboards on nsx alone.
 *
 * A pod as the kubelet makes it with containerd (cgroupfs driver): a sandbox container and an app container that
 * joins the sandbox's network namespace, both under /kubepods/besteffort/pod<uid>/, with the CRI annotations that
 * name the pod, its namespace, the container and its image; the app has a CPU quota and a memory limit and does
 * direct disk IO; the pod's network namespace gets an `eth0` (a veth whose peer is in a network namespace the test
 * made) and traffic over it. nsx exporter serves the node; a real Prometheus on 127.0.0.1 scrapes it as job
 * "cadvisor" with the static label cluster="nsx-test" (the relabelling docs/exporter.md asks for), and a stub
 * kube-state-metrics (the pod's kube_pod_info, phase, requests and limits: the mixin's queries join on them);
 * it loads the mixin's recording rules. Then every panel query of the two dashboards that reads a container_*
 * family (fixtures/kubernetes-mixin/queries.json) must return data.
 *
 * Only loopback and namespaces made here carry traffic; everything is named nsx-test-* and removed in `finally`
 * (containers by id, the peer namespace by name, processes by PID).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fixture } from '../helpers/host.js';
import { hostPaths } from '../../src/host/paths.js';
import { startProcess, testName, waitFor } from '../helpers/live.js';
import { runtimeSkip, IMAGE, sh, must } from '../runtimes/lib.js';
import { freePort, startExporter, startPrometheus, type Exporter, type Prometheus } from './live-helpers.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const NS = 'nsx-test-ns';
const CTR_IMAGE = `docker.io/library/${IMAGE}`;

interface MixinQuery {
  readonly dashboard: string;
  readonly query: string;
  readonly expr: string;
}

function skip(): string | false {
  const r = runtimeSkip('containerd');
  if (r) return r;
  for (const t of ['prometheus', 'ip', 'nsenter']) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `live test: '${t}' is not installed`;
  if (!existsSync('/bin/busybox')) return 'live test: no /bin/busybox (busybox-static) for ping';
  // the pod's traffic crosses a veth pair: probe it in a network namespace that ends with the probe
  if (spawnSync('unshare', ['-n', 'ip', 'link', 'add', 'nsx-probe0', 'type', 'veth', 'peer', 'name', 'nsx-probe1']).status !== 0) return 'live test: this kernel cannot make a veth pair (no veth module)';
  return false;
}

/** containerd task's PID, once running. */
async function taskPid(id: string): Promise<number> {
  let pid = 0;
  await waitFor(() => {
    const line = sh('ctr', ['-n', 'default', 'tasks', 'ls']).stdout.split('\n').find((l) => l.startsWith(id + ' '));
    pid = line && /RUNNING/.test(line) ? Number(line.trim().split(/\s+/)[1]) : 0;
    return pid > 0;
  }, 60_000, `${id} to run`);
  return pid;
}

function removeTask(id: string): void {
  sh('ctr', ['-n', 'default', 'tasks', 'kill', '-s', 'SIGKILL', id]);
  for (let i = 0; i < 100 && sh('ctr', ['-n', 'default', 'tasks', 'rm', id]).code !== 0; i++) spawnSync('sleep', ['0.1']);
  sh('ctr', ['-n', 'default', 'containers', 'rm', id]);
}

/** The cgroup directories of `path` in every mounted hierarchy (v1: one per controller; v2: one). */
function cgroupDirs(path: string): string[] {
  const out: string[] = [];
  if (existsSync(join(CG, 'cgroup.controllers'))) out.push(join(CG, path));
  else for (const h of readdirSync(CG)) if (existsSync(join(CG, h, 'cgroup.procs'))) out.push(join(CG, h, path));
  return out.filter((d) => existsSync(d));
}

/** Remove the pod's cgroup directories left after its containers (deepest first). */
function removeCgroupTree(path: string): void {
  const parts = path.split('/').filter(Boolean);
  for (let n = parts.length; n >= 1; n--) {
    const p = '/' + parts.slice(0, n).join('/');
    // only what the test made (the pod level) and the shared parents it created when empty
    for (const d of cgroupDirs(p)) {
      for (let i = 0; i < 50; i++) {
        const r = spawnSync('rmdir', [d]);
        if (r.status === 0 || !existsSync(d)) break;
        if (/not empty|busy/i.test(String(r.stderr))) {
          if (readdirSync(d, { withFileTypes: true }).some((e) => e.isDirectory())) break; // someone else's children
          spawnSync('sleep', ['0.1']);
        } else break;
      }
    }
  }
}

/** A stub kube-state-metrics on 127.0.0.1: the pod's info, phase, requests and limits. */
async function startKsm(pod: string): Promise<{ port: number; server: Server }> {
  const text = [
    `kube_pod_info{namespace="${NS}",pod="${pod}",node="nsx-test-node",uid="x"} 1`,
    `kube_pod_status_phase{namespace="${NS}",pod="${pod}",phase="Running"} 1`,
    `kube_pod_container_resource_requests{namespace="${NS}",pod="${pod}",container="app",resource="cpu",unit="core"} 0.1`,
    `kube_pod_container_resource_limits{namespace="${NS}",pod="${pod}",container="app",resource="cpu",unit="core"} 0.5`,
    `kube_pod_container_resource_requests{namespace="${NS}",pod="${pod}",container="app",resource="memory",unit="byte"} 33554432`,
    `kube_pod_container_resource_limits{namespace="${NS}",pod="${pod}",container="app",resource="memory",unit="byte"} 67108864`,
    '',
  ].join('\n');
  const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(text));
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, server };
}

/** The Debian prometheus on 127.0.0.1: nsx as job "cadvisor", the stub as job "kube-state-metrics", the mixin's rules. */
function startProm(nsxPort: number, ksmPort: number): Promise<Prometheus> {
  // the scrape configuration docs/exporter.md gives: job "cadvisor", honor_labels, a cluster label
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files: [rules.yml]',
    'scrape_configs:',
    '  - job_name: cadvisor',
    '    honor_labels: true',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${nsxPort}']`,
    '        labels: {cluster: nsx-test}',
    '  - job_name: kube-state-metrics',
    '    honor_labels: true',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${ksmPort}']`,
    '        labels: {cluster: nsx-test}',
    '',
  ].join('\n');
  return startPrometheus(nsxPort, { config, files: [fixture('kubernetes-mixin', 'rules.yml')] });
}

/** Is the test process that made a name `nsx-test-<what>-<pid>-<rand>` gone? */
const orphan = (name: string) => {
  const pid = Number(/^nsx-test-[a-z]+-(\d+)-/.exec(name)?.[1]);
  return pid > 0 && pid !== process.pid && !existsSync(`/proc/${pid}`);
};

/** Leftovers of a run that was killed: its containers, peer namespaces and pod log directories. */
function sweep(): void {
  for (const id of sh('ctr', ['-n', 'default', 'containers', 'ls', '-q']).stdout.split('\n')) {
    if (/^nsx-test-(sandbox|app)-/.test(id) && orphan(id)) removeTask(id);
  }
  for (const line of sh('ip', ['netns', 'list']).stdout.split('\n')) {
    const name = line.split(' ')[0];
    if (/^nsx-test-peer-/.test(name) && orphan(name)) sh('ip', ['netns', 'del', name]);
  }
  if (existsSync('/var/log/pods')) {
    for (const d of readdirSync('/var/log/pods')) if (d.startsWith(`${NS}_`) && orphan(d.split('_')[1])) rmSync(join('/var/log/pods', d), { recursive: true, force: true });
  }
}

/** Grafana's template variables, as the dashboards would set them for the test pod. */
const expand = (expr: string, pod: string) =>
  expr.replaceAll('$__rate_interval', '15s').replaceAll('$cluster', 'nsx-test').replaceAll('$namespace', NS).replaceAll('$pod', pod);

test('live: every kubernetes-mixin pod and namespace dashboard query reading container_* returns data from nsx (containerd pod, real Prometheus)', { skip: skip(), timeout: 300_000 }, async () => {
  const { queries } = JSON.parse(readFileSync(fixture('kubernetes-mixin', 'queries.json'), 'utf8')) as { queries: MixinQuery[] };
  const pod = testName('pod');
  const uid = `${Math.random().toString(16).slice(2, 10)}-0000-4000-8000-${String(process.pid).padStart(12, '0')}`;
  const podCg = `/kubepods/besteffort/pod${uid}`;
  const sandbox = testName('sandbox');
  const app = testName('app');
  const peer = testName('peer');
  const logDir = `/var/log/pods/${NS}_${pod}_${uid}`;
  const madeLogRoot = !existsSync('/var/log/pods');
  let ex: Exporter | undefined;
  let prom: Prometheus | undefined;
  let ksm: { port: number; server: Server } | undefined;
  const annotations = (type: string, extra: string[] = []) =>
    ['io.kubernetes.cri.container-type=' + type, `io.kubernetes.cri.sandbox-name=${pod}`, `io.kubernetes.cri.sandbox-namespace=${NS}`, `io.kubernetes.cri.sandbox-uid=${uid}`, ...extra].flatMap((a) => ['--annotation', a]);
  sweep();
  try {
    // the kubelet's pod log directory (names the pod cgroup's pod and namespace)
    mkdirSync(join(logDir, 'app'), { recursive: true });
    must('ctr', ['-n', 'default', 'run', '-d', '--cgroup', `${podCg}/${sandbox}`, ...annotations('sandbox'), CTR_IMAGE, sandbox, 'sleep', '600']);
    const spid = await taskPid(sandbox);
    // the app: in the sandbox's network namespace, a quota and a memory limit, direct disk IO every second
    const io = 'dd if=/dev/zero of=/io bs=64k count=32 oflag=direct 2>/dev/null; while :; do dd if=/io of=/dev/null bs=64k iflag=direct 2>/dev/null; dd if=/dev/zero of=/io bs=64k count=32 oflag=direct conv=notrunc 2>/dev/null; sleep 1; done';
    must('ctr', [
      '-n', 'default', 'run', '-d', '--cgroup', `${podCg}/${app}`, '--with-ns', `network:/proc/${spid}/ns/net`, '--cpu-quota', '50000', '--cpu-period', '100000', '--memory-limit', String(64 << 20),
      ...annotations('container', ['io.kubernetes.cri.container-name=app', `io.kubernetes.cri.image-name=${CTR_IMAGE}`]),
      CTR_IMAGE, app, 'sh', '-c', io,
    ]);
    await taskPid(app);
    // v1 blkio counts a cgroup's IO only where a throttle rule is set (Linux 6.x): a rule no IO reaches
    const appBlkio = cgroupDirs(`${podCg}/${app}`).find((d) => existsSync(join(d, 'blkio.throttle.read_bps_device')));
    if (appBlkio) {
      // the container's root is an overlay (an anonymous device): its IO goes to the device of containerd's snapshots
      const dev = statSync('/var/lib/containerd').dev;
      const major = Math.floor(dev / 256) & 0xfff;
      const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
      for (const f of ['blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device']) writeFileSync(join(appBlkio, f), `${major}:${minor} 100000000000\n`);
    }
    // eth0 in the pod's network namespace, its peer in one made here; traffic between them
    must('ip', ['netns', 'add', peer]);
    must('ip', ['-n', peer, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
    must('ip', ['-n', peer, 'link', 'set', 'eth0', 'netns', String(spid)]);
    must('nsenter', ['-t', String(spid), '-n', 'ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0']);
    must('nsenter', ['-t', String(spid), '-n', 'ip', 'link', 'set', 'eth0', 'up']);
    must('ip', ['-n', peer, 'addr', 'add', '192.0.2.2/24', 'dev', 'peer0']);
    must('ip', ['-n', peer, 'link', 'set', 'peer0', 'up']);
    const pinger = startProcess('ip', ['netns', 'exec', peer, '/bin/busybox', 'ping', '-i', '0.2', '192.0.2.1']);
    try {
      ex = await startExporter(['--include', '/kubepods/**']);
      ksm = await startKsm(pod);
      prom = await startProm(ex.port, ksm.port);
      const P = prom;
      // the rate()s of the recording rules and the queries need a few scrapes
      const end = Date.now() + 120_000;
      while ((await P.query(`node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m{pod="${pod}"}`)).length === 0 ||
        (await P.query(`count_over_time(container_network_receive_bytes_total{pod="${pod}"}[30s])`)).every((r) => Number(r.value[1]) < 12)) {
        if (Date.now() > end) assert.fail(`no data from nsx after 2 minutes; exporter: ${ex.stderr()}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const empty: string[] = [];
      for (const q of queries) {
        const r = await P.query(expand(q.expr, pod));
        if (r.length === 0 || !r.some((x) => Number.isFinite(Number(x.value[1])))) empty.push(`${q.dashboard}/${q.query}: ${expand(q.expr, pod)}`);
      }
      assert.deepEqual(empty, [], `queries without data (of ${queries.length})`);
      // and the values are the pod's: network traffic counted on the sandbox, IO and throttling on the app
      const rx = await P.query(`sum(rate(container_network_receive_packets_total{job="cadvisor",namespace="${NS}",pod="${pod}"}[15s]))`);
      assert.ok(Number(rx[0]?.value[1]) > 1, `ping's packets: ${JSON.stringify(rx)}`);
      const sand = await P.query(`container_network_receive_bytes_total{pod="${pod}",interface="eth0"}`);
      assert.deepEqual(sand.map((x) => x.metric.container ?? ''), [''], 'one carrier of the pod network: the sandbox');
      const reads = await P.query(`sum(rate(container_fs_reads_total{job="cadvisor",namespace="${NS}",pod="${pod}",container="app"}[15s]))`);
      assert.ok(Number(reads[0]?.value[1]) > 0, `the app's direct reads: ${JSON.stringify(reads)}`);
    } finally {
      await pinger.stop();
    }
  } finally {
    await prom?.stop();
    await ex?.stop();
    await new Promise<void>((r) => (ksm ? ksm.server.close(() => r()) : r()));
    removeTask(app);
    removeTask(sandbox);
    sh('ip', ['netns', 'del', peer]);
    removeCgroupTree(podCg);
    rmSync(logDir, { recursive: true, force: true });
    if (madeLogRoot && existsSync('/var/log/pods') && readdirSync('/var/log/pods').length === 0) rmdirSync('/var/log/pods');
  }
});
