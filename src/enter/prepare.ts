/**
 * Everything `nsx enter` does before the helper runs (I/O): resolve the target, pin it by opening its
 * /proc/PID directory, open every namespace file through that directory (a PID that dies is then gone
 * for good: lookups through the descriptor fail, even if the number is reused), validate the files,
 * compare inodes with the caller's, open root/cwd/environ and the cgroup.procs files, and plan.
 *
 * Reads: `/proc/self/ns/*`, `/proc/PID/{ns/*,root,cwd,environ,cgroup,stat}`, cgroup mounts (for -c).
 * Descriptors are opened by Node (close-on-exec); run.ts hands them to the helper.
 */
import { closeSync, constants, fstatSync, openSync, statfsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { release as osRelease } from 'node:os';
import type { HostPaths } from '../host/paths.js';
import { readWhole, readWholeLatin1 } from '../host/read.js';
import { loadNsfs } from '../host/native.js';
import { errnoOf, NotFoundError, PermissionError, UnsupportedError, UsageError, IoError, type NsxError } from '../errors.js';
import type { NsType } from '../parse/nsid-link.js';
import { chooseShell } from '../tui/dashboard/enter-shell.js';
import { JOIN_ORDER, NS_OPTION, namespaceIdArg, planEnter, requestedTypes, validateOptions, type EnterOptions, type EnterPlan } from './plan.js';
import { wrap } from '../host/tolerance.js';
import { pidfdOpen } from '../../native-bindings/nsfs.js';
import * as nsfs from '../../native-bindings/nsfs.js';
import { resolveTarget } from './target.js';
import { readCgroupLayout, cgroupDir } from '../readers/cgroupfs/layout.js';
import { parseProcCgroup, hierarchyKey } from '../parse/proc-cgroup.js';

/** The plan plus the open descriptors the helper inherits. */
export interface PreparedEnter {
  readonly plan: EnterPlan;
  readonly pid?: number;
  /** the pinned /proc/PID directory */
  readonly procFd?: number;
  /** one descriptor per namespace to join */
  readonly nsFds: Partial<Record<NsType, number>>;
  readonly rootFd?: number;
  readonly wdFd?: number;
  readonly envFd?: number;
  readonly cgroupFds: readonly number[];
  /** every descriptor above, for handing over */
  readonly fds: readonly number[];
  /** close every descriptor (after the helper was spawned, or on error) */
  close(): void;
}

/**
 * Why opening something of the target was refused, in words that fit the caller; `suggestU`: the user namespace
 * was not asked for, so entering it (-U) may be the fix.
 */
function deniedHint(suggestU: boolean): string {
  if (process.geteuid?.() === 0)
    return 'permission denied (even for root: the kernel\'s ptrace access check refused it, e.g. a security module or a foreign user namespace)';
  return `permission denied (needs root, or a user owning the target's user namespace)${suggestU ? '; try adding -U' : ''}`;
}

/** The value of `name` in a NUL-separated environment (/proc/PID/environ), or undefined. */
function environVar(environ: string, name: string): string | undefined {
  const line = environ.split('\0').find((l) => l.startsWith(`${name}=`));
  return line === undefined ? undefined : line.slice(name.length + 1);
}

/**
 * The login shell to run instead of `$SHELL` when the target's root (`root`, as this process reaches it) lacks it:
 * its /bin/sh, else busybox's sh — the dashboard's choice (src/tui/dashboard/enter-shell.ts). Undefined when $SHELL is
 * there (or unset: the helper then takes the passwd entry's shell, as nsenter), or when no shell is there either
 * (the helper then reports $SHELL missing, 127).
 */
function loginShellFallback(root: string, shellEnv: string | undefined): EnterPlan['shell'] {
  if (!shellEnv?.startsWith('/')) return undefined;
  const c = chooseShell(root, shellEnv);
  if (c.program[0] === shellEnv || c.note === undefined) return undefined;
  // `-sh`: a login shell, as nsenter starts $SHELL (busybox runs the applet its argv[0] names)
  return { path: c.program[0], argv0: `-${basename(c.program[c.program.length - 1])}`, note: c.note };
}

/** Does the pinned process still live (not gone, not a zombie)? */
function pinnedAlive(pinned: string): boolean {
  if (pinned === '') return false; // not pinned yet
  const s = wrap(undefined, join(pinned, 'stat'), () => readWholeLatin1(join(pinned, 'stat')));
  if (s === undefined) return false;
  const st = s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
  return st !== 'Z' && st !== 'X' && st !== 'x' && st !== '';
}

function exitedError(pid: number): NsxError {
  return new NotFoundError(`nsx enter: target PID ${pid}: exited before its namespaces were joined`, undefined, 'ESRCH');
}

/** Turn an error from opening something of the target into a one-line NsxError naming `what`. */
function targetError(e: unknown, what: string, shown: string, pid: number, pinned: string, suggestU: boolean): NsxError {
  const code = errnoOf(e);
  if (code === 'EACCES' || code === 'EPERM') return new PermissionError(`nsx enter: ${what}: ${shown}: ${deniedHint(suggestU)}`, shown, code);
  if (!pinnedAlive(pinned)) return exitedError(pid);
  if (code === 'ENOENT') return new UnsupportedError(`nsx enter: ${what}: ${shown}: not available (not supported by this kernel?)`, shown);
  return new IoError(`nsx enter: ${what}: ${shown}: ${(e as Error)?.message ?? String(e)}`, shown, code, e);
}

/** `-X=:ID`: namespace ids need Linux 6.19 (nsfs file handles); nsx does not open them yet. */
function namespaceIdUnsupported(type: NsType, id: number): NsxError {
  const rel = osRelease();
  const [maj, min] = rel.split('.').map((x) => parseInt(x, 10));
  const has = maj > 6 || (maj === 6 && min >= 19);
  return new UnsupportedError(
    has
      ? `nsx enter: -${NS_OPTION[type]}=:${id}: namespace ids are not supported by nsx yet (give the namespace file, e.g. /proc/PID/ns/${type})`
      : `nsx enter: -${NS_OPTION[type]}=:${id}: namespace ids need Linux 6.19 or later (this kernel is ${rel}); give the namespace file instead (e.g. /proc/PID/ns/${type})`,
  );
}

const PIDFS_MAGIC = 0x50494446;

/**
 * `-t PID:INODE` (nsenter 2.41): the inode of a pidfd of PID (pidfs, Linux 6.9) must be INODE. Without pidfs
 * every pidfd shares one anonymous inode, so the check cannot be made: say so.
 */
async function checkPidfsInode(paths: HostPaths, pid: number, want: number): Promise<void> {
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch (e) {
    if ((e as { code?: string }).code === 'ESRCH') throw exitedError(pid);
    throw new UnsupportedError(`nsx enter: -t ${pid}:${want}: pidfd_open failed: ${(e as Error).message}`);
  }
  try {
    // pidfs (magic "PIDF") gives each process an inode of its own; an anon_inode pidfd does not
    if (statfsSync(join(paths.proc, 'self', 'fd', String(pidfd))).type !== PIDFS_MAGIC)
      throw new UnsupportedError(`nsx enter: -t ${pid}:${want}: this kernel has no pidfs (Linux 6.9+): a pidfd has no inode of its own to compare`);
    const ino = fstatSync(pidfd).ino;
    if (ino !== want) throw new NotFoundError(`nsx enter: -t ${pid}:${want}: PID ${pid} is another process now (its pidfs inode is ${ino})`, undefined, 'ESRCH');
  } finally {
    closeSync(pidfd);
  }
}

/** -N FD: the network namespace of the target's socket FD (pidfd_getfd + SIOCGSKNS), as an fd. */
async function openSocketNetns(pid: number, sockFd: number, pinned: string, suggestU: boolean): Promise<number> {
  try {
    return nsfs.socketNetnsFd(pid, sockFd);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const what = `nsx enter: -N ${sockFd}`;
    if (!pinnedAlive(pinned) || code === 'ESRCH') throw exitedError(pid);
    if (code === 'EBADF') throw new NotFoundError(`${what}: PID ${pid} has no file descriptor ${sockFd}`, undefined, code);
    if (code === 'ENOTTY' || code === 'ENOTSOCK' || code === 'EINVAL') throw new UsageError(`${what}: file descriptor ${sockFd} of PID ${pid} is not a socket`);
    if (code === 'EPERM' || code === 'EACCES') throw new PermissionError(`${what}: ${deniedHint(suggestU)}`, undefined, code);
    if (code === 'ENOSYS') throw new UnsupportedError(`${what}: this kernel lacks pidfd_getfd (Linux 5.6) or SIOCGSKNS`);
    throw new IoError(`${what}: ${(e as Error).message}`, undefined, code, e);
  }
}

/** Open a namespace file given with -X=FILE; check it is an nsfs file of the right type. */
async function openNsFile(type: NsType, file: string, nsfsDev: number): Promise<number> {
  const opt = `-${NS_OPTION[type]}=${file}`;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY);
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`nsx enter: ${type} namespace: ${file}: no such file`, file, code);
    if (code === 'EACCES' || code === 'EPERM') throw new PermissionError(`nsx enter: ${type} namespace: ${file}: permission denied`, file, code);
    throw new IoError(`nsx enter: ${type} namespace: ${file}: ${(e as Error).message}`, file, code, e);
  }
  try {
    if (fstatSync(fd).dev !== nsfsDev) throw new UsageError(`nsx enter: ${opt}: not a namespace file (give a /proc/PID/ns/${type} link or a bind-mounted namespace such as /run/netns/NAME)`);
    // the type needs an ioctl (NS_GET_NSTYPE): koffi is loaded only here, for explicit files
    // without the native layer (reason kept by loadNsfs) or NS_GET_NSTYPE (old kernel): the helper's own check will tell
    const nsfs = await loadNsfs();
    let actual: string | undefined;
    try {
      actual = nsfs?.nsType(fd);
    } catch (e) {
      if (!(nsfs && e instanceof nsfs.SyscallError)) throw e;
      actual = undefined;
    }
    if (actual !== undefined && actual !== type) throw new UsageError(`nsx enter: ${opt}: a ${actual} namespace file, not ${type}`);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Resolve, pin, open and plan. Throws NsxError (one line naming the namespace and the reason).
 * The caller must call `close()` on the result once the helper has them (or on error).
 */
export async function prepareEnter(o: EnterOptions, paths: HostPaths): Promise<PreparedEnter> {
  if (!paths.live) throw new UnsupportedError('nsx enter: --root: works on the live host only (a fake host cannot be entered); try without --root');
  validateOptions(o);
  // a refusal suggests -U only when the user namespace was not asked for
  const suggestU = !o.all && o.namespaces.user === undefined && !o.userParent;
  const opened: number[] = [];
  const keep = (fd: number) => (opened.push(fd), fd);
  const closeAll = () => {
    for (const fd of opened.splice(0)) wrap(undefined, `fd ${fd}`, () => closeSync(fd), 'cleanup');
  };
  try {
    // the caller's namespaces and the kernel's supported types
    const self: Partial<Record<NsType, number>> = {};
    const supported: NsType[] = [];
    let nsfsDev = -1;
    for (const t of JOIN_ORDER) {
      const f = join(paths.proc, 'self/ns', t);
      const st = wrap(undefined, f, () => statSync(f)); // absent: a type this kernel does not have
      if (!st) continue;
      self[t] = st.ino;
      nsfsDev = st.dev;
      supported.push(t);
    }

    // resolve and pin the target
    let pid: number | undefined;
    let procFd: number | undefined;
    let pinned = '';
    if (o.target) {
      // a PID needs no resolving; cgroup: and container: targets load their readers only when used
      const r = o.target.kind === 'pid' ? { pid: o.target.pid, stillMatches: undefined } : await resolveTarget(paths, o.target);
      pid = r.pid;
      try {
        procFd = keep(openSync(join(paths.proc, String(pid)), constants.O_RDONLY | constants.O_DIRECTORY));
      } catch (e) {
        const code = errnoOf(e);
        if (code === 'ENOENT') throw new NotFoundError(`nsx enter: target PID ${pid}: no such process`, undefined, 'ESRCH');
        throw targetError(e, `target PID ${pid}`, join(paths.proc, String(pid)), pid, '', suggestU);
      }
      pinned = join(paths.proc, 'self/fd', String(procFd));
      // no liveness check here: every lookup through `pinned` fails once the process is gone (and a zombie
      // has no namespace links), and the helper checks again after taking the pidfd
      if (r.stillMatches) {
        const f = join(pinned, 'cgroup');
        const text = wrap(undefined, f, () => readWhole(f));
        if (text === undefined || !r.stillMatches(text)) throw exitedError(pid);
      }
    }

    // -t PID:INODE: the pidfs inode must still be the process's (else the PID was reused)
    if (o.target?.kind === 'pid' && o.target.inode !== undefined) await checkPidfsInode(paths, pid!, o.target.inode);

    // namespace ids (`-n=:ID`, nsenter 2.42) need Linux 6.19's nsfs file handles
    for (const t of JOIN_ORDER) {
      const nsid = namespaceIdArg(o.namespaces[t]);
      if (nsid !== undefined) throw namespaceIdUnsupported(t, nsid);
    }

    // open every requested namespace before joining anything
    const nsFds: Partial<Record<NsType, number>> = {};
    const inodes: Partial<Record<NsType, number>> = {};
    for (const t of requestedTypes(o, supported)) {
      const v = o.namespaces[t];
      let fd: number;
      if (t === 'net' && o.netSocket !== undefined) fd = keep(await openSocketNetns(pid!, o.netSocket, pinned, suggestU));
      else if (t === 'user' && o.userParent) continue; // after the others: it may come from one of them
      else if (typeof v === 'string') fd = keep(await openNsFile(t, v, nsfsDev));
      else {
        const shown = join(paths.proc, String(pid), 'ns', t);
        try {
          fd = keep(openSync(join(pinned, 'ns', t), constants.O_RDONLY));
        } catch (e) {
          throw targetError(e, `${t} namespace`, shown, pid!, pinned, suggestU);
        }
      }
      nsFds[t] = fd;
      inodes[t] = fstatSync(fd).ino;
    }
    if (o.userParent) {
      // nsenter: the owner (parent) of -U's user namespace, else of any other namespace entered, else of the target's
      const v = o.namespaces.user;
      const from =
        typeof v === 'string'
          ? keep(await openNsFile('user', v, nsfsDev))
          : v === true || Object.keys(nsFds).length === 0
            ? keep(openSync(join(pinned, 'ns', 'user'), constants.O_RDONLY))
            : Object.values(nsFds)[0]!;
      let fd: number;
      try {
        fd = keep(nsfs.nsIoctl(from, nsfs.NS_GET_USERNS));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EPERM') throw new PermissionError('nsx enter: --user-parent: the parent user namespace is outside ours (EPERM)', undefined, code);
        throw new UnsupportedError(`nsx enter: --user-parent: cannot get the parent user namespace: ${(e as Error).message} (needs Linux 4.9)`);
      }
      nsFds.user = fd;
      inodes.user = fstatSync(fd).ino;
    }

    let plan = planEnter(o, { pid, supported, self, inodes, proc: paths.proc });
    for (const n of plan.namespaces) {
      if (n.action === 'skip') {
        closeSync(nsFds[n.type]!);
        opened.splice(opened.indexOf(nsFds[n.type]!), 1);
        delete nsFds[n.type];
      }
    }

    // root, working directory, environment: opened now, used after joining (as nsenter does)
    const openDir = (what: string, rel: string, given: true | string): number => {
      const path = given === true ? join(pinned, rel) : given;
      const shown = given === true ? join(paths.proc, String(pid), rel) : given;
      try {
        return keep(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY));
      } catch (e) {
        if (given === true) throw targetError(e, what, shown, pid!, pinned, suggestU);
        const code = errnoOf(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`nsx enter: ${what}: ${shown}: no such directory`, shown, code);
        throw targetError(e, what, shown, pid ?? 0, pinned, suggestU);
      }
    };
    const rootFd = o.root !== undefined ? openDir('root directory', 'root', o.root) : undefined;
    const wdFd = o.wd !== undefined ? openDir('working directory', 'cwd', o.wd) : undefined;
    let envFd: number | undefined;
    if (o.env) {
      try {
        envFd = keep(openSync(join(pinned, 'environ'), constants.O_RDONLY));
      } catch (e) {
        throw targetError(e, 'environment', join(paths.proc, String(pid), 'environ'), pid!, pinned, suggestU);
      }
    }
    const cgroupFds = o.joinCgroup ? await openCgroupProcs(paths, pinned, pid!, keep, suggestU) : [];

    // no program: the login shell $SHELL, or the target's /bin/sh when the target has no $SHELL (a busybox image)
    if (plan.program === null) {
      const root = o.root !== undefined ? join(paths.proc, 'self/fd', String(rootFd)) : plan.namespaces.some((n) => n.type === 'mnt' && n.action === 'join' && n.source === 'target') ? join(pinned, 'root') : undefined;
      const shellEnv = o.env ? wrap(undefined, join(pinned, 'environ'), (f) => environVar(readWhole(f), 'SHELL')) : process.env.SHELL;
      const shell = root !== undefined ? loginShellFallback(root, shellEnv) : undefined;
      if (shell) plan = { ...plan, shell };
    }

    return {
      plan,
      ...(pid !== undefined ? { pid } : {}),
      ...(procFd !== undefined ? { procFd } : {}),
      nsFds,
      ...(rootFd !== undefined ? { rootFd } : {}),
      ...(wdFd !== undefined ? { wdFd } : {}),
      ...(envFd !== undefined ? { envFd } : {}),
      cgroupFds,
      fds: [...opened],
      close: closeAll,
    };
  } catch (e) {
    closeAll();
    throw e;
  }
}

