/**
 * The `nsx ps` field registry: the process table's columns for text, JSON, the dashboard's Processes view and
 * sort keys. Namespace columns (MNTNS … TIMENS) hold the inode; text shows it only where it differs from the
 * reference process (PID 1), so a glance shows which processes live in namespaces of their own.
 */
import { UsageError } from '../errors.js';
import { formatCell, headerOf, selectFields, type CellValue, type Field } from './registry.js';
import type { PsDetail, PsProcess } from '../model/process.js';
import type { CgroupStats, Limit } from '../model/cgroup.js';
import { escapeControl } from '../output/escape.js';
import { identityJson } from '../model/identity.js';
import { systemdUnitOfProcess } from '../model/process-cgroup.js';
import { displayWidth, renderTable } from '../output/table.js';
import type { NsType } from '../parse/nsid-link.js';
import { humanBytes } from './top.js';

export interface PsFieldCtx {
  /** the reference namespaces (PID 1's) */
  readonly reference: Readonly<Partial<Record<NsType, number>>>;
  /** CPU% per PID: over the last interval (dashboard), since the process started (`nsx ps`); absent → `-` */
  readonly cpuPercent?: ReadonlyMap<number, number | null>;
  /** exact numbers instead of human units */
  readonly raw?: boolean;
}

export type PsField = Field<PsProcess, PsFieldCtx>;

const DASH = '-';

function text(v: CellValue): string {
  return v === null || v === undefined ? '' : String(v);
}

function nsField(type: NsType, id: string, help: string): PsField {
  return {
    id,
    json: `${type}_ns`,
    type: 'number',
    align: 'right',
    help,
    get: (p) => p.ns[type] ?? null,
    format: (v, _p, ctx) => (v === null || v === undefined ? DASH : ctx.reference[type] === v ? '' : String(v)),
    sortKey: (p) => p.ns[type],
  };
}

/** Short names for the namespace-difference column. */
const NS_SHORT: Record<NsType, string> = { mnt: 'mnt', net: 'net', pid: 'pid', uts: 'uts', ipc: 'ipc', user: 'usr', cgroup: 'cg', time: 'tm' };
const NS_ORDER: readonly NsType[] = ['mnt', 'net', 'pid', 'uts', 'ipc', 'user', 'cgroup', 'time'];

/** The namespace types in which a process differs from the reference (PID 1), as `mnt,net,pid`. */
export function nsDiff(p: PsProcess, ref: Readonly<Partial<Record<NsType, number>>>): string {
  return NS_ORDER.filter((t) => p.ns[t] !== undefined && ref[t] !== undefined && p.ns[t] !== ref[t])
    .map((t) => NS_SHORT[t])
    .join(',');
}

/** nsDiff per namespace set (processes in the same namespaces share one `ns` object) and reference. */
const nsDiffs = new WeakMap<object, { readonly ref: object; readonly text: string }>();

function nsDiffOf(p: PsProcess, ref: Readonly<Partial<Record<NsType, number>>>): string {
  let d = nsDiffs.get(p.ns);
  if (d === undefined || d.ref !== ref) nsDiffs.set(p.ns, (d = { ref, text: nsDiff(p, ref) }));
  return d.text;
}

/** CONTAINER cell: the friendly name when known, else the identity label. */
export function containerText(p: PsProcess): string | undefined {
  if (!p.container) return undefined;
  return p.containerName ?? p.container.label;
}

