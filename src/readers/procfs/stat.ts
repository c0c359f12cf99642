/** Read `/proc/PID/stat` and parse it (see src/parse/stat.ts). Throws NsxError (ParseError names the file). */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { parseStat, type ProcStat } from '../../parse/stat.js';

export function readStat(paths: HostPaths, pid: number | 'self'): ProcStat {
  const p = join(paths.proc, String(pid), 'stat');
  return parseStat(readText(p), p);
}
