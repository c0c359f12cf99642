/**
 * Processes as every view sees them: plain serialisable data read from procfs, no I/O here.
 *
 * - `ProcessSample`: what one read of `/proc/PID/{stat,status,cmdline,cgroup,ns/*}` gives (the one sample type;
 *   read by src/readers/procfs/process.ts). Fields not read are undefined: absent is not zero.
 * - `PsProcess`: the row every process view shows (`nsx ps`, the dashboard), made from a sample by `processRow`,
 *   the one mapping; `ProcessTable`: the rows of one collection with the reference namespaces.
 * - `PsDetail` and its parts: one process in full (`nsx ps PID`, the dashboard's process pane).
 * - `ProcessRecord`: the subset the namespace model needs (`nsx ls`).
 */
import type { NsType } from '../parse/nsid-link.js';
import type { ProcCgroupEntry } from '../parse/proc-cgroup.js';
import type { IdMapRange } from '../parse/id-map.js';
import type { MountinfoEntry } from '../parse/mountinfo.js';
import type { Incompleteness } from '../host/tolerance.js';
import { overlayLayers, type OverlayLayers } from '../parse/overlay.js';
import type { Identity } from './identity.js';
import type { CgroupStats } from './cgroup.js';
import { cgroupIdentity, identityPaths, processCgroupsOf } from './process-cgroup.js';

/** USER_HZ: the unit of the times in /proc/PID/stat. */
export const USER_HZ = 100;

/** stat flags: a kernel thread. */
export const PF_KTHREAD = 0x00200000;

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

/** One read of a process (see the module comment). Strings are raw: escape before printing. */
export interface ProcessSample {
  readonly pid: number;
  /** stat: comm, state, ppid, flags, times (ticks), threads, start time (ticks after boot), RSS (pages) */
  readonly comm: string;
  readonly state?: string;
  readonly ppid?: number;
  readonly flags?: number;
  readonly utimeTicks?: number;
  readonly stimeTicks?: number;
  readonly numThreads?: number;
  readonly starttimeTicks?: number;
  readonly rssPages?: number;
  /** status: effective UID, NSpid chain (outermost first) */
  readonly uid?: number;
  readonly nspid?: readonly number[];
  /** cmdline (empty for kernel threads and zombies) */
  readonly argv: readonly string[];
  /** ns/* links: inode per type */
  readonly ns: Readonly<Partial<Record<NsType, number>>>;
  /** every line of /proc/PID/cgroup */
  readonly cgroups: readonly ProcCgroupEntry[];
}

/** One row of the process table. Plain serialisable data; strings are raw (escape before printing). */
export interface PsProcess {
  readonly pid: number;
  readonly ppid?: number;
  /** effective UID */
  readonly uid?: number;
  readonly user?: string;
  readonly comm: string;
  /** argv; empty for kernel threads */
  readonly argv: readonly string[];
  /** argv joined with spaces, or `[comm]` when there is none (ps's convention) */
  readonly command: string;
  readonly state?: string;
  readonly threads?: number;
  readonly kernelThread: boolean;
  /** namespace inode per type */
  readonly ns: Readonly<Partial<Record<NsType, number>>>;
  /** PID in each nested pid namespace, outermost first (status NSpid) */
  readonly nspid?: readonly number[];
  /** every line of /proc/PID/cgroup */
  readonly cgroups: readonly ProcCgroupEntry[];
  /** the cgroup path shown for the process (src/model/process-cgroup.ts primaryCgroup) */
  readonly cgroup?: string;
  readonly container?: Identity;
  /** friendly container name from local metadata, when known */
  readonly containerName?: string;
  readonly utimeTicks?: number;
  readonly stimeTicks?: number;
  readonly starttimeTicks?: number;
  readonly rssBytes?: number;
}

/** The namespaces compared with: PID 1's, or kthreadd's (PID 2), or nsx's own as a last resort. */
export interface ProcessReference {
  readonly pid: number | 'self';
  readonly ns: Readonly<Partial<Record<NsType, number>>>;
}

