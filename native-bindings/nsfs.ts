/**
 * Namespace identity and relations (linux/nsfs.h ioctls and an rtnetlink RTM_GETNSID query).
 * Loaded lazily: only `nsx ls` columns/options that need PNS, ONS, NETNSID or owner trees import this file.
 *
 * open/fstat/close of files go through Node's fs (they need no FFI); the system calls Node does not offer
 * (ioctl, pidfd_open, pidfd_getfd, a netlink socket's socket/send/recv/close) go through the small Node-API
 * addon build/nsx-nsfs.node (nsx-nsfs.node.c: loads in well under a millisecond), or through koffi and libc
 * (~10 ms to load) when the addon was not built.
 */
import { openSync, closeSync, fstatSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir } from './enter.js';
import { libc, lastErrno, errnoName } from './libc.js';

export const NS_GET_USERNS = 0xb701;
export const NS_GET_PARENT = 0xb702;
export const NS_GET_NSTYPE = 0xb703;
export const NS_GET_OWNER_UID = 0xb704;

/** CLONE_NEW* flag → namespace type name. */
export const CLONE_TYPES: Readonly<Record<number, string>> = {
  0x00020000: 'mnt',
  0x02000000: 'cgroup',
  0x04000000: 'uts',
  0x08000000: 'ipc',
  0x10000000: 'user',
  0x20000000: 'pid',
  0x40000000: 'net',
  0x00000080: 'time',
};

/** The system calls, each returning its result or -errno (the addon's convention). */
export interface Sys {
  ioctl(fd: number, req: number): number;
  /** NS_GET_OWNER_UID: the uid */
  ownerUid(fd: number): number;
  pidfdOpen(pid: number): number;
  pidfdGetfd(pidfd: number, fd: number): number;
  socket(domain: number, type: number, protocol: number): number;
  send(fd: number, buf: Buffer, len: number): number;
  recv(fd: number, buf: Buffer, len: number): number;
  close(fd: number): number;
}

let sysImpl: { sys: Sys; via: string } | undefined;

/** build/nsx-nsfs.node, or undefined when it is not built or does not load. */
function addonSys(): Sys | undefined {
  const p = join(buildDir(), 'nsx-nsfs.node');
  if (!existsSync(p)) return undefined;
  const m = { exports: {} as Partial<Sys> };
  try {
    process.dlopen(m, p);
  } catch (e) {
    // not loadable here (another architecture, a stale build): koffi instead
    if ((e as { code?: unknown }).code !== 'ERR_DLOPEN_FAILED') throw e;
    return undefined;
  }
  return typeof m.exports.ioctl === 'function' ? (m.exports as Sys) : undefined;
}

/** The same calls through koffi and libc (errno from koffi). Throws when koffi cannot be loaded. */
function koffiSys(): Sys {
  const l = libc();
  type Fn = (...args: unknown[]) => number;
  const ioctl = l.func('int ioctl(int fd, unsigned long request, ...)') as Fn;
  const socket = l.func('int socket(int domain, int type, int protocol)') as Fn;
  const send = l.func('long send(int fd, const void *buf, unsigned long len, int flags)') as Fn;
  const recv = l.func('long recv(int fd, _Out_ void *buf, unsigned long len, int flags)') as Fn;
  const close = l.func('int close(int fd)') as Fn;
  // pidfd_open(pid, flags) and pidfd_getfd(pidfd, fd, flags): glibc < 2.36 has no wrappers, so syscall(2)
  const syscall2 = l.func('long syscall(long nr, int a, unsigned int b)') as Fn;
  const syscall3 = l.func('long syscall(long nr, int a, int b, unsigned int c)') as Fn;
  const r = (x: unknown): number => (Number(x) < 0 ? -lastErrno() : Number(x));
  return {
    ioctl: (fd, req) => r(ioctl(fd, req)),
    ownerUid: (fd) => {
      const buf = Buffer.alloc(4);
      return ioctl(fd, NS_GET_OWNER_UID, 'void *', buf) < 0 ? -lastErrno() : buf.readUInt32LE(0);
    },
    pidfdOpen: (pid) => r(syscall2(NR_PIDFD_OPEN, pid, 0)),
    pidfdGetfd: (pidfd, fd) => r(syscall3(NR_PIDFD_GETFD, pidfd, fd, 0)),
    socket: (d, ty, p) => r(socket(d, ty, p)),
    send: (fd, buf, len) => r(send(fd, buf, len, 0)),
    recv: (fd, buf, len) => r(recv(fd, buf, len, 0)),
    close: (fd) => r(close(fd)),
  };
}

/**
 * The system-call layer, loaded on first use: the addon, else koffi. Throws when neither loads (callers that
 * can do without: src/host/native.ts `loadNsfs`).
 */
function f(): Sys {
  sysImpl ??= ((addon) => (addon ? { sys: addon, via: 'nsx-nsfs.node' } : { sys: koffiSys(), via: 'koffi' }))(addonSys());
  return sysImpl.sys;
}

