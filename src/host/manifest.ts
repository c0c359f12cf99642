/**
 * Fake hosts as text manifests: a plain-text archive of files, directories and symlinks that the tests
 * (and `--root FILE`) unpack to a temporary directory.
 *
 * Format (one entry per header line; content lines follow a `f` header verbatim up to the next header):
 *
 *     # comment lines (and blank lines) before the first header are ignored
 *     @@ f proc/1/status            a file; content follows, each line ends with \n
 *     @@ f proc/cgroups noeol       the same, but the last line has no final newline
 *     @@ f sys/fs/cgroup/io.max empty   an empty file (no content lines)
 *     @@ l proc/1/ns/net net:[4026531840]   a symlink and its target
 *     @@ d sys/fs/cgroup/kubepods.slice     a directory (parents of files are created anyway)
 *     @@ x proc/1/cmdline           a file whose content is given with C escapes on one line (\0, \n, \t, \\, \xHH)
 *
 * Paths are relative to the host root. A content line starting with `@@ ` cannot occur in kernel files.
 *
 * A manifest is untrusted input (`--root FILE` as root: a file someone sent you). It is checked whole before
 * anything is written, and refused with `FILE:LINE: what is wrong` when it has:
 * - a path that is absolute, has an empty, `.` or `..` component, a NUL byte, a component over 255 bytes,
 *   more than 256 components or more than 3,072 bytes;
 * - a symlink whose target is absolute or has a `..` component (it could lead a reader out of the host), or is empty;
 * - an entry below a symlink or a file, an entry that would replace a symlink, a file or a directory, or the same
 *   path twice (also across layered manifests);
 * - a NUL byte or bytes that are not UTF-8 anywhere, a bad header or `\x` escape, text before the first header;
 * - more than 64 MiB, more than 250,000 entries, or more than 250,000 directories (given or implied by paths).
 * Then it is written under a fresh temporary directory (mode 0700, from mkdtemp) only: every directory is made
 * one component at a time and checked with lstat (a directory, not a symlink), every file is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW (never through or over an existing name), every symlink with symlink(2) (which
 * never follows). Errors name the manifest and its line, never the temporary directory.
 */
import { closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { errnoOf, errnoSentence, IoError, ParseError, UsageError } from '../errors.js';
import { readWholeBytes } from './read.js';
import { registerUnpacked, unregisterUnpacked } from './unpacked.js';

export type ManifestEntry =
  | { readonly kind: 'file'; readonly path: string; readonly content: Buffer; readonly line: number }
  | { readonly kind: 'dir'; readonly path: string; readonly line: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string; readonly line: number };

/** What a manifest may hold at most (a manifest is untrusted: see the module comment). */
export interface ManifestLimits {
  /** bytes of the manifest file */
  readonly maxBytes: number;
  /** entries (headers) over all layered manifests */
  readonly maxEntries: number;
  /** directories, given or implied by the paths of entries, over all layered manifests */
  readonly maxDirectories: number;
  /** bytes of one path */
  readonly maxPathBytes: number;
  /** components of one path */
  readonly maxDepth: number;
  /** bytes of one path component (NAME_MAX) */
  readonly maxNameBytes: number;
}

export const MANIFEST_LIMITS: ManifestLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxEntries: 250_000,
  maxDirectories: 250_000,
  maxPathBytes: 3072,
  maxDepth: 256,
  maxNameBytes: 255,
};

/** Decode C-style escapes (\0 \n \t \r \\ \xHH \e) into bytes; undefined when a `\x` is not followed by two hex digits. */
function unescapeChecked(s: string): Buffer | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      for (const b of Buffer.from(c, 'utf8')) out.push(b);
      continue;
    }
    const n = s[++i];
    if (n === '0') out.push(0);
    else if (n === 'n') out.push(10);
    else if (n === 't') out.push(9);
    else if (n === 'r') out.push(13);
    else if (n === 'e') out.push(27);
    else if (n === '\\') out.push(92);
    else if (n === 'x') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(92);
      for (const b of Buffer.from(n, 'utf8')) out.push(b);
    }
  }
  return Buffer.from(out);
}

/** Decode C-style escapes (\0 \n \t \r \\ \xHH \e) into bytes (a bad `\x` escape is kept as it is). */
export function unescapeC(s: string): Buffer {
  return unescapeChecked(s) ?? Buffer.from(s, 'utf8');
}

/** What a path already is in the tree being built: its kind and the line (and manifest) that made it. */
interface Made {
  readonly kind: 'file' | 'dir' | 'symlink' | 'implied';
  readonly line: number;
  readonly source: string;
}

/**
 * The paths of one host being assembled from one or more manifests (layers): refuses duplicates, entries
 * below files and symlinks, and entries replacing anything. Pure.
 */
