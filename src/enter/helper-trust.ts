/**
 * `NSX_ENTER_HELPER` names the program `nsx enter` hands its descriptors to, and that program runs as whoever runs
 * nsx — root, usually. The variable is honoured only for a file nobody else can change: the file and its directory
 * owned by root or the caller and writable by no one else (no group or world write bit), every directory above
 * owned by root or the caller and not writable by others unless sticky (as /tmp: others cannot rename or remove
 * what is not theirs there), both along the path as given and along the path its symbolic links resolve to. Never
 * in a set-user-ID or set-group-ID process (the kernel's AT_SECURE, from /proc/self/auxv), whose environment
 * belongs to a less privileged caller.
 *
 * Reads: `/proc/self/auxv`; stat(2) of the file and of its directories.
 */
import { realpathSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { hostPaths } from '../host/paths.js';
import { lstatPath, readWholeBytes } from '../host/read.js';
import { wrap } from '../host/tolerance.js';

/** What the check needs to know of a file (tests pass a table). */
export interface TrustStat {
  readonly uid: number;
  readonly mode: number;
  readonly kind: 'file' | 'dir' | 'link' | 'other';
}

/** The facts the check depends on: the caller, whether the process is set-id, the file system. */
export interface TrustFacts {
  readonly euid: number;
  readonly setId: boolean;
  /** lstat(2), or undefined when the path does not exist */
  stat(path: string): TrustStat | undefined;
  /** realpath(3); throws for a path that does not resolve */
  realpath(path: string): string;
}

const AT_NULL = 0;
const AT_SECURE = 23;

/**
 * AT_SECURE from an auxiliary vector (/proc/self/auxv: pairs of native words, type then value, ending with AT_NULL).
 * `word`: 8 on 64-bit systems, 4 on 32-bit. Pure.
 */
export function atSecureOf(auxv: Buffer, word: 4 | 8, littleEndian = true): boolean {
  const at = (i: number): bigint =>
    word === 8 ? (littleEndian ? auxv.readBigUInt64LE(i) : auxv.readBigUInt64BE(i)) : BigInt(littleEndian ? auxv.readUInt32LE(i) : auxv.readUInt32BE(i));
  for (let i = 0; i + 2 * word <= auxv.length; i += 2 * word) {
    const type = at(i);
    if (type === BigInt(AT_NULL)) break;
    if (type === BigInt(AT_SECURE)) return at(i + word) !== 0n;
  }
  return false;
}

/** Is this process set-id (AT_SECURE, or real and effective ids that differ)? */
export function processIsSetId(): boolean {
  if (process.getuid?.() !== process.geteuid?.() || process.getgid?.() !== process.getegid?.()) return true;
  const file = `${hostPaths().proc}/self/auxv`;
  const auxv = wrap(undefined, file, readWholeBytes);
  const word = process.arch === 'x64' || process.arch === 'arm64' || process.arch === 'ppc64' || process.arch === 's390x' || process.arch === 'riscv64' || process.arch === 'loong64' ? 8 : 4;
  return auxv !== undefined && atSecureOf(auxv, word, endianness() === 'LE');
}

/** The live process and file system. */
export function liveTrustFacts(): TrustFacts {
  return {
    euid: process.geteuid?.() ?? -1,
    setId: processIsSetId(),
    stat(path) {
      const st = wrap(undefined, path, lstatPath);
      if (!st) return undefined;
      return { uid: st.uid, mode: st.mode, kind: st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' };
    },
    realpath: (path) => realpathSync(path),
  };
}

const GROUP_OR_WORLD_WRITE = 0o022;
const STICKY = 0o1000;

/** Whose write bits are set, in words ("its group", "everyone", "its group and everyone"). */
function writers(mode: number): string {
  const g = (mode & 0o020) !== 0;
  const o = (mode & 0o002) !== 0;
  return g && o ? 'its group and everyone' : g ? 'its group' : 'everyone';
}

/**
 * Why `NSX_ENTER_HELPER=path` must not be used (one line, `nsx enter: NSX_ENTER_HELPER=…: what; try …`), or
 * undefined when it may. A path that does not exist is not refused here (the caller says it is missing).
 */
export function helperEnvRefusal(path: string, f: TrustFacts = liveTrustFacts()): string | undefined {
  const subject = `nsx enter: NSX_ENTER_HELPER=${path}`;
  if (f.setId) return `${subject}: ignored in a set-user-ID or set-group-ID process (its environment is not trusted)`;
  if (!path.startsWith('/')) return `${subject}: not an absolute path; try NSX_ENTER_HELPER=/full/path/to/nsx-enter`;
  if (!f.stat(path)) return undefined;
  // a dangling link: missing, as the caller says
  const real = wrap(undefined, path, (p) => f.realpath(p));
  if (real === undefined) return undefined;
  const owned = (st: TrustStat) => st.uid === 0 || st.uid === f.euid;
  const file = f.stat(real);
  if (!file) return undefined;
  if (!owned(file)) return `${subject}: ${real} is owned by uid ${file.uid}, neither root nor you: refusing to run it; try a copy owned by you`;
  if (file.mode & GROUP_OR_WORLD_WRITE)
    return `${subject}: ${real} is writable by ${writers(file.mode)}: refusing to run it (others could change what nsx runs); try chmod go-w ${real}`;
  // the directories: of the path as given (where its links sit) and of the path they resolve to
  for (const start of new Set([path, real])) {
    let dir = dirname(start);
    for (let first = true; ; first = false) {
      const st = f.stat(dir);
      if (st && st.kind !== 'link') {
        if (!owned(st)) return `${subject}: the directory ${dir} is owned by uid ${st.uid}, neither root nor you: refusing to run it; try a directory of your own`;
        // the file's own directory: no one else may write to it; above: not unless sticky (others cannot rename it)
        if (st.mode & GROUP_OR_WORLD_WRITE && (first || !(st.mode & STICKY)))
          return `${subject}: the directory ${dir} is writable by ${writers(st.mode)}: refusing to run it (others could replace the file); try chmod go-w ${dir}`;
      }
      if (dir === '/') break;
      dir = dirname(dir);
    }
  }
  return undefined;
}
