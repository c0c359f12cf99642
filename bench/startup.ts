/**
 * `npm run bench -- startup`: short commands against Node's own start-up, side by side in one run.
 *
 * Environment: NODE_EXTRA_CA_CERTS unset for every command (bench/main.ts; an informative run with it set
 * follows when it was set). nsx runs as users run it: bin/nsx through its `#!/bin/sh` launcher.
 * Scenario: an idle host, made reproducible as a fresh PID and mount namespace (`unshare --pid --fork
 * --mount-proc`) in which the benchmark is the only workload: /proc shows its own few processes, the
 * namespaces are the host's plus those of one target process (`unshare --net --uts --ipc sleep`). In it, 31
 * interleaved runs (after 3 warm-up rounds) of:
 *   - `node -e 0`                       the floor: Node starting and exiting
 *   - `nsx ls -J -l`                    target: median ≤ node -e 0 + 15 ms
 *   - `nsx enter -t PID -a true`        target: median ≤ 1.1 × node -e 0
 *   - `lsns -J -l`, `nsenter -t PID -a true`   the C tools, for scale
 * Wall time per run is what a user waits for; the medians and their difference/ratio are printed. On a busy
 * machine wall time mostly measures the wait for a CPU, so the CPU time of each run is measured too, by the
 * kernel's own accounting: each run executes in a cgroup of its own (v1 cpuacct, nsx-test-startup-PID) whose
 * cpuacct.usage (ns) covers the command and everything it starts (the enter helper, `true`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, median, report, ratio, NSX } from './lib.js';

const INSIDE = 'NSX_BENCH_STARTUP_INSIDE';

function childOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids[0];
  } catch {
    return undefined; // not there yet
  }
}

/** Median CPU time (ms) of each command over `runs` interleaved runs, each in a fresh cpuacct cgroup's accounting. */
function cpuTimes(cmds: ReadonlyArray<readonly string[]>, runs: number, env: NodeJS.ProcessEnv = process.env): { median: number[]; spread: string[] } | undefined {
  const base = '/sys/fs/cgroup/cpuacct';
  if (!existsSync(join(base, 'cpuacct.usage'))) return undefined;
  const dir = join(base, `nsx-test-startup-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const usage = () => BigInt(readFileSync(join(dir, 'cpuacct.usage'), 'utf8').trim());
  const samples = cmds.map(() => [] as number[]);
  try {
    for (let r = 0; r < runs + 2; r++) {
      cmds.forEach((argv, i) => {
        const before = usage();
        // the shell moves itself into the cgroup, then becomes the command (exec): only the command is counted
        const x = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec "$@"`, 'sh', ...argv], { stdio: 'ignore', env });
        if (x.status !== 0) throw new Error(`bench startup: ${argv.join(' ')} exited ${x.status}`);
        if (r >= 2) samples[i].push(Number(usage() - before) / 1e6);
      });
    }
  } finally {
    rmdirSync(dir);
  }
  // the spread: the middle half of the runs (first to third quartile)
  const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))];
  return { median: samples.map(median), spread: samples.map((s) => `${q(s, 0.25).toFixed(1)}–${q(s, 0.75).toFixed(1)}`) };
}

async function inside(runs: number): Promise<void> {
  const u = spawn('unshare', ['--fork', '--net', '--uts', '--ipc', 'sleep', '600'], { stdio: 'ignore', detached: true });
  try {
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      pid = childOf(u.pid!);
    }
    if (pid === undefined) throw new Error('bench startup: the target did not start');
    const T = String(pid);
    const nproc = spawnSync('sh', ['-c', 'ls /proc | grep -c "^[0-9]"'], { encoding: 'utf8' }).stdout.trim();
    const timed = compare(
      [
        { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
        { label: 'nsx ls -J -l', argv: [...NSX, 'ls', '-J', '-l'] },
        { label: 'nsx enter -t PID -a true', argv: [...NSX, 'enter', '-t', T, '-a', 'true'] },
        { label: 'lsns -J -l', argv: ['lsns', '-J', '-l'] },
        { label: 'nsenter -t PID -a true', argv: ['nsenter', '-t', T, '-a', 'true'] },
      ],
      runs,
      3,
    );
    report(`startup: idle host (a fresh PID namespace, ${nproc} processes visible), ${runs} interleaved runs each, wall time`, timed);
    const [node, ls, enter] = timed;
    const d = ls.medianMs - node.medianMs;
    console.log(`  nsx ls -J -l − node -e 0 = ${d.toFixed(1)} ms (target ≤ 15 ms: ${d <= 15 ? 'met' : 'NOT met'})`);
    const r = ratio(enter, node);
    console.log(`  nsx enter -t PID -a true / node -e 0 = ${r.toFixed(2)}× (target ≤ 1.10×: ${r <= 1.1 ? 'met' : 'NOT met'})`);
    const cmds = [
      [process.execPath, '-e', '0'],
      [...NSX, 'ls', '-J', '-l'],
      [...NSX, 'enter', '-t', T, '-a', 'true'],
    ];
    const cpu = cpuTimes(cmds, runs);
    if (cpu) {
      const [n, l, e] = cpu.median;
      console.log(`  CPU time (cpuacct), medians [middle half]: node -e 0 ${n.toFixed(1)} ms [${cpu.spread[0]}], nsx ls -J -l ${l.toFixed(1)} ms [${cpu.spread[1]}], nsx enter ${e.toFixed(1)} ms [${cpu.spread[2]}]`);
      console.log(`  CPU: nsx ls -J -l − node -e 0 = ${(l - n).toFixed(1)} ms (target ≤ 15 ms: ${l - n <= 15 ? 'met' : 'NOT met'}); nsx enter / node -e 0 = ${(e / n).toFixed(2)}× (target ≤ 1.10×: ${e / n <= 1.1 ? 'met' : 'NOT met'})`);
    } else console.log('  CPU time: no v1 cpuacct hierarchy here: not measured');
    // for information: the same with NODE_EXTRA_CA_CERTS set, as in the environment the benchmark was started
    // from; `node -e 0` then parses the CA file, nsx's launcher (bin/nsx) starts Node without it
    const ca = process.env.NSX_BENCH_NODE_EXTRA_CA_CERTS;
    const withCa = ca !== undefined ? cpuTimes(cmds, Math.min(runs, 11), { ...process.env, NODE_EXTRA_CA_CERTS: ca }) : undefined;
    if (withCa) {
      const [n, l, e] = withCa.median;
      console.log(`  (for information) with NODE_EXTRA_CA_CERTS=${ca} set, CPU medians: node -e 0 ${n.toFixed(1)} ms, nsx ls -J -l ${l.toFixed(1)} ms, nsx enter ${e.toFixed(1)} ms (nsx's launcher starts Node without it)`);
    }
  } finally {
    try {
      process.kill(-u.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 31);
  // the measurement runs in a fresh PID namespace (the idle host), as a child of this process
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, fileURLToPath(import.meta.url), `--runs=${runs}`], {
    stdio: 'inherit',
    env: { ...process.env, [INSIDE]: '1' },
  });
  if (r.status !== 0) throw new Error(`bench startup: the run in a fresh PID namespace failed (${r.status ?? r.signal})`);
}

// entry point of the child started above (only when run as a script with the marker set)
if (process.env[INSIDE] === '1' && process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 31);
  inside(runs).catch((e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  });
}
