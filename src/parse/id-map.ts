/**
 * Parser for `/proc/PID/uid_map` and `/proc/PID/gid_map` (user_namespaces(7)): lines of three numbers,
 * `ID-INSIDE-NS ID-OUTSIDE-NS LENGTH`, right-aligned with spaces. The initial user namespace shows
 * `0 0 4294967295`. An empty file means no mapping was written yet. Pure; throws only ParseError naming the source.
 */
import { ParseError } from '../errors.js';

export interface IdMapRange {
  /** first id inside the namespace */
  readonly inside: number;
  /** first id outside (in the parent user namespace of the reader) */
  readonly outside: number;
  /** number of ids mapped */
  readonly count: number;
}

/** Parse an id map. Blank lines are skipped; a line without three non-negative integers throws ParseError. */
export function parseIdMap(text: string, source = '<string>'): IdMapRange[] {
  const out: IdMapRange[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/).filter(Boolean);
    if (f.length === 0) continue;
    if (f.length !== 3 || !f.every((x) => /^\d{1,10}$/.test(x))) {
      throw new ParseError(source, `expected INSIDE OUTSIDE COUNT, got ${JSON.stringify(lines[i].slice(0, 60))}`, i + 1);
    }
    out.push({ inside: Number(f[0]), outside: Number(f[1]), count: Number(f[2]) });
  }
  return out;
}

/** Is this the identity map of the initial user namespace (`0 0 4294967295`)? */
export function isIdentityMap(map: readonly IdMapRange[]): boolean {
  return map.length === 1 && map[0].inside === 0 && map[0].outside === 0 && map[0].count === 4294967295;
}
