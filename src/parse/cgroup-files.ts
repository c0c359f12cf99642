/**
 * Pure parsers for cgroupfs files (v1 and v2) and /proc/cgroups. Every parser takes `(text, source?)`,
 * throws only ParseError naming `source` (and the line), and tolerates the quirks of real files:
 * missing final newline, trailing spaces, empty files where the format allows it, `max` and `-1`,
 * the page-rounded v1 "unlimited" value, and the broken io.stat forms (`MAJ:MIN ` with no keys,
 * several of them run together on one line).
 *
 * Units: these parsers return the numbers as the file has them; the readers normalise units
 * (ns → µs, USER_HZ → µs) when they build the model.
 */
import { ParseError } from '../errors.js';
import type { ControllerInfo, IoMax, Limit, Pressure, PressureLine } from '../model/cgroup.js';

const INT = /^-?\d+$/;
const NUM = /^-?\d+(\.\d+)?$/;
/** v1 memory limits are 2^63-1 rounded down to a page: anything this close to 2^63 means "no limit". */
const V1_UNLIMITED_FLOOR = 2n ** 63n - 2n ** 24n;

function lines(text: string): string[] {
  return text.split('\n');
}

function toInt(tok: string, source: string, line?: number): number {
  if (!INT.test(tok)) throw new ParseError(source, `expected an integer, got ${JSON.stringify(tok.slice(0, 40))}`, line);
  return Number(tok);
}

function toNum(tok: string, source: string, line?: number): number {
  if (!NUM.test(tok)) throw new ParseError(source, `expected a number, got ${JSON.stringify(tok.slice(0, 40))}`, line);
  return Number(tok);
}

function single(text: string, source: string): string {
  const t = text.trim();
  if (t === '') throw new ParseError(source, 'empty file', 1);
  if (/\s/.test(t)) throw new ParseError(source, `expected one value, got ${JSON.stringify(t.slice(0, 40))}`, 1);
  return t;
}

/** A file holding one integer (`memory.current`, `cpu.cfs_period_us`, `cpuacct.usage`, …). */
export function parseSingleInt(text: string, source = '<string>'): number {
  return toInt(single(text, source), source, 1);
}

/**
 * A limit: `max` (v2), an integer, `-1` (v1 "none") or the page-rounded 2^63 (v1 memory "none") → 'max'.
 * (`memory.max`, `pids.max`, `cpu.cfs_quota_us`, `memory.limit_in_bytes`, `cgroup.max.depth`, …)
 */
export function parseLimit(text: string, source = '<string>'): Limit {
  const t = single(text, source);
  if (t === 'max' || t === '-1') return 'max';
  if (!INT.test(t)) throw new ParseError(source, `expected an integer or "max", got ${JSON.stringify(t.slice(0, 40))}`, 1);
  if (t.length >= 19 && BigInt(t) >= V1_UNLIMITED_FLOOR) return 'max';
  return Number(t);
}

/** v2 `cpu.max`: `QUOTA PERIOD` in µs, QUOTA may be `max`; a lone QUOTA is accepted (period absent). */
export function parseCpuMax(text: string, source = '<string>'): { max_usec: Limit; period_usec?: number } {
  const f = text.trim().split(/\s+/).filter(Boolean);
  if (f.length < 1 || f.length > 2) throw new ParseError(source, `expected "QUOTA PERIOD", got ${f.length} fields`, 1);
  const max_usec: Limit = f[0] === 'max' ? 'max' : toInt(f[0], source, 1);
  if (typeof max_usec === 'number' && max_usec < 0) throw new ParseError(source, 'negative quota', 1);
  if (f.length === 1) return { max_usec };
  const period_usec = toInt(f[1], source, 1);
  if (period_usec <= 0) throw new ParseError(source, 'period must be positive', 1);
  return { max_usec, period_usec };
}

