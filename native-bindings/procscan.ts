/**
 * The batched reads of nsx-procscan.node (nsx-procscan.node.c): many small kernel files in few Node-API calls, for
 * the process table (src/readers/procfs/scan.ts) and kept descriptors re-read together. Optional: undefined when
 * the addon was not built (no C compiler at install) or does not load; callers then read file by file.
 * `NSX_NO_PROCSCAN=1` turns it off (to compare both paths; it only makes nsx read file by file).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, constants } from 'node:os';
import { join } from 'node:path';
import { wrap } from '../src/host/tolerance.js';
import { buildDir } from './enter.js';

/** A scan under way (an external handle of the addon). */
export type ScanHandle = object;

export interface ProcScanAddon {
  /**
   * Start reading, for each PID: the owner of `proc/PID` (SCAN_OWNER), each of `files` read whole, readlink of
   * each of `links` (both NUL-separated, relative to `proc/PID`), then status (SCAN_STATUS) unless the `ns/pid`
   * link reads exactly `pidLink` (when not empty). -errno when `proc` cannot be opened.
   */
  scanStart(proc: string, pids: Int32Array, files: string, links: string, flags: number, pidLink: string): ScanHandle | number;
  /**
   * The next chunk of records, in PID order; null after the last. A record: int32 pid, then per part int32 n
   * and n bytes (n < 0: -errno; SCAN_SKIPPED: status not read).
   */
  scanNext(h: ScanHandle): Buffer | null | number;
  /** Stop and free a scan (idempotent). */
  scanClose(h: ScanHandle): number;
  /** pread each fd from 0 until 0 into `out`, one after the other; lens[i] = length or -errno; total or -errno. */
  readFds(fds: Int32Array, out: Buffer, lens: Int32Array): number;
  /**
   * One sample's files (the sampler, src/sampler/fd-source.ts): per item an fd (pread from 0 until 0), -1 (the
   * next NUL-terminated path of `paths`: open, read until 0, close) or -2 (the same, kept open: its fd in kept[i],
   * which the caller fills with -1 first), one after the other into `out`; lens[i] =
   * length or -errno; total or -errno. Starts at item `from`, its bytes at `at`: on -ENOBUFS (lens = -ENOBUFS from
   * the first file that did not fit) copy out[0..at) to a bigger buffer and ask again from there. Absent from
   * builds before it (optional).
   */
  readBatch?(items: Int32Array, paths: string, out: Buffer, lens: Int32Array, from: number, at: number, kept: Int32Array): number;
  /** sysconf(_SC_PAGESIZE) */
  pageSize(): number;
}

/** scan flags: a second thread reads ahead while the caller consumes */
export const SCAN_THREAD = 1;
/** scan flags: each record starts with the owner (st_uid) of the process's directory */
export const SCAN_OWNER = 2;
/** scan flags: each record ends with status (unless the ns/pid link matched) */
export const SCAN_STATUS = 4;
/** the length of a status the scan did not read */
export const SCAN_SKIPPED = -1000000;

let addon: ProcScanAddon | null | undefined;

/** The addon, or undefined when it is not built, does not load, or is turned off. */
export function procScanAddon(): ProcScanAddon | undefined {
  if (addon === undefined) {
    addon = null;
    const p = join(buildDir(), 'nsx-procscan.node');
    if (process.env.NSX_NO_PROCSCAN !== '1' && existsSync(p)) {
      const m = { exports: {} as Partial<ProcScanAddon> };
      // not loadable here (another architecture, a stale build): file-by-file reads instead
      if (wrap(undefined, p, (x) => (process.dlopen(m, x), true), 'optional') && ['scanStart', 'scanNext', 'scanClose', 'readFds', 'pageSize'].every((f) => typeof m.exports[f as keyof ProcScanAddon] === 'function')) {
        addon = m.exports as ProcScanAddon;
      }
    }
  }
  return addon ?? undefined;
}

let names: Map<number, string> | undefined;

/** errno number → its name (`2` → `ENOENT`), as Node's errors carry it in `code`. */
export function errnoName(n: number): string {
  if (!names) {
    names = new Map();
    for (const [k, v] of Object.entries(constants.errno)) if (!names.has(v)) names.set(v, k);
  }
  return names.get(n) ?? `E${n}`;
}

/** Is a second thread worth it: may this process run on two CPUs or more? */
export function twoCpus(): boolean {
  return availableParallelism() >= 2;
}