export const PS_FIELDS: readonly PsField[] = [
  { id: 'PID', json: 'pid', type: 'number', align: 'right', help: 'process ID', get: (p) => p.pid, sortKey: (p) => p.pid },
  { id: 'PPID', json: 'ppid', type: 'number', align: 'right', help: 'parent process ID', get: (p) => p.ppid ?? null, sortKey: (p) => p.ppid },
  { id: 'USER', json: 'user', type: 'string', help: 'effective user (name, or UID when unknown)', get: (p) => p.user ?? (p.uid === undefined ? null : String(p.uid)), format: text },
  { id: 'UID', json: 'uid', type: 'number', align: 'right', help: 'effective UID', get: (p) => p.uid ?? null },
  { id: 'STATE', json: 'state', type: 'string', help: 'process state (R S D Z T I …)', get: (p) => p.state ?? null },
  { id: 'THREADS', json: 'threads', type: 'number', align: 'right', help: 'number of threads', get: (p) => p.threads ?? null, sortKey: (p) => p.threads },
  {
    id: 'CPU%',
    json: 'cpu_percent',
    type: 'number',
    align: 'right',
    unit: 'percent',
    help: 'CPU usage, 100 = one CPU: since the process started (CPU time / elapsed, as procps ps); the dashboard: over the last interval',
    get: (p, c) => c.cpuPercent?.get(p.pid) ?? null,
    format: (v, _p, c) => (typeof v === 'number' ? (c.raw ? String(Math.round(v * 100) / 100) : v.toFixed(1)) : DASH),
    sortKey: (p, c) => c.cpuPercent?.get(p.pid) ?? -1,
  },
  {
    id: 'RSS',
    json: 'rss_bytes',
    type: 'number',
    align: 'right',
    unit: 'bytes',
    help: 'resident memory (status VmRSS)',
    get: (p) => p.rssBytes ?? null,
    format: (v, _p, c) => (typeof v === 'number' ? (c.raw ? String(v) : humanBytes(v)) : DASH),
    sortKey: (p) => p.rssBytes ?? -1,
  },
  {
    id: 'TIME',
    json: 'cpu_time_usec',
    type: 'number',
    align: 'right',
    unit: 'usec',
    help: 'CPU time used (user + system)',
    get: (p) => (p.utimeTicks === undefined || p.stimeTicks === undefined ? null : (p.utimeTicks + p.stimeTicks) * 10000),
    format: (v) => (typeof v === 'number' ? fmtDuration(v / 1e6) : DASH),
    sortKey: (p) => (p.utimeTicks ?? 0) + (p.stimeTicks ?? 0),
  },
  { id: 'CONTAINER', json: 'container', type: 'string', trunc: true, help: 'container, pod or systemd unit the cgroup path names (friendly name when known)', get: (p) => containerText(p) ?? null, format: text },
  { id: 'RUNTIME', json: 'runtime', type: 'string', help: 'runtime named by the cgroup path (docker, containerd, cri-o, podman, kubernetes, lxc, nspawn, systemd)', get: (p) => p.container?.runtime ?? null, format: text },
  { id: 'CONTAINERID', json: 'container_id', type: 'string', help: 'full container id, pod UID, machine or unit name', get: (p) => p.container?.id ?? null, format: text },
  {
    id: 'UNIT', json: 'unit', type: 'string',
    help: 'systemd unit of the process, as ps -o unit and systemctl status PID name it (the first unit below the slices of its cgroup path)',
    get: (p) => systemdUnitOfProcess(p.cgroups) ?? null, format: text,
  },
  { id: 'POD', json: 'pod_uid', type: 'string', help: 'Kubernetes pod UID', get: (p) => p.container?.podUid ?? null, format: text },
  { id: 'QOS', json: 'qos', type: 'string', help: 'Kubernetes QoS class', get: (p) => p.container?.qos ?? null, format: text },
  { id: 'CGROUP', json: 'cgroup', type: 'string', trunc: true, help: 'cgroup path (the most specific hierarchy)', get: (p) => p.cgroup ?? null, format: text },
  { id: 'NSPID', json: 'nspid', type: 'array', help: 'PID in each nested pid namespace, outermost first', get: (p) => p.nspid ?? null, format: (v) => (Array.isArray(v) ? v.join(',') : '') },
  {
    id: 'NS',
    json: 'ns_differs',
    type: 'string',
    help: 'namespace types in which the process differs from PID 1 (mnt,net,pid,uts,ipc,usr,cg,tm)',
    get: (p, c) => nsDiffOf(p, c.reference) || null,
    format: text,
  },
  nsField('mnt', 'MNTNS', 'mount namespace inode (text: blank when the same as PID 1)'),
  nsField('net', 'NETNS', 'network namespace inode'),
  nsField('pid', 'PIDNS', 'PID namespace inode'),
  nsField('uts', 'UTSNS', 'UTS namespace inode'),
  nsField('ipc', 'IPCNS', 'IPC namespace inode'),
  nsField('user', 'USERNS', 'user namespace inode'),
  nsField('cgroup', 'CGROUPNS', 'cgroup namespace inode'),
  nsField('time', 'TIMENS', 'time namespace inode'),
  { id: 'COMM', json: 'comm', type: 'string', help: 'command name (/proc/PID/comm)', get: (p) => p.comm },
  { id: 'COMMAND', json: 'command', type: 'string', trunc: true, help: 'command line (argv joined with spaces, [comm] when empty)', get: (p) => p.command },
  { id: 'ARGV', json: 'argv', type: 'array', trunc: true, help: 'argument vector (JSON: an array of strings)', get: (p) => p.argv, format: (v) => (Array.isArray(v) ? v.join(' ') : '') },
];