/**
 * Flat keyed files: `KEY VALUE` per line (`cpu.stat`, `memory.stat`, `memory.events`, `cpuacct.stat`,
 * `cgroup.stat`, `cgroup.events`, `pids.events`, `memory.oom_control`). Empty file → {}.
 */
export function parseFlatKeyed(text: string, source = '<string>'): Record<string, number> {
  const out: Record<string, number> = {};
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i].trim();
    if (l === '') continue;
    const f = l.split(/\s+/);
    if (f.length !== 2) throw new ParseError(source, `expected "KEY VALUE", got ${JSON.stringify(l.slice(0, 60))}`, i + 1);
    out[f[0]] = toNum(f[1], source, i + 1);
  }
  return out;
}

/**
 * Nested keyed files: `KEY SUBKEY=VALUE …` per line (PSI, `memory.numa_stat`, `io.latency`). Values that are
 * not numbers are kept out. Empty file → [].
 */
export function parseNestedKeyed(text: string, source = '<string>'): { key: string; fields: Record<string, number> }[] {
  const out: { key: string; fields: Record<string, number> }[] = [];
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i].trim();
    if (l === '') continue;
    const [key, ...rest] = l.split(/\s+/);
    const fields: Record<string, number> = {};
    for (const kv of rest) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new ParseError(source, `expected SUBKEY=VALUE, got ${JSON.stringify(kv.slice(0, 40))}`, i + 1);
      const v = kv.slice(eq + 1);
      if (NUM.test(v)) fields[kv.slice(0, eq)] = Number(v);
      else if (v !== 'max') throw new ParseError(source, `bad value ${JSON.stringify(v.slice(0, 40))}`, i + 1);
    }
    out.push({ key, fields });
  }
  return out;
}

/** PSI (`cpu.pressure`, `memory.pressure`, `io.pressure`): `some …` and (kernel ≥ 5.13 for cpu) `full …`. total → total_usec. */
export function parsePressure(text: string, source = '<string>'): Pressure {
  const res: { some?: PressureLine; full?: PressureLine } = {};
  for (const { key, fields } of parseNestedKeyed(text, source)) {
    if (key !== 'some' && key !== 'full') throw new ParseError(source, `unknown pressure line ${JSON.stringify(key.slice(0, 20))}`);
    res[key] = { avg10: fields.avg10, avg60: fields.avg60, avg300: fields.avg300, total_usec: fields.total };
  }
  return res;
}

const DEVNO = /^(\d+):(\d+)$/;

/**
 * v2 `io.stat`: `MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N [cost.*=…]`. Tolerates the kernel bug
 * where a device without stats prints `MAJ:MIN ` with no newline (so several run together): tokens are read
 * in order and each `MAJ:MIN` starts a new device. Devices with no keys are dropped.
 */
export function parseIoStat(text: string, source = '<string>'): { major: number; minor: number; fields: Record<string, number> }[] {
  const out: { major: number; minor: number; fields: Record<string, number> }[] = [];
  let cur: { major: number; minor: number; fields: Record<string, number> } | undefined;
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    for (const tok of ls[i].split(/\s+/)) {
      if (tok === '') continue;
      const d = DEVNO.exec(tok);
      if (d) {
        cur = { major: Number(d[1]), minor: Number(d[2]), fields: {} };
        out.push(cur);
        continue;
      }
      const eq = tok.indexOf('=');
      if (!cur || eq <= 0) throw new ParseError(source, `unexpected ${JSON.stringify(tok.slice(0, 40))}`, i + 1);
      const v = tok.slice(eq + 1);
      cur.fields[tok.slice(0, eq)] = toNum(v, source, i + 1);
    }
  }
  return out.filter((d) => Object.keys(d.fields).length > 0);
}

