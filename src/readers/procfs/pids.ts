/**
 * The process list: the numeric entries of `/proc` (`<proc>/[0-9]+`), and the owner of a process
 * directory (`stat /proc/PID`: st_uid is the process's effective UID, as lsns reads it).
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { listDir, statPath } from '../../host/read.js';
import { wrap } from '../../host/tolerance.js';

/** Read `/proc`: the PIDs of all processes (thread groups), ascending. */
export function readPids(paths: HostPaths): number[] {
  const out: number[] = [];
  let sorted = true;
  for (const name of listDir(paths.proc)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const n = Number(name);
    if (!Number.isSafeInteger(n)) continue;
    if (out.length && n < out[out.length - 1]) sorted = false;
    out.push(n);
  }
  // the kernel lists /proc in PID order already; a recorded host may not
  return sorted ? out : out.sort((a, b) => a - b);
}

/** Does `/proc/PID` exist? (False too when it cannot be looked at; other failures throw.) */
export function pidExists(paths: HostPaths, pid: number): boolean {
  const dir = join(paths.proc, String(pid));
  return wrap(undefined, dir, () => statPath(dir)) !== undefined;
}

/** Read the owner of `/proc/PID` (stat(2) st_uid). Throws NsxError (ENOENT when the process is gone). */
export function readPidDirUid(paths: HostPaths, pid: number): number {
  return statPath(join(paths.proc, String(pid))).uid;
}