/** The columns made from /proc/PID/stat's numbers (state, parent, threads, times, RSS): the others need no stat. */
const STAT_COLUMNS: ReadonlySet<string> = new Set(['PPID', 'STATE', 'THREADS', 'CPU%', 'RSS', 'TIME']);

/** Do these columns (shown, or sorted by) need /proc/PID/stat? (COMM and COMMAND's `[comm]` do not: /proc/PID/comm.) */
export function psNeedsStat(fields: readonly PsField[]): boolean {
  return fields.some((f) => STAT_COLUMNS.has(f.id));
}

/** Default text columns: fit 80 columns (the namespace types that differ from PID 1's in one NS column). */
export const PS_DEFAULT = ['PID', 'USER', 'CONTAINER', 'CGROUP', 'NS', 'COMMAND'];

/** Default JSON fields: the text defaults plus every namespace inode (scripts want the exact namespaces). */
export const PS_DEFAULT_JSON = ['PID', 'USER', 'CONTAINER', 'CGROUP', 'NS', 'MNTNS', 'NETNS', 'PIDNS', 'UTSNS', 'IPCNS', 'USERNS', 'CGROUPNS', 'TIMENS', 'COMMAND', 'ARGV'];

/** JSON has the command both ways: `command` (a string) and `argv` (an array) whenever either is asked for. */
export function withCommandAndArgv(fields: readonly PsField[]): PsField[] {
  const has = (id: string) => fields.some((f) => f.id === id);
  const byId = (id: string) => PS_FIELDS.find((f) => f.id === id)!;
  if (has('COMMAND') && !has('ARGV')) return [...fields, byId('ARGV')];
  if (has('ARGV') && !has('COMMAND')) return [...fields.flatMap((f) => (f.id === 'ARGV' ? [byId('COMMAND'), f] : [f]))];
  return [...fields];
}

/** One sort key: a field and its direction. */
export interface PsSortKey {
  readonly field: PsField;
  readonly descending: boolean;
}

/**
 * Parse `-s/--sort`: a comma list of column names, each optionally prefixed with `-` (descending) or `+`;
 * names are case-insensitive. UsageError on an empty list or an unknown name.
 */
export function parsePsSort(spec: string, prog = 'nsx ps'): PsSortKey[] {
  const items = spec.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '' || s === '-' || s === '+')) throw new UsageError(`${prog}: --sort: empty column name in '${spec}'`);
  return items.map((item) => {
    const descending = item.startsWith('-');
    const name = item.startsWith('-') || item.startsWith('+') ? item.slice(1) : item;
    return { field: selectFields(PS_FIELDS, [], name, { prog })[0], descending };
  });
}

/** `1:02:03` / `2:03` / `0:04` style CPU time. */
export function fmtDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Sort rows by a field (numbers before absent values; ties by PID). Pure; returns a new array. */
export function sortProcesses(rows: readonly PsProcess[], f: PsField, ctx: PsFieldCtx, descending = false): PsProcess[] {
  return sortProcessesBy(rows, [{ field: f, descending }], ctx);
}

/**
 * Sort rows by several keys in turn (absent values last whatever the direction; final ties by PID). Pure. Each
 * key is computed once per row (the dashboard sorts thousands of rows on every refresh).
 */
export function sortProcessesBy(rows: readonly PsProcess[], keys: readonly PsSortKey[], ctx: PsFieldCtx): PsProcess[] {
  const n = rows.length;
  const cols = keys.map(({ field: f }) => {
    const col = new Array<unknown>(n);
    for (let i = 0; i < n; i++) col[i] = f.sortKey ? f.sortKey(rows[i], ctx) : f.get(rows[i], ctx);
    return col;
  });
  const dirs = keys.map((k) => (k.descending ? -1 : 1));
  const cmp = (ka: unknown, kb: unknown, dir: number): number => {
    if (ka === kb || (ka == null && kb == null)) return 0;
    if (ka == null) return 1;
    if (kb == null) return -1;
    if (typeof ka === 'number' && typeof kb === 'number') return (ka - kb) * dir;
    return String(ka).localeCompare(String(kb)) * dir;
  };
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    for (let k = 0; k < cols.length; k++) {
      const c = cmp(cols[k][a], cols[k][b], dirs[k]);
      if (c !== 0) return c;
    }
    return rows[a].pid - rows[b].pid;
  });
  const out = new Array<PsProcess>(n);
  for (let i = 0; i < n; i++) out[i] = rows[order[i]];
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The process table as text, fitted to the terminal