/** v2 `io.max`: `MAJ:MIN rbps=N|max wbps=… riops=… wiops=…`. Empty file → []. */
export function parseIoMax(text: string, source = '<string>'): IoMax[] {
  const out: IoMax[] = [];
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i].trim();
    if (l === '') continue;
    const [dev, ...kvs] = l.split(/\s+/);
    const d = DEVNO.exec(dev);
    if (!d) throw new ParseError(source, `bad device ${JSON.stringify(dev.slice(0, 20))}`, i + 1);
    const e: Record<string, Limit> = {};
    for (const kv of kvs) {
      const [k, v] = kv.split('=');
      if (!['rbps', 'wbps', 'riops', 'wiops'].includes(k) || v === undefined) throw new ParseError(source, `unexpected ${JSON.stringify(kv.slice(0, 40))}`, i + 1);
      e[k] = v === 'max' ? 'max' : toInt(v, source, i + 1);
    }
    out.push({ major: Number(d[1]), minor: Number(d[2]), ...e });
  }
  return out;
}

/**
 * v1 `blkio.throttle.io_service_bytes` / `io_serviced` (and the `_recursive` and CFQ variants):
 * `MAJ:MIN OP N` lines (OP = Read Write Sync Async Discard Total) and a final `Total N`; the two-column
 * per-device files (`blkio.time`, `blkio.sectors`, `blkio.throttle.read_bps_device`) give `ops.value`.
 */
export function parseBlkio(text: string, source = '<string>'): { devices: { major: number; minor: number; ops: Record<string, number> }[]; total?: number } {
  const devices = new Map<string, { major: number; minor: number; ops: Record<string, number> }>();
  let total: number | undefined;
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i].trim();
    if (l === '') continue;
    const f = l.split(/\s+/);
    if (f.length === 2 && f[0] === 'Total') {
      total = toInt(f[1], source, i + 1);
      continue;
    }
    const d = f.length === 3 || f.length === 2 ? DEVNO.exec(f[0]) : null;
    if (!d) throw new ParseError(source, `expected "MAJ:MIN [OP] N", got ${JSON.stringify(l.slice(0, 60))}`, i + 1);
    let dev = devices.get(f[0]);
    if (!dev) devices.set(f[0], (dev = { major: Number(d[1]), minor: Number(d[2]), ops: {} }));
    // two-column files (blkio.time, blkio.sectors, blkio.throttle.*_device) hold one value per device
    if (f.length === 2) dev.ops.value = toInt(f[1], source, i + 1);
    else dev.ops[f[1]] = toInt(f[2], source, i + 1);
  }
  return total === undefined ? { devices: [...devices.values()] } : { devices: [...devices.values()], total };
}

/** `cgroup.procs`, `tasks`, `cgroup.threads`: one PID per line. */
export function parsePidList(text: string, source = '<string>'): number[] {
  const out: number[] = [];
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i].trim();
    if (l !== '') out.push(toInt(l, source, i + 1));
  }
  return out;
}

/** Space-separated words (`cgroup.controllers`, `cgroup.subtree_control`); empty file → []. */
export function parseWordList(text: string, _source = '<string>'): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** Space-separated integers (`cpuacct.usage_percpu`, trailing space tolerated). */
export function parseIntList(text: string, source = '<string>'): number[] {
  return text.split(/\s+/).filter(Boolean).map((t) => toInt(t, source, 1));
}

/** A cpu/mem list (`cpuset.cpus`, `cpuset.cpus.effective`): `0-3,8,10-11`; empty file → ''. */
export function parseCpuList(text: string, source = '<string>'): string {
  const t = text.trim();
  if (t !== '' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(t)) throw new ParseError(source, `bad list ${JSON.stringify(t.slice(0, 40))}`, 1);
  return t;
}

/** Number of CPUs in a list (`0-3,8` → 5). */
export function cpuListCount(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}

