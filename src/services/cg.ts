/**
 * `nsx cg` services: each takes an options object and returns plain serialisable data in the documented
 * JSON shape (the README, section nsx cg). Views (src/fields/cg.ts, src/cli/commands/cg.ts) only format it.
 *
 *   cgSummary({ paths })                                      → CgSummary   (`nsx cg`)
 *   cgTree({ paths, path?, depth?, all?, kernel?, controller? }) → CgTreeResult (`nsx cg tree`)
 *   cgShow({ paths, target })                                  → CgShowResult (`nsx cg show PATH|pid:PID`)
 *   cgPs({ paths, pid })                                       → CgPsResult   (`nsx cg ps PID`)
 */
import type { HostPaths } from '../host/paths.js';
import { Tolerance, type Incompleteness } from '../host/tolerance.js';
import { NotFoundError, UsageError } from '../errors.js';
import {
  normalizeCgroupPath, treeFromMembership, viewHierarchies, withMembership, type CgroupLayout, type CgroupNode, type CgroupView,
  type Hierarchy, type Limit,
} from '../model/cgroup.js';
import { ALL_STAT_GROUPS, type CgroupSample, type StatGroup } from '../model/cgroup-sample.js';
import { SHOW_FIELDS } from '../fields/cg.js';
import type { CgHierarchyRow, CgProcess, CgPsRow, CgTreeNode, ShowGroup } from '../model/cg-rows.js';
import { identifyCgroupPath, identityJson, type IdentityJson } from '../model/identity.js';

// the rows of `nsx cg`'s views are model types (src/model/cg-rows.ts), shared with their field registry (src/fields/cg.ts)
export type { CgHierarchyRow, CgProcess, CgPsRow, CgTreeNode, ShowGroup };
import { runtimeIndexFor, type RuntimeIndex } from '../readers/runtimes/index.js';
import { cgroupOfTarget } from '../readers/runtimes/running.js';
import { isContainerTarget } from '../model/container-target.js';
import { readCgroupLayout, cgroupDir } from '../readers/cgroupfs/layout.js';
import { walkCgroupTree, walkCgroupTreeWithin, countCgroups, cgroupExists, estimateCgroupCount, v2CgroupCount } from '../readers/cgroupfs/tree.js';
import { planCgroupSample, plainSource, sampleCgroup, type SamplePlan } from '../readers/cgroupfs/sample.js';
import { listProcPids, readMembers, readMembershipFromProc, readProcessCgroups, readThreadCount, type ProcessCgroup } from '../readers/cgroupfs/members.js';

/* ------------------------------------------------------------------ nsx cg */


export interface CgSummary {
  readonly layout: CgroupLayout['kind'];
  readonly hierarchies: CgHierarchyRow[];
  /** enabled controllers on no v1 hierarchy (hierarchy 0 of /proc/cgroups): available to cgroup2 */
  readonly unattached: string[];
  /** /proc/cgroups as is */
  readonly controllers: { name: string; hierarchy: number; num_cgroups: number; enabled: boolean }[];
  readonly incomplete?: Incompleteness;
}

