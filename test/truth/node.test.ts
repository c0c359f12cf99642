/**
 * Kernel truth on a busy node (issue 18, point 3): the `node` scale host (test/helpers/scale.ts: a cgroup of 3,000
 * processes and 10,000 threads, 110 pod-like subtrees, 300 `ip netns` namespaces, 400 other mounts), with a Docker
 * and a Podman container started before it when those runtimes are up. Every command is run as a user runs it and
 * compared exactly with the kernel's own files read by `cat` and with the incumbents on the same host:
 *   cg show / cg tree (every hierarchy) / ps --cgroup / top -b / exporter — cgroup.procs, tasks|cgroup.threads,
 *   pids.current, systemd-cgls;
 *   ls -t net / ls -P — lsns (its NSFS cells and NPROCS), mountinfo by cat, findmnt.
 * Only what the scale host made is compared (other sessions run on this machine), except the NSFS cells, which
 * come from mounts and are compared for every namespace lsns prints. Layout-agnostic: hierarchies come from
 * mountinfo (v1, v2 or hybrid).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ScaleUnavailable, scaleSkipReason, scaleUp, type ScaleHost } from '../helpers/scale.js';
import { hasTool } from '../helpers/live.js';
import { removeAll, runtimeSkip, startDocker, startPodman, started as startedByLib, type TestContainer } from '../runtimes/lib.js';
import {
  cat, catList, catNumber, controllerArg, kernelMembers, nsfsMounts, nsx, nsxJson, parseCgls, pidsHierarchy, run, sameMaps, seriesById,
  kernelNumbers, threadsFile, treeMembers, type TreeNode,
} from './lib.js';

const skip = scaleSkipReason();
let host: ScaleHost;
let unavailable: string | undefined;
const containers: TestContainer[] = [];
const took: string[] = [];

before(async () => {
  if (skip) return;
  // containers first: their netns bind mounts are in the host's mount namespace, which the scale host's copies
  for (const [rt, start] of [['docker', startDocker], ['podman', startPodman]] as const) {
    if (runtimeSkip(rt)) continue;
    try {
      containers.push(await start(`scale-${rt}`, ['--rm'], ['sleep', '900']));
    } catch (e) {
      took.push(`${rt} could not start a container (${String((e as Error).message).split('\n')[0].slice(0, 200)}): compared without it`);
    }
  }
  took.push(`containers: ${containers.map((c) => c.runtime).join(', ') || 'none (runtimes not up)'}`);
  try {
    host = await scaleUp('node');
  } catch (e) {
    if (!(e instanceof ScaleUnavailable)) throw e;
    unavailable = e.message; // the machine, not nsx: every test skips saying why
    console.log(`# ${e.message}`);
    return;
  }
  took.push(`scale host up in ${host.upSeconds.toFixed(1)} s`);
});

after(async () => {
  const t0 = performance.now();
  await host?.down();
  removeAll(startedByLib());
  if (host) console.log(`# truth/node: ${took.join('; ')}; down in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

const big = () => `${host.top}/big`;
const pod = (i: number, c: string) => `${host.top}/pods/pod-${String(i).padStart(3, '0')}/${c}`;

test('the scale host is what it says (cat of cgroup.procs, tasks, pids.current)', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const { bigProcs, bigTasks, netns } = host.spec;
  for (const h of host.hierarchies) {
    assert.equal(catList(join(host.dir(h, big()), 'cgroup.procs')).length, bigProcs, `${h.mount}: big/cgroup.procs`);
    assert.equal(catList(join(host.dir(h, big()), threadsFile(h))).length, bigTasks, `${h.mount}: big/${threadsFile(h)}`);
  }
  const ph = pidsHierarchy(host, big());
  if (ph) assert.equal(catNumber(join(host.dir(ph, big()), 'pids.current')), bigTasks);
  assert.equal(run(['ls', '/run/netns'], host).stdout.split('\n').filter((n) => n.startsWith('nsx-test-scale-net-')).length, netns);
});

test('nsx cg show: members and threads of the 3,000-process cgroup and of pods, as cgroup.procs, tasks and pids.current', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  for (const path of [big(), pod(0, 'pause'), pod(host.spec.pods - 1, 'busy'), `${host.top}/ctl`]) {
    const j = nsxJson<{ processes: { pid: number }[]; nr_threads: number | null; pids: { current?: number } | null; hierarchies: { mount: string }[] }>(['cg', 'show', path, '--json']);
    const h0 = host.hierarchies[0];
    const kernel = catList(join(host.dir(h0, path), 'cgroup.procs'));
    assert.deepEqual(j.processes.map((p) => p.pid).sort((a, b) => a - b), kernel, `${path}: processes`);
    assert.equal(j.nr_threads, catList(join(host.dir(h0, path), threadsFile(h0))).length, `${path}: threads`);
    const ph = pidsHierarchy(host, path);
    if (ph) assert.equal(j.pids?.current, catNumber(join(host.dir(ph, path), 'pids.current')), `${path}: pids.current`);
    assert.equal(j.hierarchies.length, host.hierarchies.length, `${path}: in every hierarchy`);
  }
});

test('nsx cg tree --all in every hierarchy: every cgroup and its members, as cgroup.procs and systemd-cgls -a', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const cgls = hasTool('systemd-cgls');
  for (const h of host.hierarchies) {
    const j = nsxJson<{ tree: TreeNode }>(['cg', 'tree', host.top, '-c', controllerArg(h), '--all', '--json']);
    const mine = treeMembers(j.tree);
    sameMaps(mine, kernelMembers(host, h), `nsx cg tree -c ${controllerArg(h)} --all vs cat cgroup.procs`);
    if (cgls) {
      const r = run(['systemd-cgls', '--no-pager', '--all', host.dir(h, host.top)]);
      assert.equal(r.code, 0, r.stderr);
      sameMaps(mine, parseCgls(r.stdout, host.top), `nsx cg tree -c ${controllerArg(h)} --all vs systemd-cgls --all`);
    }
  }
});

test('nsx cg tree (default view, empty cgroups hidden) and systemd-cgls agree', { skip: skip || (!hasTool('systemd-cgls') && 'systemd-cgls is not installed') }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const j = nsxJson<{ tree: TreeNode; mount: string | null }>(['cg', 'tree', host.top, '--json']);
  const mine = treeMembers(j.tree);
  const h = host.hierarchies.find((x) => x.mount === j.mount) ?? host.hierarchies[0];
  const r = run(['systemd-cgls', '--no-pager', host.dir(h, host.top)]);
  assert.equal(r.code, 0, r.stderr);
  sameMaps(mine, parseCgls(r.stdout, host.top), 'nsx cg tree vs systemd-cgls');
  // hidden: only the cgroups without a process in their subtree
  const kernel = kernelMembers(host, h);
  const nonEmpty = [...kernel].filter(([p]) => [...kernel].some(([q, pids]) => (q === p || q.startsWith(p + '/')) && pids.length));
  assert.deepEqual([...mine.keys()].sort(), nonEmpty.map(([p]) => p).sort());
});

test('nsx ps --cgroup and -g: the processes of a cgroup and of a subtree, with their threads', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const h0 = host.hierarchies[0];
  const rows = (args: string[]) => nsxJson<{ processes: { pid: number; threads: number }[] }>(['ps', ...args, '-J', '-o', 'PID,THREADS']).processes;
  const bigRows = rows(['--cgroup', big()]);
  assert.deepEqual(bigRows.map((r) => r.pid).sort((a, b) => a - b), catList(join(host.dir(h0, big()), 'cgroup.procs')));
  assert.equal(bigRows.reduce((n, r) => n + r.threads, 0), catList(join(host.dir(h0, big()), threadsFile(h0))).length, 'THREADS summed = tasks');
  const all = new Set<number>();
  for (const pids of kernelMembers(host, h0).values()) pids.forEach((p) => all.add(p));
  assert.deepEqual(rows(['-g', host.top]).map((r) => r.pid).sort((a, b) => a - b), [...all].sort((a, b) => a - b));
});

test('nsx top -b: a row for every cgroup, TASKS as pids.current', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const j = nsxJson<{ cgroups: { path: string; pids_current: number | null }[] }>(['top', host.top, '-J', '-n', '1']);
  const ph = pidsHierarchy(host, host.top);
  const expected: Map<string, number | null> = ph ? kernelNumbers(host, ph, 'pids.current') : new Map(host.cgroups.map((p) => [p, null]));
  sameMaps(new Map(j.cgroups.map((c) => [c.path, c.pids_current])), expected, 'nsx top TASKS vs pids.current');
  if (ph) assert.equal(j.cgroups.find((c) => c.path === big())?.pids_current, host.spec.bigTasks);
});

test('nsx exporter: container_processes and container_threads of every cgroup, as cgroup.procs and pids.current', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const text = nsx(['exporter', '--once', '--no-namespaces', '--include', host.top, '--include', `${host.top}/**`]);
  const h0 = host.hierarchies[0];
  const counts = new Map([...kernelMembers(host, h0)].map(([p, l]) => [p, l.length]));
  sameMaps(seriesById(text, 'container_processes'), counts, 'container_processes vs cgroup.procs');
  const ph = pidsHierarchy(host, host.top);
  if (ph) sameMaps(seriesById(text, 'container_threads'), kernelNumbers(host, ph, 'pids.current'), 'container_threads vs pids.current');
});

interface LsRow {
  ns: number;
  type: string;
  nprocs: number;
  pid: number | null;
  nsfs: string | null;
}

/** The inode of a netns bind mount inside the scale host (stat -L). */
function inodeOf(path: string): number {
  const r = run(['stat', '-L', '-c', '%i', path], host);
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('nsx ls -t net and lsns: the same NSFS cell for every namespace lsns prints, the same NPROCS and PID for ours', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const cols = ['-J', '-l', '-t', 'net', '-o', 'NS,TYPE,NPROCS,PID,NSFS'];
  const mine = new Map(nsxJson<{ namespaces: LsRow[] }>(['ls', '-q', ...cols], host).namespaces.map((r) => [r.ns, r]));
  const lsns = JSON.parse(run(['lsns', ...cols], host).stdout).namespaces as LsRow[];
  const podNs = new Set(host.netnsNames.slice(0, host.spec.pods).map((n) => inodeOf(`/run/netns/${n}`)));
  for (const r of lsns) {
    const m = mine.get(r.ns);
    assert.ok(m, `net:[${r.ns}] (lsns: pid ${r.pid}, nsfs ${r.nsfs}) is missing from nsx ls`);
    assert.equal(m.nsfs, r.nsfs, `net:[${r.ns}] NSFS`);
    if (podNs.has(r.ns)) {
      assert.equal(m.nprocs, r.nprocs, `net:[${r.ns}] NPROCS`);
      assert.equal(m.nprocs, 3, `net:[${r.ns}] holds a pod's three processes`);
      assert.equal(m.pid, r.pid, `net:[${r.ns}] PID`);
    }
  }
  // the pods' netns carry their /run/netns path; Docker's its /run/docker/netns one
  for (const ino of podNs) assert.match(mine.get(ino)?.nsfs ?? '', /^\/run\/netns\/nsx-test-scale-net-\d{3}$/);
  for (const c of containers) {
    const ino = Number(/\[(\d+)\]/.exec(run(['readlink', `/proc/${c.pid}/ns/net`]).stdout)![1]);
    const l = lsns.find((r) => r.ns === ino);
    assert.ok(l, `${c.runtime} container's netns listed by lsns`);
    assert.equal(mine.get(ino)?.nsfs, l.nsfs, `${c.runtime} container's NSFS cell`);
    if (c.runtime === 'docker') assert.match(l.nsfs ?? '', /\/run\/docker\/netns\//);
  }
});

test('nsx ls -P: the namespaces only bind mounts hold, as mountinfo (cat) and findmnt say', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const mi = cat(`/proc/${host.rootPid}/mountinfo`)!;
  const mounts = nsfsMounts(mi);
  // findmnt and cat agree on the nsfs mounts (the scale host's mount namespace)
  // (only the scale host's own mounts are compared: other programs may add or remove theirs meanwhile)
  const mine = (p: string) => p.startsWith('/run/netns/nsx-test-scale-');
  const fm = JSON.parse(run(['findmnt', '-J', '-t', 'nsfs', '-o', 'TARGET'], host).stdout) as { filesystems: { target: string }[] };
  assert.deepEqual(fm.filesystems.map((f) => f.target).filter(mine).sort(), [...mounts.values()].flat().filter(mine).sort());
  const all = nsxJson<{ namespaces: LsRow[] }>(['ls', '-q', '-P', '-J', '-l', '-t', 'net', '-o', 'NS,TYPE,NPROCS,NSFS'], host).namespaces;
  for (const r of all) assert.equal(r.nprocs, 0);
  const rows = all.filter((r) => (r.nsfs ?? '').split('\n').some(mine));
  const ours = (rs: readonly { nsfs: string | null }[]) => rs.map((r) => r.nsfs ?? '').filter((p) => p.startsWith('/run/netns/nsx-test-scale-')).sort();
  // ours held only by their mount: the 300 − 110 netns no pod joined
  const expected = host.netnsNames.slice(host.spec.pods).map((n) => `/run/netns/${n}`);
  assert.deepEqual(ours(rows), expected);
  // and each row's cell lists every mount point of its namespace in mountinfo
  for (const r of rows) assert.deepEqual((r.nsfs ?? '').split('\n').sort(), (mounts.get(`net:[${r.ns}]`) ?? []).sort(), `net:[${r.ns}]`);
});

