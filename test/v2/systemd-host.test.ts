/**
 * The host most users run (issue 23): systemd as PID 1 on pure cgroup v2, Docker on the systemd cgroup driver,
 * Podman on systemd's, and units made with systemd-run — with systemd's own tools as the oracles, on the same host
 * at the same moment:
 *   - `nsx cg tree` against `systemd-cgls --no-pager` (the whole tree: same cgroups, same processes in each);
 *   - `nsx top -b` against `systemd-cgtop -b --raw`, run together over the same busy loops under CPU quotas (same
 *     rows, CPU % within 5 points);
 *   - `nsx ps`'s UNIT column against `ps -o unit` and `systemctl status PID`;
 *   - `docker-<id>.scope` and `libpod-<id>.scope` named by their containers' names in every view: ls, cg tree, top,
 *     ps, and the exporter's `name` label.
 * Runs in the systemd + cgroup v2 VM (`npm run test:v2`: scripts/v2-host.sh); on a host without systemd as PID 1
 * or with cgroup v1 hierarchies it skips, saying so (its v1 counterpart: the systemd-cgls test of test/live/cg.test.ts
 * on the name=systemd hierarchy). Everything it starts is named `nsx-test-…` and removed in `after`.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { liveSkipReason, hasTool } from '../helpers/live.js';
import { runNsx, run, NSX_BIN } from '../helpers/cli.js';
import { paced, cpuStarved } from '../helpers/pace.js';
import { isUnified } from '../helpers/cgroups.js';
import { parseCgls, parseCgtop, type CglsTree } from '../helpers/systemd.js';
import { removeAll, runtimeSkip, startDocker, startPodman, startUnit, type TestContainer } from '../runtimes/lib.js';

function skipReason(): string | false {
  const s = liveSkipReason({ tools: ['systemd-cgls', 'systemd-cgtop', 'systemd-run', 'systemctl', 'ps'] });
  if (s) return s;
  if (!isUnified()) return 'systemd + v2 test: this host has cgroup v1 hierarchies (npm run test:v2 runs it in the systemd + cgroup v2 VM)';
  return existsSync('/run/systemd/system') ? false : 'systemd + v2 test: systemd is not PID 1 here (npm run test:v2 runs it in the systemd + cgroup v2 VM)';
}
const skip = skipReason();

/** Run a command asynchronously (two tools sampling at the same moment); resolves with its stdout. */
function runAsync(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface TreeNode {
  readonly path: string;
  readonly container: string | null;
  readonly processes: { pid: number }[];
  readonly children: TreeNode[];
}

function flattenTree(n: TreeNode, out: CglsTree & { labels: Map<string, string | null> } = { cgroups: new Set(), pids: new Map(), labels: new Map() }) {
  out.cgroups.add(n.path);
  out.labels.set(n.path, n.container);
  for (const p of n.processes) out.pids.set(p.pid, n.path);
  for (const c of n.children) flattenTree(c, out);
  return out;
}

/**
 * Cgroups of other live tests running meanwhile (created and removed at any time): left out of the comparisons.
 * Ours are in `mine`.
 */
function foreign(path: string, mine: ReadonlyMap<string, unknown>): boolean {
  if (mine.has(path)) return false;
  return /\/nsx(\.slice|-test[-.])|\/(docker|libpod)-[0-9a-f]{64}\.scope|libpod_pod_|\/lxc\.(payload|monitor)|^\/default(\/|$)/.test(path);
}

/** The lines of systemd-cgls's output from the cgroup `path`'s own line on (for a failure's message). */
function near(out: string, path: string): string {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.includes(path.split('/').at(-1)!));
  return (i < 0 ? lines.slice(0, 12) : lines.slice(Math.max(0, i - 2), i + 10)).join('\n');
}

/** busy loop under a quota: sh spinning */
const BUSY = ['sh', '-c', 'while :; do :; done'];

