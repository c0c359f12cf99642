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

