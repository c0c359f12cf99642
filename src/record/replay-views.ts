/**
 * The one-instant views of a recording: `nsx ps --at` (the table: src/record/replay.ts `ProcessTables`; one
 * process in full: here), `nsx cg tree --at`, `nsx ls --at`. Each builds the same result the live service returns
 * (`PsDetail`, `CgTreeResult`, `LsResult`), with the model's own functions (namespace grouping and rows, the tree
 * from membership, the identity of a path), from the samples of the recorded instant instead of the host's files.
 * What was not recorded is absent (null), never made up: uid/gid maps, the root mount and GID of `ps PID`; the
 * descriptors holding a namespace (`ls` shows nsfs mounts and member processes).
 */
import { NotFoundError } from '../errors.js';
import type { Incompleteness } from '../host/tolerance.js';
import { treeFromMembership, viewHierarchies, type CgroupNode } from '../model/cgroup.js';
import type { CgroupSample, StatGroup } from '../model/cgroup-sample.js';
import { identifyCgroupPath, identityJson, type Identity } from '../model/identity.js';
import { groupNamespaces, namespaceRows, processRows, withNsfsMounts, type NamespaceRecord, type NsfsMount } from '../model/namespace.js';
import { hierarchyOf, primaryCgroupPath } from '../model/process-cgroup.js';
import { commandOf, isKernelThread, type PsCgroup, type PsDetail, type PsNamespace } from '../model/process.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { hierarchyKey } from '../parse/proc-cgroup.js';
import { lsnsCommandLine } from '../parse/lsns-cmdline.js';
import { netnsNamesOf } from '../readers/names/names.js';
import type { LsProcInfo, LsTreeRow } from '../fields/ls.js';
import { pickView, type CgProcess, type CgTreeNode, type CgTreeResult } from '../services/cg.js';
import type { LsOptions, LsResult } from '../services/ls.js';
import { groupsFor, type PsResult } from '../services/ps.js';
import type { HostSummary } from '../services/dashboard.js';
import { filterProcesses, type PsFilter } from '../model/process-filter.js';
import type { Replay } from './replay.js';
import type { RecordedProcess, RecordedState } from './state.js';
import { isoSecond } from './time.js';

/** The nsfs bind mounts recorded at an instant. */
function nsfsMounts(st: RecordedState): NsfsMount[] {
  const out: NsfsMount[] = [];
  for (const n of st.namespaces) for (const m of n.nsfs ?? []) out.push({ type: n.type, inode: n.inode, mountPoint: m });
  return out;
}

/** Namespaces of an instant: grouped from the processes, with nsfs-only ones and the recorded relations. */
export function namespacesOf(st: RecordedState, types: readonly NsType[] = NS_TYPES): NamespaceRecord[] {
  const nss = withNsfsMounts(groupNamespaces(st.processes, types), nsfsMounts(st), types);
  const info = new Map(st.namespaces.map((n) => [n.inode, n] as const));
  for (const ns of nss) {
    const r = info.get(ns.inode);
    if (!r) continue;
    if (r.owner !== undefined) ns.owner = r.owner;
    if (r.parent !== undefined) ns.parent = r.parent;
    if (r.netnsid !== undefined) ns.netnsid = r.netnsid;
    if (r.ownerUid !== undefined) ns.ownerUid = r.ownerUid;
  }
  return nss;
}

function onlyGroups(s: CgroupSample, g: readonly StatGroup[]): CgroupSample {
  const out: Record<string, unknown> = { path: s.path, inodes: s.inodes, ...(s.inode !== undefined ? { inode: s.inode } : {}) };
  for (const k of g) if (s[k] !== undefined) out[k] = s[k];
  return out as unknown as CgroupSample;
}