export class ManifestTree {
  private readonly made = new Map<string, Made>();
  entries = 0;
  dirs = 0;
  constructor(readonly limits: ManifestLimits = MANIFEST_LIMITS) {}

  private where(m: Made, source: string): string {
    return m.source === source ? `line ${m.line}` : `${m.source}:${m.line}`;
  }

  /** Add one entry's path, or throw a ParseError naming `source:line`. */
  add(kind: 'file' | 'dir' | 'symlink', path: string, source: string, line: number): void {
    const fail = (msg: string) => new ParseError(source, msg, line);
    if (++this.entries > this.limits.maxEntries) throw fail(`more than ${this.limits.maxEntries} entries (the limit for a host manifest)`);
    // the parents, deepest first, up to one already made: its own parents were checked when it was made (and
    // nothing is ever made below a file or a symlink), so each directory is looked at once whatever the depth
    const missing: string[] = [];
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const parent = path.slice(0, i);
      const m = this.made.get(parent);
      if (m === undefined) {
        missing.push(parent);
        continue;
      }
      if (m.kind === 'symlink') throw fail(`'${path}' would be written through the symlink '${parent}' (${this.where(m, source)})`);
      if (m.kind === 'file') throw fail(`'${path}' is below '${parent}', a file (${this.where(m, source)})`);
      break;
    }
    this.dirs += missing.length + (kind === 'dir' && !this.made.has(path) ? 1 : 0);
    if (this.dirs > this.limits.maxDirectories) throw fail(`more than ${this.limits.maxDirectories} directories (the limit for a host manifest)`);
    for (const parent of missing) this.made.set(parent, { kind: 'implied', line, source });
    const m = this.made.get(path);
    if (m === undefined) {
      this.made.set(path, { kind, line, source });
      return;
    }
    if (m.kind === 'implied' && kind === 'dir') {
      this.made.set(path, { kind, line, source });
      return;
    }
    const what = m.kind === 'implied' ? 'a directory' : m.kind === 'dir' ? 'a directory' : m.kind === 'file' ? 'a file' : 'a symlink';
    if (m.kind !== 'implied' && m.kind === kind) throw fail(`duplicate entry '${path}' (first at ${this.where(m, source)})`);
    throw fail(`'${path}' would replace ${what} (${this.where(m, source)})`);
  }
}

/** Why a path is refused, or undefined when it is a plain relative path inside the host. */
function badPath(path: string, limits: ManifestLimits): string | undefined {
  if (path.startsWith('/')) return 'an absolute path';
  if (Buffer.byteLength(path) > limits.maxPathBytes) return `longer than ${limits.maxPathBytes} bytes`;
  const parts = path.split('/');
  if (parts.length > limits.maxDepth) return `deeper than ${limits.maxDepth} levels`;
  for (const p of parts) {
    if (p === '') return 'an empty path component';
    if (p === '.' || p === '..') return `a '${p}' component`;
    if (Buffer.byteLength(p) > limits.maxNameBytes) return `a component longer than ${limits.maxNameBytes} bytes`;
  }
  return undefined;
}

/** Why a symlink target is refused (it must stay inside the host: relative, no `..`), or undefined. */
function badTarget(target: string, limits: ManifestLimits): string | undefined {
  if (target === '') return 'a symlink without a target';
  if (target.startsWith('/')) return `an absolute symlink target '${target}' (it would lead out of the host)`;
  if (target.split('/').includes('..')) return `a symlink target with '..' ('${target}': it could lead out of the host)`;
  if (Buffer.byteLength(target) > limits.maxPathBytes) return `a symlink target longer than ${limits.maxPathBytes} bytes`;
  return undefined;
}

/**
 * Parse manifest text into entries, checking every path (see the module comment). Pure. `tree` carries the
 * paths of earlier layers when several manifests make one host.
 */
