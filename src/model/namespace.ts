/**
 * The namespace model: namespaces grouped from the processes that hold them (plus those held only by an nsfs
 * bind mount), and the pure functions that relate them. Plain serialisable data; no I/O here.
 */
import type { NsType } from '../parse/nsid-link.js';
import { NS_TYPES } from '../parse/nsid-link.js';
import type { ProcessRecord } from './process.js';

export { NS_TYPES, type NsType };

export interface NamespaceRecord {
  /** nsfs inode number (lsns NS) */
  readonly inode: number;
  readonly type: NsType;
  /** PIDs of the member processes, ascending (NPROCS = pids.length; 0 for a namespace held only by a mount) */
  readonly pids: readonly number[];
  /** parent namespace inode (pid/user; 0 = none), undefined when not read (lsns PNS) */
  parent?: number;
  /** owning user namespace inode (0 = none), undefined when not read (lsns ONS) */
  owner?: number;
  /** UID that owns the namespace's user namespace (used for USER when no process holds it) */
  ownerUid?: number;
  /** RTM_GETNSID answer for net namespaces: >= 0 an id, -1 unassigned; undefined when not read/unusable */
  netnsid?: number;
  /** mount points of nsfs bind mounts of this namespace (lsns NSFS), in mountinfo order, deduplicated */
  nsfs: string[];
  /** open descriptors of processes that hold this namespace (`/proc/PID/fd/N` → `net:[INODE]`), when read */
  fds?: FdHolder[];
  /** sockets whose network namespace this is (SIOCGSKNS on `/proc/PID/fd/N`), when read; net only */
  sockets?: FdHolder[];
}

/** A process's descriptor that holds a namespace: an nsfs file it opened, or a socket created in a netns. */
export interface FdHolder {
  readonly pid: number;
  readonly fd: number;
}

/** What a walk of `/proc/PID/fd` found: a namespace held through one descriptor. */
export interface FdHeld extends FdHolder {
  readonly kind: 'nsfs' | 'socket';
  readonly type: NsType;
  readonly inode: number;
}

/** The lowest PID of a namespace (lsns PID), or undefined for one held only by a mount. */
export function lowestPid(ns: NamespaceRecord): number | undefined {
  return ns.pids.length ? ns.pids[0] : undefined;
}

/**
 * Group processes into namespaces (one record per inode), sorted by inode as lsns sorts them.
 * Only the given types are considered.
 */
export function groupNamespaces(procs: readonly ProcessRecord[], types: readonly NsType[] = NS_TYPES): NamespaceRecord[] {
  const byIno = new Map<number, { inode: number; type: NsType; pids: number[]; nsfs: string[] }>();
  for (const p of procs) {
    for (const t of types) {
      const ino = p.ns[t];
      if (ino === undefined) continue;
      let ns = byIno.get(ino);
      if (!ns) {
        ns = { inode: ino, type: t, pids: [], nsfs: [] };
        byIno.set(ino, ns);
      }
      ns.pids.push(p.pid);
    }
  }
  const out = [...byIno.values()];
  for (const ns of out) ns.pids.sort((a, b) => a - b);
  return out.sort((a, b) => a.inode - b.inode);
}

/** An nsfs bind mount: the namespace it holds and where. */
export interface NsfsMount {
  readonly type: NsType;
  readonly inode: number;
  /** mount point as the host sees it (e.g. /run/netns/x) */
  readonly mountPoint: string;
}

/**
 * Attach nsfs mount points to namespaces (NSFS), and add namespaces held only by a mount (NPROCS 0)
 * for the selected types. Returns a new sorted list; input records are not modified.
 */
export function withNsfsMounts(nss: readonly NamespaceRecord[], mounts: readonly NsfsMount[], types: readonly NsType[] = NS_TYPES): NamespaceRecord[] {
  const byIno = new Map<number, NamespaceRecord>();
  for (const ns of nss) byIno.set(ns.inode, { ...ns, nsfs: [...ns.nsfs] });
  for (const m of mounts) {
    if (!types.includes(m.type)) continue;
    let ns = byIno.get(m.inode);
    if (!ns) {
      ns = { inode: m.inode, type: m.type, pids: [], nsfs: [] };
      byIno.set(m.inode, ns);
    }
    if (ns.type === m.type && !ns.nsfs.includes(m.mountPoint)) ns.nsfs.push(m.mountPoint);
  }
  return [...byIno.values()].sort((a, b) => a.inode - b.inode);
}

/**
 * Attach descriptor holders (nsfs fds, sockets) to namespaces and add the namespaces held only that way
 * (NPROCS 0; lsns 2.41 lists them) for the selected types. Returns a new sorted list.
 */
