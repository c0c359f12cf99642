/**
 * The dashboard service.
 *
 * - Without a terminal: a short host summary — cgroup layout and count, namespaces by type, processes,
 *   containers and pods — followed by the usage (`hostSummary`, `formatSummary`); with `--summary`, the summary
 *   alone.
 * - On a terminal: the data the dashboard shows (`openDashboardFeed`): the process-table sampler (a
 *   `ProcessCollector` that keeps stat files open and re-reads the slow parts of known processes every
 *   `refreshEvery` samples), the detail loader, and an error list: a sample or a detail that failed for a reason
 *   other than a vanished or denied file is recorded there (source, message, count, when), never dropped; the
 *   view shows the list. The TUI itself (src/tui/dashboard) is started by the command (`startTui`), so this layer
 *   never imports the view.
 */
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { HostPaths } from '../host/paths.js';
import { Tolerance, classifyTolerable } from '../host/tolerance.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { defaultView, type CgroupLayout } from '../model/cgroup.js';
import { groupNamespaces, withNsfsMounts } from '../model/namespace.js';
import type { ProcessTable, PsDetail } from '../model/process.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { listCgroupPaths } from '../readers/cgroupfs/tree.js';
import { readNsfsMounts } from '../readers/nsfs/mounts.js';
import { Sampler, type Scheduler } from '../sampler/sampler.js';
import { ProcessCollector, collectProcesses, readDetailContext, readProcessDetail } from './ps.js';
import { limitHeapGrowth } from './dashboard-memory.js';
import { loadInkForTerminal } from './ink-loader.js';

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
  const tol = new Tolerance();
  const mountinfo = join(paths.proc, 'self', 'mountinfo');
  let layout: CgroupLayout | undefined;
  try {
    layout = readCgroupLayout(paths);
  } catch (e) {
    tol.absorb(e, mountinfo); // no cgroup mounts visible
  }
  let cgroups: number | null = null;
  if (layout && layout.hierarchies.length) {
    try {
      cgroups = listCgroupPaths(paths, layout, { view: defaultView(layout), tolerance: tol }).length;
    } catch (e) {
      tol.absorb(e, paths.sys);
    }
  }
  // (counts, namespaces and containers: nothing of stat's)
  const table = collectProcesses({ paths, stat: false });
  let nss = groupNamespaces(table.procs);
  try {
    nss = withNsfsMounts(nss, readNsfsMounts(paths));
  } catch (e) {
    tol.absorb(e, mountinfo); // namespaces held only by mounts are not counted
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

// ---------------------------------------------------------------------------------------------------------------
// The interactive dashboard's data

/** One kind of failure the dashboard met (the same message again counts up). Plain data. */
export interface DashboardError {
  /** what failed: `processes` (the process sampler), `cgroups` (the cgroup sampler), `detail`, … */
  readonly source: string;
  /** one line, raw (escape before printing) */
  readonly message: string;
  readonly count: number;
  /** monotonic ms of the first and the latest occurrence */
  readonly first_ms: number;
  readonly last_ms: number;
}

/** The errors of a dashboard session, newest last; listeners hear about every change. */
export class DashboardErrors {
  private readonly byKey = new Map<string, DashboardError>();
  private readonly listeners = new Set<(list: readonly DashboardError[]) => void>();

  constructor(
    private readonly clock: () => number = () => performance.now(),
    /** at most this many distinct errors are kept (the oldest are dropped) */
    private readonly max = 50,
  ) {}

  record(source: string, e: unknown): void {
    const raw = e instanceof Error ? e.message : String(e);
    const message = raw.split('\n')[0];
    const key = `${source}\0${message}`;
    const now = this.clock();
    const old = this.byKey.get(key);
    this.byKey.delete(key);
    this.byKey.set(key, { source, message, count: (old?.count ?? 0) + 1, first_ms: old?.first_ms ?? now, last_ms: now });
    while (this.byKey.size > this.max) this.byKey.delete(this.byKey.keys().next().value!);
    const list = this.list();
    for (const l of this.listeners) l(list);
  }

  /** Record the errors a sampler reports under `source`; returns the unsubscribe function. */
  watch(source: string, sampler: { onError(fn: (e: unknown) => void): () => void }): () => void {
    return sampler.onError((e) => this.record(source, e));
  }

  list(): readonly DashboardError[] {
    return [...this.byKey.values()];
  }

  subscribe(fn: (list: readonly DashboardError[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

export interface DashboardFeedOptions {
  readonly paths: HostPaths;
  readonly intervalMs: number;
  /** re-read command lines, namespace links, status and cgroups of a known process every this many samples */
  readonly refreshEvery?: number;
  /** timers of the process sampler (tests drive it by hand) */
  readonly scheduler?: Scheduler;
}

/** What the interactive dashboard reads: samplers, the detail loader, the error list. Close it at the end. */
export interface DashboardFeed {
  readonly procSampler: Sampler<ProcessTable>;
  readonly errors: DashboardErrors;
  /** one process in full; undefined when it vanished or is not ours to read (other failures are recorded) */
  loadDetail(pid: number): PsDetail | undefined;
  close(): void;
}

/** Default slow-part refresh of the dashboard: every 10 samples (10 s at the default 1 s refresh). */
export const DASHBOARD_REFRESH_EVERY = 10;

export function openDashboardFeed(o: DashboardFeedOptions): DashboardFeed {
  const collector = new ProcessCollector({ paths: o.paths, refreshEvery: o.refreshEvery ?? DASHBOARD_REFRESH_EVERY, keepOpen: o.paths.live });
  const procSampler = new Sampler<ProcessTable>({ collect: () => collector.collect(), intervalMs: o.intervalMs, scheduler: o.scheduler });
  const errors = new DashboardErrors();
  const unwatch = errors.watch('processes', procSampler);
  return {
    procSampler,
    errors,
    loadDetail(pid: number): PsDetail | undefined {
      try {
        return readProcessDetail(o.paths, pid, readDetailContext(o.paths, procSampler.latest));
      } catch (e) {
        // gone or not ours to read: the pane says so; anything else goes to the error list as well
        if (classifyTolerable(e) === undefined) errors.record('detail', e);
        return undefined;
      }
    },
    close() {
      unwatch();
      procSampler.stop();
      collector.close();
    },
  };
}

export interface DashboardOptions {
  readonly paths: HostPaths;
  readonly stdout: Writable;
  /** stdout and stdin are terminals (and --summary was not given) */
  readonly interactive: boolean;
  readonly intervalMs: number;
  /** the usage text printed after the summary (not with `summaryOnly`) */
  readonly usage: string;
  /** `--summary`: the summary alone, on a terminal or not */
  readonly summaryOnly?: boolean;
  /** starts the TUI (the command passes src/tui/dashboard/run.ts runDashboardTui); required when interactive */
  readonly startTui?: (o: { readonly paths: HostPaths; readonly layout?: CgroupLayout; readonly intervalMs: number }) => Promise<number>;
}

export async function runDashboard(o: DashboardOptions): Promise<number> {
  if (!o.interactive || !o.startTui) {
    const summary = formatSummary(hostSummary(o.paths));
    o.stdout.write(o.summaryOnly ? summary : summary + '\n' + o.usage);
    return 0;
  }
  // before the TUI's first allocations: how far V8's heap may grow (src/services/dashboard-memory.ts)
  await limitHeapGrowth();
  await loadInkForTerminal();
  let layout: CgroupLayout | undefined;
  try {
    layout = readCgroupLayout(o.paths);
  } catch (e) {
    new Tolerance().absorb(e, join(o.paths.proc, 'self', 'mountinfo')); // no cgroup mounts: the Cgroups view is empty
  }
  return o.startTui({ paths: o.paths, layout, intervalMs: o.intervalMs });
}
