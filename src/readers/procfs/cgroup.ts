/**
 * Read `/proc/PID/cgroup`: where a process sits in each cgroup hierarchy. The one reader of that file for
 * `ps`, `ls`, `cg`, `enter` and container identity; the rules on its lines (the process's primary cgroup, its
 * identity, the hierarchy a line belongs to) are in src/model/process-cgroup.ts.
 *
 * Throws NsxError: NotFoundError (ENOENT/ESRCH: the process is gone), PermissionError, ParseError (a malformed
 * line, naming the file and line). Callers decide tolerance with src/host/tolerance.ts.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { parseProcCgroup, type ProcCgroupEntry } from '../../parse/proc-cgroup.js';
import { processCgroupsOf, type ProcessCgroups } from '../../model/process-cgroup.js';

/** `<proc>/PID/cgroup`. */
export function procCgroupPath(paths: HostPaths, pid: number | 'self'): string {
  return join(paths.proc, String(pid), 'cgroup');
}

/** Read and parse `/proc/PID/cgroup` (`self` for nsx's own). */
export function readProcCgroup(paths: HostPaths, pid: number | 'self'): ProcCgroupEntry[] {
  return readProcCgroupFile(procCgroupPath(paths, pid));
}

/**
 * Read and parse a cgroup file given by path (e.g. through a pinned `/proc/self/fd/N` directory); `source`
 * names it in errors.
 */
export function readProcCgroupFile(file: string, source = file): ProcCgroupEntry[] {
  return parseProcCgroup(readText(file), source);
}

/** `readProcCgroup` plus the identity and the primary cgroup path. */
export function readProcessCgroups(paths: HostPaths, pid: number | 'self'): ProcessCgroups {
  return processCgroupsOf(readProcCgroup(paths, pid));
}
export type { ProcessCgroups } from '../../model/process-cgroup.js';
