/**
 * Text tables in the manner of util-linux libsmartcols: single-space separated columns, natural widths
 * (header or widest cell), right/left alignment, an optional tree column, truncation of `trunc` columns to
 * the terminal width (only when writing to a terminal and not --notruncate), multi-line cells (wrap columns),
 * raw mode (no alignment, spaces escaped) and no-headings. Every cell is escaped before printing.
 */
import { escapeControl, escapeRaw, escapeUnambiguous } from './escape.js';

export interface TableColumn {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** may be truncated to fit the terminal width */
  readonly trunc?: boolean;
  /** multi-line cell content is printed on continuation lines (otherwise newlines become spaces/commas) */
  readonly wrap?: boolean;
  /** draw the tree in this column */
  readonly tree?: boolean;
  /** width hint */
  readonly width?: number;
}

export interface TableRow {
  readonly cells: readonly string[];
  readonly children?: readonly TableRow[];
}

export interface TableOptions {
  readonly raw?: boolean;
  readonly noHeadings?: boolean;
  readonly noTruncate?: boolean;
  readonly noWrap?: boolean;
  /** terminal width; undefined = not a terminal (no truncation) */
  readonly termWidth?: number;
  /** use ASCII tree glyphs */
  readonly ascii?: boolean;
  /**
   * libsmartcols's exact layout (for lsns drop-in output): a column narrower than its width hint is widened to it
   * when its header is narrower too, and a line whose last cell is empty keeps the separator before it.
   */
  readonly scols?: boolean;
}

const UTF8 = { branch: '├─', last: '└─', vert: '│ ', space: '  ' };
const ASCII = { branch: '|-', last: '`-', vert: '| ', space: '  ' };

interface FlatRow {
  cells: string[][]; // per column, lines
}

/** Display width of a string (counts wide East Asian chars as 2, combining marks as 0). */
export function displayWidth(s: string): number {
  // the common case (printable ASCII: one column per char), without walking code points
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) break;
    i++;
  }
  if (i === n) return n;
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20) continue;
    if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f)) continue;
    if (
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1faff) ||
      (c >= 0x20000 && c <= 0x3fffd)
    )
      w += 2;
    else w += 1;
  }
  return w;
}

/** Cut a string to a display width. */
export function truncateTo(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > width) break;
    out += ch;
    w += cw;
  }
  return out;
}

function pad(s: string, width: number, right: boolean): string {
  const n = width - displayWidth(s);
  if (n <= 0) return s;
  return right ? ' '.repeat(n) + s : s + ' '.repeat(n);
}

export function renderTable(columns: readonly TableColumn[], rows: readonly TableRow[], opts: TableOptions = {}): string {
  if (!opts.raw && !opts.scols && columns.every((c) => !c.tree && !c.wrap) && rows.every((r) => !r.children?.length)) return renderFlat(columns, rows, opts);
  const g = opts.ascii ? ASCII : UTF8;
  const esc = opts.raw ? escapeRaw : opts.scols ? escapeUnambiguous : escapeControl;
  const flat: FlatRow[] = [];
  const walk = (list: readonly TableRow[], prefix: string, depth: number) => {
    list.forEach((r, idx) => {
      const last = idx === list.length - 1;
      const branch = depth === 0 ? '' : prefix + (last ? g.last : g.branch);
      // the art of this row's continuation lines: its ancestors' bars, then a bar when it has children below
      const own = depth === 0 ? '' : prefix + (last ? g.space : g.vert);
      const cont = own + (r.children?.length ? g.vert : '');
      const cells = columns.map((c, ci) => {
        const text = r.cells[ci] ?? '';
        // only wrap columns hold several values, one per line (NSFS); elsewhere a newline is data and is escaped
        let lines = c.wrap ? text.split('\n').map(esc) : [esc(text)];
        if (opts.noWrap || opts.raw) lines = [lines.join(',')];
        if (c.tree && !opts.raw) lines = lines.map((l, li) => (li === 0 ? branch + l : cont + l));
        return lines;
      });
      // continuation lines of a multi-line row (another column wraps) keep the tree guide, as libsmartcols's
      // print_empty_cell draws it: the row's own art, plus a vertical bar when the row has children
      const height = Math.max(...cells.map((l) => l.length));
      columns.forEach((c, ci) => {
        if (!c.tree || opts.raw) return;
        while (cells[ci].length < height) cells[ci].push(cont);
      });
      flat.push({ cells });
      if (r.children?.length) walk(r.children, depth === 0 ? '' : prefix + (last ? g.space : g.vert), depth + 1);
    });
  };
  walk(rows, '', 0);

  if (opts.raw) {
    const out: string[] = [];
    if (!opts.noHeadings) out.push(columns.map((c) => esc(c.header)).join(' '));
    for (const r of flat) out.push(r.cells.map((l) => l[0]).join(' '));
    return out.length ? out.join('\n') + '\n' : '';
  }

  const widths = columns.map((c, ci) => {
    let w = opts.noHeadings || opts.scols ? 0 : displayWidth(c.header);
    for (const r of flat) for (const l of r.cells[ci]) w = Math.max(w, displayWidth(l));
    if (!opts.scols) return w;
    const min = Math.max(1, displayWidth(c.header)); // libsmartcols counts the header even with --noheadings
    return w < min ? min : c.width !== undefined && w < c.width && min < c.width ? c.width : w;
  });
  // fit the terminal: shrink truncatable columns (the last one first), never below their header
  if (opts.termWidth !== undefined && !opts.noTruncate) {
    const total = () => widths.reduce((a, b) => a + b, 0) + Math.max(0, widths.length - 1);
    for (let ci = columns.length - 1; ci >= 0 && total() > opts.termWidth; ci--) {
      if (!columns[ci].trunc) continue;
      const min = Math.max(columns[ci].header.length, columns[ci].width ?? 0, 1);
      widths[ci] = Math.max(min, widths[ci] - (total() - opts.termWidth));
    }
  }
  const out: string[] = [];
  const emit = (cellLines: string[][]) => {
    const height = Math.max(...cellLines.map((l) => l.length));
    for (let li = 0; li < height; li++) {
      const parts = columns.map((c, ci) => {
        const t = truncateTo(cellLines[ci][li] ?? '', widths[ci]);
        const last = ci === columns.length - 1;
        return last && (c.align !== 'right' || (opts.scols && t === '')) ? t : pad(t, widths[ci], c.align === 'right');
      });
      out.push(opts.scols ? parts.join(' ') : parts.join(' ').trimEnd());
    }
  };
  if (!opts.noHeadings) emit(columns.map((c) => [c.header]));
  for (const r of flat) emit(r.cells);
  return out.length ? out.join('\n') + '\n' : '';
}