export function parseManifest(text: string, source = '<manifest>', tree = new ManifestTree()): ManifestEntry[] {
  const limits = tree.limits;
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new ParseError(source, 'a NUL byte (a manifest is text: give binary content with an @@ x line and \\0)', lineAt(text, nul));
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) throw new ParseError(source, 'not UTF-8 text (or a U+FFFD character)', lineAt(text, bad));
  const lines = text.split('\n');
  const entries: ManifestEntry[] = [];
  let cur: { path: string; line: number; noeol: boolean; empty: boolean; lines: string[] } | undefined;
  const flush = () => {
    if (!cur) return;
    let content = cur.empty ? '' : cur.lines.join('\n') + '\n';
    if (cur.noeol && content.endsWith('\n')) content = content.slice(0, -1);
    entries.push({ kind: 'file', path: cur.path, content: Buffer.from(content, 'utf8'), line: cur.line });
    cur = undefined;
  };
  let headers = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const n = i + 1;
    if (!line.startsWith('@@ ')) {
      if (cur) cur.lines.push(line);
      else if (headers === 0 && line.trim() !== '' && !line.startsWith('#')) throw new ParseError(source, 'text before the first header (a manifest starts with @@ f|d|l|x PATH lines)', n);
      else if (headers > 0 && line !== '') throw new ParseError(source, 'text after a header that takes no content lines (only @@ f has content lines)', n);
      continue;
    }
    flush();
    headers++;
    const m = /^@@ ([fdlx]) (\S+)(?: (.*))?$/.exec(line);
    if (!m) throw new ParseError(source, `bad manifest header '${line.slice(0, 80)}' (@@ f|d|l|x PATH …)`, n);
    const [, kind, path, rest = ''] = m;
    const why = badPath(path, limits);
    if (why) throw new ParseError(source, `'${path.slice(0, 200)}': ${why} (paths are relative to the host root, without '.' or '..')`, n);
    if (kind === 'd') {
      if (rest !== '') throw new ParseError(source, `unexpected text after the directory '${path}'`, n);
      tree.add('dir', path, source, n);
      entries.push({ kind: 'dir', path, line: n });
    } else if (kind === 'l') {
      const t = badTarget(rest, limits);
      if (t) throw new ParseError(source, `'${path}': ${t}`, n);
      tree.add('symlink', path, source, n);
      entries.push({ kind: 'symlink', path, target: rest, line: n });
    } else if (kind === 'x') {
      const content = unescapeChecked(rest);
      if (!content) throw new ParseError(source, `'${path}': a \\x escape without two hex digits`, n);
      tree.add('file', path, source, n);
      entries.push({ kind: 'file', path, content, line: n });
    } else {
      const flags = rest === '' ? [] : rest.split(' ');
      const unknown = flags.find((f) => f !== 'noeol' && f !== 'empty');
      if (unknown !== undefined) throw new ParseError(source, `'${path}': unknown flag '${unknown.slice(0, 40)}' (noeol, empty)`, n);
      tree.add('file', path, source, n);
      cur = { path, line: n, noeol: flags.includes('noeol'), empty: flags.includes('empty'), lines: [] };
    }
  }
  // the final split element after the last \n is not a line
  if (cur && cur.lines.length > 0 && cur.lines[cur.lines.length - 1] === '' && text.endsWith('\n')) cur.lines.pop();
  flush();
  return entries;
}

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** `a/b/c` → `a/b`; `a` → `` (the root). */
const parentOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));

const O_CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Write entries under `dir` (a directory nsx made, mode 0700: nobody else can change it under us) without
 * ever following a symlink or replacing a name: directories one component at a time, each checked with lstat;
 * files with O_CREAT|O_EXCL|O_NOFOLLOW; symlinks with symlink(2). `dirs` (the directories known made, relative
 * paths) is kept across layers. Failures name `source:line`, never `dir`.
 */
export function writeManifest(entries: readonly ManifestEntry[], dir: string, source = '<manifest>', dirs = new Set<string>()): void {
  for (const e of entries) {
    const fail = (what: string, err: unknown) => {
      const code = errnoOf(err);
      const why = (code !== undefined ? errnoSentence(code) : undefined) ?? (err as Error)?.message ?? String(err);
      return new IoError(`${source}:${e.line}: cannot create ${what} '${e.path}': ${why}`, source, code, err);
    };
    // entries from anywhere but parseManifest are checked as well (the writer is the last line)
    const why = badPath(e.path, MANIFEST_LIMITS) ?? (e.kind === 'symlink' ? badTarget(e.target, MANIFEST_LIMITS) : undefined);
    if (why) throw new ParseError(source, `'${e.path.slice(0, 200)}': ${why}`, e.line);
    // the directories to make: the entry's (or its own, for a directory) up to the deepest one known made, then
    // made from the top down, one component at a time
    const todo: string[] = [];
    let up = e.kind === 'dir' ? e.path : parentOf(e.path);
    while (up !== '' && !dirs.has(up)) {
      todo.push(up);
      up = parentOf(up);
    }
    for (const rel of todo.reverse()) {
      const abs = join(dir, rel);
      try {
        mkdirSync(abs, 0o755);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw fail('directory', err);
      }
      // made by us just now, or there already: it must be a real directory (never a symlink to one)
      let st;
      try {
        st = lstatSync(abs);
      } catch (err) {
        throw fail('directory', err);
      }
      if (!st.isDirectory() || st.isSymbolicLink()) throw new IoError(`${source}:${e.line}: cannot create '${e.path}': '${rel}' is not a directory`, source, 'ENOTDIR');
      dirs.add(rel);
    }
    if (e.kind === 'dir') continue;
    const abs = join(dir, e.path);
    if (e.kind === 'symlink') {
      try {
        symlinkSync(e.target, abs);
      } catch (err) {
        throw fail('symlink', err);
      }
      continue;
    }
    let fd: number;
    try {
      fd = openSync(abs, O_CREATE_NEW, 0o644);
    } catch (err) {
      throw fail('file', err);
    }
    try {
      for (let off = 0; off < e.content.length; ) off += writeSync(fd, e.content, off, e.content.length - off);
    } catch (err) {
      throw fail('file', err);
    } finally {
      closeSync(fd);
    }
  }
}

