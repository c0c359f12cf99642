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

/**
 * `s.slice(i, j)` as a number when it is `-?\d+` and a safe integer, else undefined — without the substring
 * or a regular expression (this runs ~20 times per process, for thousands of processes).
 */
function numAt(s: string, i: number, j: number): number | undefined {
  let p = i;
  const neg = s.charCodeAt(p) === 45; /* - */
  if (neg) p++;
  if (p >= j) return undefined;
  if (j - p > 15) {
    // beyond 15 digits the sum below could lose precision: the exact way
    for (let q = p; q < j; q++) if (s.charCodeAt(q) < 48 || s.charCodeAt(q) > 57) return undefined;
    const v = Number(s.slice(i, j));
    return Number.isSafeInteger(v) ? v : undefined;
  }
  let v = 0;
  for (; p < j; p++) {
    const d = s.charCodeAt(p) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function num(s: string): number | undefined {
  return numAt(s, 0, s.length);
}

/** Fields kept after the comm: up to proc(5)'s field 39 (processor). */
const FIELDS = 37;

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
  // the fields after the comm, separated by spaces (a run of them counts as one): f[0] is field 3 (state),
  // field N of proc(5) is f[N - 3]; only the numbers read below are converted
  const rest = text.slice(close + 2, restEnd).trim();
  const f: (number | undefined)[] = new Array(FIELDS);
  let state = '';
  for (let i = 0, k = 0, n = rest.length; i < n && k < FIELDS; k++) {
    let j = i;
    while (j < n && rest.charCodeAt(j) !== 32) j++;
    if (k === 0) state = rest.slice(i, j);
    else f[k] = numAt(rest, i, j);
    i = j;
    while (i < n && rest.charCodeAt(i) === 32) i++;
  }
  const at = (n: number) => f[n - 3];
  return {
    pid,
    comm,
    state,
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
