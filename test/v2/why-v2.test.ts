/**
 * `nsx why` on pure cgroup v2, live: cpu.max on the cgroup itself and on a parent over a busy child, memory.max
 * on a parent that OOM-kills a child's allocation (named from memory.events.local), and PSI present. Runs only
 * inside `run-in-v2vm.sh` (`npm run test:v2`); skipped elsewhere. One file, few CLI calls (Node is slow in the
 * emulated VM): the other targets go through the service in-process.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { liveSkipReason, startProcess, testName, waitFor, type Started } from '../helpers/live.js';
import { runNsx } from '../helpers/cli.js';
import { hostPaths } from '../../src/host/paths.js';
import { why, type WhyResult } from '../../src/services/why.js';

const CG = join(hostPaths().sys, 'fs/cgroup');

function v2Skip(): string | false {
  const s = liveSkipReason();
  if (s) return s;
  const mi = readFileSync(join(hostPaths().proc, 'self/mountinfo'), 'utf8');
  if (/ - cgroup /.test(mi)) return 'v2 test: this host has cgroup v1 hierarchies (run `npm run test:v2`)';
  if (!existsSync(join(CG, 'cgroup.controllers'))) return 'v2 test: cgroup2 is not mounted at /sys/fs/cgroup';
  return false;
}

const read = (p: string) => readFileSync(p, 'utf8').trim();

test('pure v2: cpu.max (own and parent), memory.max OOM named from the parent, PSI present', { skip: v2Skip(), timeout: 600_000 }, async () => {
  const root = testName('why-v2');
  const dirs: string[] = [];
  const procs: Started[] = [];
  const mk = (rel: string, ctl: string[] = []) => {
    const d = join(CG, root, rel);
    mkdirSync(d, { recursive: true });
    dirs.push(d);
    if (ctl.length) writeFileSync(join(d, 'cgroup.subtree_control'), ctl.map((c) => `+${c}`).join(' '));
    return `/${root}${rel ? '/' + rel : ''}`;
  };
  const startIn = (rel: string, cmd: string) => {
    const p = startProcess('sh', ['-c', `echo $$ > ${join(CG, root, rel, 'cgroup.procs')}; exec ${cmd}`]);
    procs.push(p);
    return p;
  };
  try {
    const ctl = ['cpu', 'memory', 'pids'].filter((c) => read(join(CG, 'cgroup.controllers')).split(' ').includes(c));
    writeFileSync(join(CG, 'cgroup.subtree_control'), ctl.map((c) => `+${c}`).join(' '));
    mk('', ctl);
    const parent = mk('p', ctl);
    const child = mk('p/busy');
    const own = mk('own');
    const mem = mk('m', ctl);
    const alloc = mk('m/alloc');
    writeFileSync(join(CG, root, 'p', 'cpu.max'), '20000 100000');
    writeFileSync(join(CG, root, 'own', 'cpu.max'), '20000 100000');
    writeFileSync(join(CG, root, 'm', 'memory.max'), String(32 << 20));
    startIn('p/busy', `sh -c 'while :; do :; done'`);
    startIn('own', `sh -c 'while :; do :; done'`);
    const usage = (rel: string) => Number(/usage_usec (\d+)/.exec(read(join(CG, root, rel, 'cpu.stat')))![1]);
    await waitFor(() => usage('p/busy') > 50_000 && usage('own') > 50_000, 60_000, 'busy loops');
    // the allocation, killed by the parent's limit
    const a = spawnSync('sh', ['-c', `echo $$ > ${join(CG, root, 'm/alloc', 'cgroup.procs')}; exec tail /dev/zero`], { timeout: 120_000 });
    assert.equal(a.signal, 'SIGKILL', 'the allocation should be OOM-killed');

    // parent quota over a busy child, through the CLI (text and JSON)
    const r1 = runNsx(['why', child, '--for', '3s', '--json'], { timeout: 300_000 });
    assert.equal(r1.code, 0, r1.stderr);
    const j = JSON.parse(r1.stdout) as WhyResult;
    assert.equal(j.version, 2);
    const f = j.findings.find((x) => x.id === 'cpu.throttled');
    assert.ok(f, JSON.stringify(j.verdict));
    assert.equal(f.cgroup, parent);
    assert.match(j.verdict[0], new RegExp(`CPU throttled in \\d+(\\.\\d)? % of periods by ${parent} \\(quota 0.2 CPU`));
    // PSI present on cgroup2 and carried in the evidence
    const psi = (j.cpu as { psi: { some_avg10: number | null } | null }).psi;
    assert.ok(psi && psi.some_avg10 !== null, JSON.stringify(j.cpu));
    assert.ok(existsSync(join(CG, root, 'p/busy', 'cpu.pressure')));

    // own quota and the memory limit, in-process
    const paths = hostPaths();
    const r2 = await why({ paths, target: own, durationMs: 2000 });
    assert.equal(r2.findings.find((x) => x.id === 'cpu.throttled')?.cgroup, own, JSON.stringify(r2.verdict));
    const r3 = await why({ paths, target: alloc, durationMs: 0 });
    const m = r3.findings.find((x) => x.id === 'memory.oom-kill');
    assert.ok(m, JSON.stringify(r3.verdict));
    assert.equal(m.cgroup, mem);
    assert.match(m.text, new RegExp(`OOM-killed since it was created by the memory limit of ${mem} \\(limit 32 MiB`));
    // the counters alone name the parent: its memory.events.local oom rose, the child's did not
    assert.ok(Number(/oom (\d+)/.exec(read(join(CG, root, 'm', 'memory.events.local')))![1]) >= 1);
    assert.equal(Number(/oom (\d+)/.exec(read(join(CG, root, 'm/alloc', 'memory.events.local')))![1]), 0);
  } finally {
    for (const p of procs) await p.stop();
    for (const d of dirs.sort((x, y) => y.length - x.length)) {
      for (let i = 0; i < 100 && existsSync(d); i++) {
        try {
          rmdirSync(d);
        } catch {
          spawnSync('sleep', ['0.05']); // members still exiting
        }
      }
    }
  }
});
