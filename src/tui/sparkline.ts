/**
 * Sparkline text (pure): the last `width` values as block characters scaled to `max` (or the series' own max).
 * Absent points (null) are blanks; ASCII mode uses ` .:-=+*#`.
 */
const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII = ['.', ':', '-', '=', '+', '*', '#', '@'];

export function sparkline(values: readonly (number | null)[], width: number, opts: { max?: number; ascii?: boolean } = {}): string {
  const glyphs = opts.ascii ? ASCII : BLOCKS;
  const vs = values.slice(-width);
  let max = opts.max ?? 0;
  if (opts.max === undefined) for (const v of vs) if (v !== null && v > max) max = v;
  let s = '';
  for (const v of vs) {
    if (v === null || !Number.isFinite(v)) s += ' ';
    else if (max <= 0) s += glyphs[0];
    else s += glyphs[Math.min(glyphs.length - 1, Math.max(0, Math.round((v / max) * (glyphs.length - 1))))];
  }
  return s.padStart(width, ' ');
}
