/**
 * `npm run bench -- cg`:
 * 1. The target: `nsx cg tree -c cpu` against `systemd-cgls --no-pager cpu:/` — the same v1 cpu hierarchy, the
 *    same output (every process of the hierarchy under its cgroup, empty cgroups hidden as systemd-cgls hides
 *    them without --all; nsx finds the members from /proc/PID/cgroup, systemd-cgls from each cgroup's
 *    cgroup.procs) — with 2,000 extra cgroups (40 × 50, two deep) in that hierarchy and 20 sleeping processes
 *    in them. First on an idle host (a fresh PID namespace: the benchmark's processes are all there is), then
 *    on this host as it is (every process of the machine visible: other work changes this one). Wall and CPU
 *    time, interleaved runs. Environment: NODE_EXTRA_CA_CERTS unset (bench/main.ts).
 * 2. 2,000 cgroups in the v1 name=systemd hierarchy: `nsx cg tree PATH --json` against `systemd-cgls
 *    --no-pager DIR` on the same tree (and both with --all), plus nsx's in-process time.
 * Cleans up (kills its sleeps by PID, rmdirs).
 * Options: `--cgroups=N` (default 2000), `--runs=N` (default 15).
 */
import { mkdirSync, rmdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { NSX, compare, compareCpu, report, ratio, median } from './lib.js';
import { hostPaths } from '../src/host/paths.js';
import { wrap } from '../src/host/tolerance.js';
import { cgTree } from '../src/services/cg.js';
import { formatJson } from '../src/output/json.js';

const HIER = '/sys/fs/cgroup/systemd';

/** rmdir; false when the directory is busy or already gone (other errors propagate). */
function rmdirQuiet(d: string): boolean {
  try {
    rmdirSync(d);
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EBUSY' || code === 'ENOENT' || code === 'ENOTEMPTY') return false;
    throw e;
  }
}

function opt(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : def;
}

/**
 * Under `root` (made by the caller): `total` cgroups two deep (slice-P.slice with 49 unit-C.service each, 50 per
 * slice) and 20 sleeping processes spread over them. Pushed onto `dirs` and `sleeps` as they are made, so that
 * the caller's cleanup removes a half-made tree too.
 */
function populate(root: string, total: number, dirs: string[], sleeps: ChildProcess[]): void {
  for (let p = 0; dirs.length < total; p++) {
    const pd = join(root, `slice-${p}.slice`);
    mkdirSync(pd);
    dirs.push(pd);
    for (let c = 0; c < 49 && dirs.length < total; c++) {
      const cd = join(pd, `unit-${c}.service`);
      mkdirSync(cd);
      dirs.push(cd);
    }
  }
  for (let i = 0; i < 20; i++) {
    const s = spawn('sleep', ['3600'], { stdio: 'ignore' });
    sleeps.push(s);
    writeFileSync(join(dirs[(i * 97) % dirs.length], 'cgroup.procs'), String(s.pid));
  }
}

/**
 * `nsx cg tree -c cpu` against `systemd-cgls --no-pager cpu:/` with `total` extra cgroups (40 × 50, two deep)
 * in the v1 cpu hierarchy and 20 sleeping processes in them: the whole hierarchy, as a user types it.
 */
async function cpuTree(total: number, runs: number, scope: string): Promise<void> {
  const cpu = '/sys/fs/cgroup/cpu';
  if (!existsSync(join(cpu, 'cgroup.procs'))) {
    console.log(`bench cg: skipped the cpu tree (${cpu} is not a v1 hierarchy here)`);
    return;
  }
  const name = `nsx-test-bench-${process.pid}-cpu`;
  const root = join(cpu, name);
  const dirs: string[] = [];
  const sleeps: ChildProcess[] = [];
  try {
    mkdirSync(root);
    populate(root, total, dirs, sleeps);
    const n = readdirSync('/proc').filter((x) => /^\d+$/.test(x)).length;
    const timed = compare(
      [
        { label: 'nsx cg tree -c cpu', argv: [...NSX, 'cg', 'tree', '-c', 'cpu'] },
        { label: 'systemd-cgls --no-pager cpu:/', argv: ['systemd-cgls', '--no-pager', 'cpu:/'] },
        { label: 'node -e 0 (Node start-up floor)', argv: [process.execPath, '-e', '0'] },
      ],
      runs,
    );
    report(`cg tree -c cpu, ${scope}: the whole v1 cpu hierarchy with ${dirs.length} extra cgroups (two deep), 20 processes in them, ${n} processes visible; wall time, interleaved runs`, timed);
    console.log(`  ratio nsx cg tree -c cpu / systemd-cgls cpu:/ (wall) = ${ratio(timed[0], timed[1]).toFixed(2)}× (target ≤ 1.0)`);
    // the machine is shared: CPU time (each process's own user + system) is the fairer measure under load
    const cpu = compareCpu(
      [
        { label: 'nsx cg tree -c cpu (CPU)', argv: [...NSX, 'cg', 'tree', '-c', 'cpu'] },
        { label: 'systemd-cgls --no-pager cpu:/ (CPU)', argv: ['systemd-cgls', '--no-pager', 'cpu:/'] },
        { label: 'node -e 0 (CPU floor)', argv: [process.execPath, '-e', '0'] },
      ],
      runs,
    );
    report(`cg tree -c cpu, ${scope}, same tree: CPU time (user + system) per run`, cpu);
    console.log(`  ratio nsx cg tree -c cpu / systemd-cgls cpu:/ (CPU) = ${ratio(cpu[0], cpu[1]).toFixed(2)}× (target ≤ 1.0)`);
  } finally {
    // our own sleeps, by PID; one that already exited is gone (ESRCH)
    for (const s of sleeps) if (s.pid) wrap(undefined, `pid ${s.pid}`, () => process.kill(s.pid!, 'SIGKILL'));
    await new Promise((r) => setTimeout(r, 200));
    for (const d of [...dirs].reverse()) {
      // EBUSY while the killed sleeps are still being reaped: retry a little
      for (let i = 0; i < 20 && !rmdirQuiet(d); i++) await new Promise((r) => setTimeout(r, 20));
    }
    if (!rmdirQuiet(root) && existsSync(root)) console.error(`bench cg: could not remove ${root}`);
  }
}

const INSIDE = 'NSX_BENCH_CG_INSIDE';

export async function run(args: string[]): Promise<void> {
  // 1. the idle host: a fresh PID (and /proc) namespace in which the benchmark's 20 processes and a few others
  //    are all there is, whatever else runs on the machine; the cgroups are the host's (the same hierarchy)
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, [INSIDE]: '1' },
  });
  if (r.status !== 0) throw new Error(`bench cg: the run in a fresh PID namespace failed (${r.status ?? r.signal})`);
  // 2. the same on this host as it is (every process of the machine visible)
  await cpuTree(opt(args, 'cgroups', 2000), opt(args, 'runs', 15), 'this host as it is');
  if (args.includes('--cpu-only')) return;
  if (!existsSync(join(HIER, 'cgroup.procs'))) {
    console.log(`bench cg: skipped (${HIER} is not a v1 hierarchy here)`);
    return;
  }
  const total = opt(args, 'cgroups', 2000);
  const runs = opt(args, 'runs', 15);
  const name = `nsx-test-bench-${process.pid}`;
  const root = join(HIER, name);
  const dirs: string[] = [];
  const sleeps: ChildProcess[] = [];
  try {
    mkdirSync(root);
    populate(root, total, dirs, sleeps);
    console.log(`bench cg: ${dirs.length} cgroups under ${root}, ${sleeps.length} processes in them, ${readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length} on the host`);
    const timed = compare(
      [
        { label: `nsx cg tree /${name} --json`, argv: [...NSX, 'cg', 'tree', `/${name}`, '--json'] },
        { label: `systemd-cgls --no-pager ${root}`, argv: ['systemd-cgls', '--no-pager', root] },
        { label: `nsx cg tree /${name} --json --all`, argv: [...NSX, 'cg', 'tree', `/${name}`, '--json', '--all'] },
        { label: `systemd-cgls --no-pager --all ${root}`, argv: ['systemd-cgls', '--no-pager', '--all', root] },
        { label: 'node -e 0 (Node start-up floor)', argv: [process.execPath, '-e', '0'] },
      ],
      runs,
    );
    report(`cg tree: ${dirs.length} cgroups (v1 name=systemd hierarchy)`, timed);
    console.log(`  ratio nsx/systemd-cgls (default):  ${ratio(timed[0], timed[1]).toFixed(2)}×`);
    console.log(`  ratio nsx/systemd-cgls (--all):    ${ratio(timed[2], timed[3]).toFixed(2)}×`);
    // where nsx's time goes: the same work in this process (no Node start-up, modules already loaded)
    const paths = hostPaths();
    for (const all of [false, true]) {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        formatJson(cgTree({ paths, path: `/${name}`, all }));
        ms.push(performance.now() - t0);
      }
      console.log(`  in-process cgTree${all ? ' --all' : ''} + JSON: median ${median(ms).toFixed(1)} ms (the rest is Node start-up and module loading)`);
    }
  } finally {
    // our own sleeps, by PID; one that already exited is gone (ESRCH)
    for (const s of sleeps) if (s.pid) wrap(undefined, `pid ${s.pid}`, () => process.kill(s.pid!, 'SIGKILL'));
    await new Promise((r) => setTimeout(r, 200));
    for (const d of [...dirs].reverse()) {
      // EBUSY while the killed sleeps are still being reaped: retry a little
      for (let i = 0; i < 20 && !rmdirQuiet(d); i++) await new Promise((r) => setTimeout(r, 20));
    }
    if (!rmdirQuiet(root) && existsSync(root)) console.error(`bench cg: could not remove ${root}: ${readdirSync(root).length} entries left`);
  }
}

// entry point of the child started by run() in a fresh PID namespace (only when run as a script with the marker set)
if (process.env[INSIDE] === '1' && process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  cpuTree(opt(args, 'cgroups', 2000), opt(args, 'runs', 15), 'idle host (a fresh PID namespace)').catch((e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  });
}