/** `nsx ps --at TIME PID`: one process of the recorded instant in full (what was not recorded is null). */
export function replayPsDetail(r: Replay, pid: number): PsDetail {
  const st = r.cursor.current().state;
  const table = r.processTable(st);
  const p = table.procs.find((x) => x.pid === pid);
  const s = st.processes.find((x) => x.pid === pid);
  if (!p || !s) throw new NotFoundError(`${r.prog}: ${pid}: no such process at ${isoSecond(st.time_ms)} in ${r.rec.dir}`, String(pid));
  const nss = namespacesOf(st);
  const byIno = new Map(nss.map((n) => [n.inode, n] as const));
  const names = netnsNamesOf(nsfsMounts(st));
  const ref = table.reference.ns;
  const namespaces: PsNamespace[] = [];
  for (const type of NS_TYPES) {
    const inode = p.ns[type];
    if (inode === undefined) continue;
    const n = type === 'net' ? names.get(inode) : undefined;
    namespaces.push({ type, inode, shared_with_init: ref[type] === undefined ? null : ref[type] === inode, nprocs: byIno.get(inode)?.pids.length ?? 1, nsfs: byIno.get(inode)?.nsfs ?? [], ...(n ? { names: n } : {}) });
  }
  const layout = st.host.layout;
  const samples = new Map(st.cgroups.map((c) => [c.path, c] as const));
  const cgroups: PsCgroup[] = p.cgroups.map((e) => {
    const version: 1 | 2 = e.hierarchyId === 0 ? 2 : 1;
    const h = layout ? hierarchyOf(layout, e) : undefined;
    const controllers = version === 2 ? (h?.controllers ?? []) : e.controllers;
    const sample = samples.get(e.path);
    // the groups `nsx ps PID` reads for this hierarchy, from the recorded sample
    const g = groupsFor(controllers, version);
    return { hierarchy_id: e.hierarchyId, version, controllers: [...controllers], name: e.name ?? null, path: e.path, stats: sample && g.length ? onlyGroups(sample, g) : null };
  });
  return {
    pid,
    ppid: p.ppid ?? null,
    comm: p.comm,
    command: p.command,
    argv: p.argv,
    state: p.state ?? null,
    uid: p.uid ?? null,
    user: p.user ?? null,
    gid: null,
    threads: p.threads ?? null,
    rss_bytes: p.rssBytes ?? null,
    nspid: p.nspid ?? null,
    reference_pid: table.reference.pid,
    namespaces,
    uid_map: null,
    gid_map: null,
    cgroups,
    container: p.container ?? null,
    root_mount: null,
  };
}

/** path → PIDs in the given hierarchies (keys), from the processes' recorded cgroup lines. */
export function membershipOf(processes: readonly RecordedProcess[], keys: ReadonlySet<string>): Map<string, number[]> {
  const byPath = new Map<string, number[]>();
  for (const p of processes) {
    const mine = new Set<string>();
    for (const e of p.cgroups) if (keys.has(e.hierarchyId === 0 ? '' : hierarchyKey(e.controllers, e.name))) mine.add(e.path);
    for (const path of mine) {
      const l = byPath.get(path);
      if (l) l.push(p.pid);
      else byPath.set(path, [p.pid]);
    }
  }
  for (const l of byPath.values()) l.sort((a, b) => a - b);
  return byPath;
}

/** The container label of a path when it says more than its name, and its identity record (as `nsx cg tree`). */
function labelAndRecord(path: string, identities: Readonly<Record<string, Identity>>): { container: string | null; identity: ReturnType<typeof identityJson> } {
  const id = identities[path] ?? identifyCgroupPath(path);
  if (!id || id.cgroup !== path) return { container: null, identity: null };
  const container = id.label === path.slice(path.lastIndexOf('/') + 1) ? null : id.label;
  return { container, identity: id.kind !== 'unit' && id.kind !== 'slice' ? identityJson(id) : null };
}

export interface ReplayCgTreeOptions {
  readonly path?: string;
  readonly depth?: number;
  readonly all?: boolean;
  readonly kernel?: boolean;
  readonly controller?: string;
}

/** `nsx cg tree --at TIME`: the recorded processes under their cgroups (with `--all`, every recorded cgroup too). */
export function replayCgTree(r: Replay, o: ReplayCgTreeOptions): CgTreeResult {
  const st = r.cursor.current().state;
  const layout = r.layout;
  const { view, label, h } = pickView(layout, o.controller);
  const hs = viewHierarchies(layout, view);
  if (hs.length === 0) throw new NotFoundError(`${r.prog}: no cgroup hierarchy was mounted on the recorded host`, r.rec.dir);
  const root = o.path === undefined ? (hs[0]?.mountRoot ?? '/') : r.cgroupOf(o.path);
  const membership = membershipOf(st.processes, new Set(hs.map((x) => x.key)));
  const known = new Set<string>([...membership.keys(), ...st.cgroups.map((c) => c.path)]);
  if (![...known].some((p) => p === root || p.startsWith(root === '/' ? '/' : root + '/'))) throw new NotFoundError(`${r.prog}: ${root}: no such cgroup at ${isoSecond(st.time_ms)}`, root);
  // with --all, the recorded cgroups (the hierarchies nsx samples) join the tree without members
  const tree: CgroupNode = treeFromMembership(root, hs.map((x) => x.key), o.all ? new Map([...st.cgroups.map((c) => [c.path, [] as number[]] as const), ...membership]) : membership, o.depth);
  const byPid = new Map(st.processes.map((p) => [p.pid, p] as const));
  const build = (n: CgroupNode, isRoot: boolean): CgTreeNode | undefined => {
    const processes: CgProcess[] = [];
    for (const pid of n.pids ?? []) {
      const p = byPid.get(pid);
      if (!p || (isKernelThread(p) && !o.kernel)) continue;
      processes.push({ pid, command: commandOf(p.argv, p.comm) });
    }
    const children = n.children.map((c) => build(c, false)).filter((c): c is CgTreeNode => c !== undefined);
    if (!isRoot && !o.all && processes.length === 0 && children.length === 0) return undefined;
    return { path: n.path, name: n.name, ...labelAndRecord(n.path, st.identities), processes, children };
  };
  const incomplete: Incompleteness | undefined = st.host.denied?.length ? { gone: st.host.gone ?? 0, denied: [...st.host.denied] } : undefined;
  return { layout: layout.kind, hierarchy: label, mount: h?.mounts[0] ?? null, tree: build(tree, true)!, ...(incomplete ? { incomplete } : {}) };
}

