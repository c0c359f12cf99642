/**
 * The dashboard's pure model: what the three views and the drill-down lists show, computed from a process
 * table (src/services/ps.ts), the namespaces grouped from it (src/model/namespace.ts) and a cgroup frame
 * (src/sampler/frame.ts). No I/O, no React: tested directly.
 */
import { NS_TYPES, type NsType } from '../../parse/nsid-link.js';
import { holdersText, namespaceHolders, namespaceRows, type NamespaceRecord, type NsRow } from '../../model/namespace.js';
import type { PsProcess, ProcessTable } from '../../services/ps.js';
import type { TopFrame } from '../../sampler/frame.js';
import type { Identity } from '../../model/identity.js';
import { underCgroup } from '../../services/ps.js';
export { nsDiff } from '../../fields/ps.js';

/** The three views. */
export type ViewId = 'cgroups' | 'namespaces' | 'processes';
export const VIEWS: readonly ViewId[] = ['cgroups', 'namespaces', 'processes'];

/** What a selection is about; selection follows it across views. */
export type Focus = { readonly kind: 'cgroup'; readonly path: string } | { readonly kind: 'process'; readonly pid: number } | { readonly kind: 'ns'; readonly inode: number };

/** CPU% per PID between two samples: the process model's one computation. */
export { processCpuPercent } from '../../model/process.js';

/**
 * What a container is found by in a search, whatever the view: its label (`docker:9a9f…`), full id, name,
 * image, pod (namespace, name, uid), compose project and service, unit. Fields the identity does not carry are
 * skipped.
 */
export interface IdentityLike {
  readonly label?: string;
  readonly id?: string;
  readonly name?: string;
  readonly image?: string;
  readonly podUid?: string;
  readonly pod?: { readonly namespace?: string; readonly name?: string; readonly uid?: string };
  readonly compose?: { readonly project?: string; readonly service?: string };
  readonly unit?: string;
}

export function identityTerms(c: IdentityLike | undefined, name?: string): string[] {
  const out: string[] = [];
  const add = (v: string | undefined) => {
    if (v) out.push(v);
  };
  add(name);
  if (c) {
    add(c.label);
    add(c.id);
    add(c.name);
    add(c.image);
    add(c.podUid);
    add(c.pod?.uid);
    add(c.pod?.name);
    if (c.pod?.namespace && c.pod?.name) add(`${c.pod.namespace}/${c.pod.name}`);
    add(c.compose?.project);
    add(c.compose?.service);
    add(c.unit);
  }
  return out;
}

/** Case-insensitive: does any of `hay` contain the lower-cased `q`. */
function anyIncludes(hay: readonly (string | undefined)[], q: string): boolean {
  return hay.some((h) => h !== undefined && h.toLowerCase().includes(q));
}

/** Does a process's container match a search (name, id, image, pod…). */
export function containerMatches(p: PsProcess, needle: string): boolean {
  return needle !== '' && anyIncludes(identityTerms(p.container as IdentityLike | undefined, p.containerName), needle.toLowerCase());
}

/** Does a process match a search: name, command, PID, its container (name, id, image, pod), cgroup path, namespace inode. */
export function processMatches(p: PsProcess, needle: string): boolean {
  if (needle === '') return true;
  const q = needle.toLowerCase();
  if (/^\d+$/.test(q)) {
    if (String(p.pid) === q) return true;
    if (Object.values(p.ns).some((ino) => String(ino) === q)) return true;
  }
  return anyIncludes([p.comm, p.command, p.cgroup], q) || containerMatches(p, needle);
}

/**
 * Does a line of the Namespaces view match a search: inode, type, holder command and PID, `ip netns` names,
 * nsfs mounts — and, for a namespace of its own (not PID 1's), the container of any process in it.
 */
export function namespaceMatches(l: NsLine, needle: string, procs: ReadonlyMap<number, PsProcess>, reference: Readonly<Partial<Record<NsType, number>>>): boolean {
  if (needle === '') return true;
  const q = needle.toLowerCase();
  if (anyIncludes([String(l.ns.inode), l.ns.type, l.command, ...(l.names ?? []), ...l.ns.nsfs, l.pid === undefined ? undefined : String(l.pid)], q)) return true;
  if (l.ns.pids.length === 0 && l.holders.toLowerCase().includes(q)) return true; // held by a descriptor or a mount only
  if (reference[l.ns.type] === l.ns.inode) return false; // the host's: every container's process is in it
  return l.ns.pids.some((pid) => {
    const p = procs.get(pid);
    return p !== undefined && containerMatches(p, needle);
  });
}

