/** Fitting TUI columns to the terminal width: shared by the `nsx top` tree and the dashboard's tables. */

export interface ColumnSpec {
  readonly id: string;
  /** preferred width */
  readonly width: number;
  /** higher = kept longer when the terminal is narrow */
  readonly prio: number;
}

/**
 * Drop the lowest-priority columns (never `flexible`) until the rest fit `width` with one space between
 * columns, then hand out the spare width: first to each `grow` column up to its `max` extra, then to
 * `flexible`. Returns column id → width for the kept columns, in spec order.
 */
export function fitColumns(
  specs: readonly ColumnSpec[],
  width: number,
  flexible: string,
  grow: ReadonlyArray<{ readonly id: string; readonly max: number }> = [],
): Map<string, number> {
  let chosen = [...specs];
  const total = (cs: readonly ColumnSpec[]) => cs.reduce((a, c) => a + c.width, 0) + cs.length - 1;
  while (total(chosen) > width && chosen.length > 1) {
    const victim = chosen.filter((c) => c.id !== flexible).sort((a, b) => a.prio - b.prio)[0];
    if (!victim) break;
    chosen = chosen.filter((c) => c !== victim);
  }
  const widths = new Map(chosen.map((c) => [c.id, c.width] as const));
  let spare = Math.max(0, width - total(chosen));
  for (const g of grow) {
    const w = widths.get(g.id);
    if (w === undefined) continue;
    const extra = Math.min(spare, g.max);
    widths.set(g.id, w + extra);
    spare -= extra;
  }
  widths.set(flexible, Math.max(1, (widths.get(flexible) ?? 0) + spare));
  return widths;
}
