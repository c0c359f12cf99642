/**
 * Live tests' own cgroups on whatever layout this host has: v1 controller hierarchies (hybrid or legacy: the cpu,
 * cpuacct, memory and pids hierarchies, blkio when asked) or the one cgroup2 tree (unified, e.g. systemd on pure
 * v2, where the controllers are enabled in each parent's `cgroup.subtree_control`). Tests say what they mean
 * (`cpuMax(rel, 20000)`, `memoryMax(rel, 64 MiB)`, `cpuStat(rel)`) and this module writes or reads the file of
 * the layout it found: `cpu.cfs_quota_us` or `cpu.max`, `memory.limit_in_bytes` or `memory.max`, `cpuacct.usage`
 * (ns) or `cpu.stat` usage_usec. The layout is discovered from mountinfo, as nsx does (kernel-facts.md).
 *
 * Cgroup paths are relative to the hierarchy roots (`nsx-test-top-123-ab/child`); every name starts with
 * `nsx-test-`. `sweepLeftovers(what)` removes the cgroups of an earlier run of the same test that was killed
 * (only those whose test process, named in the cgroup's name, is gone: another session's run is left alone).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hostPaths } from '../../src/host/paths.js';
import { startProcess, type Started } from './live.js';

export type LayoutKind = 'unified' | 'hybrid' | 'legacy' | 'none';

/** cgroupfs mount root (`/sys/fs/cgroup`). */
export const CG = join(hostPaths().sys, 'fs/cgroup');

/** The host's layout from mountinfo: cgroup2 at /sys/fs/cgroup and no v1 mount → unified, both → hybrid. */
export function layoutKind(): LayoutKind {
  let mi = '';
  try {
    mi = readFileSync(join(hostPaths().proc, 'self/mountinfo'), 'utf8');
  } catch {
    return 'none'; // no procfs: not a live host
  }
  const v1 = / - cgroup /.test(mi);
  const v2 = / - cgroup2 /.test(mi);
  return v1 && v2 ? 'hybrid' : v1 ? 'legacy' : v2 ? 'unified' : 'none';
}

/** The controllers the live tests use, in v1 hierarchy names. */
export type Controller = 'cpu' | 'cpuacct' | 'memory' | 'pids' | 'blkio' | 'cpuset';
const DEFAULT: readonly Controller[] = ['cpu', 'cpuacct', 'memory', 'pids'];

/** v1 controller → the cgroup2 controller that replaces it (cpuacct is part of cpu, blkio is io). */
const V2_NAME: Record<Controller, string> = { cpu: 'cpu', cpuacct: 'cpu', memory: 'memory', pids: 'pids', blkio: 'io', cpuset: 'cpuset' };

/** Is the host pure cgroup v2 (one tree at /sys/fs/cgroup, controllers on it)? */
export const isUnified = (): boolean => layoutKind() === 'unified';

/** Skip reason when neither the v1 hierarchies of `controllers` nor a cgroup2 tree with them are there. */
export function cgroupSkip(controllers: readonly Controller[] = DEFAULT): string | false {
  const k = layoutKind();
  if (k === 'none') return 'live test: no cgroup filesystem mounted';
  if (k === 'unified') {
    const have = readFileSync(join(CG, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    const missing = controllers.map((c) => V2_NAME[c]).filter((c) => !have.includes(c));
    return missing.length ? `live test: cgroup2 lacks the ${[...new Set(missing)].join(', ')} controller(s)` : false;
  }
  const missing = controllers.filter((c) => !existsSync(join(CG, c, 'cgroup.procs')));
  return missing.length ? `live test: no v1 ${missing.join(', ')} hierarchy` : false;
}

const read = (p: string) => readFileSync(p, 'utf8').trim();
const flat = (text: string): Record<string, number> =>
  Object.fromEntries(text.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)).map(([k, v]) => [k, Number(v)]));

