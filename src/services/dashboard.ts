/**
 * The dashboard service: on a terminal, the interactive dashboard (src/tui/dashboard/run.ts, loaded lazily so
 * that the summary never loads Ink); otherwise a short host summary — cgroup layout and count, namespaces by
 * type, processes, containers and pods — followed by the usage.
 */
import type { Writable } from 'node:stream';
import type { HostPaths } from '../host/paths.js';
import { Tolerance } from '../host/tolerance.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { defaultView, type CgroupLayout } from '../model/cgroup.js';
import { groupNamespaces, withNsfsMounts } from '../model/namespace.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { listCgroupPaths } from '../readers/cgroupfs/tree.js';
import { readNsfsMounts } from '../readers/nsfs/mounts.js';
import { collectProcesses } from './ps.js';

export interface HostSummary {
  readonly layout: string | null;
  /** mounted hierarchies: `cpu,cpuacct`, `name=systemd`, `cgroup2` */
  readonly hierarchies: readonly string[];
  /** cgroups in the default view (cgroup2 tree, or v1 hierarchies merged by path) */
  readonly cgroups: number | null;
  readonly processes: number;
  readonly namespaces: Readonly<Partial<Record<NsType, number>>>;
  readonly namespaces_total: number;
  /** containers by runtime */
  readonly containers: Readonly<Record<string, number>>;
  readonly pods: number;
  readonly incomplete: boolean;
  /** files that could not be read for lack of permission */
  readonly denied: number;
}

/** Read what the summary shows. */
export function hostSummary(paths: HostPaths): HostSummary {
  let layout: CgroupLayout | undefined;
  try {
    layout = readCgroupLayout(paths);
  } catch {
    layout = undefined; // no cgroup mounts visible
  }
  let cgroups: number | null = null;
  const tol = new Tolerance();
  if (layout && layout.hierarchies.length) {
    try {
      cgroups = listCgroupPaths(paths, layout, { view: defaultView(layout), tolerance: tol }).length;
    } catch {
      cgroups = null;
    }
  }
  const table = collectProcesses({ paths });
  let nss = groupNamespaces(table.procs);
  try {
    nss = withNsfsMounts(nss, readNsfsMounts(paths));
  } catch {
    // mountinfo unreadable: namespaces held only by mounts are not counted
  }
  const namespaces: Partial<Record<NsType, number>> = {};
  for (const t of NS_TYPES) {
    const n = nss.filter((x) => x.type === t).length;
    if (n) namespaces[t] = n;
  }
  const seen = new Set<string>();
  const containers: Record<string, number> = {};
  const pods = new Set<string>();
  for (const p of table.procs) {
    const c = p.container;
    if (c?.podUid) pods.add(c.podUid);
    if (c?.kind !== 'container' || seen.has(`${c.runtime}:${c.id}`)) continue;
    seen.add(`${c.runtime}:${c.id}`);
    containers[c.runtime] = (containers[c.runtime] ?? 0) + 1;
  }
  return {
    layout: layout?.kind ?? null,
    hierarchies: layout?.hierarchies.map((h) => (h.version === 2 ? 'cgroup2' : h.key)) ?? [],
    cgroups,
    processes: table.procs.length,
    namespaces,
    namespaces_total: nss.length,
    containers,
    pods: pods.size,
    incomplete: table.incomplete || tol.incomplete,
    denied: table.skipped.denied.length + tol.denied.length,
  };
}

/** The summary as text. Pure. */
export function formatSummary(s: HostSummary): string {
  const ns = Object.entries(s.namespaces).map(([t, n]) => `${t} ${n}`).join(', ');
  const ctr = Object.entries(s.containers).map(([r, n]) => `${r} ${n}`).join(', ');
  const total = Object.values(s.containers).reduce((a, b) => a + b, 0);
  const lines = [
    `cgroups:     ${s.layout ?? 'not mounted'}${s.hierarchies.length ? ` (${s.hierarchies.join(' ')})` : ''}${s.cgroups !== null ? `, ${s.cgroups} cgroups` : ''}`,
    `namespaces:  ${s.namespaces_total}${ns ? ` (${ns})` : ''}`,
    `processes:   ${s.processes}${s.incomplete ? ` (${s.denied} file${s.denied === 1 ? '' : 's'} could not be read: permission denied)` : ''}`,
    `containers:  ${total}${ctr ? ` (${ctr})` : ''}${s.pods ? `, in ${s.pods} pod${s.pods === 1 ? '' : 's'}` : ''}`,
  ];
  return lines.join('\n') + '\n';
}

export interface DashboardOptions {
  readonly paths: HostPaths;
  readonly stdout: Writable;
  /** stdout and stdin are terminals (and --summary was not given) */
  readonly interactive: boolean;
  readonly intervalMs: number;
  /** the usage text printed after the summary */
  readonly usage: string;
  /** colours in the TUI (--color, NO_COLOR) */
  readonly color?: boolean;
}

export async function runDashboard(o: DashboardOptions): Promise<number> {
  if (!o.interactive) {
    o.stdout.write(formatSummary(hostSummary(o.paths)) + '\n' + o.usage);
    return 0;
  }
  await (await import('./ink-loader.js')).loadInkForTerminal();
  const { runDashboardTui } = await import('../tui/dashboard/run.js');
  let layout: CgroupLayout | undefined;
  try {
    layout = readCgroupLayout(o.paths);
  } catch {
    layout = undefined;
  }
  return runDashboardTui({ paths: o.paths, layout, intervalMs: o.intervalMs, color: o.color });
}
