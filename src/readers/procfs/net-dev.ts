/**
 * `/proc/PID/net/dev`: the interfaces of process PID's network namespace and their counters (the parser:
 * src/parse/net-dev.ts). Read as a whole (src/host/read.ts). Throws NsxError (gone, denied, …) for the caller's
 * Tolerance; a file that does not parse is a ParseError naming it.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { parseNetDev, type NetDevice } from '../../parse/net-dev.js';

/** The interfaces of PID's network namespace (`/proc/PID/net/dev`). */
export function readNetDev(paths: HostPaths, pid: number): NetDevice[] {
  const file = join(paths.proc, String(pid), 'net/dev');
  return parseNetDev(readText(file), file);
}
