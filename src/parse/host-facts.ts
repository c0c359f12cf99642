/**
 * Pure parsers of the files that describe the host as a whole (the TUIs' header): `/proc/meminfo`,
 * `/proc/loadavg`, `/proc/cpuinfo`, `/etc/os-release`, and one-line files such as `/proc/sys/kernel/hostname`.
 * Each takes the text (and the file's name for a ParseError) and returns plain data; absent keys stay undefined.
 */
import { ParseError } from '../errors.js';

/** `/proc/meminfo` (`MemTotal:  24683772 kB`): every key in bytes (`kB` is KiB); keys without a unit as they are. */
export function parseMeminfo(text: string, source = '<string>'): Record<string, number> {
  const out: Record<string, number> = {};
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (line.trim() === '') continue;
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (!m) throw new ParseError(source, `expected 'Key: N kB', got ${JSON.stringify(line.slice(0, 60))}`, n);
    out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

/** `/proc/loadavg` (`0.89 2.67 1.79 4/208 12872`): the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string, source = '<string>'): [number, number, number] {
  const m = /^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)(?:\s|$)/.exec(text);
  if (!m) throw new ParseError(source, `expected three load averages, got ${JSON.stringify(text.slice(0, 40))}`, 1);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export interface CpuinfoFacts {
  /** the first `model name` (x86), `Model`/`cpu model` (arm, mips), or `cpu` (powerpc) */
  readonly model?: string;
  /** `processor` entries */
  readonly processors: number;
}

/** `/proc/cpuinfo`: the CPU model and the number of `processor` entries. */
export function parseCpuinfo(text: string): CpuinfoFacts {
  let model: string | undefined;
  let fallback: string | undefined;
  let processors = 0;
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (key === 'processor') processors++;
    else if (key === 'model name' && model === undefined && value !== '') model = value;
    else if ((key === 'Model' || key === 'cpu model' || key === 'cpu') && fallback === undefined && value !== '') fallback = value;
  }
  const m = model ?? fallback;
  return m === undefined ? { processors } : { model: m, processors };
}

/**
 * `/etc/os-release` (os-release(5)): `KEY=value` lines, values optionally in single or double quotes with
 * backslash escapes in double quotes; comments and blank lines skipped; malformed lines ignored (as systemd does).
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
    else if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/** The name os-release gives the system: PRETTY_NAME, else NAME VERSION, else undefined. */
export function osName(release: Readonly<Record<string, string>>): string | undefined {
  if (release.PRETTY_NAME) return release.PRETTY_NAME;
  if (release.NAME) return release.VERSION ? `${release.NAME} ${release.VERSION}` : release.NAME;
  return undefined;
}

/** A one-line file (`/proc/sys/kernel/hostname`, `/proc/sys/kernel/osrelease`, `/etc/hostname`): its first line, trimmed; undefined when empty. */
export function parseOneLine(text: string): string | undefined {
  const v = text.split('\n', 1)[0].trim();
  return v === '' ? undefined : v;
}
