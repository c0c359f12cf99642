/** The text view of `nsx ls` (lsns's table layout), kept apart so that JSON output does not load the table code. */
import { formatCell, headerOf } from './registry.js';
import type { LsCtx, LsField, LsTreeRow } from './ls.js';
import { renderTable, type TableColumn, type TableOptions, type TableRow } from '../output/table.js';

export interface LsTextOptions extends Pick<TableOptions, 'raw' | 'noHeadings' | 'noTruncate' | 'noWrap' | 'termWidth'> {
  /** which column draws the tree: COMMAND for the process tree, NS for owner/parent trees */
  readonly treeColumn?: string;
}

/** The text table (lsns layout). */
export function renderLsText(fields: readonly LsField[], rows: readonly LsTreeRow[], ctx: LsCtx, o: LsTextOptions = {}): string {
  if (o.raw) return renderLsRaw(fields, rows, ctx, o);
  const columns: TableColumn[] = fields.map((f) => ({
    header: headerOf(f),
    // a tree drawn in the NS column is left-aligned (as libsmartcols does)
    align: o.treeColumn === f.id ? 'left' : f.align,
    trunc: f.trunc && !o.noTruncate,
    wrap: f.wrap,
    tree: o.treeColumn === f.id,
    width: f.width,
  }));
  const toRow = (r: LsTreeRow): TableRow => ({
    cells: fields.map((f) => formatCell(f, r, ctx)),
    children: r.children.length ? r.children.map(toRow) : undefined,
  });
  return renderTable(columns, rows.map(toRow), {
    raw: o.raw,
    noHeadings: o.noHeadings,
    noTruncate: o.noTruncate,
    noWrap: o.noWrap,
    termWidth: o.termWidth,
    scols: true,
  });
}


const UTF8 = new TextEncoder();

/**
 * Encode a cell as libsmartcols 2.38 raw output does: every byte that is a control character, a space, a
 * backslash, DEL or part of a multibyte character becomes `\xHH`, so fields never split and stay ASCII.
 */
export function scolsRawEncode(s: string): string {
  let out = '';
  for (const b of UTF8.encode(s)) out += b <= 0x20 || b === 0x5c || b >= 0x7f ? '\\x' + b.toString(16).padStart(2, '0') : String.fromCharCode(b);
  return out;
}

/**
 * Raw output (`-r`), as lsns prints it: single spaces, multi-line cells joined with commas, and — like
 * libsmartcols — the tree art kept in the tree column, encoded with the rest of the cell.
 */
function renderLsRaw(fields: readonly LsField[], rows: readonly LsTreeRow[], ctx: LsCtx, o: LsTextOptions): string {
  const out: string[] = [];
  if (!o.noHeadings) out.push(fields.map((f) => scolsRawEncode(headerOf(f))).join(' '));
  const walk = (list: readonly LsTreeRow[], prefix: string, depth: number): void => {
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      const art = depth === 0 ? '' : prefix + (last ? '└─' : '├─');
      out.push(
        fields
          .map((f) => {
            // only a multi-value column (NSFS, HOLDERS) joins its lines with commas; a newline inside a value
            // (a command line) is data and is encoded as \x0a, as lsns does
            const text = formatCell(f, r, ctx);
            return scolsRawEncode((f.id === o.treeColumn ? art : '') + (f.wrap ? text.split('\n').join(',') : text));
          })
          .join(' '),
      );
      walk(r.children, depth === 0 ? '' : prefix + (last ? '  ' : '│ '), depth + 1);
    });
  };
  walk(rows, '', 0);
  return out.length ? out.join('\n') + '\n' : '';
}