/** A table with a header line (`cpuacct.usage_all`: `cpu user system` then rows of integers). */
export function parseTable(text: string, source = '<string>'): { header: string[]; rows: number[][] } {
  const ls = lines(text).map((l) => l.trim()).filter(Boolean);
  if (ls.length === 0) return { header: [], rows: [] };
  const header = ls[0].split(/\s+/);
  const rows = ls.slice(1).map((l, i) => {
    const r = l.split(/\s+/).map((t) => toInt(t, source, i + 2));
    if (r.length !== header.length) throw new ParseError(source, `expected ${header.length} columns`, i + 2);
    return r;
  });
  return { header, rows };
}

/** `/proc/cgroups`: `#subsys_name hierarchy num_cgroups enabled` (tabs or spaces; no final newline tolerated). */
export function parseProcCgroups(text: string, source = '<string>'): ControllerInfo[] {
  const out: ControllerInfo[] = [];
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i].trim();
    if (l === '' || l.startsWith('#')) continue;
    const f = l.split(/\s+/);
    if (f.length !== 4) throw new ParseError(source, `expected 4 columns, got ${f.length}`, i + 1);
    out.push({ name: f[0], hierarchy: toInt(f[1], source, i + 1), numCgroups: toInt(f[2], source, i + 1), enabled: toInt(f[3], source, i + 1) !== 0 });
  }
  return out;
}

/** Free text (`cgroup.type`, `release_agent`, `memory.kmem.slabinfo`, …): kept trimmed, never fails. */
export function parseText(text: string, _source = '<string>'): string {
  return text.trim();
}

type FileParser = (text: string, source?: string) => unknown;

/** Which parser reads which cgroup file (first match wins). */
const BY_NAME: [RegExp, FileParser][] = [
  [/^(cgroup\.procs|tasks|cgroup\.threads)$/, parsePidList],
  [/^cgroup\.(controllers|subtree_control)$/, parseWordList],
  [/^cpu\.max$/, parseCpuMax],
  [/^io\.stat$/, parseIoStat],
  [/^io\.max$/, parseIoMax],
  [/^(cpu|memory|io|irq)\.pressure$/, parsePressure],
  [/^blkio\.(throttle\.)?(io_|sectors|time|(read|write)_(bps|iops)_device|weight_device|leaf_weight_device)/, parseBlkio],
  [/^cpuacct\.usage_all$/, parseTable],
  [/^cpuacct\.usage_(percpu|percpu_sys|percpu_user)$/, parseIntList],
  [/^cpuset\.(cpus|mems|effective_cpus|effective_mems|cpus\.effective|mems\.effective)$/, parseCpuList],
  [/^(memory\.numa_stat|io\.latency|memory\.stat\.numa|hugetlb\..*\.numa_stat)$/, parseNestedKeyed],
  [/^(io\.weight|io\.bfq\.weight)$/, parseFlatKeyed],
  [/(\.stat|\.events|\.events\.local|^memory\.oom_control|^cpuacct\.stat)$/, parseFlatKeyed],
  [/^(memory\.(max|high|low|min|swap\.max|swap\.high|zswap\.max)|pids\.max|cgroup\.max\.(depth|descendants)|cpu\.cfs_quota_us|cpu\.max\.burst|misc\.max|rdma\.max)$/, parseLimit],
  [/(_in_bytes|\.limit_in_bytes)$/, parseLimit],
  [/^hugetlb\..*\.(max|limit_in_bytes|rsvd\.max)$/, parseLimit],
  [/^(cpu\.(shares|weight|weight\.nice|idle|cfs_period_us|cfs_burst_us|rt_runtime_us|rt_period_us)|cpuacct\.usage(_sys|_user)?|memory\.(current|peak|swap\.current|swap\.peak|zswap\.current|failcnt|swappiness|use_hierarchy|move_charge_at_immigrate|oom\.group)|pids\.(current|peak)|notify_on_release|cgroup\.clone_children|cpuset\.[a-z_]+|cgroup\.(pressure|freeze)|blkio\.(weight|leaf_weight))$/, parseSingleInt],
  [/(\.usage|\.current|\.peak|\.failcnt|\.max_usage_in_bytes)$/, parseSingleInt],
];

