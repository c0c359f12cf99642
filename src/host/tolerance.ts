/**
 * The one place that decides which failures are tolerated while reading a live host (after below's `wrap()`).
 *
 * - `gone`: the object vanished or is not there (a process exited: ENOENT/ESRCH; a cgroup was removed:
 *   ENOENT/ENODEV; a path component is not a directory: ENOTDIR; ENXIO). Skip it; the rest of the listing stands.
 * - `denied`: not allowed to read it (EACCES/EPERM, typically when unprivileged). Skip it, but the
 *   output must say it is incomplete.
 * - anything else (EIO, EINVAL, a TypeError, …) is a real failure and propagates.
 *
 * Readers use `wrap(tol, path, () => read(...))` — the tolerated outcome becomes `undefined` and is recorded
 * in the Tolerance; or, in a catch block of their own, `tol.absorb(e, path)`. No other module decides this.
 *
 *     const text = wrap(tol, file, () => readWhole(file));   // string | undefined
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
   * Call from a catch block: returns normally when `e` is tolerable (and records it), rethrows otherwise
   * (Node fs errors as the matching NsxError naming `path`). `path` names what was being read.
   */
  absorb(e: unknown, path: string): void {
    const kind = classifyTolerable(e);
    if (kind === 'gone') this.gone++;
    else if (kind === 'denied') this.denied.push(path);
    else throw errnoOf(e) !== undefined ? fromFsError(e, path) : e;
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
 * Run a read; a gone/denied failure becomes `undefined` and is recorded in `tol` (when given), anything else
 * propagates (Node fs errors converted to the NsxError naming `path`). THE tolerance wrapper of nsx.
 */
export function wrap<T>(tol: Tolerance | undefined, path: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    const kind = classifyTolerable(e);
    if (kind === undefined) throw errnoOf(e) !== undefined ? fromFsError(e, path) : e;
    if (tol) {
      if (kind === 'gone') tol.gone++;
      else tol.denied.push(path);
    }
    return undefined;
  }
}

/** Like `wrap`, but only "gone" is tolerated (and not recorded); denied and everything else propagate. */
export function wrapGone<T>(path: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (classifyTolerable(e) === 'gone') return undefined;
    throw errnoOf(e) !== undefined ? fromFsError(e, path) : e;
  }
}