export function cgSummary(opts: { paths: HostPaths }): CgSummary {
  const layout = readCgroupLayout(opts.paths);
  const tol = new Tolerance();
  const hierarchies: CgHierarchyRow[] = layout.hierarchies.map((h) => ({
    id: h.id,
    version: h.version,
    controllers: h.controllers,
    name: h.name ?? null,
    mount: h.mounts[0],
    mounts: h.mounts,
    num_cgroups: h.numCgroups ?? (h.version === 2 ? v2CgroupCount(opts.paths, h) : undefined) ?? countCgroups(opts.paths, h, tol),
  }));
  // v1 hierarchies that /proc/cgroups knows but that are not mounted (in this mount namespace)
  const unmounted = new Map<number, { controllers: string[]; n: number }>();
  for (const c of layout.controllers) {
    if (c.hierarchy === 0 || layout.hierarchies.some((h) => h.id === c.hierarchy)) continue;
    const u = unmounted.get(c.hierarchy) ?? { controllers: [], n: c.numCgroups };
    u.controllers.push(c.name);
    unmounted.set(c.hierarchy, u);
  }
  for (const [id, u] of [...unmounted].sort((a, b) => a[0] - b[0])) {
    hierarchies.push({ id, version: 1, controllers: u.controllers, name: null, mount: null, mounts: [], num_cgroups: u.n });
  }
  if (layout.unattached.length && !layout.hierarchies.some((h) => h.version === 2)) {
    hierarchies.push({ id: 0, version: 2, controllers: layout.unattached, name: null, mount: null, mounts: [], num_cgroups: null });
  }
  return {
    layout: layout.kind,
    hierarchies,
    unattached: layout.unattached,
    controllers: layout.controllers.map((c) => ({ name: c.name, hierarchy: c.hierarchy, num_cgroups: c.numCgroups, enabled: c.enabled })),
    ...(tol.incomplete ? { incomplete: tol.toJSON() } : {}),
  };
}

/* ------------------------------------------------------------------ nsx cg tree */



export interface CgTreeResult {
  readonly layout: CgroupLayout['kind'];
  /** which tree: `v2`, `merged`, or the v1 hierarchy (`name=systemd`, `cpu,cpuacct`) */
  readonly hierarchy: string;
  readonly mount: string | null;
  readonly tree: CgTreeNode;
  readonly incomplete?: Incompleteness;
}

export interface CgTreeOptions {
  readonly paths: HostPaths;
  readonly path?: string;
  readonly depth?: number;
  /** show cgroups with no processes (in their whole subtree) */
  readonly all?: boolean;
  /** include kernel threads */
  readonly kernel?: boolean;
  /** a controller name or `name=x` / named hierarchy name picking the tree */
  readonly controller?: string;
}

/** The tree to show: `--controller` if given, else v2 on unified, else name=systemd, else merged. */
export function pickView(layout: CgroupLayout, controller?: string): { view: CgroupView; label: string; h?: Hierarchy } {
  if (controller !== undefined) {
    const c = controller.replace(/^name=/, '');
    const named = layout.hierarchies.find((h) => h.name === c);
    if (named) return { view: { kind: 'v1', key: named.key }, label: named.key, h: named };
    if (c === 'merged') return { view: { kind: 'merged' }, label: 'merged' };
    if (c === 'unified' || c === 'v2') {
      const v2 = layout.hierarchies.find((h) => h.version === 2);
      if (v2) return { view: { kind: 'v2' }, label: 'v2', h: v2 };
    }
    const h = layout.hierarchies.find((x) => x.controllers.includes(c));
    if (!h) throw new NotFoundError(`${controller}: no mounted hierarchy has this controller`);
    return h.version === 2 ? { view: { kind: 'v2' }, label: 'v2', h } : { view: { kind: 'v1', key: h.key }, label: h.key, h };
  }
  if (layout.kind === 'unified') {
    const v2 = layout.hierarchies.find((h) => h.version === 2);
    return { view: { kind: 'v2' }, label: 'v2', h: v2 };
  }
  const sd = layout.hierarchies.find((h) => h.name === 'systemd');
  if (sd) return { view: { kind: 'v1', key: sd.key }, label: sd.key, h: sd };
  return { view: { kind: 'merged' }, label: 'merged' };
}

type PathIdentity = ReturnType<RuntimeIndex['identify']>;

/**
 * The container/unit label of a path, or null when it says nothing the name does not (`ssh.service`).
 * `exact`: only when the path is the identified cgroup itself (tree nodes), not something below it.
 */
function containerLabel(path: string, exact = true, index?: RuntimeIndex): string | null {
  return labelOf(index ? index.identify(path) : identifyCgroupPath(path), path, exact);
}

function labelOf(id: PathIdentity, path: string, exact: boolean): string | null {
  if (!id || (exact && id.cgroup !== path)) return null;
  return id.label === path.slice(path.lastIndexOf('/') + 1) ? null : id.label;
}

