/**
 * The user-facing Dockerfile, read as data: its stages and instructions (line continuations joined, comments
 * dropped), COPY sources and destinations, and the ENTRYPOINT. Used by the Dockerfile test (which keeps the file
 * in step with the package's build), by the offline test image (same ENTRYPOINT) and by the exporter benchmark
 * (it runs the exporter with the ENTRYPOINT's Node flags, the command line users get).
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { REPO } from '../helpers/host.js';

export interface Instruction {
  /** upper-case keyword: FROM, COPY, RUN, … */
  readonly op: string;
  /** the rest of the logical line, continuations joined */
  readonly args: string;
  /** 1-based line of the instruction's first line */
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

export interface Copy {
  readonly from?: string;
  readonly sources: string[];
  readonly dest: string;
}

/** Parse a Dockerfile into stages. Throws on an instruction before the first FROM (other than ARG). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i].trim();
    if (l === '' || l.startsWith('#')) continue;
    const start = i + 1;
    while (l.endsWith('\\') && i + 1 < lines.length) {
      l = l.slice(0, -1);
      // comment lines inside a continued instruction are dropped, as docker does
      let next = lines[++i].trim();
      while (next.startsWith('#') && i + 1 < lines.length) next = lines[++i].trim();
      l += ' ' + next;
    }
    const m = /^(\S+)\s*(.*)$/.exec(l)!;
    const op = m[1].toUpperCase();
    const args = m[2].trim();
    if (op === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile:${start}: bad FROM`);
      stages.push({ from: f[1], ...(f[2] ? { name: f[2] } : {}), instructions: [] });
      continue;
    }
    if (!stages.length) {
      if (op === 'ARG') continue;
      throw new Error(`Dockerfile:${start}: ${op} before FROM`);
    }
    stages[stages.length - 1].instructions.push({ op, args, line: start });
  }
  return stages;
}

/** JSON (exec) form `["a", "b"]`, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const v = JSON.parse(args) as unknown;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`not an exec form: ${args}`);
  return v;
}

/** A COPY instruction's `--from`, sources and destination. */
export function parseCopy(args: string): Copy {
  const words = execForm(args) ?? args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    const f = /^--from=(.+)$/.exec(w);
    if (f) from = f[1];
    else if (!w.startsWith('--')) rest.push(w);
  }
  if (rest.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { ...(from ? { from } : {}), sources: rest.slice(0, -1), dest: rest[rest.length - 1] };
}

/** Where a COPY puts a source, given the stage's WORKDIR (a destination ending in `/` or `./` is a directory). */
export function copyTarget(c: Copy, source: string, workdir: string): string {
  const dest = posix.resolve(workdir, c.dest);
  const intoDir = c.dest.endsWith('/') || c.sources.length > 1;
  return intoDir ? posix.join(dest, posix.basename(source)) : dest;
}

export interface Dockerfile {
  readonly stages: Stage[];
  /** the last stage: the image */
  readonly final: Stage;
  readonly entrypoint: string[];
}

export function readDockerfile(file = join(REPO, 'Dockerfile')): Dockerfile {
  const stages = parseDockerfile(readFileSync(file, 'utf8'));
  const final = stages[stages.length - 1];
  const ep = final.instructions.filter((x) => x.op === 'ENTRYPOINT').pop();
  if (!ep) throw new Error('Dockerfile: no ENTRYPOINT in the final stage');
  const entrypoint = execForm(ep.args);
  if (!entrypoint) throw new Error('Dockerfile: ENTRYPOINT must be in exec form');
  return { stages, final, entrypoint };
}

/** The Node options of an entrypoint `node [flags…] SCRIPT …`: the flags before the script. */
export function nodeFlagsOf(entrypoint: readonly string[]): string[] {
  if (posix.basename(entrypoint[0]) !== 'node') throw new Error(`entrypoint does not run node: ${entrypoint.join(' ')}`);
  const out: string[] = [];
  for (const a of entrypoint.slice(1)) {
    if (!a.startsWith('-')) break;
    out.push(a);
  }
  return out;
}