export interface ProcessTable {
  /** monotonic milliseconds when the collection finished */
  readonly mono_ms: number;
  readonly procs: readonly PsProcess[];
  /** the reference namespaces and whose they are */
  readonly reference: ProcessReference;
  readonly incomplete: boolean;
  readonly skipped: Incompleteness;
  /** seconds since boot when the collection was made (/proc/uptime), for CPU% since start */
  readonly uptime_s?: number;
}

/** What the mapping from sample to row needs besides the sample. */
export interface RowContext {
  /** UID → user name (/etc/passwd) */
  readonly users?: ReadonlyMap<number, string>;
  /** bytes per page (stat's RSS unit) */
  readonly pageSize: number;
  /**
   * The identity of a process's cgroup paths (given in `identityPaths` order), without metadata; default: the
   * path forms alone (src/model/identity.ts). The runtime index adds containerd tasks.
   */
  readonly locate?: (paths: readonly string[]) => Identity | undefined;
  /** the identity joined with the runtimes' metadata (name, image, pod); default: as located */
  readonly enrich?: (id: Identity | undefined) => Identity | undefined;
  /** friendly name of a container, when known */
  readonly nameOf?: (id: Identity | undefined) => string | undefined;
}

/** Is this sample a kernel thread (PF_KTHREAD)? */
export function isKernelThread(s: Pick<ProcessSample, 'flags'>): boolean {
  return s.flags !== undefined && (s.flags & PF_KTHREAD) !== 0;
}

/** The command line as ps prints it: argv joined with spaces, or `[comm]` when there is none. */
export function commandOf(argv: readonly string[], comm: string): string {
  return argv.length ? argv.join(' ') : `[${comm}]`;
}

/**
 * The one mapping from a process sample to its row. Pure (given pure `ctx` functions). `primary` is the path
 * `primaryCgroup` gives for the sample's cgroups and `located` (a caller that meets the same cgroup lines many
 * times computes it once).
 */
export function processRow(
  s: ProcessSample,
  ctx: RowContext,
  located: Identity | undefined = locatedIdentity(s, ctx),
  primary: string | undefined = primaryOf(s.cgroups, located),
): PsProcess {
  return withIdentity(rowOf(s, isKernelThread(s), primary, ctx), located, ctx);
}

/** The cgroup path shown for a process with these cgroup lines and this located identity (see primaryCgroup). */
export function primaryOf(cgroups: readonly ProcCgroupEntry[], located: Identity | undefined): string | undefined {
  return processCgroupsOf(cgroups as ProcCgroupEntry[], located).primary;
}

/** The identity of a sample's cgroups before metadata is joined (see RowContext.locate). */
export function locatedIdentity(s: ProcessSample, ctx: RowContext): Identity | undefined {
  return ctx.locate ? ctx.locate(identityPaths(s.cgroups)) : cgroupIdentity(s.cgroups);
}

/** A row with its identity joined with current metadata (the same row when nothing changed). Pure. */
export function withIdentity(row: PsProcess, located: Identity | undefined, ctx: RowContext): PsProcess {
  const container = ctx.enrich ? ctx.enrich(located) : located;
  const containerName = ctx.nameOf?.(located);
  if (row.container === container && row.containerName === containerName) return row;
  return { ...row, container, containerName };
}

function rowOf(s: ProcessSample, kernelThread: boolean, primary: string | undefined, ctx: RowContext): PsProcess {
  return {
    pid: s.pid,
    ppid: s.ppid,
    uid: s.uid,
    user: s.uid === undefined ? undefined : ctx.users?.get(s.uid),
    comm: s.comm,
    argv: s.argv,
    command: commandOf(s.argv, s.comm),
    state: s.state,
    threads: s.numThreads,
    kernelThread,
    ns: s.ns,
    nspid: s.nspid,
    cgroups: s.cgroups,
    cgroup: primary,
    container: undefined,
    containerName: undefined,
    utimeTicks: s.utimeTicks,
    stimeTicks: s.stimeTicks,
    starttimeTicks: s.starttimeTicks,
    rssBytes: kernelThread || s.rssPages === undefined ? undefined : s.rssPages * ctx.pageSize,
  };
}

