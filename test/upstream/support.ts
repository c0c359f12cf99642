/**
 * Support for the oracle suite that ports util-linux's own tests (tests/ts/lsns/*, tests/ts/nsenter/*) and the
 * lsns(8)/nsenter(1) examples: a stand-in for util-linux's test_mkfds (test/upstream/mkfds.c, compiled on first
 * use), processes that hold things until told to stop, and util-linux version checks (the machine's util-linux is
 * the oracle where its version has the feature; otherwise the upstream test's expected output is).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';
import { hasTool, liveSkipReason } from '../helpers/live.js';

let mkfdsBin: string | undefined | null;

/** Compile test/upstream/mkfds.c (once per run); null when no C compiler works. */
export function mkfds(): string | null {
  if (mkfdsBin !== undefined) return mkfdsBin;
  const src = join(REPO, 'test', 'upstream', 'mkfds.c');
  const out = join(mkdtempSync(join(tmpdir(), 'nsx-test-mkfds-')), 'mkfds');
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean) as string[]) {
    if (spawnSync(cc, ['-O1', '-o', out, src], { stdio: 'ignore' }).status === 0 && existsSync(out)) return (mkfdsBin = out);
  }
  return (mkfdsBin = null);
}

/** Skip reason for a live upstream case (root, tools, the mkfds helper when asked). */
export function upstreamSkip(o: { tools?: string[]; mkfds?: boolean } = {}): string | false {
  const r = liveSkipReason({ tools: o.tools });
  if (r) return r;
  if (o.mkfds && !mkfds()) return 'no C compiler to build the test_mkfds stand-in (test/upstream/mkfds.c)';
  return false;
}

/** A process started from mkfds: its first stdout line (split into words), and stop() (send DONE, wait, or kill). */
export interface Holder {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly words: string[];
  stop(): Promise<number | null>;
}

/** Start mkfds with `args`; `via` runs it through a command that execs it (e.g. ['unshare', '-u']). */
export async function startMkfds(args: string[], via: string[] = []): Promise<Holder> {
  const argv = [...via, mkfds()!, ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`mkfds ${args.join(' ')}: no output (${err})`)), 10_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`mkfds ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
  const words = line.trim().split(/\s+/);
  let exited = false;
  let status: number | null = null;
  const done = new Promise<void>((r) => child.once('exit', (c) => ((exited = true), (status = c), r())));
  return {
    child,
    pid: Number(words[0]),
    words,
    async stop() {
      if (!exited) {
        child.stdin!.end('DONE\n');
        const t = setTimeout(() => {
          try {
            child.kill('SIGKILL');
          } catch {}
        }, 3000);
        await done;
        clearTimeout(t);
      }
      return status;
    },
  };
}

/** The installed util-linux version ([2, 38] for "util-linux 2.38.1"), undefined when the tool is missing. */
export function utilLinuxVersion(tool: 'lsns' | 'nsenter'): [number, number] | undefined {
  if (!hasTool(tool)) return undefined;
  const m = /(\d+)\.(\d+)/.exec(spawnSync(tool, ['--version'], { encoding: 'utf8' }).stdout ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Does the installed util-linux tool have version ≥ major.minor? */
export function utilLinuxAtLeast(tool: 'lsns' | 'nsenter', major: number, minor: number): boolean {
  const v = utilLinuxVersion(tool);
  return v !== undefined && (v[0] > major || (v[0] === major && v[1] >= minor));
}

/** The inode of a namespace link (`/proc/PID/ns/TYPE`). */
export function nsInode(pid: number | 'self', type: string): number {
  return Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${type}`))![1]);
}
