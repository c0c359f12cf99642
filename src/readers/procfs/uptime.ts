/** Read `/proc/uptime`: seconds since boot (first field), the clock of stat's start times. Throws NsxError. */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { ParseError } from '../../errors.js';

/** Parse `/proc/uptime` (`12345.67 23456.78`): the seconds since boot. Pure; ParseError when malformed. */
export function parseUptime(text: string, source = '<string>'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s/.exec(text + ' ');
  if (!m) throw new ParseError(source, `expected seconds since boot, got ${JSON.stringify(text.slice(0, 40))}`, 1);
  return Number(m[1]);
}

export function readUptime(paths: HostPaths): number {
  const p = join(paths.proc, 'uptime');
  return parseUptime(readText(p), p);
}
