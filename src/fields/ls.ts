/**
 * `nsx ls` fields: lsns's 13 columns (same names, meanings, JSON keys and types) plus nsx's CGROUP and
 * CONTAINER, and the views that turn rows into a table or lsns-shaped JSON. Pure: no I/O.
 */
import { hostPaths } from '../host/paths.js';
import { type Field, jsonCell, jsonKeyOf, formatCell } from './registry.js';
import { namespaceHolders, holdersText, type NamespaceRecord, type NsRow } from '../model/namespace.js';
import { evalNode, filterHolders, type FilterNode } from './scols-filter.js';
import { UsageError } from '../errors.js';
import type { IdentityJson } from '../model/identity.js';

/** What was read about one shown process. Absent members were not read or not readable. */
export interface LsProcInfo {
  readonly ppid?: number;
  readonly uid?: number;
  readonly command?: string;
  /** the argument vector (ARGV column) */
  readonly argv?: readonly string[];
  readonly cgroup?: string;
  readonly container?: string;
  /** the structured identity record behind CONTAINER (runtime, id, name, image, pod…; issue 9) */
  readonly identity?: IdentityJson | null;
}

/** A row as the fields see it. */
export type LsRow = Pick<NsRow, 'ns' | 'pid'>;

export interface LsCtx {
  readonly procs: ReadonlyMap<number, LsProcInfo>;
  readonly users: ReadonlyMap<number, string>;
  /** every namespace found (HOLDERS names the child namespaces that pin a user or pid namespace) */
  readonly namespaces?: readonly NamespaceRecord[];
}

/** What a field needs read beyond the namespace links (the service reads only that). */
export type LsNeed = 'ppid' | 'uid' | 'command' | 'argv' | 'relations' | 'netnsid' | 'cgroup' | 'nsfs' | 'holders';

export interface LsField extends Field<LsRow, LsCtx> {
  readonly needs?: readonly LsNeed[];
}

/** The live host's procfs mount point, for the PATH column (paths as the inspected host names them). */
const PROC = hostPaths().proc;

const proc = (r: LsRow, c: LsCtx): LsProcInfo | undefined => (r.pid === undefined ? undefined : c.procs.get(r.pid));

function uidOf(r: LsRow, c: LsCtx): number | undefined {
  return r.pid !== undefined ? proc(r, c)?.uid : r.ns.ownerUid;
}

/** lsns prints NETNSID only for net namespaces: the id, `unassigned`, or nothing when unknown. */
export function netnsidText(ns: NamespaceRecord): string | null {
  if (ns.type !== 'net' || ns.netnsid === undefined) return null;
  return ns.netnsid >= 0 ? String(ns.netnsid) : ns.netnsid === -1 ? 'unassigned' : null;
}

