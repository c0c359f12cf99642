/**
 * Field registries of the `nsx cg` views: hierarchies (`nsx cg`), process placement (`nsx cg ps`), the
 * cgroup tree (`nsx cg tree`) and the limits/counters of one cgroup (`nsx cg show`). Text formatting lives
 * here (human units: `64.0M`, `0.20 CPU`, `1.23s`); JSON keeps the exact numbers of the service result.
 */
import type { CellValue, Field } from './registry.js';
import { humanBytes } from './top.js';
import type { CgHierarchyRow, CgPsRow, CgTreeNode, ShowGroup } from '../model/cg-rows.js';
import type { StatGroup } from '../model/cgroup-sample.js';

/** The groups of `nsx cg show` (every stat group but the member counts, shown as `processes`/`threads`). */
export type ShowGroupName = Exclude<StatGroup, 'procs'>;

export interface CgFieldCtx {
  /** exact numbers instead of human units */
  readonly raw?: boolean;
}

const DASH = '-';

const list = (v: CellValue) => (Array.isArray(v) ? v.join(',') : v === null || v === undefined ? DASH : String(v));

/* ------------------------------------------------------------------ nsx cg */

export const HIERARCHY_FIELDS: readonly Field<CgHierarchyRow, CgFieldCtx>[] = [
  { id: 'ID', type: 'number', align: 'right', help: 'hierarchy id (/proc/cgroups; 0 = cgroup2)', get: (r) => r.id },
  { id: 'VERSION', type: 'number', align: 'right', help: 'cgroup version (1 or 2)', get: (r) => r.version },
  {
    id: 'CONTROLLERS', type: 'array', help: 'attached controllers (v1) or available controllers (v2); name=X for named hierarchies',
    get: (r) => (r.name !== null ? [...r.controllers, `name=${r.name}`] : r.controllers),
    format: (v) => (Array.isArray(v) && v.length ? v.join(',') : DASH),
  },
  { id: 'MOUNT', type: 'string', trunc: true, help: 'mount point (first one when mounted several times)', get: (r) => r.mount, format: (v) => (v === null || v === undefined ? '(not mounted)' : String(v)) },
  { id: 'CGROUPS', type: 'number', align: 'right', json: 'num_cgroups', help: 'number of cgroups in the hierarchy', get: (r) => r.num_cgroups, format: list },
];

/* ------------------------------------------------------------------ nsx cg ps */

/** Absent cells of `nsx cg ps` are empty, as `nsx ls` leaves them (JSON: null). */
export const PS_FIELDS: readonly Field<CgPsRow, CgFieldCtx>[] = [
  { id: 'ID', type: 'number', align: 'right', json: 'hierarchy_id', help: 'hierarchy id (0 = cgroup2)', get: (r) => r.hierarchy_id },
  { id: 'VERSION', type: 'number', align: 'right', help: 'cgroup version', get: (r) => r.version },
  {
    id: 'CONTROLLERS', type: 'array', help: 'controllers of that hierarchy',
    get: (r) => (r.name !== null ? [...r.controllers, `name=${r.name}`] : r.controllers),
    format: (v) => (Array.isArray(v) ? v.join(',') : ''),
  },
  { id: 'PATH', type: 'string', trunc: true, help: 'cgroup path within the hierarchy (as /proc/PID/cgroup says)', get: (r) => r.path },
  { id: 'CONTAINER', type: 'string', help: 'container or unit identified from the path', get: (r) => r.container },
];

/* ------------------------------------------------------------------ nsx cg tree */

/** A row of the tree: a cgroup or one of its processes. */
export type TreeRow = { readonly kind: 'cgroup'; readonly node: CgTreeNode } | { readonly kind: 'process'; readonly pid: number; readonly command: string };

export const TREE_FIELDS: readonly Field<TreeRow, CgFieldCtx>[] = [
  {
    id: 'CGROUP', type: 'string', trunc: true,
    help: 'cgroup name and its container/unit label in parentheses, or PID and command line of a member',
    get: (r) => {
      if (r.kind === 'process') return `${r.pid} ${r.command}`;
      const name = r.node.path === '/' ? '/' : r.node.name;
      return r.node.container ? `${name} (${r.node.container})` : name;
    },
  },
];

/* ------------------------------------------------------------------ nsx cg show */

/**
 * One key of a group of `nsx cg show`: its JSON key (`json`, the sample's key) and its text line (label `id`);
 * `text: false` keys are JSON-only (raw keyed maps and per-device lists, too long for a line).
 */
export type ShowField = Field<ShowGroup, CgFieldCtx> & { readonly json: string; readonly text?: false };

