/** Read `/proc/PID/status` and parse it (see src/parse/status.ts). Throws NsxError when unreadable. */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { parseStatus, type ProcStatus } from '../../parse/status.js';

export function readStatus(paths: HostPaths, pid: number | 'self'): ProcStatus {
  const p = join(paths.proc, String(pid), 'status');
  return parseStatus(readText(p), p);
}
