/**
 * The one place that decides which failures are tolerated (after below's `wrap()`). Three names, used everywhere:
 *
 *   wrap(tol, path, read, policy?)   run `read(path)`; a tolerated failure becomes `undefined` (recorded in `tol`)
 *   tol.absorb(e, path, policy?)     the same decision in a catch block of one's own: record, or rethrow
 *   classifyTolerable(e)             'gone' | 'denied' | undefined, for a call site that only needs to know
 *
 * - `gone`: the object vanished or is not there (a process exited: ENOENT/ESRCH; a cgroup was removed:
 *   ENOENT/ENODEV; a path component is not a directory: ENOTDIR; ENXIO). Skip it; the rest of the listing stands.
 * - `denied`: not allowed to read it (EACCES/EPERM, typically when unprivileged). Skip it, but the
 *   output must say it is incomplete.
 * - anything else (EIO, EINVAL, a TypeError, …) is a real failure and propagates (a Node system error as the
 *   NsxError naming the path).
 *
 * What a call site tolerates is one of the policies below; no other module decides it.
 *
 *     const text = wrap(tol, file, readWhole);                  // string | undefined: gone or denied
 *     const text = wrap(undefined, file, readWhole, 'gone');   // only a missing file is undefined
 */
import { errnoOf, fromFsError, isNsxError } from '../errors.js';

export type Tolerated = 'gone' | 'denied';

const GONE = new Set(['ENOENT', 'ESRCH', 'ENODEV', 'ENOTDIR', 'ENXIO']);
const DENIED = new Set(['EACCES', 'EPERM']);

/** Classify an error: 'gone', 'denied', or undefined when it must not be tolerated. */
export function classifyTolerable(e: unknown): Tolerated | undefined {
  const code = isNsxError(e) ? e.errno : errnoOf(e);
  if (code === undefined) return undefined;
  if (GONE.has(code)) return 'gone';
  if (DENIED.has(code)) return 'denied';
  return undefined;
}

/** What a walk could not see. Serialisable; views print a warning (text) or a field (JSON). */
export interface Incompleteness {
  /** objects that vanished mid-walk (or were absent) */
  gone: number;
  /** paths that could not be read for lack of permission */
  denied: string[];
}

/** Collects tolerated failures during one walk or one sample. */
export class Tolerance {
  gone = 0;
  readonly denied: string[] = [];

  /**
   * Call from a catch block: returns normally when `e` is tolerated by `policy` (default: gone or denied) and
   * records it, rethrows otherwise (Node fs errors as the matching NsxError naming `path`). `path` names what was
   * being read.
   */
  absorb(e: unknown, path: string, policy: Policy = 'unreadable'): void {
    settle(this, e, path, policy);
  }

  /** True when permission errors made the result incomplete (vanished processes do not count). */
  get incomplete(): boolean {
    return this.denied.length > 0;
  }

  toJSON(): Incompleteness {
    return { gone: this.gone, denied: [...this.denied] };
  }
}

/**
 * What a call site tolerates:
 * - `unreadable` (the default): gone or denied (denied paths are recorded: the output is incomplete);
 * - `gone`: only gone; a denial is a real failure there (a file whose absence is normal, as `pids.max` on the root);
 * - `cleanup`: any system error (close(2) in a cleanup path: not actionable there, and it must not hide the error
 *   being cleaned up after); a bad argument (a bug) still propagates;
 * - `optional`: any Error (an optional native part — koffi, a libc function, a Node addon — missing or not loadable
 *   on this host: the caller falls back to doing without).
 */
export type Policy = 'unreadable' | 'gone' | 'cleanup' | 'optional';

/** Is `e` tolerated under `policy`, and as what (what `tol` records)? undefined: it must propagate. */
function tolerated(e: unknown, policy: Policy): Tolerated | 'quiet' | undefined {
  switch (policy) {
    case 'unreadable':
      return classifyTolerable(e);
    case 'gone':
      return classifyTolerable(e) === 'gone' ? 'gone' : undefined;
    case 'cleanup':
      return typeof (e as { syscall?: unknown } | null)?.syscall === 'string' ? 'quiet' : undefined;
    case 'optional':
      return e instanceof Error ? 'quiet' : undefined;
  }
}

/** Record a tolerated failure in `tol`, or rethrow (Node system errors as the NsxError naming `path`). */
function settle(tol: Tolerance | undefined, e: unknown, path: string, policy: Policy): void {
  const kind = tolerated(e, policy);
  if (kind === undefined) throw errnoOf(e) !== undefined ? fromFsError(e, path) : e;
  if (tol && kind === 'gone') tol.gone++;
  else if (tol && kind === 'denied') tol.denied.push(path);
}

/**
 * Run `read(path)`; a failure tolerated by `policy` (default: gone or denied) becomes `undefined` and is recorded
 * in `tol` (when given), anything else propagates (Node fs errors converted to the NsxError naming `path`). THE
 * tolerance wrapper of nsx.
 */
export function wrap<T>(tol: Tolerance | undefined, path: string, read: (path: string) => T, policy: Policy = 'unreadable'): T | undefined {
  try {
    return read(path);
  } catch (e) {
    settle(tol, e, path, policy);
    return undefined;
  }
}
