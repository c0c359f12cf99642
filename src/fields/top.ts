/**
 * The `nsx top` field registry: one entry per column/JSON key. Batch tables, NDJSON, the TUI columns and the
 * sort keys all derive from it. JSON keys follow the one vocabulary (docs/json.md): the sample's names, group and
 * key joined with `_` (`memory_current_bytes`, `pids_current`, `cpu_max_usec`), derived values with their
 * derivation (`cpu_percent`, `cpu_throttled_by`); `null` where a value is absent or not yet computable (first
 * sample, reset).
 * Text: `-` for absent values and rates not yet computable, `max` for unlimited limits, human units unless raw.
 */
import type { CellValue, Field } from './registry.js';
import type { TopRow } from '../sampler/frame.js';
import type { Limit, PsiRates } from '../model/rates.js';
import type { StatGroup } from '../model/cgroup-sample.js';

export interface TopFieldCtx {
  /** exact numbers instead of human units */
  readonly raw?: boolean;
}

export type TopField = Field<TopRow, TopFieldCtx>;

/** Absent in text. */
export const DASH = '-';

/** `1.5G`-style sizes (binary, as systemd-cgtop prints them). */
const UNITS = ['B', 'K', 'M', 'G', 'T', 'P', 'E'];

export function humanBytes(n: number): string {
  const units = UNITS;
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)}B`;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(1)}${units[i]}`;
}

