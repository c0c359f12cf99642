/**
 * The examples of README.md and docs/*.md, as test/docs/examples.test.ts runs them and `npm run docs -- --examples`
 * rewrites their shown output. The rules (docs/development.md, "Examples are tests"):
 *
 * - An example is a line of a fenced code block (untagged or a shell block: sh, console, …; not `text`, which
 *   holds usage synopses) that starts with `nsx`, `sudo nsx` or `./bin/nsx` (after an optional `$ ` prompt); a
 *   line ending in `\` continues on the next.
 * - It names a fixture host (`--root fixtures/…`): it runs from the repository root, as root or not.
 * - Or it runs on the live host (as root: `sudo` is dropped; skipped with the reason when not root), in a
 *   scenario the test makes: `$PID` is a `sleep` in new pid, net, uts, ipc and mount namespaces.
 * - Or its trailing comment ends with a marker saying why it cannot run: `# … (needs a terminal)`, `(needs …)`,
 *   `(not run: …)`.
 * - In a block with `$ ` prompts, the lines after a command up to the next prompt are its shown output: compared
 *   with what it prints (stdout and stderr) line by line, trailing spaces ignored; a line that is only `…` stands
 *   for any number of lines, and a line ending in `…` for a line that starts with what precedes it (a long line
 *   cut for the page). A command with no shown output must exit 0.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';

/** The pages whose examples are tests: the README and every page of docs/. */
export function pages(): string[] {
  return ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

export interface Block {
  readonly lang: string;
  /** 0-based index in the page of the block's first content line */
  readonly start: number;
  readonly lines: readonly string[];
}

/** The fenced code blocks of a Markdown page. */
export function codeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[j])) j++;
    out.push({ lang: open[2], start: i + 1, lines: lines.slice(i + 1, j) });
    i = j;
  }
  return out;
}

/** Blocks whose lines may be commands: untagged and shell blocks (a usage synopsis goes in a `text` block). */
export const SHELL_BLOCKS: ReadonlySet<string> = new Set(['', 'sh', 'shell', 'bash', 'zsh', 'console', 'sh-session']);

/** A command line: `nsx …`, `sudo nsx …`, `./bin/nsx …` (not a message such as `nsx enter: no such process`). */
export const COMMAND = /^(?:\$ )?(?:sudo )?(?:nsx|\.\/bin\/nsx)(?=\s|$)(?!\s+[\w-]+:(?:\s|$))/;
/** The marker of an example that cannot run, at the end of its comment: `(needs a terminal)`, `(not run: …)`. */
export const MARKER = /\((needs [^()]+|not run: [^()]+)\)\s*$/;

export interface Example {
  readonly file: string;
  /** 1-based line of the command */
  readonly line: number;
  /** the command as written, without the prompt and the comment */
  readonly command: string;
  readonly comment?: string;
  /** why it is not run (its marker) */
  readonly needs?: string;
  readonly prompt: boolean;
  /** the fixture host it names (`fixtures/…`) */
  readonly fixture?: string;
  /** shown output (prompt blocks): its 0-based first line in the page and its lines */
  readonly output?: { readonly start: number; readonly lines: readonly string[] };
}

/** A shell line split at its comment: a `#` after white space, outside quotes. */
export function splitComment(line: string): { command: string; comment?: string } {
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"') i++;
    } else if (c === "'" || c === '"') q = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return { command: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
  }
  return { command: line.trimEnd() };
}

/** Every example of a page. */
export function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  for (const b of codeBlocks(text)) {
    if (!SHELL_BLOCKS.has(b.lang)) continue; // a synopsis (text), JSON, YAML…: not commands to run
    const prompts = b.lines.some((l) => l.startsWith('$ '));
    for (let i = 0; i < b.lines.length; i++) {
      const first = b.lines[i];
      if (!COMMAND.test(first)) continue;
      const prompt = first.startsWith('$ ');
      let raw = prompt ? first.slice(2) : first;
      const at = i;
      while (raw.endsWith('\\') && i + 1 < b.lines.length) raw = raw.slice(0, -1) + b.lines[++i].replace(/^\s*(?:> )?/, ' ');
      const { command, comment } = splitComment(raw);
      const needs = comment !== undefined ? MARKER.exec(comment)?.[1] : undefined;
      const fixture = /--root[= ](fixtures\/\S+)/.exec(command)?.[1];
      let output: Example['output'];
      if (prompts && prompt) {
        let j = i + 1;
        while (j < b.lines.length && !b.lines[j].startsWith('$ ')) j++;
        const lines = [...b.lines.slice(i + 1, j)];
        while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
        output = { start: b.start + i + 1, lines };
      }
      out.push({ file, line: b.start + at + 1, command, comment, needs, prompt, fixture, output });
    }
  }
  return out;
}