export const LS_FIELDS: readonly LsField[] = [
  { id: 'NS', type: 'number', align: 'right', width: 10, help: 'namespace identifier (inode number)', get: (r) => r.ns.inode },
  { id: 'TYPE', type: 'string', width: 5, help: 'kind of namespace', get: (r) => r.ns.type },
  {
    id: 'PATH',
    type: 'string',
    help: 'path to the namespace',
    get: (r) => (r.pid === undefined ? null : `${PROC}/${r.pid}/ns/${r.ns.type}`),
  },
  { id: 'NPROCS', type: 'number', align: 'right', width: 5, help: 'number of processes in the namespace', get: (r) => r.ns.pids.length },
  { id: 'PID', type: 'number', align: 'right', width: 5, help: 'lowest PID in the namespace', get: (r) => r.pid ?? null },
  { id: 'PPID', type: 'number', align: 'right', width: 5, help: 'PPID of the PID', needs: ['ppid'], get: (r, c) => proc(r, c)?.ppid ?? null },
  { id: 'COMMAND', type: 'string', trunc: true, help: 'command line of the PID', needs: ['command'], get: (r, c) => proc(r, c)?.command ?? null },
  { id: 'UID', type: 'number', align: 'right', help: 'UID of the PID', needs: ['uid'], get: (r, c) => uidOf(r, c) ?? null },
  {
    id: 'USER',
    type: 'string',
    help: 'username of the PID',
    needs: ['uid'],
    get: (r, c) => {
      const u = uidOf(r, c);
      return u === undefined ? null : (c.users.get(u) ?? String(u));
    },
  },
  { id: 'NETNSID', type: 'string', align: 'right', help: 'namespace ID as used by network subsystem', needs: ['netnsid'], get: (r) => netnsidText(r.ns) },
  {
    id: 'NSFS',
    type: 'string',
    wrap: true,
    help: 'nsfs mountpoint (usually used network subsystem)',
    needs: ['nsfs'],
    get: (r) => (r.ns.nsfs.length ? r.ns.nsfs : null),
  },
  { id: 'PNS', type: 'number', align: 'right', width: 10, help: 'parent namespace identifier (inode number)', needs: ['relations'], get: (r) => r.ns.parent ?? null },
  { id: 'ONS', type: 'number', align: 'right', width: 10, help: 'owner namespace identifier (inode number)', needs: ['relations'], get: (r) => r.ns.owner ?? null },
  { id: 'CGROUP', type: 'string', trunc: true, help: 'cgroup of the PID (name=systemd or cgroup2 path; nsx)', needs: ['cgroup'], get: (r, c) => proc(r, c)?.cgroup ?? null },
  {
    id: 'CONTAINER',
    type: 'string',
    help: 'container, pod or unit the PID belongs to, from its cgroup paths (nsx)',
    needs: ['cgroup'],
    get: (r, c) => proc(r, c)?.container ?? null,
  },
  {
    id: 'HOLDERS',
    type: 'array',
    wrap: true,
    trunc: true,
    help: 'what keeps the namespace alive: member PIDs, PID:fd descriptors, sockets, nsfs mounts (ip netns name), pinning child namespaces (nsx)',
    needs: ['holders', 'nsfs'],
    get: (r, c) => namespaceHolders(r.ns, c.namespaces ?? []) as unknown as Record<string, unknown>,
    format: (v) => holdersText(v as unknown as Parameters<typeof holdersText>[0]),
  },
  {
    id: 'ARGV',
    type: 'array',
    help: 'argument vector of the PID, as a JSON array (nsx; COMMAND is the lsns string)',
    needs: ['argv'],
    get: (r, c) => proc(r, c)?.argv ?? null,
    format: (v) => (Array.isArray(v) ? v.map((a) => JSON.stringify(a)).join(' ') : ''),
  },
];

/** lsns's own columns (what --output-all prints; nsx extras are selected by name). */
export const LSNS_COLUMNS = LS_FIELDS.slice(0, 13).map((f) => f.id);

/** Default columns (lsns): NS TYPE NPROCS PID USER [NETNSID NSFS] COMMAND. */
export function defaultColumns(netOnly: boolean): string[] {
  return netOnly ? ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'NETNSID', 'NSFS', 'COMMAND'] : ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'COMMAND'];
}

/** Default columns when a namespace is given as argument (lsns): PID PPID USER COMMAND. */
export const NAMESPACE_COLUMNS = ['PID', 'PPID', 'USER', 'COMMAND'];

/** The union of what the fields need. */
export function needsOf(fields: readonly LsField[]): Set<LsNeed> {
  const s = new Set<LsNeed>();
  for (const f of fields) for (const n of f.needs ?? []) s.add(n);
  return s;
}

/** A tree of rows, as the service returns it. */
export interface LsTreeRow extends LsRow {
  readonly children: readonly LsTreeRow[];
}

const IND = '   ';

/**
 * lsns-shaped JSON, laid out as libsmartcols 2.38 prints it (3-space indent, `},{` between siblings,
 * `children` arrays for trees): `{"namespaces":[…]}`. `extra` adds top-level keys after the array
 * (e.g. `incomplete`), leaving lsns's keys unchanged.
 */