/** The structured identity record of a path for JSON (names from the runtimes' files; issue 9), or null. */
function identityOfPath(index: RuntimeIndex, path: string, exact = true): IdentityJson | null {
  return recordOf(index.identify(path), path, exact);
}

function recordOf(id: PathIdentity, path: string, exact: boolean): IdentityJson | null {
  return id && (!exact || id.cgroup === path) && id.kind !== 'unit' && id.kind !== 'slice' ? identityJson(id) : null;
}

export function cgTree(opts: CgTreeOptions): CgTreeResult {
  const layout = readCgroupLayout(opts.paths);
  const { view, label, h } = pickView(layout, opts.controller);
  const tol = new Tolerance();
  const index = runtimeIndexFor(opts.paths);
  const root = opts.path === undefined ? undefined : (cgroupOfTarget(opts.paths, opts.path, 'nsx cg tree', index) ?? normalizeCgroupPath(opts.path));
  const hs = viewHierarchies(layout, view);
  if (hs.length === 0) throw new NotFoundError(`${root ?? '/'}: no such cgroup (no cgroup hierarchy is mounted)`, root ?? '/');
  const procPids = listProcPids(opts.paths, tol);
  // A subtree, or every cgroup (--all): walk it reading each cgroup.procs, while it has no more cgroups than the
  // host has processes (fewer reads than one /proc/PID/cgroup per process; a subtree usually has few)
  let walked: CgroupNode | undefined;
  if (root !== undefined || opts.all) {
    const wo = { view, root, depth: opts.depth, members: true, tolerance: tol };
    walked = procPids && procPids.length ? walkCgroupTreeWithin(opts.paths, layout, { ...wo, limit: procPids.length }) : walkCgroupTree(opts.paths, layout, wo);
  }
  if (!walked) {
    // Membership: from /proc/PID/cgroup (one read per process) when there are fewer processes than the
    // cgroup.procs reads + readdirs a walk would need; else (or without procfs) from cgroup.procs.
    const est = estimateCgroupCount(opts.paths, layout, hs);
    const viaProc = procPids !== undefined && procPids.length > 0 && (est === undefined || procPids.length <= 2 * est);
    const membership = viaProc ? readMembershipFromProc(opts.paths, new Set(hs.map((x) => x.key)), tol, procPids) : undefined;
    if (membership && !opts.all) {
      const rootPath = root ?? hs[0]?.mountRoot ?? '/';
      if (!hs.some((x) => cgroupExists(opts.paths, x, rootPath))) throw new NotFoundError(`${rootPath}: no such cgroup`, rootPath);
      walked = treeFromMembership(rootPath, hs.map((x) => x.key), membership, opts.depth);
    } else {
      walked = walkCgroupTree(opts.paths, layout, { view, root, depth: opts.depth, members: !membership, tolerance: tol });
      if (membership) walked = withMembership(walked, membership);
    }
  }
  const pids = new Set<number>();
  const collect = (n: CgroupNode) => {
    for (const p of n.pids ?? []) pids.add(p);
    n.children.forEach(collect);
  };
  collect(walked);
  const members = new Map(readMembers(opts.paths, [...pids].sort((a, b) => a - b), tol).map((m) => [m.pid, m]));
  const build = (n: CgroupNode, isRoot: boolean): CgTreeNode | undefined => {
    const processes: CgProcess[] = [];
    for (const pid of n.pids ?? []) {
      const m = members.get(pid);
      if (!m || (m.kernelThread && !opts.kernel)) continue;
      processes.push({ pid, command: m.command });
    }
    const children = n.children.map((c) => build(c, false)).filter((c): c is CgTreeNode => c !== undefined);
    if (!isRoot && !opts.all && processes.length === 0 && children.length === 0) return undefined;
    const id = index.identify(n.path); // once per node: the label and the record come from the same identity
    return { path: n.path, name: n.name, container: labelOf(id, n.path, true), identity: recordOf(id, n.path, true), processes, children };
  };
  return {
    layout: layout.kind,
    hierarchy: label,
    mount: h?.mounts[0] ?? null,
    tree: build(walked, true)!,
    ...(tol.incomplete ? { incomplete: tol.toJSON() } : {}),
  };
}