/**
 * How each truncatable column gives way when the table is wider than the terminal: lowest `order` first, down to
 * `min` columns; COMMAND gives way last so that it stays readable. Cut cells end in `…`.
 */
const FIT: Readonly<Record<string, { readonly order: number; readonly min: number }>> = {
  CGROUP: { order: 1, min: 12 },
  CONTAINER: { order: 2, min: 10 },
  ARGV: { order: 3, min: 20 },
  COMMAND: { order: 4, min: 20 },
};

/** Cut `s` to `width` display columns, ending in `…` when it was cut. */
export function ellipsize(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/** Column widths that fit `termWidth` (see FIT); undefined entries keep their natural width. Pure. */
export function fitWidths(fields: readonly PsField[], natural: readonly number[], termWidth: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0) + Math.max(0, widths.length - 1);
  const order = fields
    .map((f, i) => ({ i, f }))
    .filter(({ f }) => f.trunc)
    .sort((a, b) => (FIT[a.f.id]?.order ?? 0) - (FIT[b.f.id]?.order ?? 0));
  // first down to each column's readable minimum, then (a very narrow terminal) down to the header
  for (const pass of [0, 1]) {
    for (const { i, f } of order) {
      const over = total() - termWidth;
      if (over <= 0) return widths;
      const min = Math.max(headerOf(f).length, pass === 0 ? (FIT[f.id]?.min ?? 1) : 1);
      widths[i] = Math.max(Math.min(widths[i], min), widths[i] - over);
    }
  }
  return widths;
}

export interface PsTableOptions {
  readonly raw?: boolean;
  readonly noHeadings?: boolean;
  readonly noTruncate?: boolean;
  /** terminal width; undefined = not a terminal (nothing is cut) */
  readonly termWidth?: number;
}

/**
 * The process table as text: escaped cells, fitted to the terminal (cut cells end in `…`). Pure. Not raw, it is
 * laid out here as src/output/table.ts lays out a flat table (natural widths, one space between columns, right
 * or left aligned, the last left-aligned column unpadded, trailing spaces trimmed), with each distinct cell text
 * of a column escaped and measured once: thousands of processes share a handful of users, commands, cgroups and
 * namespace sets.
 */
