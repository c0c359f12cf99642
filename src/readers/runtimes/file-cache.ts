/**
 * Cached reads of runtime metadata files: a file is parsed again only when its inode, size or mtime changed (a
 * `docker rename` rewrites config.v2.json), and stat'ed at most once per `recheckMs` (the dashboard asks every
 * second for every container). Metadata is optional: absent, unreadable or malformed files give undefined, and
 * other failures are kept in `problems` (shown with --debug) instead of failing the view that asked.
 */
import { readdirSync, statSync } from 'node:fs';
import { readWhole, readWholeBytes } from '../../host/read.js';
import { classifyTolerable } from '../../host/tolerance.js';

interface Entry {
  checked: number;
  key: string;
  value: unknown;
}

export class FileCache {
  private readonly files = new Map<string, Entry>();
  private readonly dirs = new Map<string, { checked: number; key: string; names: string[] }>();
  /** non-tolerable failures met (path: message), newest last, bounded */
  readonly problems: string[] = [];
  /** metadata paths that could not be read for lack of permission (names need root there), bounded */
  readonly denied = new Set<string>();

  constructor(
    private readonly recheckMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private note(path: string, e: unknown): void {
    const kind = classifyTolerable(e);
    if (kind === 'denied' && this.denied.size < 100) this.denied.add(path);
    if (kind !== undefined) return; // gone or denied: simply no metadata (denied is remembered for messages)
    if (this.problems.length > 50) this.problems.shift();
    this.problems.push(`${path}: ${(e as Error)?.message ?? String(e)}`);
  }

  /** `parse(text)` of the file, re-read when it changed; undefined when absent, unreadable, or `parse` throws. */
  get<T>(path: string, parse: (text: string) => T | undefined): T | undefined {
    return this.load(path, () => parse(readWhole(path)));
  }

  /** The same for a binary file (`parse(bytes)`). */
  getBytes<T>(path: string, parse: (bytes: Buffer) => T | undefined): T | undefined {
    return this.load(path, () => parse(readWholeBytes(path)));
  }

  private load<T>(path: string, read: () => T | undefined): T | undefined {
    const t = this.now();
    const e = this.files.get(path);
    if (e && t - e.checked < this.recheckMs) return e.value as T | undefined;
    let key: string;
    try {
      const st = statSync(path);
      key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      this.note(path, err);
      this.files.delete(path);
      return undefined;
    }
    if (e && e.key === key) {
      e.checked = t;
      return e.value as T | undefined;
    }
    let value: T | undefined;
    try {
      value = read();
    } catch (err) {
      // a file replaced between stat and read, or a parser refusing it: no metadata this time
      this.note(path, err);
      value = undefined;
    }
    if (this.files.size > 20_000) this.files.clear();
    this.files.set(path, { checked: t, key, value });
    return value;
  }

  /** Names in a directory (re-listed when its mtime changed), empty when absent or unreadable. */
  list(dir: string): readonly string[] {
    const t = this.now();
    const e = this.dirs.get(dir);
    if (e && t - e.checked < this.recheckMs) return e.names;
    try {
      const st = statSync(dir);
      const key = `${st.ino}:${st.mtimeMs}`;
      if (e && e.key === key) {
        e.checked = t;
        return e.names;
      }
      const names = readdirSync(dir);
      this.dirs.set(dir, { checked: t, key, names });
      return names;
    } catch (err) {
      this.note(dir, err);
      this.dirs.delete(dir);
      return [];
    }
  }
}

/** JSON.parse that gives undefined for malformed text (metadata files can be caught mid-write). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return undefined; // malformed or truncated: treated as absent
  }
}

/** A string property of an unknown JSON object, or undefined. */
export function str(o: unknown, key: string): string | undefined {
  const v = o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** An object property of an unknown JSON object, or undefined. */
export function obj(o: unknown, key: string): Record<string, unknown> | undefined {
  const v = o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** String-valued entries of an object (labels, annotations). */
export function stringMap(o: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}