/* ------------------------------------------------------------------ nsx cg show */


export interface CgShowHierarchy {
  readonly id: number;
  readonly version: 1 | 2;
  readonly controllers: string[];
  readonly name: string | null;
  readonly path: string;
  readonly mount: string;
  /** v2: controllers available in this cgroup (`cgroup.controllers`); null on v1 or when absent */
  readonly cgroup_controllers: string[] | null;
  /** v2: controllers enabled for its children (`cgroup.subtree_control`); null on v1 or when absent */
  readonly subtree_control: string[] | null;
}

export interface CgShowResult {
  readonly path: string;
  readonly layout: CgroupLayout['kind'];
  readonly container: string | null;
  /** the container/pod/machine identity record (runtime, id, name, image, pod…), or null */
  readonly identity: IdentityJson | null;
  /** the hierarchies that have this cgroup */
  readonly hierarchies: CgShowHierarchy[];
  readonly processes: CgProcess[];
  readonly nr_threads: number | null;
  readonly cpu: ShowGroup | null;
  readonly memory: ShowGroup | null;
  readonly io: ShowGroup | null;
  readonly pids: ShowGroup | null;
  readonly psi: ShowGroup | null;
  readonly cpuset: ShowGroup | null;
  /** files that exist but did not parse, with their paths */
  readonly errors: string[];
  readonly incomplete?: Incompleteness;
}

/** The hierarchy that carries a group's files in a plan. */
function groupHierarchy(plan: SamplePlan, g: StatGroup): Hierarchy | undefined {
  switch (g) {
    case 'psi':
      return plan.v2;
    case 'procs':
      return plan.procs;
    default:
      return plan[g];
  }
}

/** A group of the sample with every key of its SHOW_FIELDS (the one registry), absent → null. */
function showGroup(sample: CgroupSample | undefined, g: Exclude<StatGroup, 'procs'>, path: string, version: 1 | 2): ShowGroup | null {
  const v = sample?.[g] as Record<string, unknown> | undefined;
  if (!v) return null;
  const out: Record<string, unknown> = { path, version };
  for (const f of SHOW_FIELDS[g]) out[f.json!] = v[f.json!] ?? null;
  return out as ShowGroup;
}

