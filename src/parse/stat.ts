/**
 * Parser for `/proc/PID/stat` (proc(5)): `pid (comm) state ppid pgrp session tty_nr tpgid flags minflt …`.
 *
 * The comm is raw (it may hold spaces, parentheses, even newlines), so it ends at the LAST `)` that is
 * followed by ` <state letter> `. Times are in clock ticks (USER_HZ) and named `…Ticks`; sizes in bytes or
 * pages as named. Fields the line does not have (old kernels, LX zones) are undefined. Values beyond
 * 2^53 (e.g. INT64_MIN on kernel threads) are undefined rather than rounded.
 */
import { ParseError } from '../errors.js';

export interface ProcStat {
  readonly pid: number;
  /** the comm, verbatim (escape before printing) */
  readonly comm: string;
  readonly state: string;
  readonly ppid?: number;
  readonly pgrp?: number;
  readonly session?: number;
  readonly ttyNr?: number;
  readonly tpgid?: number;
  readonly flags?: number;
  readonly minflt?: number;
  readonly majflt?: number;
  readonly utimeTicks?: number;
  readonly stimeTicks?: number;
  readonly cutimeTicks?: number;
  readonly cstimeTicks?: number;
  readonly priority?: number;
  readonly nice?: number;
  readonly numThreads?: number;
  /** time the process started after boot, in clock ticks */
  readonly starttimeTicks?: number;
  readonly vsizeBytes?: number;
  readonly rssPages?: number;
  readonly processor?: number;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  // /^-?\d+$/ without a regular expression (this runs ~20 times per process, for thousands of processes)
  const n = s.length;
  let i = n > 0 && s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === n) return undefined;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const v = Number(s);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** Does `) X ` (X a letter) start at `i`? The end of the comm. */
function commEndsAt(text: string, i: number): boolean {
  if (text.charCodeAt(i + 1) !== 32 || text.charCodeAt(i + 3) !== 32) return false;
  const c = text.charCodeAt(i + 2) | 0x20;
  return c >= 97 && c <= 122;
}

/** Parse the text of a stat file. Throws ParseError naming `source` when there is no `pid (comm) state`. */
export function parseStat(text: string, source = '<string>'): ProcStat {
  const open = text.indexOf('(');
  if (open < 0) throw new ParseError(source, 'no "(comm)" field', 1);
  const pid = num(text.slice(0, open).trim());
  if (pid === undefined) throw new ParseError(source, 'pid is not a number', 1);
  let close = text.lastIndexOf(')');
  while (close > open && !commEndsAt(text, close)) close = text.lastIndexOf(')', close - 1);
  if (close <= open) throw new ParseError(source, 'no ") state" after the comm', 1);
  const comm = text.slice(open + 1, close);
  let restEnd = text.indexOf('\n', close);
  if (restEnd < 0) restEnd = text.length;
  const f = text.slice(close + 2, restEnd).trim().split(' ');
  // runs of spaces (not in kernel output, but accepted): drop the empty fields they leave
  if (f.includes('')) for (let i = f.length - 1; i > 0; i--) if (f[i] === '') f.splice(i, 1);
  // f[0] is field 3 (state); field N of proc(5) is f[N - 3].
  const at = (n: number) => num(f[n - 3]);
  return {
    pid,
    comm,
    state: f[0],
    ppid: at(4),
    pgrp: at(5),
    session: at(6),
    ttyNr: at(7),
    tpgid: at(8),
    flags: at(9),
    minflt: at(10),
    majflt: at(12),
    utimeTicks: at(14),
    stimeTicks: at(15),
    cutimeTicks: at(16),
    cstimeTicks: at(17),
    priority: at(18),
    nice: at(19),
    numThreads: at(20),
    starttimeTicks: at(22),
    vsizeBytes: at(23),
    rssPages: at(24),
    processor: at(39),
  };
}
