/**
 * Side-by-side benchmark helpers: time commands alternately in one run and report medians and ratios.
 * `NSX` runs bin/nsx itself (its `#!/bin/sh` launcher, then Node), as a user's `nsx` does.
 */
import { spawnSync } from 'node:child_process';
import { rmdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const NSX = [join(REPO, 'bin', 'nsx')];

export interface Timed {
  readonly label: string;
  readonly samplesMs: number[];
  readonly medianMs: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time of one run of argv (ms); throws when it exits non-zero. */
export function timeOnce(argv: readonly string[], opts: { allowFail?: boolean } = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
  return ms;
}

/** Run each command `runs` times, interleaved (A B C A B C …) after `warmup` rounds. */
export function compare(cmds: ReadonlyArray<{ label: string; argv: readonly string[] }>, runs = 15, warmup = 2): Timed[] {
  const samples = cmds.map(() => [] as number[]);
  for (let r = 0; r < warmup + runs; r++) {
    cmds.forEach((c, i) => {
      const ms = timeOnce(c.argv);
      if (r >= warmup) samples[i].push(ms);
    });
  }
  return cmds.map((c, i) => ({ label: c.label, samplesMs: samples[i], medianMs: median(samples[i]) }));
}

export function report(title: string, timed: readonly Timed[]): void {
  console.log(`\n== ${title}`);
  for (const t of timed) console.log(`  ${t.label.padEnd(40)} median ${t.medianMs.toFixed(1).padStart(8)} ms  (n=${t.samplesMs.length})`);
}

export function ratio(a: Timed, b: Timed): number {
  return a.medianMs / b.medianMs;
}

/**
 * CPU time (user + system, ms) of one run of argv and of every process it waited for, from the kernel's own
 * accounting (getrusage of the children, as bash's `time` reports it, to the microsecond).
 */
export function cpuOnce(argv: readonly string[]): number {
  const script = 'TIMEFORMAT="@@CPU %3U %3S"; exec 3>&2; { time "$@" >/dev/null 2>&3 </dev/null; } 2>&1';
  const r = spawnSync('bash', ['-c', script, 'bash', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const m = /@@CPU ([\d.]+) ([\d.]+)/.exec(String(r.stdout));
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-300)}`);
  return (Number(m[1]) + Number(m[2])) * 1000;
}

/** Like `compare`, but CPU time per run (the process's own accounting) instead of wall time. */
export function compareCpu(cmds: ReadonlyArray<{ label: string; argv: readonly string[] }>, runs = 15, warmup = 2): Timed[] {
  const samples = cmds.map(() => [] as number[]);
  for (let r = 0; r < warmup + runs; r++) {
    cmds.forEach((c, i) => {
      const ms = cpuOnce(c.argv);
      if (r >= warmup) samples[i].push(ms);
    });
  }
  return cmds.map((c, i) => ({ label: c.label, samplesMs: samples[i], medianMs: median(samples[i]) }));
}

/**
 * End a benchmark's workload: SIGKILL its process group (`pgid`, started detached), then remove its cgroup
 * directories (children first: `dirs` parents first), each retried `tries` × 50 ms while its processes are reaped.
 */
export async function killAndRemove(pgid: number, dirs: readonly string[], tries: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const d of [...dirs].reverse()) {
    for (let i = 0; i < tries; i++) {
      try {
        rmdirSync(d);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50)); // its processes are still being reaped
      }
    }
  }
}
