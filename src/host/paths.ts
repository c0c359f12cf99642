/**
 * The host root: the only module that spells `/proc`, `/sys`, `/etc` and `/run`.
 * Every reader takes a HostPaths (or one of its members) instead of a literal path, so that
 * `--root DIR` (a fake host unpacked from a fixture, or a captured snapshot) works everywhere.
 */
import { join } from 'node:path';

export interface HostPaths {
  /** The root directory the others hang from (`/` on the live host). */
  readonly root: string;
  /** procfs mount point (`/proc`). */
  readonly proc: string;
  /** sysfs mount point (`/sys`); cgroupfs lives at `${sys}/fs/cgroup`. */
  readonly sys: string;
  /** configuration directory (`/etc`), for passwd and group. */
  readonly etc: string;
  /** runtime directory (`/run`), for `/run/netns` and runtime metadata. */
  readonly run: string;
  /** true when this is the live host (FFI and syscalls on namespace files make sense). */
  readonly live: boolean;
}

/** The host's own paths, or those under `rootDir` for a fake host. */
export function hostPaths(rootDir?: string): HostPaths {
  if (rootDir === undefined || rootDir === '/' || rootDir === '') {
    return { root: '/', proc: '/proc', sys: '/sys', etc: '/etc', run: '/run', live: true };
  }
  return {
    root: rootDir,
    proc: join(rootDir, 'proc'),
    sys: join(rootDir, 'sys'),
    etc: join(rootDir, 'etc'),
    run: join(rootDir, 'run'),
    live: false,
  };
}

/**
 * Map an absolute path as the host sees it (e.g. a mount point from mountinfo such as
 * `/sys/fs/cgroup/cpu` or `/run/netns/x`) to where it is under this root.
 */
export function hostPath(paths: HostPaths, absolute: string): string {
  if (paths.live) return absolute;
  return join(paths.root, absolute);
}