/**
 * -c: open cgroup.procs of the target's cgroup in every mounted hierarchy (cgroup2 and, on v1/hybrid
 * hosts, each v1 hierarchy), write-only, before anything is joined.
 */
async function openCgroupProcs(paths: HostPaths, pinned: string, pid: number, keep: (fd: number) => number, suggestU: boolean): Promise<number[]> {
  const shown = join(paths.proc, String(pid), 'cgroup');
  let text: string;
  try {
    text = readWhole(join(pinned, 'cgroup'));
  } catch (e) {
    throw targetError(e, 'cgroup', shown, pid, pinned, suggestU);
  }
  const layout = readCgroupLayout(paths);
  const fds: number[] = [];
  for (const e of parseProcCgroup(text, shown)) {
    const key = e.hierarchyId === 0 ? '' : hierarchyKey(e.controllers, e.name);
    const h = layout.hierarchies.find((x) => (e.hierarchyId === 0 ? x.version === 2 : x.version === 1 && x.key === key));
    if (!h) continue; // a hierarchy that is not mounted here
    const file = join(cgroupDir(paths, h, e.path), 'cgroup.procs');
    try {
      fds.push(keep(openSync(file, constants.O_WRONLY | constants.O_APPEND)));
    } catch (err) {
      throw targetError(err, 'cgroup', file, pid, pinned, suggestU);
    }
  }
  if (!fds.length) throw new UnsupportedError(`nsx enter: -c: no mounted cgroup hierarchy holds PID ${pid}`);
  return fds;
}
