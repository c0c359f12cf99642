/**
 * `npm run bench -- enter`: median wall time of `nsx enter -t PID -a true` against `nsenter -t PID -a true`
 * and against `node -e 0` (Node's own start-up, the floor), interleaved in one run, wall time then CPU time
 * (each process's own user + system, children included). Target: nsx ≤ 1.10× `node -e 0`. The target is a process made with `unshare --fork --pid --mount-proc --net --uts --ipc
 * --cgroup --time --mount sleep`, killed (by its process group) at the end.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { compare, compareCpu, report, ratio, NSX } from './lib.js';

function childOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids[0];
  } catch {
    return undefined;
  }
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 21);
  const u = spawn('unshare', ['--fork', '--pid', '--mount-proc', '--net', '--uts', '--ipc', '--cgroup', '--time', '--mount', 'sleep', '600'], {
    stdio: 'ignore',
    detached: true,
  });
  const kill = () => {
    try {
      process.kill(-u.pid!, 'SIGKILL');
    } catch {}
  };
  try {
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      pid = childOf(u.pid!);
    }
    if (pid === undefined) throw new Error('bench enter: the unshare target did not start');
    const T = String(pid);
    const timed = compare(
      [
        { label: `nsx enter -t PID -a true`, argv: [...NSX, 'enter', '-t', T, '-a', 'true'] },
        { label: `nsenter -t PID -a true`, argv: ['nsenter', '-t', T, '-a', 'true'] },
        { label: `node -e 0`, argv: [process.execPath, '-e', '0'] },
        { label: `nsx enter -t PID -n true (no fork)`, argv: [...NSX, 'enter', '-t', T, '-n', 'true'] },
        { label: `nsx --version (the CLI's own start)`, argv: [...NSX, '--version'] },
      ],
      runs,
      3,
    );
    report(`enter: ${runs} interleaved runs each`, timed);
    const r = ratio(timed[0], timed[2]);
    console.log(`  nsx enter / node -e 0 = ${r.toFixed(2)}× (target ≤ 1.10×: ${r <= 1.1 ? 'met' : 'NOT met'})`);
    console.log(`  nsx enter / nsenter   = ${ratio(timed[0], timed[1]).toFixed(1)}× (nsenter is C with no runtime to start)`);
    const cpu = compareCpu(
      [
        { label: `nsx enter -t PID -a true (CPU)`, argv: [...NSX, 'enter', '-t', T, '-a', 'true'] },
        { label: `node -e 0 (CPU)`, argv: [process.execPath, '-e', '0'] },
      ],
      runs,
      3,
    );
    report('enter, CPU time (user + system) per run', cpu);
    const rc = ratio(cpu[0], cpu[1]);
    console.log(`  CPU: nsx enter / node -e 0 = ${rc.toFixed(2)}× (target ≤ 1.10×: ${rc <= 1.1 ? 'met' : 'NOT met'})`);
  } finally {
    kill();
  }
}