function num(v: CellValue): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function fmtPercent(v: CellValue, _r: TopRow, ctx: TopFieldCtx): string {
  const n = num(v);
  if (n === undefined) return DASH;
  return ctx.raw ? String(Math.round(n * 100) / 100) : n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

function fmtBytes(v: CellValue, _r: TopRow, ctx: TopFieldCtx): string {
  if (v === 'max') return 'max';
  const n = num(v);
  if (n === undefined) return DASH;
  return ctx.raw ? String(n) : humanBytes(n);
}

function fmtBytesRate(v: CellValue, r: TopRow, ctx: TopFieldCtx): string {
  const n = num(v);
  if (n === undefined) return DASH;
  return ctx.raw ? String(Math.round(n)) : humanBytes(n) + '/s';
}

function fmtCount(v: CellValue, _r: TopRow, ctx: TopFieldCtx): string {
  if (v === 'max') return 'max';
  const n = num(v);
  if (n === undefined) return DASH;
  return ctx.raw || Number.isInteger(n) ? String(Math.round(n * 100) / 100) : n.toFixed(1);
}

function fmtUsec(v: CellValue, _r: TopRow, ctx: TopFieldCtx): string {
  const n = num(v);
  if (n === undefined) return DASH;
  if (ctx.raw) return String(n);
  if (n < 1000) return `${n}us`;
  if (n < 1e6) return `${(n / 1000).toFixed(1)}ms`;
  return `${(n / 1e6).toFixed(1)}s`;
}

function fmtText(v: CellValue): string {
  return v === null || v === undefined || v === '' ? DASH : String(v);
}

const lim = (l: Limit | undefined): CellValue => (l === undefined ? null : l);
const nz = (n: number | null | undefined): CellValue => (n === undefined ? null : n);
const sortNum = (f: (r: TopRow) => CellValue) => (r: TopRow) => {
  const v = f(r);
  return v === 'max' ? Number.MAX_VALUE : typeof v === 'number' ? v : null;
};

/** PSI of a row as the JSON `psi` object: per resource some/full avg10 and the Δtotal rate, or null. */
export function psiJson(r: TopRow): Record<string, unknown> | null {
  const p = r.rates.psi;
  if (!p.cpu && !p.memory && !p.io) return null;
  const one = (x: PsiRates | null) => x && { some_avg10: x.some_avg10, full_avg10: x.full_avg10, some_percent: x.some_percent, full_percent: x.full_percent };
  return { cpu: one(p.cpu), memory: one(p.memory), io: one(p.io) };
}

/** The highest PSI "some avg10" of a row over cpu, memory and io (the pressure sort key). */
export function psiMax(r: TopRow): number | null {
  const vals = [r.rates.psi.cpu?.some_avg10, r.rates.psi.memory?.some_avg10, r.rates.psi.io?.some_avg10].filter((v): v is number => typeof v === 'number');
  return vals.length ? Math.max(...vals) : null;
}

/** io read + write bytes/s (the io sort key). */
export function ioTotal(r: TopRow): number | null {
  const a = r.rates.io_read_bps;
  const b = r.rates.io_write_bps;
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

/** The cgroup files of each kind of value (v2 and v1 names; a sampler opens those that exist). */
const F = {
  usage: ['cpu.stat', 'cpuacct.usage'],
  userSys: ['cpu.stat', 'cpuacct.stat'],
  quota: ['cpu.max', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'],
  cpuStat: ['cpu.stat'],
  local: ['cpu.stat.local'],
  mem: ['memory.current', 'memory.usage_in_bytes'],
  wset: ['memory.current', 'memory.usage_in_bytes', 'memory.stat'],
  memMax: ['memory.max', 'memory.limit_in_bytes'],
  memHigh: ['memory.high'],
  ioBytes: ['io.stat', 'blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes'],
  ioOps: ['io.stat', 'blkio.throttle.io_serviced_recursive', 'blkio.throttle.io_serviced'],
  tasks: ['pids.current'],
  tasksMax: ['pids.max'],
  psiCpu: ['cpu.pressure'],
  psiMem: ['memory.pressure'],
  psiIo: ['io.pressure'],
} as const;

/** What every sample reads whatever the columns: throttle attribution and the CPU sort need usage and quotas. */
export const TOP_BASE_FILES: readonly string[] = [...F.usage, ...F.quota, ...F.cpuStat, ...F.local];

/** The stat group of each cgroup file name (the mapping's groups, src/readers/cgroupfs/sample.ts). */
function groupOfFile(name: string): StatGroup {
  if (name.endsWith('.pressure')) return 'psi';
  if (name.startsWith('cpu')) return 'cpu';
  if (name.startsWith('memory.')) return 'memory';
  if (name.startsWith('pids.')) return 'pids';
  return 'io';
}

export const TOP_FIELDS: readonly TopField[] = [
  { id: 'PATH', header: 'CGROUP', json: 'path', type: 'string', trunc: true, help: 'cgroup path', get: (r) => r.path, sortKey: (r) => r.path },
  { id: 'NAME', json: 'name', type: 'string', trunc: true, help: 'last component of the cgroup path', get: (r) => r.name, tui: { width: 16, priority: 100 } },
  { id: 'CONTAINER', json: 'container', type: 'string', help: 'container, pod or unit named by the path', get: (r) => r.container ?? null, format: fmtText },
  { id: 'TASKS', json: 'pids_current', type: 'number', align: 'right', unit: 'count', help: 'tasks (pids.current)', get: (r) => nz(r.counters.pids_current), format: fmtCount, sortKey: sortNum((r) => nz(r.counters.pids_current)), files: [...F.tasks], tui: { width: 5, priority: 8 } },
  { id: 'TASKS%', json: 'pids_percent', type: 'number', align: 'right', unit: 'percent', help: 'tasks in % of pids.max', get: (r) => r.tasks_percent, format: fmtPercent, files: [...F.tasks, ...F.tasksMax] },
  { id: 'TASKSMAX', json: 'pids_max', type: 'string-or-number', align: 'right', unit: 'count', help: 'pids.max ("max" = unlimited)', get: (r) => lim(r.counters.pids_max), format: fmtCount, files: [...F.tasksMax] },
  { id: 'CPU%', json: 'cpu_percent', type: 'number', align: 'right', unit: 'percent', help: 'CPU usage, 100 = one CPU', get: (r) => r.rates.cpu_percent, format: fmtPercent, sortKey: (r) => r.rates.cpu_percent, files: [...F.usage], tui: { width: 6, priority: 10 } },
  { id: 'USER%', json: 'cpu_user_percent', type: 'number', align: 'right', unit: 'percent', help: 'user CPU, 100 = one CPU', get: (r) => r.rates.cpu_user_percent, format: fmtPercent, files: [...F.userSys] },
  { id: 'SYS%', json: 'cpu_system_percent', type: 'number', align: 'right', unit: 'percent', help: 'system CPU, 100 = one CPU', get: (r) => r.rates.cpu_system_percent, format: fmtPercent, files: [...F.userSys] },
  { id: 'CPUMAX', json: 'cpu_max_cpus', type: 'number', align: 'right', unit: 'cpus', help: 'CPU quota in CPUs (quota/period; "-" = none)', get: (r) => r.cpu_limit_cpus, format: (v, r, c) => (num(v) === undefined ? DASH : c.raw ? String(v) : (v as number).toFixed(2)), files: [...F.quota], tui: { width: 6, priority: 6 } },
  { id: 'QUOTA%', json: 'cpu_max_percent', type: 'number', align: 'right', unit: 'percent', help: 'CPU usage in % of the quota', get: (r) => r.cpu_quota_percent, format: fmtPercent, files: [...F.usage, ...F.quota] },
  { id: 'QUOTA', json: 'cpu_max_usec', type: 'string-or-number', align: 'right', unit: 'usec', help: 'cpu.max / cfs_quota_us quota ("max" = none)', get: (r) => lim(r.counters.cpu_max_usec), format: fmtCount, files: [...F.quota] },
  { id: 'PERIOD', json: 'cpu_period_usec', type: 'number', align: 'right', unit: 'usec', help: 'cpu.max / cfs_period_us period', get: (r) => nz(r.counters.cpu_period_usec), format: fmtCount, files: [...F.quota] },
  { id: 'MEM', json: 'memory_current_bytes', type: 'number', align: 'right', unit: 'bytes', help: 'memory.current / usage_in_bytes', get: (r) => nz(r.counters.memory_current_bytes), format: fmtBytes, sortKey: sortNum((r) => nz(r.counters.memory_current_bytes)), files: [...F.mem], tui: { width: 6, priority: 9 } },
  { id: 'WSET', json: 'memory_working_set_bytes', type: 'number', align: 'right', unit: 'bytes', help: 'working set: memory − inactive_file', get: (r) => nz(r.counters.memory_working_set_bytes), format: fmtBytes, files: [...F.wset] },
  { id: 'MEMMAX', json: 'memory_max_bytes', type: 'string-or-number', align: 'right', unit: 'bytes', help: 'memory.max / limit_in_bytes ("max" = unlimited)', get: (r) => lim(r.counters.memory_max_bytes), format: fmtBytes, files: [...F.memMax], tui: { width: 6, priority: 5 } },
  { id: 'MEMHIGH', json: 'memory_high_bytes', type: 'string-or-number', align: 'right', unit: 'bytes', help: 'memory.high (v2)', get: (r) => lim(r.counters.memory_high_bytes), format: fmtBytes, files: [...F.memHigh] },
  { id: 'MEMHIGH%', json: 'memory_high_percent', type: 'number', align: 'right', unit: 'percent', help: 'memory in % of memory.high (v2)', get: (r) => r.memory_high_percent, format: fmtPercent, files: [...F.mem, ...F.memHigh] },
  { id: 'MEM%', json: 'memory_percent', type: 'number', align: 'right', unit: 'percent', help: 'memory in % of memory.max', get: (r) => r.memory_percent, format: fmtPercent, files: [...F.mem, ...F.memMax] },
  { id: 'IOR/S', json: 'io_read_bps', type: 'number', align: 'right', unit: 'bytes/s', help: 'IO read bytes per second', get: (r) => r.rates.io_read_bps, format: fmtBytesRate, sortKey: ioTotal, files: [...F.ioBytes], tui: { width: 8, priority: 3 } },
  { id: 'IOW/S', json: 'io_write_bps', type: 'number', align: 'right', unit: 'bytes/s', help: 'IO write bytes per second', get: (r) => r.rates.io_write_bps, format: fmtBytesRate, files: [...F.ioBytes], tui: { width: 8, priority: 3 } },
  { id: 'RIOPS', json: 'io_read_iops', type: 'number', align: 'right', unit: 'ops/s', help: 'IO read operations per second', get: (r) => r.rates.io_read_iops, format: fmtCount, files: [...F.ioOps] },
  { id: 'WIOPS', json: 'io_write_iops', type: 'number', align: 'right', unit: 'ops/s', help: 'IO write operations per second', get: (r) => r.rates.io_write_iops, format: fmtCount, files: [...F.ioOps] },
  { id: 'PERIODS', json: 'cpu_nr_periods', type: 'number', align: 'right', unit: 'count', help: 'CFS enforcement periods (cumulative)', get: (r) => nz(r.counters.cpu_nr_periods), format: fmtCount, files: [...F.cpuStat] },
  { id: 'THROTTLED', json: 'cpu_nr_throttled', type: 'number', align: 'right', unit: 'count', help: 'periods throttled by its own limit (cumulative)', get: (r) => nz(r.counters.cpu_nr_throttled), format: fmtCount, files: [...F.cpuStat] },
  { id: 'THRTIME', json: 'cpu_throttled_usec', type: 'number', align: 'right', unit: 'usec', help: 'time throttled by its own limit (cumulative)', get: (r) => nz(r.counters.cpu_throttled_usec), format: fmtUsec, files: [...F.cpuStat] },
  { id: 'THR%', json: 'cpu_throttled_percent', type: 'number', align: 'right', unit: 'percent', help: 'throttled time per second, % of wall time', get: (r) => r.rates.cpu_throttled_percent, format: fmtPercent, sortKey: (r) => (r.rates.cpu_throttled_percent ?? 0) + (r.throttled_by ? 1e-9 : 0), files: [...F.cpuStat], tui: { width: 5, priority: 7 } },
  { id: 'THRP%', json: 'cpu_throttled_periods_percent', type: 'number', align: 'right', unit: 'percent', help: 'periods throttled / periods over the interval', get: (r) => r.rates.cpu_throttled_periods_percent, format: fmtPercent, files: [...F.cpuStat] },
  { id: 'LOCAL%', json: 'cpu_local_throttled_percent', type: 'number', align: 'right', unit: 'percent', help: 'cpu.stat.local throttled time (any limit), % of wall time', get: (r) => r.rates.cpu_local_throttled_percent, format: fmtPercent, files: [...F.local] },
  { id: 'BY', header: 'THROTTLED-BY', json: 'cpu_throttled_by', type: 'string', trunc: true, help: 'the cgroup whose CPU limit binds (itself or an ancestor)', get: (r) => r.throttled_by, format: fmtText, files: [...F.usage, ...F.quota, ...F.cpuStat, ...F.local], tui: { width: 14, priority: 4 } },
  { id: 'BYCPUS', json: 'cpu_throttled_by_cpus', type: 'number', align: 'right', unit: 'cpus', help: 'the binding CPU limit (quota/period of THROTTLED-BY)', get: (r) => r.throttled_by_cpus, format: (v, r, c) => (num(v) === undefined ? DASH : c.raw ? String(v) : (v as number).toFixed(2)), files: [...F.usage, ...F.quota, ...F.cpuStat, ...F.local] },
  { id: 'PSI', json: 'psi', type: 'object', help: 'pressure: some/full avg10 and Δtotal rate per resource', get: (r) => psiJson(r), format: (_v, r, c) => fmtPercent(psiMax(r), r, c), sortKey: psiMax, files: [...F.psiCpu, ...F.psiMem, ...F.psiIo] },
  { id: 'PSICPU', json: 'psi_cpu_some_avg10', type: 'number', align: 'right', unit: 'percent', help: 'cpu.pressure some avg10', get: (r) => r.rates.psi.cpu?.some_avg10 ?? null, format: fmtPercent, files: [...F.psiCpu] },
  { id: 'PSIMEM', json: 'psi_memory_some_avg10', type: 'number', align: 'right', unit: 'percent', help: 'memory.pressure some avg10', get: (r) => r.rates.psi.memory?.some_avg10 ?? null, format: fmtPercent, files: [...F.psiMem] },
  { id: 'PSIIO', json: 'psi_io_some_avg10', type: 'number', align: 'right', unit: 'percent', help: 'io.pressure some avg10', get: (r) => r.rates.psi.io?.some_avg10 ?? null, format: fmtPercent, files: [...F.psiIo] },
];

/** Batch/TUI default columns. */
export const TOP_DEFAULT_COLUMNS: readonly string[] = ['PATH', 'TASKS', 'TASKSMAX', 'CPU%', 'CPUMAX', 'MEM', 'MEMMAX', 'IOR/S', 'IOW/S', 'THR%', 'BY'];

/** The JSON keys of each NDJSON cgroup object, in order (every field of the registry but the text-only ones). */
export const TOP_JSON_FIELDS: readonly TopField[] = TOP_FIELDS.filter((f) => !['NAME', 'PSICPU', 'PSIMEM', 'PSIIO'].includes(f.id));

/** `--order` keys → the field whose sortKey orders rows (descending except path). */
export const TOP_ORDERS = {
  cpu: 'CPU%',
  memory: 'MEM',
  io: 'IOR/S',
  tasks: 'TASKS',
  throttle: 'THR%',
  pressure: 'PSI',
  path: 'PATH',
} as const;

export type TopOrder = keyof typeof TOP_ORDERS;

export function fieldById(id: string): TopField {
  const f = TOP_FIELDS.find((x) => x.id === id);
  if (!f) throw new Error(`no top field ${id}`);
  return f;
}

/** Comparator for `order` (descending values, absent last; path ascending; ties by path). */
export function rowComparator(order: TopOrder, reverse = false): (a: TopRow, b: TopRow) => number {
  const f = fieldById(TOP_ORDERS[order]);
  const key = f.sortKey ?? ((r: TopRow) => f.get(r, {}) as number | string | null);
  const ctx = {};
  return (a, b) => {
    const ka = key(a, ctx);
    const kb = key(b, ctx);
    let c: number;
    if (order === 'path') c = a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    else if ((ka === null || ka === undefined) && (kb === null || kb === undefined)) c = 0;
    else if (ka === null || ka === undefined) return 1;
    else if (kb === null || kb === undefined) return -1;
    else c = (kb as number) - (ka as number);
    if (c === 0) c = a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    return reverse ? -c : c;
  };
}

/** The cgroup files a set of fields needs (with TOP_BASE_FILES, always read). */
export function filesForFields(fields: readonly TopField[]): string[] {
  const out = new Set<string>(TOP_BASE_FILES);
  for (const f of fields) for (const x of f.files ?? []) out.add(x);
  return [...out];
}

/** The stat groups a set of fields needs (cpu always: see TOP_BASE_FILES). From the registry's `files`. */
export function groupsForFields(fields: readonly TopField[]): StatGroup[] {
  const g = new Set<StatGroup>();
  for (const x of filesForFields(fields)) g.add(groupOfFile(x));
  return [...g];
}
