/**
 * Live-kernel test support: run only as root (skip with a printed reason otherwise), name everything
 * `nsx-test-*`, start processes we can end by PID, and clean up in finally.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SLOWDOWN } from './pace.js';

export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/** Reason to skip live tests, or false when they can run. Printed by node:test as the skip message. */
export function liveSkipReason(needs: { tools?: string[] } = {}): string | false {
  if (process.platform !== 'linux') return 'live test: not Linux';
  if (!IS_ROOT) return 'live test: needs root (run npm test as root to include it)';
  for (const t of needs.tools ?? []) {
    if (!hasTool(t)) return `live test: '${t}' is not installed`;
  }
  return false;
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** A unique name with the nsx-test- prefix. */
export function testName(what = ''): string {
  return `nsx-test-${what ? what + '-' : ''}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Start a long-running process (e.g. unshare … sleep) in its own process group; kill it (by PID) via stop(). */
export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

export function startProcess(cmd: string, args: string[], opts: SpawnOptions = {}): Started {
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true, ...opts });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = child.pid;
  let exited = false;
  child.on('exit', () => (exited = true));
  return {
    child,
    pid,
    async stop() {
      if (exited) return;
      try {
        process.kill(-pid, 'SIGKILL'); // the process group we created
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      await new Promise<void>((res) => (exited ? res() : child.once('exit', () => res())));
    },
  };
}

/**
 * Wait until `pred()` is true (polling), or throw after `ms` — scaled, with the polling interval, by
 * NSX_TEST_SLOWDOWN on a slow host (the emulated VM of `npm run test:v2`: test/helpers/pace.ts).
 */
export async function waitFor(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms * SLOWDOWN;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20 * SLOWDOWN));
  }
}

/** PIDs of the children of `pid` (from /proc/PID/task/PID/children). */
export function childrenOf(pid: number): number[] {
  const f = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** `pid` and every process below it, deepest first (children from /proc, so only what it started). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of childrenOf(p)) walk(c);
    out.push(p);
  };
  walk(pid);
  return out;
}

/**
 * End a process the test started and everything it started, by PID: SIGKILL, deepest first (a pty's shell that
 * outlives its parent would keep the pty, and the test process, alive).
 */
export function killTree(pid: number): void {
  for (const p of processTree(pid)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Delete `ip netns` names `nsx-test-<what>-<pid>-…` left by a run of a test that was killed (only when process
 * <pid> is gone: a run going on elsewhere keeps its own).
 */
export function sweepNetns(...what: string[]): void {
  if (!existsSync('/run/netns')) return;
  const re = new RegExp(`^nsx-test-(?:${what.join('|')})-(\\d+)-`);
  for (const name of readdirSync('/run/netns')) {
    const m = re.exec(name);
    if (m && !existsSync(`/proc/${m[1]}`)) spawnSync('ip', ['netns', 'delete', name]);
  }
}
