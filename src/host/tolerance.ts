/**
 * The one place that decides which failures are tolerated while walking a live host.
 *
 * - `gone`: the object vanished mid-walk (a process exited: ENOENT/ESRCH; a cgroup was removed:
 *   ENOENT/ENODEV). Skip it silently; the rest of the listing stands.
 * - `denied`: not allowed to read it (EACCES/EPERM, typically when unprivileged). Skip it, but the
 *   output must say it is incomplete.
 * - anything else is a real failure and is rethrown.
 */
import { errnoOf, isNsxError } from '../errors.js';

export type Tolerated = 'gone' | 'denied';

/** Classify an error: 'gone', 'denied', or undefined when it must not be tolerated. */
export function classifyTolerable(e: unknown): Tolerated | undefined {
  const code = isNsxError(e) ? e.errno : errnoOf(e);
  switch (code) {
    case 'ENOENT':
    case 'ESRCH':
    case 'ENODEV':
    case 'ENOTDIR':
    case 'ENXIO':
      return 'gone';
    case 'EACCES':
    case 'EPERM':
      return 'denied';
    default:
      return undefined;
  }
}

/** What a walk could not see. Serialisable; views print a warning (text) or a field (JSON). */
export interface Incompleteness {
  /** objects that vanished mid-walk */
  gone: number;
  /** paths that could not be read for lack of permission */
  denied: string[];
}

/** Collects tolerated failures during one walk. */
export class Tolerance {
  gone = 0;
  readonly denied: string[] = [];

  /**
   * Call from a catch block: returns normally when `e` is tolerable (and records it), rethrows otherwise.
   * `path` names what was being read.
   */
  absorb(e: unknown, path: string): void {
    const kind = classifyTolerable(e);
    if (kind === 'gone') this.gone++;
    else if (kind === 'denied') this.denied.push(path);
    else throw e;
  }

  /** True when permission errors made the result incomplete (vanished processes do not count). */
  get incomplete(): boolean {
    return this.denied.length > 0;
  }

  toJSON(): Incompleteness {
    return { gone: this.gone, denied: [...this.denied] };
  }
}