/** Wait (polling, with a sleep(1) between tries) until rmdir works: a killed member leaves the cgroup when it is reaped. */
function rmdirRetry(d: string, tries = 100): void {
  for (let i = 0; i < tries && existsSync(d); i++) {
    try {
      rmdirSync(d);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw e;
      spawnSync('sleep', ['0.05']);
    }
  }
}

/**
 * The cgroups of one test on this host's layout. `controllers` are the v1 hierarchies it needs (on v2 the
 * matching cgroup2 controllers are enabled on the way down); `rel` paths are relative to the hierarchy roots.
 */
export class TestCgroups {
  readonly kind: LayoutKind = layoutKind();
  readonly unified = this.kind === 'unified';
  private readonly made: string[] = [];
  private readonly procs: Started[] = [];

  constructor(readonly controllers: readonly Controller[] = DEFAULT) {}

  /** The v1 hierarchies used (their mount points), or the one cgroup2 root. */
  get roots(): string[] {
    return this.unified ? [CG] : this.controllers.map((c) => join(CG, c)).filter((d) => existsSync(join(d, 'cgroup.procs')));
  }

  /** Directory of `rel` in the hierarchy of `controller` (the one tree on v2). */
  dir(rel: string, controller: Controller = 'cpu'): string {
    return this.unified ? join(CG, rel) : join(CG, controller, rel);
  }

  /** The cgroup2 controllers to enable below a parent (those the tests use and the kernel offers). */
  private v2Controllers(): string[] {
    const have = read(join(CG, 'cgroup.controllers')).split(/\s+/);
    return [...new Set(this.controllers.map((c) => V2_NAME[c]))].filter((c) => have.includes(c));
  }

  /** Enable the controllers in `dir`'s subtree_control (v2), for the children made below it. */
  private delegate(dir: string): void {
    const want = this.v2Controllers();
    const on = read(join(dir, 'cgroup.subtree_control')).split(/\s+/);
    const add = want.filter((c) => !on.includes(c));
    if (add.length) writeFileSync(join(dir, 'cgroup.subtree_control'), add.map((c) => `+${c}`).join(' '));
  }

  /** mkdir `rel` (and its missing parents) in every hierarchy; removed (deepest first) by cleanup(). */
  mk(rel: string): string {
    const parts = rel.split('/').filter(Boolean);
    for (const root of this.roots) {
      let d = root;
      for (const part of parts) {
        if (this.unified) this.delegate(d);
        d = join(d, part);
        if (!existsSync(d)) {
          mkdirSync(d);
          if (!this.made.includes(d)) this.made.push(d);
        }
      }
    }
    return `/${parts.join('/')}`;
  }

  /** Move PID into `rel` in every hierarchy. */
  join(rel: string, pid: number): void {
    for (const root of this.roots) writeFileSync(join(root, rel, 'cgroup.procs'), String(pid));
  }

  /** `echo $$ > …/cgroup.procs` for every hierarchy (a shell moves itself before it execs). */
  moveSelf(rel: string): string {
    return this.roots.map((r) => `echo $$ > ${join(r, rel, 'cgroup.procs')}`).join('; ');
  }

  /** A shell that moves itself into `rel`, then execs `cmd`; ended (process group) by cleanup(). */
  start(rel: string, cmd: string): Started {
    const p = startProcess('sh', ['-c', `${this.moveSelf(rel)}; exec ${cmd}`]);
    this.procs.push(p);
    return p;
  }