export function renderLsJson(
  fields: readonly LsField[],
  rows: readonly LsTreeRow[],
  ctx: LsCtx,
  extra: Readonly<Record<string, unknown>> = {},
  tableName = 'namespaces',
): string {
  let out = `{\n${IND}${JSON.stringify(tableName)}: [\n`;
  const emit = (list: readonly LsTreeRow[], depth: number): void => {
    list.forEach((r, i) => {
      const pad = IND.repeat(depth);
      const kpad = IND.repeat(depth + 1);
      if (i === 0) out += `${pad}{\n`;
      out += fields.map((f) => `${kpad}${JSON.stringify(jsonKeyOf(f))}: ${JSON.stringify(jsonCell(f, r, ctx))}`).join(',\n');
      if (fields.some((f) => f.id === 'CONTAINER')) out += `,\n${kpad}"identity": ${JSON.stringify(proc(r, ctx)?.identity ?? null)}`;
      if (r.children.length) {
        out += `,\n${kpad}"children": [\n`;
        emit(r.children, depth + 2);
        out += `\n${kpad}]`;
      }
      out += `\n${pad}}`;
      if (i < list.length - 1) out += ',{\n';
    });
  };
  emit(rows, 2);
  out += `\n${IND}]`;
  for (const [k, v] of Object.entries(extra)) out += `,\n${IND}${JSON.stringify(k)}: ${JSON.stringify(v)}`;
  return out + '\n}\n';
}

/**
 * `-H/--list-columns` as lsns 2.41 prints it (util-linux column-list-table.h): no headings, HOLDER (right
 * aligned), TYPE (`<integer>` for number columns, `<string>` otherwise), DESCRIPTION; `--raw` and `--json`
 * (table name `lsns-columns`) as libsmartcols prints them.
 */
export function listColumnsRows(fields: readonly LsField[]): Array<{ holder: string; type: string; description: string }> {
  return fields.map((f) => ({ holder: f.id, type: f.type === 'number' ? '<integer>' : '<string>', description: f.help }));
}

export function renderListColumnsJson(fields: readonly LsField[]): string {
  const rows = listColumnsRows(fields);
  let out = `{\n${IND}"lsns-columns": [\n`;
  out += rows
    .map((r, i) => `${i === 0 ? IND + IND : ''}{\n${IND}${IND}${IND}"holder": ${JSON.stringify(r.holder)},\n${IND}${IND}${IND}"type": ${JSON.stringify(r.type)},\n${IND}${IND}${IND}"description": ${JSON.stringify(r.description)}\n${IND}${IND}}`)
    .join(',');
  return out + `\n${IND}]\n}\n`;
}

/** The fields an `-Q` expression names (column names in any case); an unknown one is a usage error. */
export function filterFields(node: FilterNode | null, prog = 'nsx ls'): LsField[] {
  const out: LsField[] = [];
  for (const name of filterHolders(node)) {
    const f = LS_FIELDS.find((x) => x.id === name.toUpperCase());
    if (!f) throw new UsageError(`${prog}: unknown column in filter: ${name}`);
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

/**
 * Apply `-Q` to rows as lsns does: a row that does not match is removed; its children (of the tree) stay, moved
 * up to where the removed row was.
 */
export function filterLsRows(rows: readonly LsTreeRow[], node: FilterNode | null, ctx: LsCtx): LsTreeRow[] {
  if (!node) return [...rows];
  const out: LsTreeRow[] = [];
  for (const r of rows) {
    const children = filterLsRows(r.children, node, ctx);
    const look = (name: string) => {
      const f = LS_FIELDS.find((x) => x.id === name.toUpperCase())!;
      const v = f.get(r, ctx);
      const value = v === null || v === undefined ? null : typeof v === 'object' ? formatCell(f, r, ctx) : (v as string | number | boolean);
      return { type: f.type === 'number' ? ('number' as const) : ('string' as const), value };
    };
    if (evalNode(node, look)) out.push({ ...r, children });
    else out.push(...children);
  }
  return out;
}