/** Which layer was loaded ('nsx-nsfs.node' or 'koffi'), undefined before the first call (for tests and reports). */
export function sysLoaded(): string | undefined {
  return sysImpl?.via;
}

/** Which layer the system calls go through ('nsx-nsfs.node' or 'koffi'), loading it. Throws as f(). */
export function sysLayer(): string {
  f();
  return sysImpl!.via;
}

/** A failed system call: `code` is the errno name (EPERM, ENOTTY, …). */
export class SyscallError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(call: string, errno: number) {
    const code = errnoName(errno);
    super(`${call}: ${code}`);
    this.code = code;
    this.errno = errno;
  }
}

/** ioctl(fd, req) returning a new fd (NS_GET_PARENT, NS_GET_USERNS) or a value (NS_GET_NSTYPE). Throws SyscallError. */
export function nsIoctl(fd: number, req: number): number {
  const r = f().ioctl(fd, req);
  if (r < 0) throw new SyscallError(`ioctl(0x${req.toString(16)})`, -r);
  return r;
}

/** NS_GET_OWNER_UID on a user-namespace fd. Throws SyscallError (EINVAL when fd is not a user ns). */
export function nsOwnerUid(fd: number): number {
  const r = f().ownerUid(fd);
  if (r < 0) throw new SyscallError('ioctl(NS_GET_OWNER_UID)', -r);
  return r;
}

/** The namespace type of an nsfs fd (NS_GET_NSTYPE), or undefined when unknown. */
export function nsType(fd: number): string | undefined {
  return CLONE_TYPES[nsIoctl(fd, NS_GET_NSTYPE)];
}

/** Inode of the namespace an ioctl returns (parent or owner), 0 when the kernel says there is none (EPERM at the top). */
function relatedInode(fd: number, req: number): number {
  let rfd: number;
  try {
    rfd = nsIoctl(fd, req);
  } catch (e) {
    if (e instanceof SyscallError && (e.code === 'EPERM' || e.code === 'ENOSYS' || e.code === 'EINVAL')) return 0;
    throw e;
  }
  try {
    return fstatSync(rfd).ino;
  } finally {
    closeSync(rfd);
  }
}

const NR_PIDFD_OPEN = 434;
const NR_PIDFD_GETFD = 438;
const SIOCGSKNS = 0x894c;

/** pidfd_open(pid, 0): a pidfd (the caller closes it). Throws SyscallError. */
export function pidfdOpen(pid: number): number {
  const fd = f().pidfdOpen(pid);
  if (fd < 0) throw new SyscallError('pidfd_open', -fd);
  return fd;
}

/**
 * The network namespace of a socket another process holds (lsns 2.41 `add_namespace_from_sock`): pidfd_open(pid),
 * pidfd_getfd(pidfd, fd) — a duplicate of that socket, allowed to root (ptrace access) — then ioctl(SIOCGSKNS),
 * which opens the socket's netns. Returns the namespace fd (the caller closes it). Throws SyscallError
 * (ESRCH gone, EBADF the fd was closed, EPERM not allowed, ENOSYS/ENOTTY kernel too old).
 */
export function socketNetnsFd(pid: number, fd: number): number {
  const pidfd = f().pidfdOpen(pid);
  if (pidfd < 0) throw new SyscallError('pidfd_open', -pidfd);
  try {
    const sk = f().pidfdGetfd(pidfd, fd);
    if (sk < 0) throw new SyscallError('pidfd_getfd', -sk);
    try {
      const nsfd = f().ioctl(sk, SIOCGSKNS);
      if (nsfd < 0) throw new SyscallError('ioctl(SIOCGSKNS)', -nsfd);
      return nsfd;
    } finally {
      f().close(sk);
    }
  } finally {
    f().close(pidfd);
  }
}

/** What one namespace file says about itself. */
export interface NsRelations {
  readonly inode: number;
  readonly dev: number;
  readonly type?: string;
  /** parent namespace inode (pid and user namespaces), 0 when none/top (lsns prints 0) */
  readonly parent: number;
  /** owning user namespace inode, 0 when none/top */
  readonly owner: number;
  /** UID that created the owning user namespace (NS_GET_OWNER_UID of the user ns itself or of its owner) */
  readonly ownerUid?: number;
  /** RTM_GETNSID answer for a net namespace: >= 0 an id, -1 unassigned; undefined when not asked/unusable */
  readonly netnsid?: number;
}

/**
 * Open a namespace file (`/proc/PID/ns/TYPE` or an nsfs bind mount) and read its identity and relations.
 * `netlink` (optional) answers NETNSID for net namespaces. Throws Node fs errors (ENOENT, EACCES) or SyscallError.
 */
export function readNsRelations(path: string, opts: { netlink?: NetnsidQuery } = {}): NsRelations {
  const fd = openSync(path, 'r');
  try {
    return readNsRelationsFd(fd, opts);
  } finally {
    closeSync(fd);
  }
}