export function cgShow(opts: { paths: HostPaths; target: string }): CgShowResult {
  const layout = readCgroupLayout(opts.paths);
  const tol = new Tolerance();
  // path per hierarchy key
  const pathOf = new Map<string, string>();
  let mainPath: string;
  const m = /^pid:(\d+)$/.exec(opts.target);
  if (m) {
    const where = readProcessCgroups(opts.paths, layout, Number(m[1]));
    for (const w of where) if (w.key !== undefined) pathOf.set(w.key, w.path);
    const v2 = where.find((w) => w.version === 2);
    const cpu = where.find((w) => w.controllers.includes('cpu'));
    mainPath = (layout.kind === 'unified' ? v2 : (cpu ?? where.find((w) => w.version === 1)))?.path ?? '/';
  } else if (isContainerTarget(opts.target)) {
    mainPath = cgroupOfTarget(opts.paths, opts.target, 'nsx cg show')!; // container:NAME / pod:NS/NAME (issue 9)
    for (const h of layout.hierarchies) pathOf.set(h.key, mainPath);
  } else if (opts.target.startsWith('/') || !opts.target.includes(':')) {
    mainPath = normalizeCgroupPath(opts.target);
    for (const h of layout.hierarchies) pathOf.set(h.key, mainPath);
  } else {
    throw new UsageError(`cg show: expected a cgroup path or pid:PID, got '${opts.target}'`);
  }
  // hierarchies that have the cgroup
  const src = plainSource(opts.paths, tol);
  const hierarchies: CgShowHierarchy[] = [];
  const present: { h: Hierarchy; path: string; dir: string }[] = [];
  const dirs = new Map<string, string>();
  for (const h of layout.hierarchies) {
    const p = pathOf.get(h.key);
    // a path outside our cgroup namespace (`/..`) is in no hierarchy here
    if (p === undefined || src.identity(h, p) === undefined) continue;
    const dir = cgroupDir(opts.paths, h, p);
    dirs.set(h.key, dir);
    present.push({ h, path: p, dir });
    const v2 = h.version === 2 ? walkCgroupTree(opts.paths, { ...layout, hierarchies: [h] }, { view: { kind: 'v2' }, root: p, depth: 0, controllers: true, tolerance: tol }) : undefined;
    hierarchies.push({
      id: h.id,
      version: h.version,
      controllers: h.controllers,
      name: h.name ?? null,
      path: p,
      mount: h.mounts[0],
      cgroup_controllers: v2?.controllers ?? null,
      subtree_control: v2?.subtreeControl ?? null,
    });
  }
  if (hierarchies.length === 0) throw new NotFoundError(`${opts.target}: no such cgroup`, opts.target);
  // one sample, each group from its own hierarchy and the cgroup's path there
  const plan = planCgroupSample(layout, { groups: ALL_STAT_GROUPS });
  const sample = sampleCgroup(src, plan, mainPath, { pathIn: (h) => (dirs.has(h.key) ? pathOf.get(h.key) : undefined) });
  const groups: Partial<Record<StatGroup, ShowGroup | null>> = {};
  for (const g of ALL_STAT_GROUPS) {
    if (g === 'procs') continue;
    const h = groupHierarchy(plan, g);
    const p = h && dirs.has(h.key) ? pathOf.get(h.key) : undefined;
    groups[g] = h && p !== undefined ? showGroup(sample, g, p, h.version) : null;
  }
  const errors = sample?.errors ?? [];
  // members: union of cgroup.procs over the hierarchies that have it
  const walkedPids = new Set<number>();
  let nrThreads: number | null = null;
  for (const { h, path, dir } of present.filter((x) => x.path === mainPath)) {
    const node = walkCgroupTree(opts.paths, { ...layout, hierarchies: [h] }, { view: { kind: 'merged' }, root: path, depth: 0, members: true, tolerance: tol });
    for (const p of node.pids ?? []) walkedPids.add(p);
    if (nrThreads === null) nrThreads = readThreadCount(dir, h.version) ?? null;
  }
  const processes = readMembers(opts.paths, [...walkedPids].sort((a, b) => a - b), tol).map((x) => ({ pid: x.pid, command: x.command }));
  return {
    path: mainPath,
    layout: layout.kind,
    container: containerLabel(mainPath, false, runtimeIndexFor(opts.paths)),
    identity: identityOfPath(runtimeIndexFor(opts.paths), mainPath, false),
    hierarchies,
    processes,
    nr_threads: nrThreads,
    cpu: groups.cpu ?? null,
    memory: groups.memory ?? null,
    io: groups.io ?? null,
    pids: groups.pids ?? null,
    psi: groups.psi ?? null,
    cpuset: groups.cpuset ?? null,
    errors,
    ...(tol.incomplete ? { incomplete: tol.toJSON() } : {}),
  };
}

/* ------------------------------------------------------------------ nsx cg ps */


export interface CgPsResult {
  readonly pid: number;
  readonly layout: CgroupLayout['kind'];
  readonly cgroups: CgPsRow[];
}

export function cgPs(opts: { paths: HostPaths; pid: number }): CgPsResult {
  const layout = readCgroupLayout(opts.paths);
  const where: ProcessCgroup[] = readProcessCgroups(opts.paths, layout, opts.pid);
  return {
    pid: opts.pid,
    layout: layout.kind,
    cgroups: where.map((w) => ({
      hierarchy_id: w.hierarchyId,
      version: w.version,
      controllers: w.controllers,
      name: w.name ?? null,
      path: w.path,
      mount: w.mount ?? null,
      container: runtimeIndexFor(opts.paths).identify(w.path)?.label ?? null,
    })),
  };
}
