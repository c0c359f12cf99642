/**
 * The text report of `nsx why` (the command's and the dashboard's): the verdict lines with their causes
 * indented; verbose adds the limits along the path. Sentences and units are ./why-words.ts's.
 */
import type { EffectiveLimit } from '../model/why/types.js';
import type { WhyResult } from '../services/why.js';
import { escapeControl } from './escape.js';
import { fmtBytes, fmtCpus } from './why-words.js';

function limitValue(l: EffectiveLimit, v: number | 'max'): string {
  if (v === 'max') return 'max';
  switch (l.unit) {
    case 'cpus':
      return fmtCpus(v);
    case 'bytes':
      return fmtBytes(v);
    default:
      return String(v);
  }
}

/** The text report: the verdict lines (causes indented); with --verbose the limits along the path too. */
export function formatWhyText(r: WhyResult, verbose: boolean): string {
  const out: string[] = [];
  const head = `${r.target}${r.label && !r.target.includes(r.label) ? ` (${r.label})` : ''}${r.target !== r.path ? ` ${r.path}` : ''}`;
  if (r.clean && !verbose) return `${escapeControl(head)}: ${escapeControl(r.verdict[0])}\n`;
  out.push(`${escapeControl(head)}: ${r.mode === 'window' ? `over ${Number((r.window_s ?? 0).toFixed(1))} s` : 'counters since creation'}, cgroup v${r.version ?? '?'}`);
  for (let i = 0; i < r.verdict.length; i++) {
    out.push(`  ${escapeControl(r.verdict[i])}`);
    for (const c of r.findings[i]?.causes ?? []) out.push(`      - ${escapeControl(c)}`);
  }
  if (verbose) {
    out.push('limits along the path (root → target; * = tightest):');
    for (const l of r.limits) {
      if (l.along.length === 0) {
        out.push(`  ${l.limit.padEnd(16)} none`);
        continue;
      }
      const parts = l.along.map((a) => `${escapeControl(a.path)}=${limitValue(l, a.value)}${l.binding && a.path === l.binding.path ? '*' : ''}`);
      out.push(`  ${l.limit.padEnd(16)} ${parts.join('  ')}`);
    }
    if (!r.kernel_log.readable) out.push(`kernel log: not readable (${escapeControl(r.kernel_log.reason ?? '')})`);
  }
  return out.join('\n') + '\n';
}
