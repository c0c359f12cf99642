/**
 * The process as the namespace model sees it: plain serialisable data read from procfs.
 * Fields that were not read (not needed by the selected columns) are undefined — absent is not zero.
 */
import type { NsType } from '../parse/nsid-link.js';

export interface ProcessRecord {
  readonly pid: number;
  /** parent PID (from /proc/PID/stat), when read */
  readonly ppid?: number;
  /** namespace inode per type (from the /proc/PID/ns links), for the types that were read */
  readonly ns: Readonly<Partial<Record<NsType, number>>>;
}

/** PID → record index. */
export function indexByPid<P extends { readonly pid: number }>(procs: readonly P[]): Map<number, P> {
  const m = new Map<number, P>();
  for (const p of procs) m.set(p.pid, p);
  return m;
}
