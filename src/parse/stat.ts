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

const INT = /^-?\d+$/;

// (regular expressions and split are builtins: fast even before V8 optimises the code that calls them, which a
// one-shot `nsx ps` over thousands of processes runs without — src/services/ps.ts)
function num(s: string | undefined): number | undefined {
  if (s === undefined || !INT.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

const COMM_END = /^\) [A-Za-z] /;

/** Parse the text of a stat file. Throws ParseError naming `source` when there is no `pid (comm) state`. */
export function parseStat(text: string, source = '<string>'): ProcStat {
  const open = text.indexOf('(');
  if (open < 0) throw new ParseError(source, 'no "(comm)" field', 1);
  const pid = num(text.slice(0, open).trim());
  if (pid === undefined) throw new ParseError(source, 'pid is not a number', 1);
  let close = text.lastIndexOf(')');
  while (close > open && !COMM_END.test(text.slice(close, close + 4))) close = text.lastIndexOf(')', close - 1);
  if (close <= open) throw new ParseError(source, 'no ") state" after the comm', 1);
  const comm = text.slice(open + 1, close);
  let restEnd = text.indexOf('\n', close);
  if (restEnd < 0) restEnd = text.length;
  // f[0] is field 3 (state); field N of proc(5) is f[N - 3]. Fields are separated by one space; a run of them
  // (not in kernel output) counts as one.
  const f = text.slice(close + 2, restEnd).trim().split(' ');
  if (f.includes('')) for (let i = f.length - 1; i > 0; i--) if (f[i] === '') f.splice(i, 1);
  const state = f[0];
  const at = (n: number) => num(f[n - 3]);
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
