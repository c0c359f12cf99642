/**
 * Read `/proc/PID/cgroup`: where a process sits in each cgroup hierarchy. The one reader of that file for
 * `ps`, `ls`, `cg`, `enter` and container identity; the rules on its lines (the process's primary cgroup, its
 * identity, the hierarchy a line belongs to) are in src/model/process-cgroup.ts.
 *
 * Throws NsxError: NotFoundError (ENOENT/ESRCH: the process is gone), PermissionError, ParseError (a malformed
 * line, naming the file and line). Callers decide tolerance with src/host/tolerance.ts.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readText } from '../../host/read.js';
import { parseProcCgroup, type ProcCgroupEntry } from '../../parse/proc-cgroup.js';
import { ParseError } from '../../errors.js';
import { processCgroupsOf, type ProcessCgroups } from '../../model/process-cgroup.js';

/** `<proc>/PID/cgroup`. */
export function procCgroupPath(paths: HostPaths, pid: number | 'self'): string {
  return join(paths.proc, String(pid), 'cgroup');
}

/** The text of `/proc/PID/cgroup`. */
export function readProcCgroupText(paths: HostPaths, pid: number | 'self'): string {
  return readText(`${paths.proc}/${pid}/cgroup`);
}

/** Read and parse `/proc/PID/cgroup` (`self` for nsx's own). */
export function readProcCgroup(paths: HostPaths, pid: number | 'self'): ProcCgroupEntry[] {
  return readProcCgroupFile(procCgroupPath(paths, pid));
}

/**
 * Parse the text of `/proc/PID/cgroup` leniently (for matching a process against a container or a cgroup): a
 * file that does not parse names no cgroup (`[]`), as does an absent one (`undefined`). Only ParseError is
 * tolerated.
 */
export function procCgroupEntriesOrNone(text: string | undefined, source: string): ProcCgroupEntry[] {
  if (text === undefined) return [];
  try {
    return parseProcCgroup(text, source);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return []; // malformed: the process belongs to no cgroup we can name
  }
}

/**
 * Parses `/proc/PID/cgroup` texts into shared, frozen entries: processes with the same text get the same array,
 * and equal lines the same entry object (thousands of processes share a handful of cgroup lines), so a long-lived
 * reader keeps one copy. `parse(text, source)` throws ParseError like parseProcCgroup.
 */
export class ProcCgroupInterner {
  private byText = new Map<string, readonly ProcCgroupEntry[]>();
  private byLine = new Map<string, ProcCgroupEntry>();
  /** parts equal lines of different hierarchies share: controller lists, paths (a leaf's path is in each) */
  private lists = new Map<string, readonly string[]>();
  private paths = new Map<string, string>();

  constructor(private readonly max = 20_000) {}

  parse(text: string, source: string): readonly ProcCgroupEntry[] {
    const hit = this.byText.get(text);
    if (hit) return hit;
    if (this.byText.size >= this.max) this.byText = new Map();
    if (this.byLine.size >= this.max) this.byLine = new Map();
    const out: ProcCgroupEntry[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let e = this.byLine.get(line);
      if (!e) {
        let parsed: ProcCgroupEntry[];
        try {
          parsed = parseProcCgroup(line, source);
        } catch (err) {
          // the whole text again, so that the ParseError names the right line
          parseProcCgroup(text, source);
          throw err;
        }
        if (parsed.length !== 1) continue;
        e = Object.freeze(this.share(parsed[0]));
        this.byLine.set(line, e);
      }
      out.push(e);
    }
    const frozen = Object.freeze(out);
    this.byText.set(text, frozen);
    return frozen;
  }

  /** The entry with its controller list and path shared with earlier entries (same keys, in the same order). */
  private share(e: ProcCgroupEntry): ProcCgroupEntry {
    if (this.paths.size >= this.max) this.paths = new Map();
    const lk = e.controllers.join(',');
    let controllers = this.lists.get(lk);
    if (controllers === undefined) this.lists.set(lk, (controllers = Object.freeze(e.controllers)));
    let path = this.paths.get(e.path);
    if (path === undefined) this.paths.set((path = e.path), path);
    // (a literal, in parseProcCgroup's key order: a spread copy would get a hidden class of its own per entry)
    const list = controllers as string[];
    return e.name === undefined ? { hierarchyId: e.hierarchyId, controllers: list, path } : { hierarchyId: e.hierarchyId, controllers: list, name: e.name, path };
  }
}

/**
 * Read and parse a cgroup file given by path (e.g. through a pinned `/proc/self/fd/N` directory); `source`
 * names it in errors.
 */
export function readProcCgroupFile(file: string, source = file): ProcCgroupEntry[] {
  return parseProcCgroup(readText(file), source);
}

/** `readProcCgroup` plus the identity and the primary cgroup path. */
export function readProcessCgroups(paths: HostPaths, pid: number | 'self'): ProcessCgroups {
  return processCgroupsOf(readProcCgroup(paths, pid));
}
export type { ProcessCgroups } from '../../model/process-cgroup.js';