export function renderPsTable(fields: readonly PsField[], rows: readonly PsProcess[], ctx: PsFieldCtx, o: PsTableOptions = {}): string {
  if (o.raw) {
    const cols = fields.map((f) => ({ header: headerOf(f), align: f.align, trunc: f.trunc, width: f.width }));
    return renderTable(cols, rows.map((p) => ({ cells: fields.map((f) => formatCell(f, p, ctx)) })), { raw: true, noHeadings: o.noHeadings, noTruncate: o.noTruncate, termWidth: o.termWidth });
  }
  const nc = fields.length;
  const nr = rows.length;
  // per column: cell text → its escaped text and display width
  const seen = fields.map(() => new Map<string, MeasuredCell>());
  const cells = new Array<MeasuredCell>(nr * nc);
  const natural = fields.map((f) => (o.noHeadings ? 0 : displayWidth(headerOf(f))));
  for (let r = 0; r < nr; r++) {
    const p = rows[r];
    for (let c = 0; c < nc; c++) {
      const raw = formatCell(fields[c], p, ctx);
      let m = seen[c].get(raw);
      if (m === undefined) {
        const text = escapeControl(raw);
        seen[c].set(raw, (m = { text, width: displayWidth(text) }));
      }
      cells[r * nc + c] = m;
      if (m.width > natural[c]) natural[c] = m.width;
    }
  }
  const widths = natural;
  if (o.termWidth !== undefined && !o.noTruncate) {
    // fit the terminal: the columns fitWidths narrows have their cells cut (ending in …), and are as wide as
    // their widest cell or header then
    const fitted = fitWidths(fields, natural, o.termWidth);
    for (let c = 0; c < nc; c++) {
      if (fitted[c] >= natural[c]) continue;
      const cut = new Map<MeasuredCell, MeasuredCell>();
      let w = o.noHeadings ? 0 : displayWidth(headerOf(fields[c]));
      for (let r = 0; r < nr; r++) {
        const m = cells[r * nc + c];
        let e = cut.get(m);
        if (e === undefined) {
          const text = ellipsize(m.text, fitted[c]);
          cut.set(m, (e = text === m.text ? m : { text, width: displayWidth(text) }));
        }
        cells[r * nc + c] = e;
        if (e.width > w) w = e.width;
      }
      widths[c] = w;
    }
  }
  const right = fields.map((f) => f.align === 'right');
  const pads: string[] = [];
  const spaces = (n: number) => (n <= 0 ? '' : (pads[n] ??= ' '.repeat(n)));
  const parts = new Array<string>(nc);
  // one line, of the cells at `at` in `list`: padded to their column, one space apart, trailing spaces trimmed
  const line = (list: readonly MeasuredCell[], at: number): string => {
    for (let c = 0; c < nc; c++) {
      const m = list[at + c];
      const n = widths[c] - m.width;
      parts[c] = c === nc - 1 && !right[c] ? m.text : right[c] ? spaces(n) + m.text : m.text + spaces(n);
    }
    return parts.join(' ').trimEnd();
  };
  const out: string[] = [];
  if (!o.noHeadings) out.push(line(fields.map((f) => ({ text: headerOf(f), width: displayWidth(headerOf(f)) })), 0));
  for (let r = 0; r < nr; r++) out.push(line(cells, r * nc));
  return out.length ? out.join('\n') + '\n' : '';
}

/** A cell's escaped text and its display width. */
interface MeasuredCell {
  readonly text: string;
  readonly width: number;
}

// ---------------------------------------------------------------------------------------------------------------
// One process in full, as text (nsx ps PID, and the dashboard's process pane). Pure; untrusted strings are escaped.


function lim(v: Limit | undefined, f: (n: number) => string): string | undefined {
  if (v === undefined) return undefined;
  return v === 'max' ? 'max' : f(v);
}

/** A one-line summary of a cgroup's limits and usage (`cpu 8.5s quota 0.50 CPU …`). Pure. */
export function cgroupStatsSummary(s: CgroupStats | null): string {
  if (!s) return '';
  const parts: string[] = [];
  const c = s.cpu;
  if (c) {
    const bits: string[] = [];
    if (c.usage_usec !== undefined) bits.push(`used ${(c.usage_usec / 1e6).toFixed(1)}s`);
    if (c.max_usec !== undefined) bits.push(c.max_usec === 'max' || !c.period_usec ? 'quota max' : `quota ${(c.max_usec / c.period_usec).toFixed(2)} CPU`);
    if (c.nr_throttled !== undefined && c.nr_periods !== undefined && c.nr_periods > 0) bits.push(`throttled ${c.nr_throttled}/${c.nr_periods}`);
    if (bits.length) parts.push(`cpu ${bits.join(' ')}`);
  }
  const m = s.memory;
  if (m) {
    const cur = m.current_bytes === undefined ? '-' : humanBytes(m.current_bytes);
    const max = lim(m.max_bytes, humanBytes) ?? '-';
    parts.push(`mem ${cur}/${max}${m.peak_bytes !== undefined ? ` peak ${humanBytes(m.peak_bytes)}` : ''}`);
  }
  const p = s.pids;
  if (p && (p.current !== undefined || p.max !== undefined)) parts.push(`pids ${p.current ?? '-'}/${lim(p.max, String) ?? '-'}`);
  const io = s.io;
  if (io && (io.rbytes !== undefined || io.wbytes !== undefined)) parts.push(`io r ${humanBytes(io.rbytes ?? 0)} w ${humanBytes(io.wbytes ?? 0)}`);
  const ps = s.psi;
  if (ps) {
    const vals = ([['cpu', ps.cpu?.some?.avg10], ['mem', ps.memory?.some?.avg10], ['io', ps.io?.some?.avg10]] as const).filter(([, v]) => v !== undefined);
    if (vals.length) parts.push(`psi ${vals.map(([k, v]) => `${k} ${v}`).join(' ')}`);
  }
  if (s.cpuset?.cpus_effective !== undefined) parts.push(`cpus ${s.cpuset.cpus_effective}`);
  return parts.join('  ');
}