/** A flat row's cells escaped and measured, and its last rendered line with the widths it was laid out to. */
interface FlatCells {
  readonly text: readonly string[];
  readonly width: readonly number[];
  /** '' until laid out (strings from the start: one object shape) */
  line: string;
  layout: string;
}

/** Rows passed again (a caller that keeps its TableRow objects while they do not change: `nsx top`). */
const flatCells = new WeakMap<TableRow, FlatCells>();

function flatCellsOf(row: TableRow, nc: number): FlatCells {
  let f = flatCells.get(row);
  if (f === undefined || f.text.length !== nc) {
    let text = row.cells as string[];
    const width: number[] = new Array<number>(nc);
    for (let ci = 0; ci < nc; ci++) {
      const c = row.cells[ci];
      const t = escapeControl(c ?? '');
      // the row's own cells when none needed escaping (no copy)
      if (t !== c && text === row.cells) text = Array.from({ length: nc }, (_, k) => row.cells[k] ?? '');
      if (text !== row.cells) text[ci] = t;
      width[ci] = displayWidth(t);
    }
    if (text === row.cells && row.cells.length !== nc) text = Array.from({ length: nc }, (_, k) => row.cells[k] ?? '');
    f = { text, width, line: '', layout: '' };
    flatCells.set(row, f);
  }
  return f;
}

/**
 * renderTable for the common flat case (no tree or wrap column, no child rows, not raw, not scols): every cell is
 * one line, so each is escaped and measured once (and once only for a row object passed again), and lines are
 * built without per-cell arrays. Same output as the general path.
 */
function renderFlat(columns: readonly TableColumn[], rows: readonly TableRow[], opts: TableOptions): string {
  const nc = columns.length;
  const nr = rows.length;
  const cells = rows.map((r) => flatCellsOf(r, nc));
  const widths = new Int32Array(nc);
  for (let ci = 0; ci < nc; ci++) widths[ci] = opts.noHeadings ? 0 : displayWidth(columns[ci].header);
  for (let ri = 0; ri < nr; ri++) {
    const w = cells[ri].width;
    for (let ci = 0; ci < nc; ci++) if (w[ci] > widths[ci]) widths[ci] = w[ci];
  }
  if (opts.termWidth !== undefined && !opts.noTruncate) {
    const total = () => widths.reduce((a, b) => a + b, 0) + Math.max(0, nc - 1);
    for (let ci = nc - 1; ci >= 0 && total() > opts.termWidth; ci--) {
      if (!columns[ci].trunc) continue;
      const min = Math.max(columns[ci].header.length, columns[ci].width ?? 0, 1);
      widths[ci] = Math.max(min, widths[ci] - (total() - opts.termWidth));
    }
  }
  const right: boolean[] = [];
  // a row's line depends on its cells and on this: a line laid out to the same layout is reused
  let layout = '';
  for (let ci = 0; ci < nc; ci++) {
    right.push(columns[ci].align === 'right');
    layout += `${widths[ci]}${right[ci] ? 'r' : 'l'},`;
  }
  // cells of one line, joined (a join makes one flat string: lines are kept for later frames)
  const cellsOfLine = new Array<string>(nc);
  const line = (text: readonly string[], width: readonly number[]) => {
    for (let ci = 0; ci < nc; ci++) {
      let t = text[ci];
      let w = width[ci];
      if (w > widths[ci]) {
        t = truncateTo(t, widths[ci]);
        w = displayWidth(t);
      }
      const n = widths[ci] - w;
      cellsOfLine[ci] = n <= 0 || (ci === nc - 1 && !right[ci]) ? t : right[ci] ? ' '.repeat(n) + t : t + ' '.repeat(n);
    }
    return cellsOfLine.join(' ').trimEnd();
  };
  const parts: string[] = [];
  if (!opts.noHeadings) {
    // the same kinds of arrays as the rows' (one shape for `line`)
    const h = new Array<string>(nc);
    const hw = new Array<number>(nc);
    for (let ci = 0; ci < nc; ci++) hw[ci] = displayWidth((h[ci] = columns[ci].header));
    parts.push(line(h, hw));
  }
  for (let ri = 0; ri < nr; ri++) {
    const c = cells[ri];
    if (c.layout !== layout) {
      c.line = line(c.text, c.width);
      c.layout = layout;
    }
    parts.push(c.line);
  }
  return parts.length ? parts.join('\n') + '\n' : '';
}
