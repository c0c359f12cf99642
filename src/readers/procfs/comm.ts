/** Read `/proc/PID/comm`: the command name (at most 15 bytes, newline-terminated). Throws NsxError. */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';

export function readComm(paths: HostPaths, pid: number | 'self'): string {
  const t = readText(join(paths.proc, String(pid), 'comm'));
  return t.endsWith('\n') ? t.slice(0, -1) : t;
}