function idMapText(m: PsDetail['uid_map']): string {
  if (!m) return '-';
  if (m.length === 0) return '(none written)';
  return m.map((r) => `${r.inside} ${r.outside} ${r.count}`).join(', ');
}

/** `nsx ps PID` text: sections of one process. Pure. */
/** `ps -J PID`: a process in full, its container as the one identity record every JSON output carries. */
export function psDetailJson(d: PsDetail): Omit<PsDetail, 'container'> & { container: ReturnType<typeof identityJson> } {
  return { ...d, container: identityJson(d.container ?? undefined) };
}

export function formatPsDetail(d: PsDetail, opts: { termWidth?: number } = {}): string {
  const e = escapeControl;
  const out: string[] = [];
  out.push(`PID ${d.pid}  ${e(d.command)}`);
  const kv = (k: string, v: string) => out.push(`  ${k.padEnd(11)} ${v}`);
  kv('comm', e(d.comm));
  kv('user', `${d.user !== null ? e(d.user) : '?'} (uid ${d.uid ?? '?'}, gid ${d.gid ?? '?'})`);
  kv('ppid', String(d.ppid ?? '-'));
  kv('state', `${d.state ?? '-'}  threads ${d.threads ?? '-'}  rss ${d.rss_bytes === null ? '-' : humanBytes(d.rss_bytes)}`);
  kv('nspid', d.nspid ? d.nspid.join(' → ') + (d.nspid.length > 1 ? '  (outermost first)' : '') : '-');
  if (d.container) {
    const c = d.container;
    const bits = [`${c.runtime} ${c.kind} ${e(c.name ?? c.label)}`];
    if (c.kind === 'container' && c.name) bits.push(`id ${c.shortId}`);
    if (c.podUid) bits.push(`pod ${c.podUid}${c.qos ? ` (${c.qos})` : ''}`);
    if (c.unit && c.kind !== 'unit') bits.push(`unit ${e(c.unit)}`);
    kv('container', bits.join('  '));
  } else kv('container', '-');
  if (d.root_mount) {
    const r = d.root_mount;
    kv('root', `${e(r.fstype)} ${e(r.source)}`);
    if (r.lowerdir) r.lowerdir.forEach((l, i) => kv(i === 0 ? '  lowerdir' : '', e(l)));
    if (r.upperdir) kv('  upperdir', e(r.upperdir));
    if (r.workdir) kv('  workdir', e(r.workdir));
  }
  kv('uid_map', idMapText(d.uid_map));
  kv('gid_map', idMapText(d.gid_map));
  out.push('');
  out.push(`namespaces (SAME = shared with PID ${d.reference_pid === 'self' ? 'nsx' : d.reference_pid})`);
  const nsRows = d.namespaces.map((n) => ({
    cells: [n.type, String(n.inode), n.shared_with_init === null ? '?' : n.shared_with_init ? 'yes' : 'no', String(n.nprocs), [...(n.names ?? []), ...n.nsfs].join(' ')],
  }));
  out.push(
    renderTable(
      [{ header: '  TYPE' }, { header: 'INODE', align: 'right' }, { header: 'SAME' }, { header: 'NPROCS', align: 'right' }, { header: 'NAMES/NSFS', trunc: true }],
      nsRows.map((r) => ({ cells: ['  ' + r.cells[0], ...r.cells.slice(1)] })),
      { termWidth: opts.termWidth },
    ).trimEnd(),
  );
  out.push('');
  out.push('cgroups');
  out.push(
    renderTable(
      [{ header: '  ID', align: 'right' }, { header: 'CONTROLLERS' }, { header: 'PATH', trunc: true }, { header: 'LIMITS/USAGE' }],
      d.cgroups.map((c) => ({ cells: [`  ${c.hierarchy_id}`, c.version === 2 ? '(cgroup2)' : [...c.controllers, ...(c.name ? [`name=${c.name}`] : [])].join(','), c.path, cgroupStatsSummary(c.stats)] })),
      { termWidth: opts.termWidth },
    ).trimEnd(),
  );
  return out.join('\n') + '\n';
}