/**
 * Parse any cgroup file by its base name; files nsx does not interpret (release_agent, cgroup.type,
 * memory.kmem.slabinfo, write-only files) come back as trimmed text. Throws ParseError naming `source`.
 */
export function parseCgroupFile(name: string, text: string, source = name): unknown {
  for (const [re, p] of BY_NAME) if (re.test(name)) return p(text, source);
  return parseText(text, source);
}

/** An exact integer token: a number when safe, else a bigint (v1 `hierarchical_memory_limit` 9223372036854771712). */
export function exactInt(tok: string): number | bigint {
  const n = Number(tok);
  return Number.isSafeInteger(n) ? n : BigInt(tok);
}

function slowKeyedInts(text: string, source: string): Record<string, number | bigint> {
  const out: Record<string, number | bigint> = {};
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i].trim();
    if (l === '') continue;
    const f = l.split(/\s+/);
    if (f.length !== 2) throw new ParseError(source, `expected "KEY VALUE", got ${JSON.stringify(l.slice(0, 60))}`, i + 1);
    out[f[0]] = INT.test(f[1]) ? exactInt(f[1]) : toNum(f[1], source, i + 1);
  }
  return out;
}

/**
 * Flat keyed files (`memory.stat`, `memory.events`, `cpu.stat`, `pids.events`, `memory.oom_control`) with exact
 * integers: values above 2^53 − 1 come back as bigint. Same grammar and errors as `parseFlatKeyed`; a fast
 * scan for the usual `key digits\n` lines, the full parse for anything else. With `want`, only those keys are
 * extracted (the others are not even sliced out of the text: the sampler takes 3 keys of memory.stat's 70).
 */
export function parseKeyedInts(text: string, source = '<string>', want?: readonly string[]): Record<string, number | bigint> {
  const out: Record<string, number | bigint> = {};
  if (want) {
    for (const k of want) {
      let at = text.startsWith(k + ' ') ? 0 : text.indexOf('\n' + k + ' ');
      if (at < 0) continue;
      if (at > 0 || text.charCodeAt(0) === 10) at += 1;
      const start = at + k.length + 1;
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      let v = 0;
      let ok = end > start && end - start <= 15;
      for (let j = start; ok && j < end; j++) {
        const c = text.charCodeAt(j);
        if (c < 48 || c > 57) ok = false;
        else v = v * 10 + (c - 48);
      }
      // anything unusual (long, signed, decimal, trailing blanks, repeated key): the full parse decides
      if (!ok || text.indexOf('\n' + k + ' ', end) >= 0) {
        const all = slowKeyedInts(text, source);
        const picked: Record<string, number | bigint> = {};
        for (const w of want) if (Object.prototype.hasOwnProperty.call(all, w)) picked[w] = all[w];
        return picked;
      }
      out[k] = v;
    }
    return out;
  }
  const n = text.length;
  let i = 0;
  while (i < n) {
    let e = text.indexOf('\n', i);
    if (e < 0) e = n;
    if (e > i) {
      const sp = text.indexOf(' ', i);
      if (sp <= i || sp >= e - 1) return slowKeyedInts(text, source);
      let v = 0;
      for (let j = sp + 1; j < e; j++) {
        const c = text.charCodeAt(j);
        if (c < 48 || c > 57) return slowKeyedInts(text, source);
        v = v * 10 + (c - 48);
      }
      out[text.slice(i, sp)] = e - sp - 1 > 15 ? exactInt(text.slice(sp + 1, e)) : v;
    }
    i = e + 1;
  }
  return out;
}

/** `parseSingleInt` without allocation for the usual `digits\n` content; anything else goes to the full parser. */
export function parseSingleIntFast(text: string, source = '<string>'): number {
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  if (end === 0 || end > 15) return parseSingleInt(text, source);
  let v = 0;
  for (let j = 0; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return parseSingleInt(text, source);
    v = v * 10 + (c - 48);
  }
  return v;
}