/** Processes whose cgroup, in any hierarchy, is exactly `path` (the members of that cgroup). */
export function processesInCgroup(procs: readonly PsProcess[], path: string, recursive = false): PsProcess[] {
  return procs.filter((p) => p.cgroups.some((e) => (recursive ? underCgroup(e.path, path) : e.path === path)));
}

/** Processes in the namespace with inode `inode`. */
export function processesInNamespace(procs: readonly PsProcess[], inode: number): PsProcess[] {
  return procs.filter((p) => Object.values(p.ns).includes(inode));
}

/** A line of the Namespaces view. */
export interface NsLine {
  readonly ns: NamespaceRecord;
  /** tree glyphs */
  readonly prefix: string;
  /** lowest PID and its command (the holder shown, as lsns shows it) */
  readonly pid?: number;
  readonly command?: string;
  /** `ip netns` names */
  readonly names?: readonly string[];
  /**
   * What keeps it alive (issue 10's HOLDERS, src/model/namespace.ts): member PIDs, `PID:fd` descriptors,
   * sockets, bind mounts (with the `ip netns` name), the namespaces it owns or parents — one line.
   */
  readonly holders: string;
}

const TYPE_ORDER = new Map(NS_TYPES.map((t, i) => [t, i] as const));

/** The `pid …` line of HOLDERS per namespace inode, with the PIDs it was made from (the host's namespaces hold
 * thousands: formatted again only when the member list changed). Bounded. */
const pidLines = new Map<number, { readonly pids: readonly number[]; readonly text: string }>();

