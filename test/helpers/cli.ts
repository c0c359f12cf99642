/** Run the built CLI (bin/nsx) as a subprocess and capture its output. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './host.js';
import { paced } from './pace.js';

export const NSX_BIN = join(REPO, 'bin', 'nsx');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `node bin/nsx ARGS` (timeout 60 s, scaled by NSX_TEST_SLOWDOWN: test/helpers/pace.ts). */
export function runNsx(args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(process.execPath, [NSX_BIN, ...args], { encoding: 'utf8', timeout: paced(60_000), maxBuffer: 256 << 20, ...opts });
  return { code: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: paced(60_000), maxBuffer: 256 << 20, ...opts });
  return { code: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Strip ANSI escape sequences (for TUI frames and coloured output). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>]/g, '');
}
