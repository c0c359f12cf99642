/**
 * systemd's own tools as oracles: parsers of `systemd-cgls --no-pager` (the whole tree, with full paths) and of
 * `systemd-cgtop -b --raw` (one table per iteration), as systemd 252 prints them. Test support, not product code.
 */

/** A tree as systemd-cgls prints it: every cgroup path, and the cgroup of every process line. */
export interface CglsTree {
  readonly cgroups: Set<string>;
  readonly pids: Map<number, string>;
}

/**
 * Parse `systemd-cgls --no-pager [--all]` of the whole tree. Lines are indented two columns per level (tree glyphs
 * `├─ └─ │`); the root is `-.slice`; a cgroup line may end in ` …` (delegated) and ` (#INODE)`; a process line is
 * `PID COMMAND`; lines starting with `→` are extended attributes (systemd ≥ 250) and are skipped.
 */
export function parseCgls(out: string): CglsTree {
  const cgroups = new Set<string>();
  const pids = new Map<number, string>();
  const stack: string[] = []; // stack[d] = path of the cgroup at depth d
  for (const raw of out.split('\n')) {
    if (raw === '' || /^(Control group|CGroup) /.test(raw)) continue;
    // the tree part: a pair of characters per level ("│ " or "  "), then the line's own connector ("├─", "└─");
    // a process line pads its PID to the widest PID of its cgroup ("├─ 206", "└─4723")
    const m = /^((?:│ | {2})*)(├─|└─)? *(.*)$/.exec(raw)!;
    const text = m[3];
    if (text.startsWith('→')) continue;
    const depth = [...m[1]].length / 2 + (m[2] ? 1 : 0);
    const pid = /^(\d+) /.exec(text);
    if (pid) {
      const owner = stack[depth - 1];
      if (owner !== undefined) pids.set(Number(pid[1]), owner);
      continue;
    }
    const name = text.replace(/ \(#\d+\)$/, '').replace(/ …$/, '');
    const path = depth === 0 ? '/' : `${stack[depth - 1] === '/' ? '' : stack[depth - 1]}/${name}`;
    stack.length = depth;
    stack[depth] = path;
    cgroups.add(path);
  }
  return { cgroups, pids };
}

/** One row of systemd-cgtop: tasks, CPU % (100 = one CPU), memory bytes; null where it prints `-`. */
export interface CgtopRow {
  readonly tasks: number | null;
  readonly cpu: number | null;
  readonly memory: number | null;
}

/**
 * Parse `systemd-cgtop -b --raw -n N`: one Map path → row per iteration (tables are separated by a blank line;
 * paths are printed without their leading `/`, the root as `/`).
 */
export function parseCgtop(out: string): Map<string, CgtopRow>[] {
  const tables: Map<string, CgtopRow>[] = [];
  let cur: Map<string, CgtopRow> | undefined;
  const n = (s: string) => (s === '-' ? null : Number(s));
  for (const line of out.split('\n')) {
    if (line.trim() === '') {
      cur = undefined;
      continue;
    }
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] === 'Control') continue;
    if (!cur) tables.push((cur = new Map()));
    const path = f[0] === '/' ? '/' : `/${f[0]}`;
    cur.set(path, { tasks: n(f[1]), cpu: n(f[2]), memory: n(f[3]) });
  }
  return tables;
}
