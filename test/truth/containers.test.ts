/**
 * `container:` targets without a /proc scan (issue 18, point 5): resolved from the runtimes' own files and the
 * container cgroup's member list (src/readers/runtimes/running.ts readRunningFromRuntimes), with the same rules as
 * before (exact name or full id beats a prefix; an ambiguous prefix exits 1 listing the candidates), and the same
 * answer as the scan of every /proc/PID/cgroup. Real Docker, Podman and containerd (`ctr`) containers; each
 * runtime's part skips when it is not up (scripts/runtimes.sh up).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTool, liveSkipReason } from '../helpers/live.js';
import { hostPaths } from '../../src/host/paths.js';
import { readCgroupLayout } from '../../src/readers/cgroupfs/layout.js';
import { readRunningContainers, readRunningFromRuntimes, resolveHostTarget } from '../../src/readers/runtimes/running.js';
import { parseContainerTarget } from '../../src/model/container-target.js';
import { RuntimeIndex } from '../../src/readers/runtimes/index.js';
import { removeAll, runtimeSkip, startCtr, startDocker, startPodman, started as startedByLib, type TestContainer } from '../runtimes/lib.js';
import { cat, catList, run } from './lib.js';
import { NSX_BIN } from '../helpers/cli.js';

const skip = liveSkipReason() || (runtimeSkip('docker') && runtimeSkip('podman') && runtimeSkip('containerd')) || false;
const started: TestContainer[] = [];
const failed: string[] = [];

/** Start a container; a runtime that is up but cannot run one here (no fuse in a VM, …) is left out, said why. */
async function tryStart(rt: string, start: () => Promise<TestContainer>): Promise<void> {
  try {
    started.push(await start());
  } catch (e) {
    failed.push(`${rt}: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`);
  }
}

before(async () => {
  if (skip) return;
  if (!runtimeSkip('docker')) await tryStart('docker', () => startDocker('target-docker', ['--rm'], ['sh', '-c', 'sleep 900 & sleep 900']));
  if (!runtimeSkip('podman')) await tryStart('podman', () => startPodman('target-podman', ['--rm'], ['sleep', '900']));
  if (!runtimeSkip('containerd')) {
    // two ctr containers whose ids (their names) share a prefix: an ambiguous target
    const base = `nsx-test-ambig-${process.pid}`;
    await tryStart('containerd', () => startCtr('target-ctr', `${base}-a`, ['sleep', '900']));
    await tryStart('containerd', () => startCtr('target-ctr', `${base}-b`, ['sleep', '900']));
  }
  if (failed.length) console.log(`# containers that could not start (left out): ${failed.join('; ')}`);
});

after(() => removeAll(startedByLib())); // every container started here, half-started ones included

/** The container's cgroup as its main process's /proc/PID/cgroup says (cgroup2 line, else name=systemd, else the first). */
function cgroupOfPid(pid: number): string {
  const lines = (cat(`/proc/${pid}/cgroup`) ?? '').split('\n').filter(Boolean);
  const v2 = lines.find((l) => l.startsWith('0::'));
  const sd = lines.find((l) => l.includes(':name=systemd:'));
  const l = v2 ?? sd ?? lines[0];
  return l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1);
}