/** The same for an open namespace fd. */
export function readNsRelationsFd(fd: number, opts: { netlink?: NetnsidQuery } = {}): NsRelations {
  const st = fstatSync(fd);
  const type = nsType(fd);
  const parent = type === 'pid' || type === 'user' ? relatedInode(fd, NS_GET_PARENT) : 0;
  const owner = relatedInode(fd, NS_GET_USERNS);
  let ownerUid: number | undefined;
  try {
    if (type === 'user') ownerUid = nsOwnerUid(fd);
    else {
      const ufd = nsIoctl(fd, NS_GET_USERNS);
      try {
        ownerUid = nsOwnerUid(ufd);
      } finally {
        closeSync(ufd);
      }
    }
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
  }
  const netnsid = type === 'net' && opts.netlink ? opts.netlink.query(fd) : undefined;
  return { inode: st.ino, dev: st.dev, type, parent, owner, ownerUid, netnsid };
}

/** An fd for the parent or owner of a namespace fd, or undefined at the top (EPERM) or when not applicable. */
function relatedFd(fd: number, req: number): number | undefined {
  try {
    return nsIoctl(fd, req);
  } catch (e) {
    if (e instanceof SyscallError && (e.code === 'EPERM' || e.code === 'ENOSYS' || e.code === 'EINVAL')) return undefined;
    throw e;
  }
}

/**
 * Namespaces reachable from the one at `path` through parent and owner links that `known` does not know
 * (lsns's "ghost" namespaces: an owner or parent held by no process, e.g. a user namespace whose only process
 * exec'd into a nested one). They can only be reached through fds, so the walk happens here.
 */
export function discoverRelated(path: string, known: (inode: number) => boolean): NsRelations[] {
  const found: NsRelations[] = [];
  const seen = new Set<number>();
  const visit = (fd: number): void => {
    const type = nsType(fd);
    const reqs = type === 'pid' || type === 'user' ? [NS_GET_PARENT, NS_GET_USERNS] : [NS_GET_USERNS];
    for (const req of reqs) {
      const rfd = relatedFd(fd, req);
      if (rfd === undefined) continue;
      try {
        const ino = fstatSync(rfd).ino;
        if (known(ino) || seen.has(ino)) continue;
        seen.add(ino);
        found.push(readNsRelationsFd(rfd));
        visit(rfd);
      } finally {
        closeSync(rfd);
      }
    }
  };
  const fd = openSync(path, 'r');
  try {
    visit(fd);
  } finally {
    closeSync(fd);
  }
  return found;
}

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const RTM_NEWNSID = 88;
const RTM_GETNSID = 90;
const NLM_F_REQUEST = 1;
const NETNSA_NSID = 1;
const NETNSA_FD = 3;

/** Build the RTM_GETNSID request for a namespace fd (pure; exported for tests). */
export function buildGetNsidRequest(nsFd: number, seq = 1): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32LE(28, 0); // nlmsg_len
  b.writeUInt16LE(RTM_GETNSID, 4);
  b.writeUInt16LE(NLM_F_REQUEST, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt8(0, 16); // rtgen_family AF_UNSPEC (+3 bytes padding)
  b.writeUInt16LE(8, 20); // rta_len
  b.writeUInt16LE(NETNSA_FD, 22);
  b.writeInt32LE(nsFd, 24);
  return b;
}

/** Parse an RTM_NEWNSID answer: the NETNSA_NSID value (-1 = unassigned), undefined for anything else (pure). */
export function parseGetNsidResponse(b: Buffer, len: number): number | undefined {
  if (len < 20) return undefined;
  const msgLen = b.readUInt32LE(0);
  const type = b.readUInt16LE(4);
  if (type !== RTM_NEWNSID || msgLen > len) return undefined;
  let off = 20;
  while (off + 4 <= msgLen) {
    const rlen = b.readUInt16LE(off);
    const rtype = b.readUInt16LE(off + 2) & 0x3fff;
    if (rlen < 4) break;
    if (rtype === NETNSA_NSID && rlen >= 8) return b.readInt32LE(off + 4);
    off += (rlen + 3) & ~3;
  }
  return undefined;
}

/** One rtnetlink socket answering RTM_GETNSID for namespace fds (as seen from the caller's netns). */
export interface NetnsidQuery {
  query(nsFd: number): number | undefined;
  close(): void;
}

/** Open the netlink socket; undefined when the kernel refuses (then NETNSID stays empty, as in lsns). */
export function openNetnsidQuery(): NetnsidQuery | undefined {
  const sock = f().socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) return undefined;
  let seq = 0;
  const res = Buffer.alloc(512);
  return {
    query(nsFd: number): number | undefined {
      const req = buildGetNsidRequest(nsFd, ++seq);
      if (f().send(sock, req, req.length) < 0) return undefined;
      const n = f().recv(sock, res, res.length);
      if (n < 0) return undefined;
      return parseGetNsidResponse(res, n);
    },
    close() {
      f().close(sock);
    },
  };
}
