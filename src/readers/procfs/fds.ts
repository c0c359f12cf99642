/**
 * Open file descriptors of a process: `/proc/PID/fd`. On Linux ≥ 6.2 stat(2) of that directory gives their count
 * as its size (one system call, no listing); on older kernels (size 0) and on recorded hosts (`--root`, where the
 * directory is a plain one) the entries are counted. Errors as src/host/read.ts gives them (NsxError naming the
 * directory): the caller's Tolerance decides about a process that is gone or a directory it may not read.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { listDir, statPath } from '../../host/read.js';

/** The number of open fds of process `pid` (`/proc/PID/fd`). Throws NsxError. */
export function countFds(paths: HostPaths, pid: number): number {
  const dir = join(paths.proc, String(pid), 'fd');
  if (paths.live) {
    const n = statPath(dir).size;
    if (n > 0) return n;
  }
  return listDir(dir).length;
}
