/**
 * Parser for `/proc/PID/cgroup` (also `/proc/self/cgroup`).
 *
 * Every line is `HIERARCHY-ID:CONTROLLER-LIST:PATH`:
 *   - `4:cpu,cpuacct:/docker/abc`          v1 hierarchy with controllers
 *   - `1:name=systemd:/user.slice/…`       v1 named hierarchy (no controllers; `name` set)
 *   - `5:cpu,name=foo:/x`                  controllers plus a name (allowed by the kernel)
 *   - `0::/system.slice/x.service`         the cgroup2 (unified) hierarchy: id 0, empty list
 *   - `3:memory:/a:b:c`                    PATH may contain ':' — split on the first two only
 *   - `0::/../../x`                        seen from inside a cgroup namespace: kept verbatim
 *   - `12:misc:/ (deleted)`                paths of removed cgroups carry " (deleted)": kept verbatim
 *
 * Pure: `parseProcCgroup(text, source?)`. Blank lines are skipped; a line that is not of the
 * form above throws ParseError naming the source and line. A missing final newline is fine.
 */
import { ParseError } from '../errors.js';

/** One line of /proc/PID/cgroup. */
export interface ProcCgroupEntry {
  /** Hierarchy ID (0 for cgroup2). */
  readonly hierarchyId: number;
  /** Controllers attached to that hierarchy (empty for cgroup2 and for pure named hierarchies). */
  readonly controllers: string[];
  /** The `name=` of a named v1 hierarchy (e.g. `systemd`), if any. */
  readonly name?: string;
  /** The cgroup path relative to the hierarchy root (as the reading process's cgroup namespace sees it). */
  readonly path: string;
}

/** Parse the text of /proc/PID/cgroup. */
export function parseProcCgroup(text: string, source = '<string>'): ProcCgroupEntry[] {
  const out: ProcCgroupEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const c1 = line.indexOf(':');
    const c2 = c1 < 0 ? -1 : line.indexOf(':', c1 + 1);
    if (c1 < 0 || c2 < 0) throw new ParseError(source, `expected ID:CONTROLLERS:PATH, got ${JSON.stringify(line.slice(0, 80))}`, i + 1);
    const idText = line.slice(0, c1);
    if (!/^\d+$/.test(idText)) throw new ParseError(source, `bad hierarchy id ${JSON.stringify(idText.slice(0, 40))}`, i + 1);
    const hierarchyId = Number(idText);
    const list = line.slice(c1 + 1, c2);
    const path = line.slice(c2 + 1);
    if (path === '') throw new ParseError(source, 'empty cgroup path', i + 1);
    const controllers: string[] = [];
    let name: string | undefined;
    for (const item of list.split(',')) {
      if (item === '') continue;
      if (item.startsWith('name=')) name = item.slice(5);
      else controllers.push(item);
    }
    out.push(name === undefined ? { hierarchyId, controllers, path } : { hierarchyId, controllers, name, path });
  }
  return out;
}

/**
 * The key identifying a hierarchy across files: `0` / cgroup2 → `''`, named → `name=systemd`,
 * controllers → their sorted comma list (`cpu,cpuacct`). Mountinfo super options give the same key.
 */
export function hierarchyKey(controllers: readonly string[], name?: string): string {
  const parts = [...controllers].sort();
  if (name !== undefined) parts.push(`name=${name}`);
  return parts.join(',');
}