  /** PIDs in `rel` (cgroup.procs of the cpu hierarchy, or the one tree). */
  members(rel: string): number[] {
    return read(join(this.dir(rel, 'cpu'), 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
  }

  /** CPU quota: cpu.max "QUOTA PERIOD" (v2) or cpu.cfs_period_us + cpu.cfs_quota_us (v1). */
  cpuMax(rel: string, quotaUsec: number | 'max', periodUsec = 100_000): void {
    if (this.unified) writeFileSync(join(CG, rel, 'cpu.max'), `${quotaUsec} ${periodUsec}`);
    else {
      writeFileSync(join(CG, 'cpu', rel, 'cpu.cfs_period_us'), String(periodUsec));
      writeFileSync(join(CG, 'cpu', rel, 'cpu.cfs_quota_us'), quotaUsec === 'max' ? '-1' : String(quotaUsec));
    }
  }

  /** A relative CPU share: cpu.weight (v2; 1–10000) or cpu.shares (v1; the same ratio to the defaults 100 / 1024). */
  cpuWeight(rel: string, weight: number): void {
    if (this.unified) writeFileSync(join(CG, rel, 'cpu.weight'), String(weight));
    else writeFileSync(join(CG, 'cpu', rel, 'cpu.shares'), String(Math.round((weight * 1024) / 100)));
  }

  /** memory.max (v2) or memory.limit_in_bytes (v1). */
  memoryMax(rel: string, bytes: number): void {
    writeFileSync(join(this.dir(rel, 'memory'), this.unified ? 'memory.max' : 'memory.limit_in_bytes'), String(bytes));
  }

  /** pids.max (same file on both). */
  pidsMax(rel: string, n: number): void {
    writeFileSync(join(this.dir(rel, 'pids'), 'pids.max'), String(n));
  }

  /** memory.current (v2) or memory.usage_in_bytes (v1), bytes. */
  memoryCurrent(rel: string): number {
    return Number(read(join(this.dir(rel, 'memory'), this.unified ? 'memory.current' : 'memory.usage_in_bytes')));
  }

  /** pids.current. */
  pidsCurrent(rel: string): number {
    return Number(read(join(this.dir(rel, 'pids'), 'pids.current')));
  }

  /**
   * CPU counters in µs as the sample names them: usage (cpu.stat usage_usec | cpuacct.usage ns), and the CFS
   * counters of the cgroup's own limit (cpu.stat nr_periods, nr_throttled, throttled_usec | throttled_time ns).
   */
  cpuStat(rel: string): { usage_usec: number; nr_periods: number; nr_throttled: number; throttled_usec: number } {
    if (this.unified) {
      const s = flat(read(join(CG, rel, 'cpu.stat')));
      return { usage_usec: s.usage_usec, nr_periods: s.nr_periods, nr_throttled: s.nr_throttled, throttled_usec: s.throttled_usec };
    }
    const s = flat(read(join(CG, 'cpu', rel, 'cpu.stat')));
    return { usage_usec: Number(read(join(CG, 'cpuacct', rel, 'cpuacct.usage'))) / 1000, nr_periods: s.nr_periods, nr_throttled: s.nr_throttled, throttled_usec: s.throttled_time / 1000 };
  }

  /** rmdir `rels` (in this order: children first) in every hierarchy, retrying while their members are reaped. */
  rm(rels: readonly string[]): void {
    for (const rel of rels) {
      for (const root of this.roots) {
        const d = join(root, rel);
        rmdirRetry(d);
        const i = this.made.indexOf(d);
        if (i >= 0) this.made.splice(i, 1);
      }
    }
  }

  /** End the processes started here (by process group), then remove the cgroups made here, deepest first. */
  async cleanup(): Promise<void> {
    for (const p of this.procs.splice(0)) await p.stop();
    for (const d of this.made.splice(0).sort((a, b) => b.split('/').length - a.split('/').length)) rmdirRetry(d);
  }
}

/**
 * Remove cgroups `nsx-test-<what>-<pid>-…` (at the top of each hierarchy) left by a run of this test that was
 * killed: only when process <pid> is gone, and only after their members (processes a test started) are ended.
 */
export function sweepLeftovers(what: string): void {
  const re = new RegExp(`^nsx-test-${what}-(\\d+)-`);
  const roots = layoutKind() === 'unified' ? [CG] : readdirSync(CG).map((d) => join(CG, d)).filter((d) => existsSync(join(d, 'cgroup.procs')));
  for (const root of roots) {
    for (const name of readdirSync(root)) {
      const m = re.exec(name);
      if (!m || existsSync(join(hostPaths().proc, m[1]))) continue;
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
        for (const pid of read(join(d, 'cgroup.procs')).split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
        rmdirRetry(d);
      };
      walk(join(root, name));
    }
  }
}
