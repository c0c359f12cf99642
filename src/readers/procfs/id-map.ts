/** Read `/proc/PID/uid_map` and `/proc/PID/gid_map` (user_namespaces(7)); parsed by src/parse/id-map.ts. */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readWhole } from '../../host/read.js';
import { parseIdMap, type IdMapRange } from '../../parse/id-map.js';
import { wrap } from '../../host/tolerance.js';

/** The ranges of one map; null when the file does not exist (kernel without user namespaces). Throws NsxError. */
export function readIdMap(paths: HostPaths, pid: number | 'self', name: 'uid_map' | 'gid_map'): IdMapRange[] | null {
  const p = join(paths.proc, String(pid), name);
  const t = wrap(undefined, p, readWhole, 'gone');
  return t === undefined ? null : parseIdMap(t, p);
}