function samePids(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** HOLDERS on one line (`holdersText` of src/model/namespace.ts, lines joined with ` · `). */
function holdersLine(ns: NamespaceRecord, all: readonly NamespaceRecord[]): string {
  if (ns.pids.length < 64) return holdersText(namespaceHolders(ns, all)).split('\n').join(' · ');
  let c = pidLines.get(ns.inode);
  if (!c || !samePids(c.pids, ns.pids)) {
    if (pidLines.size > 4096) pidLines.clear();
    c = { pids: ns.pids, text: holdersText(ns.pids.map((pid) => ({ kind: 'process', pid }) as const)) };
    pidLines.set(ns.inode, c);
  }
  // the other holders (descriptors, mounts, owned namespaces) are few: formatted each time, after the PIDs
  const rest = holdersText(namespaceHolders({ ...ns, pids: [] }, all));
  return rest ? `${c.text} · ${rest.split('\n').join(' · ')}` : c.text;
}

/**
 * The Namespaces view: a tree by owner user namespace (user namespaces first, then what they own sorted by
 * type and inode). Without relations (none recorded), a flat list sorted by type then inode.
 */
export function namespaceLines(
  nss: readonly NamespaceRecord[],
  procs: ReadonlyMap<number, PsProcess>,
  netnsNames: ReadonlyMap<number, readonly string[]> = new Map(),
  ascii = false,
  /** every namespace (for the children a user or pid namespace holds); default `nss` */
  all: readonly NamespaceRecord[] = nss,
): NsLine[] {
  const haveOwners = nss.some((n) => n.owner !== undefined);
  const g = ascii ? { mid: '|-', last: '`-', vert: '| ', none: '  ' } : { mid: '├─', last: '└─', vert: '│ ', none: '  ' };
  const out: NsLine[] = [];
  const line = (ns: NamespaceRecord, prefix: string): NsLine => {
    const pid = ns.pids[0];
    const p = pid === undefined ? undefined : procs.get(pid);
    const names = netnsNames.get(ns.inode);
    const holders = holdersLine(ns, all);
    return { ns, prefix, holders, ...(pid !== undefined ? { pid } : {}), ...(p ? { command: p.command } : {}), ...(names ? { names } : {}) };
  };
  const cmp = (a: NsRow, b: NsRow) => (a.ns.type === 'user' ? -1 : 0) - (b.ns.type === 'user' ? -1 : 0) || TYPE_ORDER.get(a.ns.type)! - TYPE_ORDER.get(b.ns.type)! || a.ns.inode - b.ns.inode;
  if (!haveOwners) {
    for (const ns of [...nss].sort((a, b) => TYPE_ORDER.get(a.type)! - TYPE_ORDER.get(b.type)! || a.inode - b.inode)) out.push(line(ns, ''));
    return out;
  }
  const walk = (rows: readonly NsRow[], indent: string, top: boolean) => {
    const sorted = [...rows].sort(cmp);
    sorted.forEach((r, i) => {
      const last = i === sorted.length - 1;
      out.push(line(r.ns, top ? '' : indent + (last ? g.last : g.mid)));
      walk(r.children, top ? '' : indent + (last ? g.none : g.vert), false);
    });
  };
  walk(namespaceRows(nss, { tree: 'owner' }), '', true);
  return out;
}

/** Counts for the summary and the header: namespaces by type, containers, pods. */
export interface HostCounts {
  readonly processes: number;
  readonly namespaces: Readonly<Partial<Record<NsType, number>>>;
  readonly containers: number;
  readonly pods: number;
}

/**
 * Counts for the header: every container and pod the processes are in, and those the cgroups name (a
 * container's cgroup identity counts once however many processes it has; pod sandboxes are not containers).
 */
export function hostCounts(table: ProcessTable, nss: readonly NamespaceRecord[], cgroups: Iterable<Identity> = []): HostCounts {
  const namespaces: Partial<Record<NsType, number>> = {};
  for (const n of nss) namespaces[n.type] = (namespaces[n.type] ?? 0) + 1;
  const containers = new Set<string>();
  const pods = new Set<string>();
  const count = (c: Identity | undefined) => {
    if (c?.kind === 'container' && !c.sandbox) containers.add(c.id);
    const uid = c?.pod?.uid ?? c?.podUid;
    if (uid) pods.add(uid);
  };
  for (const p of table.procs) count(p.container);
  for (const c of cgroups) count(c);
  return { processes: table.procs.length, namespaces, containers: containers.size, pods: pods.size };
}

/** The focus of a view's selection mapped into another view: the key to select there (or undefined). */
export function focusKeyIn(view: ViewId, f: Focus | undefined, procs: readonly PsProcess[], ref: Readonly<Partial<Record<NsType, number>>>, cgroupPaths: ReadonlySet<string>): string | undefined {
  if (!f) return undefined;
  const proc =
    f.kind === 'process'
      ? procs.find((p) => p.pid === f.pid)
      : f.kind === 'cgroup'
        ? processesInCgroup(procs, f.path)[0] ?? processesInCgroup(procs, f.path, true)[0]
        : procs.find((p) => Object.values(p.ns).includes(f.inode));
  switch (view) {
    case 'processes':
      return proc ? String(proc.pid) : undefined;
    case 'cgroups': {
      if (f.kind === 'cgroup') return f.path;
      if (!proc) return undefined;
      // the deepest of the process's cgroup paths that the tree shows
      const cands = proc.cgroups.map((e) => e.path).filter((p) => cgroupPaths.has(p)).sort((a, b) => b.length - a.length);
      return cands[0];
    }
    case 'namespaces': {
      if (f.kind === 'ns') return String(f.inode);
      if (!proc) return undefined;
      const own = NS_TYPES.find((t) => proc.ns[t] !== undefined && proc.ns[t] !== ref[t]);
      const t = own ?? 'user';
      return proc.ns[t] === undefined ? undefined : String(proc.ns[t]);
    }
  }
}

/**
 * The cgroups a search matches: by path, container label or identity (name, id, image, pod), or because a matching process (name, PID,
 * container, namespace inode) lives there. Returns the matching paths (in frame order); pure.
 */
export function cgroupMatches(frame: TopFrame, procs: readonly PsProcess[], needle: string, names: ReadonlyMap<string, Identity> = new Map()): string[] {
  if (needle === '') return frame.rows.map((r) => r.path);
  const q = needle.toLowerCase();
  const viaProcs = new Set<string>();
  for (const p of procs) {
    if (!processMatches(p, needle)) continue;
    // the deepest of its paths (a hierarchy where it sits at the root would match everything)
    const deepest = p.cgroups.map((e) => e.path).filter((x) => frame.byPath.has(x)).sort((a, b) => b.length - a.length)[0];
    if (deepest !== undefined) viaProcs.add(deepest);
  }
  return frame.rows
    .filter((r) => r.path.toLowerCase().includes(q) || (r.container ?? '').toLowerCase().includes(q) || viaProcs.has(r.path) || anyIncludes(identityTerms(names.get(r.path)), q))
    .map((r) => r.path);
}

/** A frame reduced to `keep` and their ancestors (so the tree still reads). Pure. */
export function restrictFrame(frame: TopFrame, keep: readonly string[]): TopFrame {
  const k = new Set<string>();
  for (const p of keep) for (let q: string | undefined = p; q !== undefined && !k.has(q); q = frame.byPath.get(q)?.parent) k.add(q);
  const rows = frame.rows.filter((r) => k.has(r.path));
  const children = new Map<string, string[]>();
  for (const [p, kids] of frame.children) if (k.has(p)) children.set(p, kids.filter((c) => k.has(c)));
  return { ...frame, rows, byPath: new Map(rows.map((r) => [r.path, r] as const)), children, roots: frame.roots.filter((r) => k.has(r)) };
}
