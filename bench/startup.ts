/**
 * `npm run bench -- startup`: short commands against Node's own start-up, side by side in one run.
 *
 * Scenario: an idle host, made reproducible as a fresh PID and mount namespace (`unshare --pid --fork
 * --mount-proc`) in which the benchmark is the only workload: /proc shows its own few processes, the
 * namespaces are the host's plus those of one target process (`unshare --net --uts --ipc sleep`). In it, 31
 * interleaved runs (after 3 warm-up rounds) of:
 *   - `node -e 0`                       the floor: Node starting and exiting
 *   - `nsx ls -J -l`                    target: median ≤ node -e 0 + 15 ms
 *   - `nsx enter -t PID -a true`        target: median ≤ 1.1 × node -e 0
 *   - `lsns -J -l`, `nsenter -t PID -a true`   the C tools, for scale
 * Wall time per run is what a user waits for; the medians and their difference/ratio are printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compare, report, ratio, NSX } from './lib.js';

const INSIDE = 'NSX_BENCH_STARTUP_INSIDE';

function childOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids[0];
  } catch {
    return undefined; // not there yet
  }
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
    report(`startup: idle host (a fresh PID namespace, ${nproc} processes visible), ${runs} interleaved runs each`, timed);
    const [node, ls, enter] = timed;
    const d = ls.medianMs - node.medianMs;
    console.log(`  nsx ls -J -l − node -e 0 = ${d.toFixed(1)} ms (target ≤ 15 ms: ${d <= 15 ? 'met' : 'NOT met'})`);
    const r = ratio(enter, node);
    console.log(`  nsx enter -t PID -a true / node -e 0 = ${r.toFixed(2)}× (target ≤ 1.10×: ${r <= 1.1 ? 'met' : 'NOT met'})`);
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
