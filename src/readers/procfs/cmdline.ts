/** Read `/proc/PID/cmdline` (NUL-separated argv; empty for kernel threads). Throws NsxError. */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { parseCmdline, cmdlineToString } from '../../parse/cmdline.js';

/** The raw text of the file. */
export function readCmdlineText(paths: HostPaths, pid: number | 'self'): string {
  return readText(join(paths.proc, String(pid), 'cmdline'));
}

/** The argument vector. */
export function readCmdline(paths: HostPaths, pid: number | 'self'): string[] {
  return parseCmdline(readCmdlineText(paths, pid));
}

/** The command line joined with spaces, undefined when empty. */
export function readCmdlineString(paths: HostPaths, pid: number | 'self'): string | undefined {
  return cmdlineToString(readCmdlineText(paths, pid));
}
