/**
 * Read `/proc/PID/mountinfo` (default `self`) and parse it (see src/parse/mountinfo.ts). Malformed lines are
 * skipped (they cannot describe a usable mount). Throws NsxError when the file cannot be read.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { parseMountinfo, type MountinfoEntry } from '../../parse/mountinfo.js';

export function readMountinfo(paths: HostPaths, pid: number | 'self' = 'self'): MountinfoEntry[] {
  const p = join(paths.proc, String(pid), 'mountinfo');
  return parseMountinfo(readText(p), p);
}