test('nsx ls: the scale host mount namespace holds as many processes as lsns counts', { skip }, (t) => {
  if (unavailable) return t.skip(unavailable);
  const ino = Number(/\[(\d+)\]/.exec(run(['readlink', `/proc/${host.rootPid}/ns/mnt`]).stdout)![1]);
  const cols = ['-J', '-l', '-t', 'mnt', '-o', 'NS,NPROCS,PID'];
  const a = nsxJson<{ namespaces: LsRow[] }>(['ls', '-q', ...cols], host).namespaces.find((r) => r.ns === ino);
  const b = (JSON.parse(run(['lsns', ...cols], host).stdout).namespaces as LsRow[]).find((r) => r.ns === ino);
  // every scale host process, plus the lister itself (each counts its own process)
  const expected = host.groups.reduce((n, g) => n + g.procs, 0) + 1 + 1;
  assert.equal(a?.nprocs, expected, 'nsx');
  assert.equal(b?.nprocs, expected, 'lsns');
  // PID: the lowest, ours unless the lister's own PID (after a wrap-around) is lower
  const ours = new Set([...kernelMembers(host, host.hierarchies[0]).values()].flat());
  const lowest = Math.min(...ours);
  for (const [who, r] of [['nsx', a], ['lsns', b]] as const) assert.ok(r?.pid === lowest || (r !== undefined && r.pid !== null && r.pid < lowest && !ours.has(r.pid)), `${who}: PID ${r?.pid}, lowest of ours ${lowest}`);
});