function n(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const fmtKeyed = (v: CellValue) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([k, x]) => `${k}=${x}`).join(' ') || DASH : DASH);

/** A JSON-only key (a raw map or list; `text: false`). */
function jsonOnly(json: string, help: string, type: ShowField['type'] = 'object'): ShowField {
  return { id: json, json, type, help, text: false, get: (g) => g[json] as CellValue };
}

/** µs → `1.23s`, `12.3ms`, `450µs`. */
export function humanUsec(us: number): string {
  if (us >= 3_600_000_000) return `${(us / 3_600_000_000).toFixed(1)}h`;
  if (us >= 60_000_000) return `${(us / 60_000_000).toFixed(1)}min`;
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(2)}s`;
  if (us >= 1_000) return `${(us / 1_000).toFixed(1)}ms`;
  return `${Math.round(us)}µs`;
}

const fmtBytes = (v: CellValue, _r: ShowGroup, c: CgFieldCtx) => (v === 'max' ? 'max' : n(v) === undefined ? DASH : c.raw ? String(v) : humanBytes(n(v)!));
const fmtUsec = (v: CellValue, _r: ShowGroup, c: CgFieldCtx) => (v === 'max' ? 'max' : n(v) === undefined ? DASH : c.raw ? String(v) : humanUsec(n(v)!));
const fmtPlain = (v: CellValue) => (v === null || v === undefined || v === '' ? DASH : String(v));

function key(id: string, json: string, help: string, unit: string | undefined, format: NonNullable<ShowField['format']>): ShowField {
  return { id, json, type: 'number', help, unit, get: (g) => g[json] as CellValue, format };
}

function cpuLimit(g: ShowGroup, c: CgFieldCtx): string {
  const q = g.max_usec;
  if (q === 'max') return 'max';
  if (n(q) === undefined) return DASH;
  const p = n(g.period_usec);
  if (c.raw || !p) return `${q} ${p ?? ''}`.trim();
  return `${(n(q)! / p).toFixed(2)} CPU (${q}/${p} µs)`;
}

function pressure(v: unknown): string {
  const p = v as { some?: { avg10?: number; avg60?: number; avg300?: number }; full?: { avg10?: number; avg60?: number; avg300?: number } } | null;
  if (!p) return DASH;
  const one = (name: string, l?: { avg10?: number; avg60?: number; avg300?: number }) =>
    l ? `${name} ${[l.avg10, l.avg60, l.avg300].map((x) => (x === undefined ? DASH : x.toFixed(2))).join('/')}` : undefined;
  return [one('some', p.some), one('full', p.full)].filter(Boolean).join('  ') || DASH;
}

/** Lines of `nsx cg show` per group, in display order. */
export const SHOW_FIELDS: Record<ShowGroupName, readonly ShowField[]> = {
  cpu: [
    { id: 'limit', json: 'max_usec', type: 'string-or-number', unit: 'usec', help: 'cpu.max / cpu.cfs_quota_us over the period', get: (g) => g.max_usec as CellValue, format: (_v, g, c) => cpuLimit(g, c) },
    { ...key('period', 'period_usec', 'cpu.max period / cpu.cfs_period_us (shown with the limit)', 'usec', fmtUsec), text: false },
    key('burst', 'max_burst_usec', 'cpu.max.burst / cpu.cfs_burst_us', 'usec', fmtUsec),
    key('weight', 'weight', 'cpu.weight (v2)', undefined, fmtPlain),
    key('shares', 'shares', 'cpu.shares (v1)', undefined, fmtPlain),
    key('usage', 'usage_usec', 'total CPU time', 'usec', fmtUsec),
    key('user', 'user_usec', 'user CPU time', 'usec', fmtUsec),
    key('system', 'system_usec', 'system CPU time', 'usec', fmtUsec),
    key('periods', 'nr_periods', 'enforcement periods elapsed', undefined, fmtPlain),
    key('throttled', 'nr_throttled', 'periods throttled', undefined, fmtPlain),
    key('throttled time', 'throttled_usec', 'time throttled', 'usec', fmtUsec),
    key('throttled (local)', 'local_throttled_usec', 'cpu.stat.local: time its tasks were throttled by any limit', 'usec', fmtUsec),
    key('bursts', 'nr_bursts', 'periods that used the burst', undefined, fmtPlain),
    key('burst time', 'burst_usec', 'time spent bursting', 'usec', fmtUsec),
    key('idle', 'idle', 'cpu.idle (v2)', undefined, fmtPlain),
  ],
  memory: [
    key('max', 'max_bytes', 'memory.max / memory.limit_in_bytes', 'bytes', fmtBytes),
    key('high', 'high_bytes', 'memory.high', 'bytes', fmtBytes),
    key('low', 'low_bytes', 'memory.low', 'bytes', fmtBytes),
    key('min', 'min_bytes', 'memory.min', 'bytes', fmtBytes),
    key('soft limit', 'soft_limit_bytes', 'memory.soft_limit_in_bytes (v1)', 'bytes', fmtBytes),
    key('swap max', 'swap_max_bytes', 'memory.swap.max', 'bytes', fmtBytes),
    key('swap high', 'swap_high_bytes', 'memory.swap.high', 'bytes', fmtBytes),
    key('mem+swap max', 'memsw_max_bytes', 'memory.memsw.limit_in_bytes (v1)', 'bytes', fmtBytes),
    key('current', 'current_bytes', 'memory.current / memory.usage_in_bytes', 'bytes', fmtBytes),
    key('peak', 'peak_bytes', 'memory.peak / memory.max_usage_in_bytes', 'bytes', fmtBytes),
    key('working set', 'working_set_bytes', 'current − inactive file', 'bytes', fmtBytes),
    key('rss', 'rss_bytes', 'anonymous memory (memory.stat anon / total_rss)', 'bytes', fmtBytes),
    key('cache', 'cache_bytes', 'page cache (memory.stat file / total_cache)', 'bytes', fmtBytes),
    key('swap', 'swap_current_bytes', 'memory.swap.current', 'bytes', fmtBytes),
    key('mem+swap', 'memsw_current_bytes', 'memory.memsw.usage_in_bytes (v1)', 'bytes', fmtBytes),
    key('swap used', 'swap_bytes', 'swap in use (v2 memory.swap.current; v1 memsw − usage)', 'bytes', fmtBytes),
    key('failcnt', 'failcnt', 'memory.failcnt (v1)', undefined, fmtPlain),
    key('mem+swap failcnt', 'memsw_failcnt', 'memory.memsw.failcnt (v1)', undefined, fmtPlain),
    { id: 'events', json: 'events', type: 'object', help: 'memory.events', get: (g) => g.events as CellValue, format: fmtKeyed },
    { id: 'events (local)', json: 'events_local', type: 'object', help: 'memory.events.local', get: (g) => g.events_local as CellValue, format: fmtKeyed },
    { id: 'oom control', json: 'oom_control', type: 'object', help: 'memory.oom_control (v1)', get: (g) => g.oom_control as CellValue, format: fmtKeyed },
    jsonOnly('stat', 'memory.stat as the kernel names its keys (exact integers)'),
  ],
  io: [
    key('read', 'rbytes', 'bytes read (all devices)', 'bytes', fmtBytes),
    key('written', 'wbytes', 'bytes written (all devices)', 'bytes', fmtBytes),
    key('read ops', 'rios', 'read operations', undefined, fmtPlain),
    key('write ops', 'wios', 'write operations', undefined, fmtPlain),
    {
      id: 'limits', json: 'max', type: 'array', help: 'io.max per device', get: (g) => g.max as CellValue,
      format: (v) =>
        Array.isArray(v) && v.length
          ? (v as unknown as Record<string, unknown>[]).map((d) => `${d.major}:${d.minor} ${['rbps', 'wbps', 'riops', 'wiops'].filter((k) => d[k] !== undefined).map((k) => `${k}=${d[k]}`).join(' ')}`).join('; ')
          : DASH,
    },
    jsonOnly('devices', 'per-device counters (major, minor, rbytes, wbytes, rios, wios, dbytes, dios)', 'array'),
  ],
  pids: [
    key('max', 'max', 'pids.max', undefined, fmtPlain),
    key('current', 'current', 'pids.current', undefined, fmtPlain),
    key('peak', 'peak', 'pids.peak', undefined, fmtPlain),
    key('fork failures', 'events_max', 'pids.events max', undefined, fmtPlain),
    jsonOnly('events', 'pids.events as is'),
  ],
  psi: (['cpu', 'memory', 'io', 'irq'] as const).map(
    (k): ShowField => ({ id: k, json: k, type: 'object', help: `${k}.pressure avg10/avg60/avg300 (%)`, get: (g) => g[k] as CellValue, format: (v) => pressure(v) }),
  ),
  cpuset: [
    key('cpus', 'cpus', 'cpuset.cpus', undefined, fmtPlain),
    key('effective cpus', 'cpus_effective', 'cpuset.cpus.effective / cpuset.effective_cpus', undefined, fmtPlain),
    key('mems', 'mems', 'cpuset.mems', undefined, fmtPlain),
    key('effective mems', 'mems_effective', 'cpuset.mems.effective / cpuset.effective_mems', undefined, fmtPlain),
  ],
};