/** A host unpacked from a manifest into a fresh temporary directory; call `cleanup()` when done. */
export interface UnpackedHost {
  readonly dir: string;
  cleanup(): void;
}

/** A manifest file's bytes, refused (naming it) when over the size limit or unreadable. */
function readManifestBytes(file: string, limits: ManifestLimits): Buffer {
  const tooBig = () => new ParseError(file, `larger than ${limits.maxBytes / 1024 / 1024} MiB (the limit for a host manifest)`);
  const st = statSync(file, { throwIfNoEntry: false });
  if (st && st.size > limits.maxBytes) throw tooBig();
  let bytes: Buffer;
  try {
    bytes = readWholeBytes(file);
  } catch (e) {
    const code = errnoOf(e);
    throw new IoError(`${file}: cannot be read (${(code !== undefined ? errnoSentence(code) : undefined) ?? (e as Error)?.message})`, file, code, e);
  }
  if (bytes.length > limits.maxBytes) throw tooBig();
  return bytes;
}

/** Manifest bytes as text, refused with the first line that is not UTF-8. */
function decodeManifest(file: string, bytes: Buffer): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    return strict.decode(bytes);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  let line = 1;
  for (let start = 0; start < bytes.length; line++) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    try {
      strict.decode(bytes.subarray(start, end));
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      break;
    }
    start = end + 1;
  }
  throw new ParseError(file, 'not UTF-8 text (a manifest is text: give binary content with an @@ x line and \\xHH)', line);
}

/**
 * Unpack a manifest file (or several, layered in order: a later one may add to an earlier one's directories,
 * never replace its entries) into a new temporary directory. Every manifest is checked whole before anything is
 * written; on any failure the temporary directory is removed.
 */
export function unpackManifest(...files: string[]): UnpackedHost {
  return unpackManifestWith(MANIFEST_LIMITS, ...files);
}

/** `unpackManifest` with other limits (tests). */
export function unpackManifestWith(limits: ManifestLimits, ...files: string[]): UnpackedHost {
  return unpackLayers(limits, files.map((file) => ({ file, bytes: readManifestBytes(file, limits) })));
}

function unpackLayers(limits: ManifestLimits, layers: ReadonlyArray<{ file: string; bytes: Buffer }>): UnpackedHost {
  const tree = new ManifestTree(limits);
  const parsed = layers.map(({ file, bytes }) => ({ file, entries: parseManifest(decodeManifest(file, bytes), file, tree) }));
  const dir = mkdtempSync(join(tmpdir(), 'nsx-host-'));
  const cleanup = () => {
    unregisterUnpacked(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dirs = new Set<string>();
    for (const l of parsed) writeManifest(l.entries, dir, l.file, dirs);
  } catch (e) {
    cleanup();
    throw e;
  }
  registerUnpacked(dir, layers.map((l) => l.file).join('+'));
  return { dir, cleanup };
}

/** Is this path a manifest file (as opposed to a host directory)? */
export function isManifestFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** Does this text look like a host manifest (its first line that is not a comment or blank is a header)? */
export function looksLikeManifest(text: string): boolean {
  for (const line of text.split('\n', 200)) {
    if (line.startsWith('@@ ')) return true;
    if (line.trim() !== '' && !line.startsWith('#')) return false;
  }
  return false;
}

/**
 * What `--root X` names: a host directory (used as is) or a manifest file (unpacked to a temporary
 * directory; `cleanup` removes it). Anything else is a usage error that names X, never the temporary
 * directory; a manifest that is refused names X and its line.
 */
export function openHostRoot(root: string, limits: ManifestLimits = MANIFEST_LIMITS): { dir: string; cleanup?: () => void } {
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`nsx: --root: ${root}: no such file or directory`);
  if (st.isDirectory()) return { dir: root };
  if (!st.isFile()) throw new UsageError(`nsx: --root: ${root}: neither a directory nor a host manifest file`);
  const bytes = readManifestBytes(root, limits);
  // the start of the file decides whether it is meant as a manifest (a binary file is not one)
  if (!looksLikeManifest(bytes.subarray(0, 65536).toString('utf8')))
    throw new UsageError(`nsx: --root: ${root}: not a host manifest (a manifest starts with '@@ f|d|l|x PATH' lines; see docs/development.md) and not a directory`);
  return unpackLayers(limits, [{ file: root, bytes }]);
}
