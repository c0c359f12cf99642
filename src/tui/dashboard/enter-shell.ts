/**
 * Which shell the dashboard's `e` runs inside a target: `$SHELL` when the target's root has it, else `/bin/sh`,
 * else busybox's `sh` (busybox, alpine and distroless images lack bash). The check looks under the target's
 * root as the target sees it (`/proc/PID/root`), resolving symbolic links inside that root — an absolute link
 * such as `/bin/sh -> /bin/busybox` means the container's busybox, not the host's.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { wrap } from '../../host/tolerance.js';

/** What the shell check needs of the filesystem (tests pass a table). */
export interface FsProbe {
  /** 'link' with its target, 'file', 'dir', or undefined when absent */
  stat(path: string): { kind: 'file' | 'dir' } | { kind: 'link'; target: string } | undefined;
}

export const realFs: FsProbe = {
  stat(p) {
    // absent, or not ours to look at: no such shell there
    const st = wrap(undefined, p, (x) => lstatSync(x, { throwIfNoEntry: false }));
    if (!st) return undefined;
    if (st.isSymbolicLink()) return { kind: 'link', target: readlinkSync(p) };
    return { kind: st.isDirectory() ? 'dir' : 'file' };
  },
};

/** Does `path` (absolute, as the target sees it) name a non-directory under `root`, following links inside `root`? */
export function existsInRoot(root: string, path: string, fs: FsProbe = realFs): boolean {
  let todo = path.split('/').filter(Boolean);
  let at: string[] = [];
  for (let hops = 0; todo.length; ) {
    const part = todo.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      at.pop();
      continue;
    }
    const st = fs.stat(join(root, ...at, part));
    if (!st) return false;
    if (st.kind === 'link') {
      if (++hops > 40) return false;
      const t = st.target.split('/').filter(Boolean);
      if (st.target.startsWith('/')) at = [];
      todo = [...t, ...todo];
      continue;
    }
    if (st.kind === 'file' && todo.length) return false;
    at.push(part);
    if (!todo.length) return st.kind === 'file';
  }
  return false;
}

export interface ShellChoice {
  /** the program and its arguments */
  readonly program: readonly string[];
  /** why not $SHELL, when it was not taken */
  readonly note?: string;
}

/**
 * The shell to run in a target whose root is `root` (undefined: the host's own root, e.g. when the mount
 * namespace is not entered). Falls back from `$SHELL` to `/bin/sh`, then busybox's `sh`; when none is there,
 * `$SHELL` (or `/bin/sh`) anyway, and the error says why.
 */
export function chooseShell(root: string | undefined, shellEnv: string | undefined, fs: FsProbe = realFs): ShellChoice {
  const want = shellEnv && shellEnv.startsWith('/') ? shellEnv : '/bin/sh';
  const has = (p: string) => existsInRoot(root ?? '/', p, fs);
  if (has(want)) return { program: [want] };
  const where = root === undefined ? 'on the host' : 'in the target';
  if (want !== '/bin/sh' && has('/bin/sh')) return { program: ['/bin/sh'], note: `${want} is not ${where}: running /bin/sh` };
  for (const bb of ['/bin/busybox', '/usr/bin/busybox']) if (has(bb)) return { program: [bb, 'sh'], note: `${want} is not ${where}: running ${bb} sh` };
  return { program: [want], note: `no shell found ${where} (${want}, /bin/sh, busybox)` };
}
