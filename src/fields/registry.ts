/**
 * The one field/column registry shape. A command defines its fields once (header, width hint, alignment,
 * JSON key and type, help, getter); tables, raw output, JSON, TUI columns and sort keys all derive from it
 * (after util-linux lsns's `infos[]`).
 */
import { UsageError } from '../errors.js';

export type JsonType = 'number' | 'string' | 'boolean' | 'string-or-number' | 'array' | 'object';

/** A cell value as a getter returns it: null/undefined = absent (printed empty / JSON null). */
export type CellValue = string | number | boolean | null | undefined | readonly string[] | readonly number[] | Record<string, unknown>;

export interface Field<Row, Ctx = unknown> {
  /** Column name as users type it in `-o` (upper case, e.g. `NPROCS`). */
  readonly id: string;
  /** Header printed in tables (usually = id). */
  readonly header?: string;
  /** JSON key (default: id lower-cased). */
  readonly json?: string;
  readonly type: JsonType;
  readonly align?: 'left' | 'right';
  /** Width hint in columns (libsmartcols whint): the column is at least this wide when the terminal allows. */
  readonly width?: number;
  /** may be truncated to fit the terminal */
  readonly trunc?: boolean;
  /** multi-line cells may wrap (NSFS) */
  readonly wrap?: boolean;
  /** One-line help for `--help` / `--list-columns`. */
  readonly help: string;
  /** Unit of the raw value, for docs and TUI formatting (e.g. 'bytes', 'usec', 'percent'). */
  readonly unit?: string;
  /** Value for a row. Pure: no I/O. */
  readonly get: (row: Row, ctx: Ctx) => CellValue;
  /** Text formatting of the value (default: String(v), '' for absent). */
  readonly format?: (v: CellValue, row: Row, ctx: Ctx) => string;
  /** Sort key (default: the value). */
  readonly sortKey?: (row: Row, ctx: Ctx) => number | string | null | undefined;
  /**
   * Kernel files the field needs (cgroup file names, v1 and v2 alike: a sampler reads only the files of the
   * visible fields). Absent = the field needs no file of its own.
   */
  readonly files?: readonly string[];
  /** TUI column: width and priority (higher = kept longer on a narrow terminal); absent = not a TUI column. */
  readonly tui?: { readonly width: number; readonly priority: number };
}

export function headerOf(f: Field<any, any>): string {
  return f.header ?? f.id;
}

export function jsonKeyOf(f: Field<any, any>): string {
  return f.json ?? f.id.toLowerCase();
}

/** Format a cell for text output. */
export function formatCell<Row, Ctx>(f: Field<Row, Ctx>, row: Row, ctx: Ctx): string {
  const v = f.get(row, ctx);
  if (f.format) return f.format(v, row, ctx);
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join('\n');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Value for JSON output: absent → null; numbers stay numbers. */
export function jsonCell<Row, Ctx>(f: Field<Row, Ctx>, row: Row, ctx: Ctx): unknown {
  const v = f.get(row, ctx);
  if (v === undefined || v === null) return null;
  if (f.type === 'number' && typeof v === 'string') {
    const n = Number(v);
    return v !== '' && Number.isFinite(n) ? n : v;
  }
  if (f.type === 'string' && typeof v === 'number') return String(v);
  if (f.type === 'string' && Array.isArray(v)) return v.join('\n');
  return v;
}

/**
 * The field a user names, by id or by the header it prints (`CGROUP` for top's PATH, `THROTTLED-BY` for BY);
 * case-insensitive. Ids win over headers when they collide.
 */
export function fieldByName<F extends Field<any, any>>(registry: readonly F[], name: string): F | undefined {
  const n = name.trim().toUpperCase();
  return registry.find((f) => f.id.toUpperCase() === n) ?? registry.find((f) => f.header !== undefined && f.header.toUpperCase() === n);
}

/**
 * Resolve an `-o/--output` list against a registry, as util-linux does:
 * `LIST` replaces the defaults, `+LIST` appends to them (twice if named twice, as lsns does; with `dedupe`, a
 * column already shown is not added again); names are case-insensitive and a column may be named by its header
 * too. An empty list is refused, as lsns does.
 */
export function selectFields<F extends Field<any, any>>(
  registry: readonly F[],
  defaults: readonly string[],
  output: string | undefined,
  opts: { all?: boolean; prog?: string; dedupe?: boolean } = {},
): F[] {
  const prog = opts.prog ?? 'nsx';
  if (opts.all) return [...registry];
  const resolve = (id: string): F => {
    const f = fieldByName(registry, id);
    if (!f) throw new UsageError(`${prog}: unknown column: ${id}`);
    return f;
  };
  const base = defaults.map(resolve);
  if (output === undefined) return base;
  const append = output.startsWith('+');
  const list = (append ? output.slice(1) : output).split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`${prog}: no output columns\nTry '${prog} --help' for more information.`);
  const named = list.map(resolve);
  if (!append) return named;
  const out = [...base];
  for (const f of named) if (!opts.dedupe || !out.includes(f)) out.push(f);
  return out;
}

/** `--help` text block listing the available columns. */
export function columnsHelp(registry: readonly Field<any, any>[]): string {
  const w = Math.max(...registry.map((f) => f.id.length));
  return registry.map((f) => `  ${f.id.padStart(w)}  ${f.help}`).join('\n');
}
