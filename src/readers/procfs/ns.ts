/**
 * Read `/proc/PID/ns/<type>`: the namespace links of a process (`readlink` → `net:[4026531840]`, the number
 * is the nsfs inode). No FFI: the inode comes from the link text.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readLink, statPath } from '../../host/read.js';
import { parseNsLink, type NsType } from '../../parse/nsid-link.js';
import { classifyTolerable } from '../../host/tolerance.js';

/** Path of a namespace link, `<proc>/PID/ns/TYPE`. */
export function nsLinkPath(paths: HostPaths, pid: number, type: NsType): string {
  return join(paths.proc, String(pid), 'ns', type);
}

/** Read one link; undefined when the kernel has no such namespace type (e.g. `time` before 5.6). Throws NsxError otherwise. */
export function readNsLink(paths: HostPaths, pid: number, type: NsType): number | undefined {
  return readOne(paths, pid, `${paths.proc}/${pid}/ns/`, type);
}

/** The hot path of the walk: plain string paths (no join) and a parse without regex for the usual `type:[N]`. */
function readOne(paths: HostPaths, pid: number, dir: string, type: NsType): number | undefined {
  let text: string;
  try {
    text = readLink(dir + type);
  } catch (e) {
    if (classifyTolerable(e) === 'gone' && !pidDirGone(paths, pid)) return undefined;
    throw e;
  }
  const n = type.length;
  if (text.length > n + 3 && text.charCodeAt(n) === 58 /* : */ && text.startsWith(type) && text.charCodeAt(text.length - 1) === 93 /* ] */) {
    const ino = Number(text.slice(n + 2, -1));
    if (Number.isSafeInteger(ino)) return ino;
  }
  const l = parseNsLink(text);
  return l && l.type === type ? l.inode : undefined;
}

/** The process is gone when its `ns` directory is (as opposed to one type missing on this kernel). */
function pidDirGone(paths: HostPaths, pid: number): boolean {
  try {
    statPath(join(paths.proc, String(pid), 'ns'));
    return false;
  } catch (e) {
    return classifyTolerable(e) === 'gone';
  }
}

/**
 * Read the links of the given types. Per-type failures other than "no such type" throw (the caller's
 * Tolerance decides). Returns inode per type.
 */
export function readNsLinks(paths: HostPaths, pid: number, types: readonly NsType[]): Partial<Record<NsType, number>> {
  const out: Partial<Record<NsType, number>> = {};
  const dir = `${paths.proc}/${pid}/ns/`;
  for (const t of types) {
    const ino = readOne(paths, pid, dir, t);
    if (ino !== undefined) out[t] = ino;
  }
  return out;
}