export function withFdHolders(nss: readonly NamespaceRecord[], held: readonly FdHeld[], types: readonly NsType[] = NS_TYPES): NamespaceRecord[] {
  const byIno = new Map<number, NamespaceRecord>();
  for (const ns of nss) byIno.set(ns.inode, { ...ns });
  // holders per namespace and kind, deduplicated by pid:fd (linear: a netns may have tens of thousands)
  const lists = new Map<NamespaceRecord, { fds?: Map<string, FdHolder>; sockets?: Map<string, FdHolder> }>();
  for (const h of held) {
    if (!types.includes(h.type)) continue;
    let ns = byIno.get(h.inode);
    if (!ns) {
      ns = { inode: h.inode, type: h.type, pids: [], nsfs: [] };
      byIno.set(h.inode, ns);
    }
    const key = h.kind === 'nsfs' ? 'fds' : 'sockets';
    let l = lists.get(ns);
    if (!l) lists.set(ns, (l = {}));
    let m = l[key];
    if (!m) {
      l[key] = m = new Map();
      for (const x of ns[key] ?? []) m.set(`${x.pid}:${x.fd}`, x);
    }
    const k = `${h.pid}:${h.fd}`;
    if (!m.has(k)) m.set(k, { pid: h.pid, fd: h.fd });
  }
  for (const [ns, l] of lists) {
    for (const key of ['fds', 'sockets'] as const) {
      const m = l[key];
      if (m) ns[key] = [...m.values()].sort((a, b) => a.pid - b.pid || a.fd - b.fd);
    }
  }
  return [...byIno.values()].sort((a, b) => a.inode - b.inode);
}

/** One thing that keeps a namespace alive (the HOLDERS column, `holders` in JSON). */
export type Holder =
  | { readonly kind: 'process'; readonly pid: number }
  | { readonly kind: 'fd'; readonly pid: number; readonly fd: number }
  | { readonly kind: 'socket'; readonly pid: number; readonly fd: number }
  | { readonly kind: 'mount'; readonly path: string; readonly netns?: string }
  | { readonly kind: 'child'; readonly type: NsType; readonly inode: number; readonly relation: 'owner' | 'parent' };

/** `ip netns` names a namespace mounted at `<dir>/NAME` (iproute2's NETNS_RUN_DIR, /run/netns or /var/run/netns). */
export function ipNetnsName(type: NsType, mountPoint: string): string | undefined {
  if (type !== 'net') return undefined;
  const m = /^(?:\/var)?\/run\/netns\/([^/]+)$/.exec(mountPoint);
  return m ? m[1] : undefined;
}

/**
 * Everything that holds `ns` alive, in a fixed order: member processes, descriptors (`PID:fd`), sockets, nsfs
 * bind mounts (with the `ip netns` name), and — for a user namespace (owner) or a pid/user namespace (parent) —
 * the namespaces in `all` that pin it. Pure: relations must have been read for children to be found.
 */
export function namespaceHolders(ns: NamespaceRecord, all: readonly NamespaceRecord[] = []): Holder[] {
  const out: Holder[] = [];
  for (const pid of ns.pids) out.push({ kind: 'process', pid });
  for (const h of ns.fds ?? []) out.push({ kind: 'fd', pid: h.pid, fd: h.fd });
  for (const h of ns.sockets ?? []) out.push({ kind: 'socket', pid: h.pid, fd: h.fd });
  for (const path of ns.nsfs) {
    const name = ipNetnsName(ns.type, path);
    out.push({ kind: 'mount', path, ...(name !== undefined ? { netns: name } : {}) });
  }
  if (ns.type === 'user' || ns.type === 'pid') {
    for (const c of all) {
      if (c.inode === ns.inode) continue;
      if (ns.type === 'user' && c.owner === ns.inode) out.push({ kind: 'child', type: c.type, inode: c.inode, relation: 'owner' });
      else if (c.parent === ns.inode && c.type === ns.type) out.push({ kind: 'child', type: c.type, inode: c.inode, relation: 'parent' });
    }
  }
  return out;
}

/** Ascending PIDs as ranges: [1,2,3,7] → ['1-3', '7']. */
export function pidRanges(pids: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < pids.length; ) {
    let j = i;
    while (j + 1 < pids.length && pids[j + 1] === pids[j] + 1) j++;
    out.push(j === i ? String(pids[i]) : `${pids[i]}-${pids[j]}`);
    i = j + 1;
  }
  return out;
}

/**
 * The HOLDERS cell: one line per kind — `pid 1-3,7`, `fd 1234:4`, `socket 1250:3`, `mount /run/netns/x (ip netns x)`,
 * `owns net:4026532001,…` / `parent of user:4026532100,…`. Pure.
 */
export function holdersText(holders: readonly Holder[]): string {
  const lines: string[] = [];
  const group = (label: string, items: string[]) => {
    if (items.length) lines.push(`${label} ${items.join(',')}`);
  };
  group('pid', pidRanges(holders.flatMap((h) => (h.kind === 'process' ? [h.pid] : []))));
  group('fd', holders.flatMap((h) => (h.kind === 'fd' ? [`${h.pid}:${h.fd}`] : [])));
  group('socket', holders.flatMap((h) => (h.kind === 'socket' ? [`${h.pid}:${h.fd}`] : [])));
  for (const h of holders) if (h.kind === 'mount') lines.push(`mount ${h.path}${h.netns !== undefined ? ` (ip netns ${h.netns})` : ''}`);
  group('owns', holders.flatMap((h) => (h.kind === 'child' && h.relation === 'owner' ? [`${h.type}:${h.inode}`] : [])));
  group('parent of', holders.flatMap((h) => (h.kind === 'child' && h.relation === 'parent' ? [`${h.type}:${h.inode}`] : [])));
  return lines.join('\n');
}

