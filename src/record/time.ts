/**
 * Times, durations and sizes on the command line of `nsx record` and of replay (`--at`, `--from`, `--to`,
 * `--since`, `--retain`, `--max-size`, `--interval`). Pure; errors are UsageErrors naming the command.
 *
 *   parseTime('2026-12-08T03:12:00Z' | '2026-12-08 03:12' | '1765163520' | '-10m' | 'now', now, prog) → ms
 *   parseDuration('7d' | '1h30m' | '10m' | '5s' | '500ms' | '5', prog, unit?) → ms   (a bare number: `unit`, default s)
 *   parseSize('500M' | '2G' | '100MiB' | '1000000', prog) → bytes
 */
import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d`, `1h30m`, `10m`, `5s`, `500ms`; a bare number is in `unit` (seconds by default). */
export function parseDuration(text: string, prog: string, what = 'duration', unit = 1000): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * unit);
  let total = 0;
  let rest = t;
  const part = /^(\d+(?:\.\d+)?)(ms|min|s|m|h|d|w)/;
  if (!part.test(rest)) throw new UsageError(`${prog}: invalid ${what}: '${text}' (e.g. 500ms, 5s, 10m, 1h30m, 7d)`);
  while (rest.length) {
    const m = part.exec(rest);
    if (!m) throw new UsageError(`${prog}: invalid ${what}: '${text}' (e.g. 500ms, 5s, 10m, 1h30m, 7d)`);
    total += Number(m[1]) * UNITS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/**
 * A point in time: ISO 8601 (`2026-12-08T03:12:00Z`, `2026-12-08T03:12`, `2026-12-08 03:12:05+01:00`; without a
 * zone: local time, as `date` reads it), a time of day (`03:12`, `03:12:30`: its last occurrence, local time),
 * Unix seconds (`1765163520`, fractions allowed), a time relative to now (`-10m`, `-1h30m`), or `now`.
 */
export function parseTime(text: string, now: number, prog: string): number {
  const t = text.trim();
  if (t === 'now') return now;
  if (t.startsWith('-')) return now - parseDuration(t.slice(1), prog, 'relative time');
  if (/^\d{9,}(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  // a time of day: its last occurrence (today, or yesterday when it is still to come), local time
  const hm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (hm && Number(hm[1]) < 24 && Number(hm[2]) < 60 && Number(hm[3] ?? 0) < 60) {
    const d = new Date(now);
    d.setHours(Number(hm[1]), Number(hm[2]), Number(hm[3] ?? 0), 0);
    return d.getTime() > now ? d.getTime() - 86_400_000 : d.getTime();
  }
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (iso) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`${prog}: invalid time: '${text}' (ISO 8601 such as 2026-12-08T03:12:00Z, a time of day such as 03:12, Unix seconds, or relative such as -10m)`);
}

const SIZE: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4 };

/** `500M`, `2G`, `100MiB`, `1000000` (bytes). K, M, G are powers of 1000; KiB, MiB, GiB of 1024. */
export function parseSize(text: string, prog: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const mul = m ? SIZE[m[2].toLowerCase()] : undefined;
  if (!m || mul === undefined) throw new UsageError(`${prog}: invalid size: '${text}' (e.g. 500M, 2G, 100MiB)`);
  return Math.round(Number(m[1]) * mul);
}

/** A time for messages: ISO 8601 in UTC, to the second. */
export function isoSecond(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
