/**
 * Fake hosts as text manifests: a plain-text archive of files, directories and symlinks that the tests
 * (and `--root FILE`) unpack to a temporary directory.
 *
 * Format (one entry per header line; content lines follow a `f` header verbatim up to the next header):
 *
 *     # comment lines before the first header are ignored
 *     @@ f proc/1/status            a file; content follows, each line ends with \n
 *     @@ f proc/cgroups noeol       the same, but the last line has no final newline
 *     @@ f sys/fs/cgroup/io.max empty   an empty file (no content lines)
 *     @@ l proc/1/ns/net net:[4026531840]   a symlink and its target
 *     @@ d sys/fs/cgroup/kubepods.slice     a directory (parents of files are created anyway)
 *     @@ x proc/1/cmdline           a file whose content is given with C escapes on one line (\0, \n, \t, \\, \xHH)
 *
 * Paths are relative to the host root. A content line starting with `@@ ` cannot occur in kernel files.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { ParseError, UsageError } from '../errors.js';
import { readWhole } from './read.js';

export type ManifestEntry =
  | { readonly kind: 'file'; readonly path: string; readonly content: Buffer }
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

/** Decode C-style escapes (\0 \n \t \r \\ \xHH \e) into bytes. */
export function unescapeC(s: string): Buffer {
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
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(92);
      for (const b of Buffer.from(n, 'utf8')) out.push(b);
    }
  }
  return Buffer.from(out);
}

/** Parse manifest text into entries. Pure. */
export function parseManifest(text: string, source = '<manifest>'): ManifestEntry[] {
  const lines = text.split('\n');
  const entries: ManifestEntry[] = [];
  let cur: { path: string; noeol: boolean; empty: boolean; lines: string[] } | undefined;
  const flush = () => {
    if (!cur) return;
    let body = cur.lines;
    // the split leaves the text after the final \n; drop trailing lines that belong to spacing before a header
    let content = cur.empty ? '' : body.join('\n') + '\n';
    if (cur.noeol && content.endsWith('\n')) content = content.slice(0, -1);
    entries.push({ kind: 'file', path: cur.path, content: Buffer.from(content, 'utf8') });
    cur = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('@@ ')) {
      flush();
      const m = /^@@ ([fdlx]) (\S+)(?: (.*))?$/.exec(line);
      if (!m) throw new ParseError(source, `bad manifest header: ${line}`, i + 1);
      const [, kind, path, rest = ''] = m;
      if (kind === 'd') entries.push({ kind: 'dir', path });
      else if (kind === 'l') entries.push({ kind: 'symlink', path, target: rest });
      else if (kind === 'x') entries.push({ kind: 'file', path, content: unescapeC(rest) });
      else {
        const flags = rest.split(/\s+/);
        cur = { path, noeol: flags.includes('noeol'), empty: flags.includes('empty'), lines: [] };
      }
      continue;
    }
    if (cur) cur.lines.push(line);
  }
  // the final split element after the last \n is not a line
  if (cur && cur.lines.length > 0 && cur.lines[cur.lines.length - 1] === '' && text.endsWith('\n')) cur.lines.pop();
  flush();
  return entries;
}

/** Write entries under `dir`. */
export function writeManifest(entries: readonly ManifestEntry[], dir: string): void {
  for (const e of entries) {
    const p = join(dir, e.path);
    if (e.kind === 'dir') {
      mkdirSync(p, { recursive: true });
    } else if (e.kind === 'file') {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, e.content);
    } else {
      mkdirSync(dirname(p), { recursive: true });
      symlinkSync(e.target, p);
    }
  }
}

/** A host unpacked from a manifest into a fresh temporary directory; call `cleanup()` when done. */
export interface UnpackedHost {
  readonly dir: string;
  cleanup(): void;
}

/** Unpack a manifest file (or several, layered in order) into a new temporary directory. */
export function unpackManifest(...files: string[]): UnpackedHost {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-host-'));
  for (const f of files) writeManifest(parseManifest(readWhole(f), f), dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Is this path a manifest file (as opposed to a host directory)? */
export function isManifestFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
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
 * directory.
 */
export function openHostRoot(root: string): { dir: string; cleanup?: () => void } {
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`nsx: --root: ${root}: no such file or directory`);
  if (st.isDirectory()) return { dir: root };
  if (!st.isFile()) throw new UsageError(`nsx: --root: ${root}: neither a directory nor a host manifest file`);
  let text: string;
  try {
    text = readWhole(root);
  } catch (e) {
    throw new UsageError(`nsx: --root: ${root}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!looksLikeManifest(text))
    throw new UsageError(`nsx: --root: ${root}: not a host manifest (a manifest starts with '@@ f|d|l|x PATH' lines; see docs/development.md) and not a directory`);
  const host = unpackManifest(root);
  return host;
}
