/**
 * `npm run bench -- ls [--runs=N] [--loaded-runs=N] [--variant=NAME]`: `nsx ls -J -l` against `lsns -J -l` in the
 * same run, whole process (start-up and the whole listing, output to /dev/null), alternately.
 *
 * 1. Idle host: `node -e 0`, `nsx ls -J -l`, `lsns -J -l` interleaved; prints the nsx/lsns ratio and nsx's
 *    time over a bare Node start (the target, ≤ 15 ms on an idle host, is `npm run bench -- startup`'s).
 * 2. The scale host `ls20k` (test/helpers/scale.ts): 20,000 processes in 2,000 network namespaces (10 each, every
 *    one made by unshare(CLONE_NEWNET) of a small C program, in one cgroup), then both again: wall time and
 *    CPU time (user + system of the process, from the kernel's accounting) per run, medians and the median
 *    ratio (issue 18's target: nsx ≤ 0.3 × lsns wall time). lsns 2.38 takes tens of seconds there, so few runs
 *    (default 3). The machine's load average is printed before and after: the machine is shared.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../src/host/paths.js';
import { scaleUp, VARIANTS } from '../test/helpers/scale.js';
import { NSX, compare, median, report, ratio } from './lib.js';

function arg(args: string[], name: string, dflt: number): number {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : dflt;
}

/** The fields of the kernel's loadavg file: 1/5/15-minute averages, running/total tasks, last PID. */
function loadavgFields(): string[] {
  return readFileSync(join(hostPaths().proc, 'loadavg'), 'utf8').split(' ');
}

function loadavg(): string {
  return loadavgFields().slice(0, 3).join(' ');
}

/** Number of tasks on the host (the total of the running/total field). */
function countProcs(): number {
  return Number(loadavgFields()[3].split('/')[1]);
}

/** One run: wall time (ms, measured here) and CPU time (ms, user + system of the command, bash's `time`). */
function timeRun(argv: readonly string[]): { wall: number; cpu: number; ok: boolean } {
  const script = 'TIMEFORMAT="@@CPU %3U %3S"; { time "$@" >/dev/null 2>/dev/null </dev/null; } 2>&1';
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script, 'bash', ...argv], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /@@CPU ([\d.]+) ([\d.]+)/.exec(r.stdout);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN, ok: r.status === 0 };
}

export async function run(args: string[]): Promise<void> {
  const runs = arg(args, 'runs', 11);
  const loadedRuns = arg(args, 'loaded-runs', 3);
  const variant = args.find((a) => a.startsWith('--variant='))?.split('=')[1] ?? 'ls20k';
  const nsx = [...NSX, 'ls', '-J', '-l'];
  const lsns = ['lsns', '-J', '-l'];

  const idle = compare(
    [
      { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { label: 'nsx ls -J -l', argv: nsx },
      { label: 'lsns -J -l', argv: lsns },
    ],
    runs,
  );
  report(`ls, idle host (${countProcs()} tasks)`, idle);
  const fastest = (t: { samplesMs: number[] }) => Math.min(...t.samplesMs);
  console.log(`  nsx/lsns ratio: ${ratio(idle[1], idle[2]).toFixed(2)}   nsx over node -e 0: ${(idle[1].medianMs - idle[0].medianMs).toFixed(1)} ms (the start-up target, on an idle host: npm run bench -- startup)`);
  // on a busy machine medians grow with the load; the fastest runs show the cost without it
  console.log(`  fastest runs: node ${fastest(idle[0]).toFixed(1)} ms, nsx ${fastest(idle[1]).toFixed(1)} ms (over node: ${(fastest(idle[1]) - fastest(idle[0])).toFixed(1)} ms); load average ${loadavg()}`);

  const spec = VARIANTS[variant];
  const host = await scaleUp(variant);
  try {
    const before = loadavg();
    const cmds = [
      { label: 'nsx ls -J -l', argv: nsx },
      { label: 'lsns -J -l', argv: lsns },
    ];
    const wall = cmds.map(() => [] as number[]);
    const cpu = cmds.map(() => [] as number[]);
    const failed = cmds.map(() => 0);
    // one warm-up round (page cache, dentries of 20,000 /proc directories), then interleaved runs
    for (const c of cmds) timeRun(c.argv);
    for (let r = 0; r < loadedRuns; r++) {
      cmds.forEach((c, i) => {
        const t = timeRun(c.argv);
        if (!t.ok) failed[i]++; // lsns 2.38 exits 1 when a process vanishes under it: the time still counts
        wall[i].push(t.wall);
        cpu[i].push(t.cpu);
      });
    }
    console.log(`\n== ls on the scale host '${variant}': ${spec.lsProcs} processes in ${spec.lsNetns} network namespaces (${countProcs()} tasks on the machine; up in ${host.upSeconds.toFixed(1)} s)`);
    console.log('  method: whole process (Node start-up and the listing), stdout to /dev/null, runs interleaved after one warm-up round each; wall time measured here, CPU time = user + system of the command');
    cmds.forEach((c, i) => {
      console.log(`  ${c.label.padEnd(14)} wall median ${median(wall[i]).toFixed(0).padStart(7)} ms   CPU median ${median(cpu[i]).toFixed(0).padStart(7)} ms   (n=${wall[i].length}${failed[i] ? `, ${failed[i]} exited non-zero` : ''}; wall ${wall[i].map((x) => x.toFixed(0)).join(' ')})`);
    });
    const rw = median(wall[0]) / median(wall[1]);
    const rc = median(cpu[0]) / median(cpu[1]);
    console.log(`  nsx/lsns ratio: wall ${rw.toFixed(3)} (target <= 0.3), CPU ${rc.toFixed(3)}`);
    console.log(`  load average before ${before}, after ${loadavg()} (2 CPUs shared with other sessions)`);
  } finally {
    await host.down();
  }
}