export function allExamples(): Example[] {
  return pages().flatMap((f) => examplesOf(f, readFileSync(join(REPO, f), 'utf8')));
}

/** How an example is checked. */
export function kindOf(e: Example): 'marked' | 'fixture' | 'live' {
  return e.needs !== undefined ? 'marked' : e.fixture !== undefined ? 'fixture' : 'live';
}

/** A directory with `nsx` in it (this checkout's bin/nsx), for the examples' PATH. */
export function nsxBinDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `nsx-test-docs-bin-${process.pid}-`));
  symlinkSync(join(REPO, 'bin', 'nsx'), join(dir, 'nsx'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunResult {
  readonly code: number | null;
  /** stdout and stderr as they came */
  readonly output: string;
  readonly timedOut: boolean;
}

/** Run an example with sh (sudo dropped): fixture examples from the repository root, live ones from `cwd`. */
export function runExample(e: Example, o: { bin: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number }): RunResult {
  const command = e.command.replace(/^sudo /, '');
  const r = spawnSync('sh', ['-c', `exec 2>&1\n${command}`], {
    cwd: e.fixture !== undefined ? REPO : (o.cwd ?? REPO),
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 60_000,
    env: { ...process.env, PATH: `${o.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, NO_COLOR: '1', ...o.env },
  });
  return { code: r.status, output: String(r.stdout ?? ''), timedOut: r.error !== undefined && /ETIMEDOUT/.test(String(r.error)) };
}

const ELLIPSIS = /^\s*…\s*$/;
/** A shown line that ends in `…` (a long line cut for the page) stands for any line that starts with what precedes it. */
const CUT = /\S…$/;

function lineMatches(shown: string, actual: string): boolean {
  return shown === actual || (CUT.test(shown) && actual.startsWith(shown.slice(0, -1)));
}

/** Does a shown output elide anything (`…` lines, cut lines)? */
export function elides(lines: readonly string[]): boolean {
  return lines.some((l) => ELLIPSIS.test(l) || CUT.test(l.trimEnd()));
}

/** Lines of a text, trailing spaces and trailing blank lines off. */
export function outputLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Does the output match the shown lines (`…` = any number of lines)? undefined when it does, else where not. */
export function compareOutput(shown: readonly string[], actual: readonly string[]): string | undefined {
  const want = shown.map((l) => l.trimEnd());
  const memo = new Map<string, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === want.length) r = j === actual.length;
    else if (ELLIPSIS.test(want[i])) r = match(i + 1, j) || (j < actual.length && match(i, j + 1));
    else r = j < actual.length && lineMatches(want[i], actual[j]) && match(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  if (match(0, 0)) return undefined;
  // the first line that differs, for the message (ellipses skipped greedily)
  let j = 0;
  for (let i = 0; i < want.length; i++) {
    if (ELLIPSIS.test(want[i])) {
      const next = want.slice(i + 1).find((l) => !ELLIPSIS.test(l));
      while (next !== undefined && j < actual.length && actual[j] !== next) j++;
      continue;
    }
    if (actual[j] === undefined || !lineMatches(want[i], actual[j])) return `line ${i + 1} of the shown output: the page shows\n  ${JSON.stringify(want[i])}\nthe program prints\n  ${JSON.stringify(actual[j] ?? '(nothing more)')}`;
    j++;
  }
  return `the program prints ${actual.length - j} more line(s): ${JSON.stringify(actual[j])}`;
}

/**
 * The pages with the shown output of their fixture examples replaced by what the program prints now (outputs
 * that elide lines with `…` are left as they are).
 */
export function updateExampleOutputs(): Map<string, string> {
  const changed = new Map<string, string>();
  const bin = nsxBinDir();
  try {
    for (const file of pages()) {
      const text = readFileSync(join(REPO, file), 'utf8');
      const lines = text.split('\n');
      // from the bottom up, so earlier line numbers stay right
      const exs = examplesOf(file, text).filter((e) => kindOf(e) === 'fixture' && e.output && !elides(e.output.lines)).reverse();
      for (const e of exs) {
        const r = runExample(e, { bin: bin.dir });
        lines.splice(e.output!.start, e.output!.lines.length, ...outputLines(r.output));
      }
      const next = lines.join('\n');
      if (next !== text) changed.set(file, next);
    }
  } finally {
    bin.cleanup();
  }
  return changed;
}
