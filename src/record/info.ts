/**
 * `nsx record info`: what a recording directory holds — its time range, frames, segments, size, the interval it
 * was recorded at, and the size per day at that rate — from the segments' headers and indexes (no frame is
 * decompressed). Pure model (`RecordInfo`) and its text form.
 */
import { readBytes } from '../host/read.js';
import { NotFoundError } from '../errors.js';
import { parseSegment, SegmentError } from './format.js';
import { CorruptRecord } from './bytes.js';
import { listSegments } from './store.js';
import { isoSecond } from './time.js';
import { countOf } from '../output/words.js';

export interface RecordInfo {
  readonly dir: string;
  readonly start: string | null;
  readonly end: string | null;
  readonly frames: number;
  readonly keyframes: number;
  readonly segments: number;
  readonly bytes: number;
  /** median time between frames (s) */
  readonly interval_s: number | null;
  /** bytes per day at the recorded rate (bytes / recorded span × 1 day) */
  readonly bytes_per_day: number | null;
  readonly hostnames: readonly string[];
  readonly warnings: readonly string[];
}

export function recordInfo(dir: string): RecordInfo {
  const segs = listSegments(dir);
  if (segs.length === 0) throw new NotFoundError(`nsx record info: ${dir}: no recording here (no nsx-*.nsxr segment)`, dir);
  const times: number[] = [];
  let keyframes = 0;
  const hosts = new Set<string>();
  const warnings: string[] = [];
  for (const s of segs) {
    try {
      const p = parseSegment(readBytes(s.path));
      if (p.header.hostname) hosts.add(p.header.hostname);
      for (const f of p.frames) {
        times.push(f.time_ms);
        if (f.type === 0x4b) keyframes++;
      }
      if (p.tornAt !== undefined) warnings.push(`${s.path}: damaged or incomplete after byte ${p.tornAt}`);
    } catch (e) {
      if (!(e instanceof SegmentError) && !(e instanceof CorruptRecord)) throw e;
      warnings.push(`${s.path}: ${e.message}`);
    }
  }
  const bytes = segs.reduce((n, s) => n + s.bytes, 0);
  const gaps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
  const span = times.length > 1 ? times[times.length - 1] - times[0] : 0;
  return {
    dir,
    start: times.length ? isoSecond(times[0]) : null,
    end: times.length ? isoSecond(times[times.length - 1]) : null,
    frames: times.length,
    keyframes,
    segments: segs.length,
    bytes,
    interval_s: gaps.length ? gaps[gaps.length >> 1] / 1000 : null,
    bytes_per_day: span > 0 ? Math.round((bytes / span) * 86_400_000) : null,
    hostnames: [...hosts],
    warnings,
  };
}

export function formatRecordInfo(i: RecordInfo): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return [
    `recording:  ${i.dir}${i.hostnames.length ? ` (host ${i.hostnames.join(', ')})` : ''}`,
    `from:       ${i.start ?? '-'}`,
    `to:         ${i.end ?? '-'}`,
    `frames:     ${i.frames} (${i.keyframes} keyframes), every ${i.interval_s ?? '-'} s`,
    `size:       ${mb(i.bytes)} in ${countOf(i.segments, 'segment')}${i.bytes_per_day !== null ? `, ${mb(i.bytes_per_day)} per day at this rate` : ''}`,
  ].join('\n') + '\n';
}
