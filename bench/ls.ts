/**
 * `npm run bench -- ls [--procs N] [--ns N] [--runs N]`: `nsx ls -J -l` against `lsns -J -l` in the same run.
 *
 * 1. Idle host: `node -e 0`, `nsx ls -J -l`, `lsns -J -l` interleaved; prints the nsx/lsns ratio and nsx's
 *    time over a bare Node start (the target, ≤ 15 ms on an idle host, is `npm run bench -- startup`'s).
 * 2. Loaded host: starts N extra processes (default 5,000) spread over M network namespaces (default 1,000:
 *    `unshare --net sh -c 'sleep & … ; exec sleep'`, N/M processes each), then times both again and prints the
 *    median wall-time ratio (target ≤ 0.5). Every process it started is ended by its process group in finally.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../src/host/paths.js';
import { NSX, compare, report, ratio } from './lib.js';

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

async function startLoad(procs: number, nss: number): Promise<ChildProcess[]> {
  const per = Math.max(1, Math.round(procs / nss));
  const script = `${'sleep 3600 & '.repeat(per - 1)}exec sleep 3600`;
  const kids: ChildProcess[] = [];
  for (let i = 0; i < nss; i++) {
    kids.push(spawn('unshare', ['--net', 'sh', '-c', script], { stdio: 'ignore', detached: true }));
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
  }
  // wait until the task count settles (every namespace holds its processes)
  const deadline = Date.now() + 60_000;
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = countProcs();
    if (now === last || Date.now() > deadline) break;
    last = now;
  }
  return kids;
}

function stopLoad(kids: readonly ChildProcess[]): void {
  for (const k of kids) {
    if (k.pid === undefined) continue;
    try {
      process.kill(-k.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export async function run(args: string[]): Promise<void> {
  const procs = arg(args, 'procs', 5000);
  const nss = arg(args, 'ns', 1000);
  const runs = arg(args, 'runs', 11);
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

  const kids = await startLoad(procs, nss);
  try {
    const loaded = compare(
      [
        { label: 'nsx ls -J -l', argv: nsx },
        { label: 'lsns -J -l', argv: lsns },
      ],
      Math.max(3, Math.ceil(runs / 2)),
      1,
    );
    report(`ls, ${procs} extra processes in ${nss} netns (${countProcs()} tasks)`, loaded);
    console.log(`  nsx/lsns ratio: ${ratio(loaded[0], loaded[1]).toFixed(2)} (target <= 0.5)`);
  } finally {
    const before = countProcs();
    stopLoad(kids);
    // wait until they are reaped, so a benchmark run after this one measures a quiet host
    const deadline = Date.now() + 30_000;
    while (countProcs() > before - procs + 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  }
}