/** What `listNamespaces` takes, but the host and its descriptors. */
export type ReplayLsOptions = Omit<LsOptions, 'paths' | 'fds'>;

/** `nsx ls --at TIME`: the recorded namespaces, their processes and relations, as `listNamespaces` returns them. */
export function replayLs(r: Replay, o: ReplayLsOptions): LsResult {
  const st = r.cursor.current().state;
  const types: readonly NsType[] = o.types && o.types.length ? o.types : NS_TYPES;
  const byPid = new Map(st.processes.map((p) => [p.pid, p] as const));
  if (o.task !== undefined && !byPid.has(o.task)) throw new NotFoundError(`ls: process ${o.task} not found at ${isoSecond(st.time_ms)} in ${r.rec.dir}`, String(o.task));
  const nss = namespacesOf(st, types);
  const ppid = new Map<number, number>();
  for (const p of st.processes) if (p.ppid !== undefined) ppid.set(p.pid, p.ppid);
  let rows: LsTreeRow[];
  if (o.namespace !== undefined) {
    const target = nss.find((n) => n.inode === o.namespace);
    if (!target) throw new NotFoundError(`ls: not found namespace: ${o.namespace}`);
    rows = processRows(target, { tree: o.tree, ppid, flat: o.flat });
  } else rows = namespaceRows(nss, { tree: o.tree, task: o.task, persistent: o.persistent, ppid, flat: o.flat });
  const pids = new Set<number>();
  const collect = (l: readonly LsTreeRow[]) => {
    for (const x of l) {
      if (x.pid !== undefined) pids.add(x.pid);
      collect(x.children);
    }
  };
  collect(rows);
  const procs = new Map<number, LsProcInfo>();
  for (const pid of pids) {
    const p = byPid.get(pid);
    if (!p) continue;
    const id = p.identity;
    procs.set(pid, {
      ...(p.ppid !== undefined ? { ppid: p.ppid } : {}),
      ...(p.uid !== undefined ? { uid: p.uid } : {}),
      command: lsnsCommandLine(p.argv.join('\0')) ?? p.comm,
      argv: [...p.argv],
      cgroup: primaryCgroupPath(p.cgroups, id),
      container: id?.label,
      identity: identityJson(id),
    });
  }
  const users = new Map(Object.entries(st.host.users ?? {}).map(([k, v]) => [Number(k), v] as const));
  const denied = [...(st.host.denied ?? [])];
  return { mode: o.namespace !== undefined ? 'processes' : 'namespaces', namespaces: nss, rows, procs, users, incomplete: denied.length > 0, skipped: { gone: st.host.gone ?? 0, denied }, fdsSkipped: { gone: 0, denied: [] } };
}

/** `nsx ps --at TIME [PID…]`: the recorded process table (filtered as live), or processes in full. */
export function replayPs(r: Replay, o: { readonly pids: readonly number[]; readonly filter: PsFilter }): PsResult {
  if (o.pids.length === 0) {
    const table = r.processTable(r.cursor.current().state);
    return { mode: 'table', table, rows: filterProcesses(table.procs, o.filter) };
  }
  return { mode: 'detail', details: o.pids.map((pid) => replayPsDetail(r, pid)) };
}

/** The host summary (what `nsx` prints off a terminal) of the recorded instant. */
export function replaySummary(r: Replay): HostSummary {
  const st = r.cursor.current().state;
  const nss = namespacesOf(st);
  const namespaces: Partial<Record<NsType, number>> = {};
  for (const n of nss) namespaces[n.type] = (namespaces[n.type] ?? 0) + 1;
  const containers: Record<string, number> = {};
  const seen = new Set<string>();
  const pods = new Set<string>();
  for (const p of st.processes) {
    const c = p.identity;
    if (c?.podUid ?? c?.pod?.uid) pods.add((c.podUid ?? c.pod?.uid)!);
    if (c?.kind !== 'container' || seen.has(`${c.runtime}:${c.id}`)) continue;
    seen.add(`${c.runtime}:${c.id}`);
    containers[c.runtime] = (containers[c.runtime] ?? 0) + 1;
  }
  const layout = st.host.layout;
  return {
    layout: layout?.kind ?? null,
    hierarchies: layout?.hierarchies.map((h) => (h.version === 2 ? 'cgroup2' : h.key)) ?? [],
    cgroups: st.cgroups.length,
    processes: st.processes.length,
    namespaces,
    namespaces_total: nss.length,
    containers,
    pods: pods.size,
    incomplete: (st.host.denied?.length ?? 0) > 0,
    denied: st.host.denied?.length ?? 0,
  };
}
