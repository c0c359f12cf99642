/**
 * `nsx record` until SIGTERM or SIGINT: the recorder started, one line saying where and how often, failures
 * as one line each (the recorder carries on), and on the signal the sample in progress finished and the open
 * segment sealed before exit 0.
 */
import type { HostPaths } from '../host/paths.js';
import { NsxError } from '../errors.js';
import { Recorder } from './recorder.js';

export interface RunRecorderOptions {
  readonly paths: HostPaths;
  readonly dir: string;
  readonly intervalMs: number;
  readonly retainMs?: number;
  readonly maxBytes?: number;
  readonly log: (line: string) => void;
}

function human(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

export async function runRecorder(o: RunRecorderOptions): Promise<number> {
  let r: Recorder;
  try {
    r = new Recorder({ paths: o.paths, dir: o.dir, intervalMs: o.intervalMs, retainMs: o.retainMs, maxBytes: o.maxBytes, log: o.log });
  } catch (e) {
    // one line naming the command (a directory that cannot be made or locked, a host without cgroups)
    if (e instanceof NsxError && !e.message.startsWith('nsx')) throw new NsxError(e.kind, `nsx record: ${e.message}`, { path: e.path, errno: e.errno });
    throw e;
  }
  const keep = [o.retainMs !== undefined ? `retain ${human(o.retainMs)}` : '', o.maxBytes !== undefined ? `at most ${(o.maxBytes / 1e6).toFixed(0)} MB` : ''].filter(Boolean).join(', ');
  o.log(`nsx record: recording every ${human(o.intervalMs)} into ${o.dir}${keep ? ` (${keep})` : ''}`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      r.stop().then(
        () => {
          o.log(`nsx record: ${sig}: stopped, the recording is sealed`);
          resolve(0);
        },
        (e: unknown) => {
          o.log(`nsx record: could not seal the recording: ${(e as Error)?.message ?? String(e)}`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    r.start();
  });
}