describe('systemd + cgroup v2: systemd-cgls, systemd-cgtop and ps -o unit as oracles; container names in every view', { skip }, () => {
  let svc: TestContainer, scope: TestContainer;
  let docker: TestContainer | undefined;
  let podman: TestContainer | undefined;
  /** cgroup path → the quota's CPU % and the label nsx must print */
  const busy = new Map<string, { cpu: number; label: string | null; pid: number }>();
  const dockerSkip = skip ? false : runtimeSkip('docker');
  const podmanSkip = skip ? false : runtimeSkip('podman');

  before(async () => {
    // CPU weights well above the rest, so that each loop gets its quota on a loaded (emulated) host
    svc = await startUnit('sd-svc', 'service', ['CPUQuota=30%', 'CPUWeight=1000', 'MemoryMax=64M', 'PrivateNetwork=yes'], BUSY);
    busy.set(`/system.slice/${svc.name}`, { cpu: 30, label: null, pid: svc.pid });
    scope = await startUnit('sd-scope', 'scope', ['CPUQuota=20%', 'CPUWeight=1000'], BUSY);
    busy.set(`/system.slice/${scope.name}`, { cpu: 20, label: null, pid: scope.pid });
    if (!dockerSkip) {
      docker = await startDocker('sd-docker', ['--cpus', '0.25', '--cpu-shares', '10000'], BUSY);
      busy.set(`/system.slice/docker-${docker.id}.scope`, { cpu: 25, label: docker.name, pid: docker.pid });
    }
    if (!podmanSkip) {
      podman = await startPodman('sd-podman', ['--cpus', '0.15', '--cpu-shares', '10000'], BUSY);
      busy.set(`/machine.slice/libpod-${podman.id}.scope`, { cpu: 15, label: podman.name, pid: podman.pid });
    }
    for (const [path, b] of busy) {
      assert.equal(readFileSync(`/proc/${b.pid}/cgroup`, 'utf8'), `0::${path}\n`, `where ${b.label ?? path} runs`);
    }
  });
  after(() => removeAll([docker, podman, scope, svc]));

  test('nsx cg tree = systemd-cgls --no-pager (the whole tree: cgroups and processes), units and containers named', () => {
    // systemd-cgls before and after nsx: what both show is stable, and nsx must show it; nsx shows nothing
    // neither showed (processes and cgroups of other tests come and go meanwhile)
    for (const all of [false, true]) {
      const flag = all ? ['--all'] : [];
      const before = run('systemd-cgls', ['--no-pager', ...flag]);
      const r = runNsx(['cg', 'tree', '--json', ...flag]);
      const after = run('systemd-cgls', ['--no-pager', ...flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(before.code, 0, before.stderr);
      const a = parseCgls(before.stdout);
      const b = parseCgls(after.stdout);
      const n = flattenTree(JSON.parse(r.stdout).tree);
      const what = all ? '--all' : 'default';
      const f = (c: string) => foreign(c, busy);
      for (const c of a.cgroups) if (b.cgroups.has(c) && !f(c)) assert.ok(n.cgroups.has(c), `${what}: nsx misses cgroup ${c}`);
      for (const c of n.cgroups) if (!f(c)) assert.ok(a.cgroups.has(c) || b.cgroups.has(c), `${what}: nsx shows ${c}, systemd-cgls does not`);
      for (const [pid, c] of a.pids) if (b.pids.get(pid) === c && !f(c) && existsSync(`/proc/${pid}`)) assert.equal(n.pids.get(pid), c, `${what}: process ${pid}`);
      // (the message says what the process is: a thread id, a short-lived child)
      const who = (pid: number) => (existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /^(Name|Tgid|PPid):/.test(l)).join(' ') : 'gone');
      // a process gone by now lived between the two systemd-cgls runs (seen: a child of the test runner, of containerd)
      for (const [pid, c] of n.pids) if (!f(c) && existsSync(`/proc/${pid}`)) assert.ok(a.pids.get(pid) === c || b.pids.get(pid) === c, `${what}: nsx puts ${pid} (${who(pid)}) in ${c}, systemd-cgls does not (${a.pids.get(pid) ?? b.pids.get(pid) ?? 'nowhere'}); systemd-cgls printed:\n${near(before.stdout, c)}`);
      assert.ok(a.cgroups.size >= 8, `${what}: a real tree (${a.cgroups.size} cgroups)`);
      // our units and containers: present, with their processes; containers labelled with their names
      for (const [path, x] of busy) {
        assert.equal(n.pids.get(x.pid), path, `${what}: ${path}`);
        assert.equal(n.labels.get(path), x.label, `${what}: label of ${path}`);
      }
    }
    const text = runNsx(['cg', 'tree']).stdout;
    if (docker) assert.match(text, new RegExp(`docker-${docker.id}\\.scope \\(${docker.name}\\)`));
    if (podman) assert.match(text, new RegExp(`libpod-${podman.id}\\.scope \\(${podman.name}\\)`));
    assert.match(text, new RegExp(`─${svc.name}\\n`), 'a unit is named by its own cgroup');
  });

  test('nsx top -b = systemd-cgtop -b at the same moment: the same rows, CPU % of the busy loops within 5 points', { timeout: paced(120_000) }, async () => {
    // both sample three times two seconds apart, started together; the last table of each is compared
    const [cgtop, top] = await Promise.all([
      runAsync('systemd-cgtop', ['-b', '--raw', '-n', '3', '-d', '2']),
      runAsync(process.execPath, [NSX_BIN, 'top', '-b', '-J', '-n', '3', '-d', '2', '--depth', '3']),
    ]);
    assert.equal(cgtop.code, 0, cgtop.stderr);
    assert.equal(top.code, 0, top.stderr);
    const theirs = parseCgtop(cgtop.stdout).at(-1)!;
    type Row = { path: string; pids_current: number | null; cpu_percent: number | null; memory_current_bytes: number | null; io_read_bps: number | null; io_write_bps: number | null; container: string | null };
    const ours = new Map((JSON.parse(top.stdout.trim().split('\n').at(-1)!).cgroups as Row[]).map((r) => [r.path, r]));
    // systemd-cgtop shows a cgroup (to depth 3) when it has tasks (pids.current), memory, CPU time or IO in the
    // interval; nsx top shows every cgroup. Every row of systemd-cgtop is nsx's; every nsx row with tasks or
    // memory is systemd-cgtop's (rows kept by a little CPU or IO in one interval may differ by a sample)
    for (const [path, r] of theirs) if (!foreign(path, busy)) assert.ok(ours.has(path), `systemd-cgtop row ${path} (${JSON.stringify(r)}) missing from nsx top`);
    for (const [path, r] of ours) {
      if (path === '/' || foreign(path, busy) || !((r.pids_current ?? 0) > 0 || (r.memory_current_bytes ?? 0) > 0)) continue;
      assert.ok(theirs.has(path), `nsx top row ${path} (pids_current ${r.pids_current}, memory_current_bytes ${r.memory_current_bytes}) missing from systemd-cgtop`);
    }
    for (const [path, b] of busy) {
      const t = theirs.get(path);
      const o = ours.get(path);
      assert.ok(t && o, `${path} in both`);
      assert.ok(t.cpu !== null && o.cpu_percent !== null, `${path}: CPU in both`);
      // within 5 points; 10 on a starved CPU (the emulated VM: reading the tree takes a large, varying part of each
      // 2 s interval there, for nsx and systemd-cgtop alike: 37.3 vs 30.1 % seen under a 30 % quota)
      const tol = cpuStarved() ? 10 : 5;
      assert.ok(Math.abs(o.cpu_percent - t.cpu) <= tol, `${path}: nsx ${o.cpu_percent.toFixed(1)} % vs systemd-cgtop ${t.cpu} % (quota ${b.cpu} %)`);
      // the quota bounds the loop; on a starved CPU (the emulated VM, a loaded host: cpuStarved) a loop may get less
      assert.ok(o.cpu_percent <= b.cpu + (cpuStarved() ? 10 : 8) && (cpuStarved() || o.cpu_percent >= b.cpu - 8), `${path}: nsx ${o.cpu_percent.toFixed(1)} % under a ${b.cpu} % quota`);
      assert.deepEqual([o.pids_current, t.tasks], [1, 1], `tasks of ${path}`);
      assert.equal(o.container, b.label ?? path.slice(path.lastIndexOf('/') + 1), `top's CONTAINER of ${path}`);
    }
  });

  test("nsx ps UNIT = ps -o unit = systemctl status PID's unit; CONTAINER names the containers", () => {
    const pids = [...busy.values()].map((b) => b.pid);
    // the table (`nsx ps PID` is the detail view, without columns): every process, against procps (which asks
    // libsystemd, sd_pid_get_unit), and our busy loops with their containers
    const r = runNsx(['ps', '-J', '-o', 'PID,UNIT,CONTAINER,CGROUP']);
    assert.equal(r.code, 0, r.stderr);
    const all = JSON.parse(r.stdout).processes as { pid: number; unit: string | null; container: string | null; cgroup: string }[];
    const rows = new Map(all.filter((p) => pids.includes(p.pid)).map((p) => [p.pid, p]));
    const procps = new Map(
      run('ps', ['-e', '-o', 'pid=,unit=']).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([p, u]) => [Number(p), u === '-' ? null : u]),
    );
    let compared = 0;
    for (const p of all) {
      if (!procps.has(p.pid)) continue; // started or ended between the two
      assert.equal(p.unit, procps.get(p.pid), `UNIT of PID ${p.pid}`);
      compared++;
    }
    assert.ok(compared >= 10, `compared ${compared} processes`);
    for (const [path, b] of busy) {
      const row = rows.get(b.pid)!;
      const unit = path.slice(path.lastIndexOf('/') + 1);
      assert.equal(row.unit, unit, `UNIT of ${b.pid}`);
      assert.equal(run('ps', ['-o', 'unit=', '-p', String(b.pid)]).stdout.trim(), unit, 'ps -o unit');
      const status = run('systemctl', ['status', '--no-pager', '--lines=0', String(b.pid)]).stdout;
      assert.match(status, new RegExp(`^● ${unit.replace(/[.]/g, '\\.')} `, 'm'), 'systemctl status PID');
      assert.equal(row.container, b.label ?? unit, `CONTAINER of ${b.pid}`);
      assert.equal(row.cgroup, path);
    }
  });

  test('the containers are named in nsx ls (CONTAINER) and in the exporter (name label)', { skip: dockerSkip && podmanSkip ? `no container runtime is up (${dockerSkip}; ${podmanSkip})` : false }, () => {
    // (decided when the suite is defined, before \`before\` started the containers: from the runtimes' state)
    for (const c of [docker, podman]) {
      if (!c) continue;
      const ls = runNsx(['ls', '-J', '-l', '-t', 'net', '-o', 'NS,PID,CONTAINER', '-p', String(c.pid)]);
      assert.equal(ls.code, 0, ls.stderr);
      const row = (JSON.parse(ls.stdout).namespaces as { ns: number; pid: number; container: string | null }[])[0];
      assert.equal(row.container, c.name, `ls CONTAINER of ${c.name}'s network namespace`);
      const path = c.runtime === 'docker' ? `/system.slice/docker-${c.id}.scope` : `/machine.slice/libpod-${c.id}.scope`;
      const ex = runNsx(['exporter', '--once', '--include', path]);
      assert.equal(ex.code, 0, ex.stderr);
      const line = ex.stdout.split('\n').find((l) => l.startsWith('container_cpu_usage_seconds_total{') && l.includes(`id="${path}"`));
      assert.ok(line, `a CPU series of ${path}`);
      assert.match(line, new RegExp(`name="${c.name}"`), `exporter name label of ${path}`);
      assert.match(line, /image="[^"]*nsx-busybox:latest"/, 'the image label');
      // the cgroup v2 series of this round: peaks and descendants
      assert.match(ex.stdout, new RegExp(`^nsx_cgroup_pids_peak\\{id="${path.replace(/[.]/g, '\\.')}",name="${c.name}"[^}]*\\} [1-9]`, 'm'), 'pids.peak');
      assert.match(ex.stdout, new RegExp(`^nsx_cgroup_dying_descendants\\{id="${path.replace(/[.]/g, '\\.')}"`, 'm'), 'cgroup.stat');
    }
  });

  test('systemd-run units: cg show shows the unit properties as cgroup limits; enter by cgroup joins its private network', () => {
    const s = JSON.parse(runNsx(['cg', 'show', `/system.slice/${svc.name}`, '-J']).stdout);
    assert.deepEqual([s.cpu.max_usec, s.cpu.period_usec, s.memory.max_bytes, s.cpu.weight], [30000, 100000, 64 << 20, 1000]);
    assert.equal(s.cgroup.populated, 1);
    assert.equal(s.cgroup.nr_descendants, 0);
    // PrivateNetwork=yes: its own network namespace with only lo
    const ip = runNsx(['enter', '-t', `cgroup:/system.slice/${svc.name}`, '-n', '--', 'ip', '-o', 'link']);
    assert.equal(ip.code, 0, ip.stderr);
    assert.match(ip.stdout, /^1: lo: /);
    assert.equal(ip.stdout.trim().split('\n').length, 1);
    assert.ok(hasTool('nsenter'));
    assert.equal(ip.stdout, run('nsenter', ['-t', String(svc.pid), '-n', 'ip', '-o', 'link']).stdout);
  });
});
