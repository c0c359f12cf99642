/**
 * `npm run bench -- ps`: `nsx ps` against procps `ps -e -o pid,user,cgroup,args`, whole process (start-up
 * included, as a user pays it), side by side in one run.
 *
 * Scenario: a host of --procs=N (5,000) processes, made reproducible as a fresh PID and mount namespace
 * (`unshare --pid --fork --mount-proc`) in which they are the only workload: N `sleep`s started by one shell,
 * spread over --cgroups=M (1,000) cgroups two deep (nsx-test-bench-ps-PID-G/cK, 50 per parent) in the v1 cpu
 * and memory hierarchies (cgroup2 on a pure v2 host), so that /proc/PID/cgroup names a cgroup of their own.
 * Both tools see exactly these processes (plus the shell and the benchmark).
 * Method: --runs=R (11) interleaved runs of each (after 2 warm-up rounds), output to /dev/null; wall time of each
 * run and its CPU time (user + system of the process and its threads, from the kernel's accounting of waited
 * children, as bash's `time` reports it); medians, and the ratio of the medians. `node -e 0` beside them is
 * Node's own floor. The load average of the machine is printed with the figures.
 * Target (issue 21): nsx ps ≤ 1.0× ps wall time. Everything created is removed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostPaths } from '../src/host/paths.js';
import { NSX, killAndRemove, median } from './lib.js';

const INSIDE = 'NSX_BENCH_PS_INSIDE';
const CG = join(hostPaths().sys, 'fs/cgroup');

function arg(args: readonly string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}

function loadavg(): string {
  return readFileSync(join(hostPaths().proc, 'loadavg'), 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Wall and CPU time (ms) of one run of argv, output discarded. */
function timeRun(argv: readonly string[]): { wall: number; cpu: number } {
  const script = 'TIMEFORMAT="@@CPU %3U %3S"; exec 3>&2; { time "$@" >/dev/null 2>/dev/null </dev/null; } 2>&1';
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script, 'bash', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /@@CPU ([\d.]+) ([\d.]+)/.exec(String(r.stdout));
  if (r.status !== 0 || !m) throw new Error(`bench ps: ${argv.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-300)}`);
  return { wall, cpu: (Number(m[1]) + Number(m[2])) * 1000 };
}

/** The hierarchies the processes are spread over: v1 cpu and memory, else cgroup2. */
function hierarchies(): string[] {
  const v1 = ['cpu', 'memory'].map((c) => join(CG, c)).filter((d) => existsSync(join(d, 'cgroup.procs')));
  if (v1.length) return v1;
  return existsSync(join(CG, 'cgroup.procs')) ? [CG] : [];
}

function childrenOf(pid: number): number[] {
  const f = join(hostPaths().proc, String(pid), 'task', String(pid), 'children');
  return readFileSync(f, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

async function inside(args: readonly string[]): Promise<void> {
  const nProcs = arg(args, 'procs', 5000);
  const nCg = arg(args, 'cgroups', 1000);
  const runs = arg(args, 'runs', 11);
  const tag = `nsx-test-bench-ps-${process.pid}-${Date.now() % 100000}`;
  const roots = hierarchies();
  const dirs: string[] = [];
  const loop = spawn('sh', ['-c', `i=0; while [ $i -lt ${nProcs} ]; do sleep 3600 & i=$((i+1)); done; wait`], { detached: true, stdio: 'ignore' });
  try {
    for (const r of roots) {
      for (let i = 0; i < nCg; i++) {
        const d = join(r, `${tag}-${Math.floor(i / 50)}`, `c${i}`);
        mkdirSync(d, { recursive: true });
        dirs.push(d);
      }
    }
    const t0 = Date.now();
    while (childrenOf(loop.pid!).length < nProcs && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 200));
    const kids = childrenOf(loop.pid!);
    kids.forEach((pid, i) => {
      const g = i % nCg;
      for (const r of roots) writeFileSync(join(r, `${tag}-${Math.floor(g / 50)}`, `c${g}`, 'cgroup.procs'), String(pid));
    });
    const nproc = spawnSync('sh', ['-c', 'ls /proc | grep -c "^[0-9]"'], { encoding: 'utf8' }).stdout.trim();
    const shell = args.find((x) => x.startsWith('--shell='));
    if (shell) {
      // for profiling: run one command in the scenario instead of measuring (`npm run bench -- ps --shell='CMD'`)
      spawnSync('sh', ['-c', shell.slice('--shell='.length)], { stdio: 'inherit' });
      return;
    }
    console.log(
      `\n== ps, whole process: a fresh PID namespace holding ${kids.length} sleeps (${nproc} processes in its /proc) spread over ${nCg} cgroups two deep in ${roots.map((r) => r.slice(CG.length + 1) || 'cgroup2').join(', ')}; ` +
        `${runs} interleaved runs of each, output to /dev/null; wall and CPU (user + system, threads included) per run, medians`,
    );
    const cmds = [
      { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { label: 'nsx ps', argv: [...NSX, 'ps'] },
      { label: 'ps -e -o pid,user,cgroup,args', argv: ['ps', '-e', '-o', 'pid,user,cgroup,args'] },
    ];
    const wall = cmds.map(() => [] as number[]);
    const cpu = cmds.map(() => [] as number[]);
    const loadBefore = loadavg();
    for (let r = 0; r < runs + 2; r++) {
      cmds.forEach((c, i) => {
        const t = timeRun(c.argv);
        if (r >= 2) {
          wall[i].push(t.wall);
          cpu[i].push(t.cpu);
        }
      });
    }
    const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))];
    cmds.forEach((c, i) => {
      console.log(
        `  ${c.label.padEnd(32)} wall median ${median(wall[i]).toFixed(1).padStart(7)} ms [${q(wall[i], 0.25).toFixed(0)}–${q(wall[i], 0.75).toFixed(0)}]   CPU median ${median(cpu[i]).toFixed(1).padStart(7)} ms [${q(cpu[i], 0.25).toFixed(0)}–${q(cpu[i], 0.75).toFixed(0)}]`,
      );
    });
    const rw = median(wall[1]) / median(wall[2]);
    const rc = median(cpu[1]) / median(cpu[2]);
    console.log(`  nsx ps / ps: wall ${rw.toFixed(2)}× (target ≤ 1.0: ${rw <= 1 ? 'met' : 'NOT met'}); CPU ${rc.toFixed(2)}× (information: nsx reads on two threads and also every process's 8 namespace links)`);
    console.log(`  load average before / after: ${loadBefore} / ${loadavg()} (a loaded machine stretches wall times: compare the CPU figures then)`);
  } finally {
    await killAndRemove(loop.pid!, dirs, 40);
    for (const r of roots) {
      for (let g = 0; g <= Math.floor((nCg - 1) / 50); g++) {
        try {
          rmdirSync(join(r, `${tag}-${g}`));
        } catch {
          // not empty or gone
        }
      }
    }
  }
}

export async function run(args: string[]): Promise<void> {
  // the measurement runs in a fresh PID namespace (only the benchmark's processes in /proc), as a child of this process
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, [INSIDE]: '1' },
  });
  if (r.status !== 0) throw new Error(`bench ps: the run in a fresh PID namespace failed (${r.status ?? r.signal})`);
}

// entry point of the child started above (only when run as a script with the marker set)
if (process.env[INSIDE] === '1' && process.argv[1] === fileURLToPath(import.meta.url)) {
  inside(process.argv.slice(2)).catch((e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  });
}
