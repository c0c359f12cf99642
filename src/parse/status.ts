/**
 * Parser for `/proc/PID/status` (proc(5)): `Key:<spaces or tabs>value` lines.
 *
 * Pure and tolerant: unknown keys are kept in `fields`, a value that does not parse leaves its typed
 * member undefined (absent is not zero), blank lines and space/tab mixes are accepted. Memory sizes
 * (`VmRSS: 42652 kB`) are normalised to bytes and named `…Bytes`. Never throws.
 */

/** The four ids of `Uid:`/`Gid:` lines: real, effective, saved set, filesystem. */
export interface IdQuad {
  readonly real: number;
  readonly effective: number;
  readonly saved: number;
  readonly fs: number;
}

export interface ProcStatus {
  /** `Name:` — the comm, with the kernel's `\n` and `\\` escapes undone */
  readonly name?: string;
  /** `State:` first letter (R, S, D, Z, T, t, X, I…) */
  readonly state?: string;
  readonly tgid?: number;
  readonly pid?: number;
  readonly ppid?: number;
  readonly tracerPid?: number;
  readonly uid?: IdQuad;
  readonly gid?: IdQuad;
  readonly groups?: readonly number[];
  /** `NStgid:` the thread-group id in each pid namespace, outermost first (absent on kernels < 4.1) */
  readonly nstgid?: readonly number[];
  /** `NSpid:` */
  readonly nspid?: readonly number[];
  /** `NSpgid:` */
  readonly nspgid?: readonly number[];
  /** `NSsid:` */
  readonly nssid?: readonly number[];
  readonly threads?: number;
  readonly vmPeakBytes?: number;
  readonly vmSizeBytes?: number;
  readonly vmHwmBytes?: number;
  readonly vmRssBytes?: number;
  readonly rssAnonBytes?: number;
  readonly rssFileBytes?: number;
  readonly rssShmemBytes?: number;
  readonly vmSwapBytes?: number;
  readonly voluntaryCtxtSwitches?: number;
  readonly nonvoluntaryCtxtSwitches?: number;
  /** every `Key: value` pair as text (value trimmed), including the ones above */
  readonly fields: Readonly<Record<string, string>>;
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

function ints(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(/\s+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    const n = int(p);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

function quad(v: string | undefined): IdQuad | undefined {
  const a = ints(v);
  if (!a || a.length !== 4) return undefined;
  return { real: a[0], effective: a[1], saved: a[2], fs: a[3] };
}

const UNIT: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `42652 kB` → 43675648; undefined when it is not a size. */
export function parseKbSize(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\s*([kKmMgG]?[bB])?$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? UNIT[m[2].toLowerCase()] : 1);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Undo the escapes the kernel applies to `Name:` (only `\n` and `\\`). */
export function unescapeStatusName(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([n\\])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** The value of the first `KEY:` line of a status text (trimmed), as `parseStatus` keys its `fields`. */
function valueOf(text: string, key: string): string | undefined {
  let at: number;
  if (text.startsWith(key) && text.charCodeAt(key.length) === 58 /* : */) at = 0;
  else {
    const i = text.indexOf(`\n${key}:`);
    if (i < 0) return undefined;
    at = i + 1;
  }
  let end = text.indexOf('\n', at);
  if (end < 0) end = text.length;
  return text.slice(at + key.length + 1, end).trim();
}

/** The few keys of a status file a process table needs (the same values `parseStatus` gives for them). */
export type ProcStatusIds = Pick<ProcStatus, 'uid' | 'nspid' | 'vmRssBytes'>;

/**
 * `parseStatus` restricted to `Uid:`, `NSpid:` and `VmRSS:`: what `nsx ps` and the dashboard read of every
 * process, without splitting the ~55 other lines. Pure; never throws.
 */
export function parseStatusIds(text: string): ProcStatusIds {
  return { uid: quad(valueOf(text, 'Uid')), nspid: ints(valueOf(text, 'NSpid')), vmRssBytes: parseKbSize(valueOf(text, 'VmRSS')) };
}

/** Parse the text of a status file. `source` is accepted for symmetry with the other parsers. */
export function parseStatus(text: string, _source = '<string>'): ProcStatus {
  const fields: Record<string, string> = Object.create(null);
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end) {
      const key = text.slice(start, colon);
      // Name keeps its inner spacing (a comm may contain spaces); only the separator is stripped.
      let value = text.slice(colon + 1, end);
      value = key === 'Name' ? value.replace(/^[ \t]+/, '').replace(/\r$/, '') : value.trim();
      if (!(key in fields)) fields[key] = value;
    }
    start = end + 1;
  }
  const state = fields.State?.charAt(0);
  return {
    name: fields.Name !== undefined ? unescapeStatusName(fields.Name) : undefined,
    state: state ? state : undefined,
    tgid: int(fields.Tgid),
    pid: int(fields.Pid),
    ppid: int(fields.PPid),
    tracerPid: int(fields.TracerPid),
    uid: quad(fields.Uid),
    gid: quad(fields.Gid),
    groups: ints(fields.Groups),
    nstgid: ints(fields.NStgid),
    nspid: ints(fields.NSpid),
    nspgid: ints(fields.NSpgid),
    nssid: ints(fields.NSsid),
    threads: int(fields.Threads),
    vmPeakBytes: parseKbSize(fields.VmPeak),
    vmSizeBytes: parseKbSize(fields.VmSize),
    vmHwmBytes: parseKbSize(fields.VmHWM),
    vmRssBytes: parseKbSize(fields.VmRSS),
    rssAnonBytes: parseKbSize(fields.RssAnon),
    rssFileBytes: parseKbSize(fields.RssFile),
    rssShmemBytes: parseKbSize(fields.RssShmem),
    vmSwapBytes: parseKbSize(fields.VmSwap),
    voluntaryCtxtSwitches: int(fields.voluntary_ctxt_switches),
    nonvoluntaryCtxtSwitches: int(fields.nonvoluntary_ctxt_switches),
    fields,
  };
}