/** The tree forms of lsns: none (`-l`), by process, by owner user namespace, by parent namespace. */
export type TreeKind = 'none' | 'process' | 'owner' | 'parent';

/** One output row: a namespace and the process shown for it (its lowest PID), with nested rows. */
export interface NsRow {
  readonly ns: NamespaceRecord;
  /** PID shown on this row (undefined for a namespace held only by a mount) */
  readonly pid?: number;
  readonly children: NsRow[];
}

export interface RowsOptions {
  readonly tree: TreeKind;
  /** only namespaces that contain this PID (lsns -p) */
  readonly task?: number;
  /** only namespaces without processes (lsns -P) */
  readonly persistent?: boolean;
  /** PID → PPID (needed for the process tree) */
  readonly ppid?: ReadonlyMap<number, number>;
  /**
   * Keep the tree's order and filtering but return the rows flat, in the order they were added (what
   * libsmartcols prints when no selected column draws the tree).
   */
  readonly flat?: boolean;
}

/**
 * Arrange namespaces into rows the way lsns does: namespaces in inode order; with the process tree a row
 * nests under the most recent row of its process's parent; with owner/parent trees a namespace's related
 * namespace is shown first (even if filtered out) and the row nests under it.
 */
export function namespaceRows(nss: readonly NamespaceRecord[], o: RowsOptions): NsRow[] {
  const roots: NsRow[] = [];
  const byIno = new Map<number, NamespaceRecord>();
  for (const ns of nss) byIno.set(ns.inode, ns);
  const procRow = new Map<number, NsRow>();
  const nsRow = new Map<number, NsRow>();
  const related = (ns: NamespaceRecord, rel: 'parent' | 'owner'): NamespaceRecord | undefined => {
    const id = ns[rel];
    if (!id || id === ns.inode) return undefined;
    // lsns relates a parent only for pid/user namespaces
    if (rel === 'parent' && ns.type !== 'pid' && ns.type !== 'user') return undefined;
    return byIno.get(id);
  };
  const add = (ns: NamespaceRecord): void => {
    const pid = lowestPid(ns);
    let parentRow: NsRow | undefined;
    if (o.tree === 'process' && pid !== undefined) {
      const pp = o.ppid?.get(pid);
      if (pp !== undefined) parentRow = procRow.get(pp);
    } else if (o.tree === 'owner' || o.tree === 'parent') {
      const r = related(ns, o.tree);
      if (r) parentRow = nsRow.get(r.inode);
    }
    const row: NsRow = { ns, pid, children: [] };
    (parentRow && !o.flat ? parentRow.children : roots).push(row);
    if (o.tree === 'owner' || o.tree === 'parent') nsRow.set(ns.inode, row);
    else if (pid !== undefined) procRow.set(pid, row);
  };
  const visiting = new Set<number>();
  const show = (ns: NamespaceRecord): void => {
    if (visiting.has(ns.inode)) return; // a cycle cannot happen in the kernel; guard against bad fixtures
    visiting.add(ns.inode);
    if (o.tree === 'owner') {
      const r = related(ns, 'owner');
      if (r && !nsRow.has(r.inode)) show(r);
    } else if (o.tree === 'parent') {
      const p = related(ns, 'parent');
      if (p) {
        if (!nsRow.has(p.inode)) show(p);
      } else {
        const r = related(ns, 'owner');
        if (r && !nsRow.has(r.inode)) show(r);
      }
    }
    if (!nsRow.has(ns.inode)) add(ns);
  };
  for (const ns of nss) {
    if (o.task !== undefined && !ns.pids.includes(o.task)) continue;
    if (o.persistent && ns.pids.length !== 0) continue;
    if (o.tree === 'owner' || o.tree === 'parent') {
      if (!nsRow.has(ns.inode)) show(ns);
    } else add(ns);
  }
  return roots;
}

/** One row per process of a namespace (lsns NAMESPACE positional), nested by parent process within it. */
export interface ProcRow {
  readonly ns: NamespaceRecord;
  readonly pid: number;
  readonly children: ProcRow[];
}

export function processRows(ns: NamespaceRecord, o: { tree: TreeKind; ppid?: ReadonlyMap<number, number>; flat?: boolean }): ProcRow[] {
  const roots: ProcRow[] = [];
  const rows = new Map<number, ProcRow>();
  const members = new Set(ns.pids);
  const show = (pid: number, depth: number): ProcRow => {
    const existing = rows.get(pid);
    if (existing) return existing;
    let parent: ProcRow | undefined;
    const pp = o.ppid?.get(pid);
    if (o.tree === 'process' && pp !== undefined && members.has(pp) && depth < 4096) parent = show(pp, depth + 1);
    const row: ProcRow = { ns, pid, children: [] };
    rows.set(pid, row);
    (parent && !o.flat ? parent.children : roots).push(row);
    return row;
  };
  for (const pid of ns.pids) show(pid, 0);
  return roots;
}