/** CPU% per PID between two tables (100 = one CPU); null for a process new in `next` or restarted (PID reuse). */
export function processCpuPercent(prev: ProcessTable | undefined, next: ProcessTable, dt_s: number | null): Map<number, number | null> {
  const out = new Map<number, number | null>();
  const before = new Map<number, PsProcess>();
  if (prev) for (const p of prev.procs) before.set(p.pid, p);
  for (const p of next.procs) {
    const q = before.get(p.pid);
    if (!q || !dt_s || dt_s <= 0 || q.starttimeTicks !== p.starttimeTicks || p.utimeTicks === undefined || q.utimeTicks === undefined || p.stimeTicks === undefined || q.stimeTicks === undefined) {
      out.set(p.pid, null);
      continue;
    }
    const d = p.utimeTicks + p.stimeTicks - (q.utimeTicks + q.stimeTicks);
    out.set(p.pid, d < 0 ? null : (d / USER_HZ / dt_s) * 100);
  }
  return out;
}

/**
 * CPU% per PID since each process started, as procps `ps` computes %CPU: CPU time / elapsed time × 100
 * (100 = one CPU). Null when the start time or times are unknown or the process is younger than a tick.
 */
export function cpuPercentSinceStart(procs: readonly PsProcess[], uptime_s: number): Map<number, number | null> {
  const out = new Map<number, number | null>();
  for (const p of procs) {
    if (p.utimeTicks === undefined || p.stimeTicks === undefined || p.starttimeTicks === undefined) {
      out.set(p.pid, null);
      continue;
    }
    const elapsed = uptime_s - p.starttimeTicks / USER_HZ;
    out.set(p.pid, elapsed <= 0 ? null : ((p.utimeTicks + p.stimeTicks) / USER_HZ / elapsed) * 100);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// One process in full

export interface PsNamespace {
  readonly type: NsType;
  readonly inode: number;
  /** same namespace as the reference process (PID 1) */
  readonly shared_with_init: boolean | null;
  /** number of processes in it */
  readonly nprocs: number;
  /** nsfs bind mounts holding it */
  readonly nsfs: readonly string[];
  /** `ip netns` names of a network namespace */
  readonly names?: readonly string[];
}

export interface PsCgroup {
  readonly hierarchy_id: number;
  readonly version: 1 | 2;
  readonly controllers: readonly string[];
  readonly name: string | null;
  readonly path: string;
  /** limits and current usage of this cgroup for the controllers of this hierarchy (null when unreadable) */
  readonly stats: CgroupStats | null;
}

export interface PsRootMount extends OverlayLayers {
  readonly fstype: string;
  readonly source: string;
  readonly options: string;
}

export interface PsDetail {
  readonly pid: number;
  readonly ppid: number | null;
  readonly comm: string;
  /** the command line as one string (argv joined with spaces, `[comm]` when empty), as in the table */
  readonly command: string;
  /** the argument vector */
  readonly argv: readonly string[];
  readonly state: string | null;
  readonly uid: number | null;
  readonly user: string | null;
  readonly gid: number | null;
  readonly threads: number | null;
  readonly rss_bytes: number | null;
  readonly nspid: readonly number[] | null;
  readonly reference_pid: number | 'self';
  readonly namespaces: readonly PsNamespace[];
  readonly uid_map: readonly IdMapRange[] | null;
  readonly gid_map: readonly IdMapRange[] | null;
  readonly cgroups: readonly PsCgroup[];
  readonly container: (Identity & { readonly name?: string }) | null;
  readonly root_mount: PsRootMount | null;
}

/** The mount at `/` of a mountinfo table (the last one mounted there wins) with its overlay layers. Pure. */
export function rootMountOf(entries: readonly MountinfoEntry[]): PsRootMount | null {
  let root: MountinfoEntry | undefined;
  for (const e of entries) if (e.mountPoint === '/') root = e;
  if (!root) return null;
  return {
    fstype: root.fsType,
    source: root.source,
    options: root.superOptions,
    ...(root.fsType === 'overlay' ? overlayLayers(root.superOptions) : {}),
  };
}