test('nsx cg show container:NAME and container:ID-PREFIX: the container cgroup and its members (cgroup.procs), without reading any /proc/PID/cgroup', { skip }, (t) => {
  if (started.length === 0) return t.skip(`no container could start: ${failed.join('; ')}`);
  const layout = readCgroupLayout(hostPaths());
  for (const c of started.filter((x) => x.runtime !== 'containerd')) {
    const cg = cgroupOfPid(c.pid);
    const h = layout.hierarchies.find((x) => x.version === 2 && cat(join(x.mounts[0], cg, 'cgroup.procs')) !== undefined) ?? layout.hierarchies.find((x) => x.name === 'systemd') ?? layout.hierarchies[0];
    const kernel = catList(join(h.mounts[0], cg, 'cgroup.procs'));
    for (const target of [`container:${c.name}`, `container:${c.id.slice(0, 12)}`, `container:${c.runtime}:${c.id.slice(0, 12)}`]) {
      const useStrace = hasTool('strace');
      const argv = [process.execPath, NSX_BIN, 'cg', 'show', target, '--json'];
      const trace = join(tmpdir(), `nsx-test-strace-${process.pid}.txt`);
      const r = useStrace ? run(['strace', '-f', '-qq', '-e', 'trace=openat', '-o', trace, ...argv]) : run(argv);
      assert.equal(r.code, 0, `${target}: ${r.stderr.slice(-500)}`);
      const j = JSON.parse(r.stdout) as { path: string; processes: { pid: number }[] };
      assert.equal(j.path, cg, `${target}: the container's cgroup`);
      assert.deepEqual(j.processes.map((p) => p.pid).sort((a, b) => a - b), kernel, `${target}: members as cgroup.procs`);
      if (useStrace) {
        const scans = readFileSync(trace, 'utf8').split('\n').filter((l) => /openat\(.*"\/proc\/\d+\/cgroup"/.test(l));
        rmSync(trace, { force: true });
        assert.equal(scans.length, 0, `${target}: read ${scans.length} /proc/PID/cgroup files, e.g. ${scans[0]}`);
      }
    }
  }
});

test('the resolver from the runtimes\' files gives what the /proc scan gives: containers, cgroups, PIDs; exact beats a prefix; an ambiguous prefix lists the candidates', { skip }, (t) => {
  if (started.length === 0) return t.skip(`no container could start: ${failed.join('; ')}`);
  const paths = hostPaths();
  const index = new RuntimeIndex(paths);
  let t0 = performance.now();
  const fast = readRunningFromRuntimes(paths, { index });
  const fastMs = performance.now() - t0;
  t0 = performance.now();
  const scan = readRunningContainers(paths, { index });
  const scanMs = performance.now() - t0;
  const key = (r: { identity: { runtime: string; id: string } }) => `${r.identity.runtime}:${r.identity.id}`;
  for (const c of started) {
    const f = fast.find((r) => r.identity.id === c.id);
    const s = scan.find((r) => r.identity.id === c.id);
    assert.ok(f, `${c.runtime} ${c.name}: found from the runtime's files`);
    assert.ok(s, `${c.runtime} ${c.name}: found by the scan`);
    assert.equal(key(f), key(s));
    assert.equal(f.identity.cgroup, s.identity.cgroup);
    assert.deepEqual(f.pids, s.pids, `${c.name}: PIDs`);
    // a unique prefix of a hex id (a ctr container's id is its name, shared here on purpose)
    for (const q of c.runtime === 'containerd' ? [c.name] : [c.name, c.id, c.id.slice(0, 10)]) {
      const t = parseContainerTarget(`container:${q}`);
      const a = resolveHostTarget(paths, t, { index });
      const b = resolveHostTarget(paths, t, { index, running: scan });
      assert.equal(a.cgroup, b.cgroup, `container:${q}`);
      assert.deepEqual(a.pids, b.pids, `container:${q}`);
    }
  }
  console.log(`# ${fast.length} running containers from the runtimes' files in ${fastMs.toFixed(1)} ms; ${scan.length} by the /proc scan of ${run(['sh', '-c', 'ls /proc | grep -c "^[0-9]"']).stdout.trim()} processes in ${scanMs.toFixed(1)} ms`);
  const ctr = started.filter((c) => c.runtime === 'containerd');
  if (ctr.length === 2) {
    const prefix = ctr[0].id.slice(0, -1);
    const r = run([process.execPath, NSX_BIN, 'cg', 'show', `container:${prefix}`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ambiguous, 2 containers match/);
    for (const c of ctr) assert.ok(r.stderr.includes(c.id), `candidate ${c.id} listed`);
    // the full id (a name for ctr) is exact and wins over being a prefix of nothing else
    const one = run([process.execPath, NSX_BIN, 'cg', 'show', `container:${ctr[0].id}`, '--json']);
    assert.equal(one.code, 0, one.stderr);
  }
  const none = run([process.execPath, NSX_BIN, 'cg', 'show', `container:nsx-test-no-such-${process.pid}`]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no running container matches/);
});
