/**
 * The kernel-truth group's tools (issue 18, point 3): what the kernel says, read by `cat` (a separate program
 * that reads to the end as any user tool does), what the incumbents say (systemd-cgls, lsns, findmnt), and nsx
 * itself run as a user runs it (bin/nsx, inside the scale host's mount namespace when mounts matter).
 */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NSX_BIN } from '../helpers/cli.js';
import type { ScaleHierarchy, ScaleHost } from '../helpers/scale.js';

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Run argv (in the scale host's mount namespace when `host` is given); throws when it cannot start. */
export function run(argv: readonly string[], host?: ScaleHost, timeout = 300_000): Ran {
  const a = host ? host.argv(argv) : [...argv];
  const t0 = performance.now();
  const r = spawnSync(a[0], a.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30, timeout });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** `bin/nsx ARGS` (Node started as bin/nsx starts it), exit 0 required. */
export function nsx(args: readonly string[], host?: ScaleHost): string {
  const r = run([process.execPath, NSX_BIN, ...args], host);
  assert.equal(r.code, 0, `nsx ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
  return r.stdout;
}

export function nsxJson<T = any>(args: readonly string[], host?: ScaleHost): T {
  return JSON.parse(nsx(args, host)) as T;
}

/** `cat FILE` (latin1); undefined when cat fails (no such file). */
export function cat(path: string, host?: ScaleHost): string | undefined {
  const r = run(['cat', path], host);
  return r.code === 0 ? r.stdout : undefined;
}

/** The numbers of a list file (cgroup.procs, tasks, cgroup.threads) read by cat, ascending. */
export function catList(path: string): number[] {
  const t = cat(path);
  assert.ok(t !== undefined, `cat ${path} failed`);
  return t.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

/** A counter file (pids.current) read by cat, or undefined when absent. */
export function catNumber(path: string): number | undefined {
  const t = cat(path);
  return t === undefined ? undefined : Number(t.trim());
}

/** The `-c` argument of `nsx cg tree` that picks hierarchy `h`. */
export function controllerArg(h: ScaleHierarchy): string {
  if (h.version === 2) return 'v2';
  return h.options.find((o) => o.startsWith('name=')) ?? h.options[0];
}

/** The thread list file of a cgroup: `tasks` on v1, `cgroup.threads` on v2. */
export function threadsFile(h: ScaleHierarchy): string {
  return h.version === 2 ? 'cgroup.threads' : 'tasks';
}

/** The hierarchy with the pids controller (v1), or cgroup2 when it has pids.current at `dir`. */
export function pidsHierarchy(host: ScaleHost, path: string): ScaleHierarchy | undefined {
  return host.hierarchies.find((h) => (h.version === 1 ? h.options.includes('pids') : cat(join(host.dir(h, path), 'pids.current')) !== undefined));
}

/**
 * Many files read by one `grep -H '' FILE…` (reads each to the end, prints `FILE:LINE`): file → its lines. Every
 * file must exist (else the assertion fails); an empty file has no line.
 */
export function grepAll(files: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(files.map((f) => [f, []]));
  for (let i = 0; i < files.length; i += 500) {
    const chunk = files.slice(i, i + 500);
    const r = run(['grep', '-H', '', ...chunk]);
    assert.ok(r.code === 0 || (r.code === 1 && r.stderr === ''), `grep: ${r.stderr.slice(0, 500)}`);
    for (const line of r.stdout.split('\n')) {
      if (line === '') continue;
      // FILE:LINE, FILE being one of ours (no ':' after the mount point's last one we put there)
      const f = chunk.find((x) => line.startsWith(x + ':'));
      assert.ok(f, `grep printed an unknown line: ${line.slice(0, 200)}`);
      out.get(f)!.push(line.slice(f.length + 1));
    }
  }
  return out;
}

/** The kernel's members of every cgroup of the host in `h` (cgroup.procs read by grep), by path, ascending. */
export function kernelMembers(host: ScaleHost, h: ScaleHierarchy, paths: readonly string[] = host.cgroups, file = 'cgroup.procs'): Map<string, number[]> {
  const files = paths.map((p) => join(host.dir(h, p), file));
  const got = grepAll(files);
  return new Map(paths.map((p, i) => [p, got.get(files[i])!.map(Number).sort((a, b) => a - b)]));
}

/** A counter file (pids.current) of every cgroup in `h`, by path. */
export function kernelNumbers(host: ScaleHost, h: ScaleHierarchy, file: string, paths: readonly string[] = host.cgroups): Map<string, number> {
  const files = paths.map((p) => join(host.dir(h, p), file));
  const got = grepAll(files);
  return new Map(paths.map((p, i) => [p, Number(got.get(files[i])![0])]));
}

export interface TreeNode {
  readonly path: string;
  readonly processes: readonly { pid: number }[];
  readonly children: readonly TreeNode[];
}

/** `nsx cg tree --json`'s tree as path → member PIDs (ascending). */
export function treeMembers(tree: TreeNode): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const visit = (n: TreeNode) => {
    out.set(n.path, n.processes.map((p) => p.pid).sort((a, b) => a - b));
    n.children.forEach(visit);
  };
  visit(tree);
  return out;
}

/**
 * systemd-cgls's tree (`systemd-cgls --no-pager [-a] DIR|CONTROLLER:PATH`) as path → member PIDs, the paths
 * relative to `rootPath` (the cgroup path shown on its first line). Cgroup lines are `NAME (#INODE)`, process
 * lines `PID COMMAND` (the PID padded); the depth is where the last `─` of the tree prefix is.
 */
export function parseCgls(text: string, rootPath: string): Map<string, number[]> {
  const out = new Map<string, number[]>([[rootPath, []]]);
  const stack: string[] = [rootPath];
  const lines = text.split('\n');
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const dash = line.lastIndexOf('─', line.search(/[^│├└─ ]/));
    const depth = (dash + 1) / 2;
    const content = line.slice(dash + 1);
    const proc = /^ *(\d+) /.exec(content);
    if (proc) {
      out.get(stack[depth - 1])!.push(Number(proc[1]));
      continue;
    }
    const name = content.replace(/ \(#\d+\)$/, '');
    const parent = stack[depth - 1];
    const path = parent === '/' ? `/${name}` : `${parent}/${name}`;
    stack[depth] = path;
    stack.length = depth + 1;
    out.set(path, []);
  }
  for (const l of out.values()) l.sort((a, b) => a - b);
  return out;
}

/** The series `name{id="PATH"} VALUE` of a Prometheus exposition, by path. */
export function seriesById(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}\\{(?:[^}]*,)?id="([^"]*)"[^}]*\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) out.set(m[1], Number(m[2]));
  return out;
}

/** Compare two path → value maps exactly, naming the first few differences. */
export function sameMaps<V>(actual: ReadonlyMap<string, V>, expected: ReadonlyMap<string, V>, what: string): void {
  const diffs: string[] = [];
  for (const [k, v] of expected) {
    if (!actual.has(k)) diffs.push(`${k}: missing (kernel: ${show(v)})`);
    else if (JSON.stringify(actual.get(k)) !== JSON.stringify(v)) diffs.push(`${k}: ${show(actual.get(k)!)} (kernel: ${show(v)})`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) diffs.push(`${k}: not in the kernel's list`);
  assert.equal(diffs.length, 0, `${what}: ${diffs.length} differences, e.g.\n  ${diffs.slice(0, 8).join('\n  ')}`);
}

function show(v: unknown): string {
  return Array.isArray(v) ? `${v.length} [${v.slice(0, 5).join(',')}${v.length > 5 ? ',…' : ''}]` : String(v);
}

/** The nsfs mounts of a mountinfo text: namespace `TYPE:[INODE]` → mount points. */
export function nsfsMounts(mountinfo: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0 || !line.slice(sep + 3).startsWith('nsfs ')) continue;
    const f = line.slice(0, sep).split(' ');
    const mp = f[4].replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const l = out.get(f[3]) ?? [];
    l.push(mp);
    out.set(f[3], l);
  }
  return out;
}
