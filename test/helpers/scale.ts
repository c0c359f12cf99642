/**
 * The scale host (issue 18, point 2): in seconds, a host shaped like a busy node, for the kernel-truth tests
 * (test/truth/) and the benchmarks (bench/ls.ts, bench/cg.ts); `scripts/scale-host.mjs up|down|sweep|run` is its
 * command line. Root only.
 *
 * What it makes (a variant picks the sizes, see VARIANTS), every cgroup at the same path in every mounted hierarchy
 * (each v1 hierarchy and cgroup2 on hybrid, cgroup2 alone on v2, the v1 ones on legacy: discovered from
 * mountinfo, never assumed), all under one top cgroup `/nsx-test-scale-<OWNER PID>-<OWNER START>`:
 *   big/                          one cgroup of 3,000 processes and 10,000 threads (a leader with 7,001 threads)
 *   pods/pod-NNN/{pause,busy,idle}  110 pod-like subtrees, one process in each child (the busy one takes 50 µs of
 *                                 CPU every 100 ms), all three in the pod's network namespace
 *   300 network namespaces held by `ip netns add` bind mounts (/run/netns/nsx-test-scale-net-NNN; the first 110
 *                                 are the pods'), plus 400 tmpfs mounts on /run/nsx-test-scale/N
 *   many/slice-P.slice/unit-C.service  the 2,000 / 5,000 / 10,000 extra cgroups (two deep, 50 per slice) with a
 *                                 process in one of every 100
 *   ls/                           20,000 processes in 2,000 network namespaces (10 each), for `ls` at scale
 *   ctl/                          the root of the processes (scripts/scale-host.c)
 *
 * The processes come from one small C program (scripts/scale-host.c, built with the system C compiler into the
 * temporary directory); the mounts live in a mount namespace of their own (a slave of the host's, made by that
 * program), so they are gone with its last process and other sessions never see them: commands that must see
 * them run through `host.argv(...)` (`nsenter --mount=/proc/ROOT/ns/mnt …`). Whatever the scale host's processes
 * see of the host's mounts is as when it was made (Docker's netns mounts of containers started before it).
 *
 * Leaves nothing behind: every process dies with its parent (PR_SET_PDEATHSIG) and the root with the test process;
 * `down()` kills by cgroup (`cgroup.kill` where cgroup2 has our cgroups, else by PID from our own cgroups'
 * `cgroup.procs`) and removes the cgroups; `sweepScale()` (run by every `scaleUp`) does the same for hosts whose
 * owner process is gone (a killed test run). Only one scale host runs on a machine at a time (a lock directory,
 * /run/nsx-test-scale.lock, taken over when its owner is dead), so concurrent test runs wait instead of piling up.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './host.js';

export const MARK = 'nsx-test-scale-';
const LOCK = '/run/nsx-test-scale.lock';
const MOUNT_DIR = '/run/nsx-test-scale';
const NETNS_DIR = '/run/netns';

export interface ScaleSpec {
  /** processes and tasks (threads) of `big/` (0: none) */
  readonly bigProcs: number;
  readonly bigTasks: number;
  /** network namespaces held by `ip netns add` bind mounts */
  readonly netns: number;
  /** other mounts (tmpfs) */
  readonly mounts: number;
  /** pod-like subtrees (≤ netns: each pod's processes join one of the ip netns) */
  readonly pods: number;
  /** extra cgroups two deep under `many/` (parents included) */
  readonly cgroups: number;
  /** processes spread over the `many/` leaves (one per cgroup) */
  readonly cgroupProcs: number;
  /** processes in `ls/`, spread over `lsNetns` new network namespaces */
  readonly lsProcs: number;
  readonly lsNetns: number;
}

const NONE: ScaleSpec = { bigProcs: 0, bigTasks: 0, netns: 0, mounts: 0, pods: 0, cgroups: 0, cgroupProcs: 0, lsProcs: 0, lsNetns: 0 };

/** The shapes of issue 18. `node`: a busy Kubernetes-like node; `cgN`: N extra cgroups; `ls20k`: 20,000 processes in 2,000 netns. */
export const VARIANTS: Readonly<Record<string, ScaleSpec>> = {
  node: { ...NONE, bigProcs: 3000, bigTasks: 10000, netns: 300, mounts: 400, pods: 110 },
  'node+cg5k': { ...NONE, bigProcs: 3000, bigTasks: 10000, netns: 300, mounts: 400, pods: 110, cgroups: 5000, cgroupProcs: 50 },
  cg2k: { ...NONE, cgroups: 2000, cgroupProcs: 20 },
  cg3k: { ...NONE, cgroups: 3000, cgroupProcs: 30 },
  cg5k: { ...NONE, cgroups: 5000, cgroupProcs: 50 },
  cg10k: { ...NONE, cgroups: 10000, cgroupProcs: 100 },
  ls20k: { ...NONE, lsProcs: 20000, lsNetns: 2000 },
  /** a small one for quick checks of the machinery */
  tiny: { bigProcs: 30, bigTasks: 100, netns: 5, mounts: 5, pods: 3, cgroups: 60, cgroupProcs: 2, lsProcs: 20, lsNetns: 4 },
};

/** A mounted cgroup hierarchy, from mountinfo. */
export interface ScaleHierarchy {
  readonly mount: string;
  readonly version: 1 | 2;
  /** v1 controllers (and `name=X`) from the mount options; [] for cgroup2 */
  readonly options: readonly string[];
}

/** One set of processes the scale host made, with what the kernel must say of it. */
export interface ScaleGroup {
  /** cgroup path (the same in every hierarchy) */
  readonly cgroup: string;
  readonly procs: number;
  /** tasks: processes plus their extra threads */
  readonly tasks: number;
  /** the ip netns the processes joined, if any */
  readonly netns?: string;
  /** number of new netns the group made (ls/) */
  readonly newNetns?: number;
}

export interface ScaleHost {
  readonly variant: string;
  readonly spec: ScaleSpec;
  /** the top cgroup path, `/nsx-test-scale-…` */
  readonly top: string;
  readonly rootPid: number;
  readonly hierarchies: readonly ScaleHierarchy[];
  readonly groups: readonly ScaleGroup[];
  /** names of the ip netns (in /run/netns inside the scale host's mount namespace) */
  readonly netnsNames: readonly string[];
  /** every cgroup path made (parents before children), the top included */
  readonly cgroups: readonly string[];
  /** seconds it took to come up */
  readonly upSeconds: number;
  /** argv that runs `argv` in the scale host's mount namespace (sees its mounts) */
  argv(argv: readonly string[]): string[];
  /** the directory of a cgroup path in a hierarchy */
  dir(h: ScaleHierarchy, path: string): string;
  down(): Promise<void>;
}

/**
 * The machine cannot hold this scale host now (not a fault of what is tested): the memory controller is out of
 * cgroup IDs (65,535 memory cgroups, dying ones included: mkdir says EBUSY), or cgroups cannot be made (ENOSPC).
 * Tests skip with its message.
 */
export class ScaleUnavailable extends Error {}

/* ---------------------------------------------------------------------------------------------- discovery */

/** Hierarchies mounted in this mount namespace (the first mount of each), from /proc/self/mountinfo. */
export function discoverHierarchies(): ScaleHierarchy[] {
  const out: ScaleHierarchy[] = [];
  const seen = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const a = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    if (a[3] !== '/' || seen.has(a[2])) continue; // a bind mount of a sub-cgroup, or a second mount
    seen.add(a[2]);
    const mount = a[4].replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const options = fstype === 'cgroup' ? superOpts.split(',').filter((o) => !['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'clone_children', 'noprefix', 'xattr', 'cpuset_v2_mode', 'favordynmods'].includes(o) && !o.startsWith('release_agent=')) : [];
    out.push({ mount, version: fstype === 'cgroup2' ? 2 : 1, options });
  }
  return out;
}

/* ---------------------------------------------------------------------------------------------- processes */

/** Start time (clock ticks since boot) of a process, or undefined when there is no such process. */
export function startTime(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function alive(pid: number, start: number): boolean {
  return startTime(pid) === start;
}

/** The C program, built once per source version into the temporary directory. */
export function scaleBinary(): string {
  const src = join(REPO, 'scripts', 'scale-host.c');
  const text = readFileSync(src);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `nsx-scale-host-${hash}`);
  const bin = join(dir, 'scale-host');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${bin}.${process.pid}`;
  const cc = spawnSync(process.env.CC ?? 'cc', ['-O2', '-pthread', '-o', tmp, src], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`scale host: cannot build ${src}: ${cc.stderr || cc.error}`);
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin);
  return bin;
}

/* ---------------------------------------------------------------------------------------------- cgroups */

function cgDir(h: ScaleHierarchy, path: string): string {
  return path === '/' ? h.mount : h.mount + path;
}

function readProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Every directory below (and with) `dir`, parents first. */
function subtree(dir: string): string[] {
  const out = [dir];
  for (let i = 0; i < out.length; i++) {
    let kids;
    try {
      kids = readdirSync(out[i], { withFileTypes: true });
    } catch {
      continue;
    }
    for (const k of kids) if (k.isDirectory()) out.push(join(out[i], k.name));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * End every process in the subtree `path` of the hierarchies and remove its cgroups. `cgroup.kill` where a
 * cgroup2 hierarchy has the subtree (race-free), else SIGKILL by PID from the subtree's own cgroup.procs.
 */
async function destroy(hs: readonly ScaleHierarchy[], path: string, known?: readonly string[]): Promise<void> {
  const v2 = hs.find((h) => h.version === 2 && existsSync(join(cgDir(h, path), 'cgroup.kill')));
  if (v2) {
    try {
      writeFileSync(join(cgDir(v2, path), 'cgroup.kill'), '1');
    } catch {
      /* gone meanwhile */
    }
  }
  // the directories to empty and remove: those we made (known), else what is there
  const byH = hs.map((h) => (known ? known.map((p) => cgDir(h, p)).filter((d) => existsSync(d)) : subtree(cgDir(h, path))));
  const populated = () => {
    const pids = new Set<number>();
    for (const dirs of byH) for (const d of dirs) for (const p of readProcs(d)) pids.add(p);
    return pids;
  };
  const deadline = Date.now() + 120_000;
  for (let pids = populated(); pids.size; pids = populated()) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL'); // a process of our own marked cgroup
      } catch {
        /* exited meanwhile */
      }
    }
    if (Date.now() > deadline) throw new Error(`scale host: ${pids.size} processes of ${path} would not end`);
    await sleep(50);
  }
  for (const dirs of byH) {
    for (const d of [...dirs].reverse()) {
      for (let i = 0; ; i++) {
        try {
          rmdirSync(d);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || i > 200) throw new Error(`scale host: cannot remove ${d}: ${code}`);
          await sleep(20); // killed processes still being reaped
        }
      }
    }
  }
}

/* ---------------------------------------------------------------------------------------------- lock and sweep */

function lockOwner(): { pid: number; start: number } | undefined {
  try {
    const [pid, start] = readFileSync(join(LOCK, 'owner'), 'utf8').trim().split(' ').map(Number);
    return { pid, start };
  } catch {
    return undefined;
  }
}

async function takeLock(pid: number, start: number, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'owner'), `${pid} ${start}\n`);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const o = lockOwner();
    if (o === undefined) {
      // being written by its taker, or left half-made: give it a moment, then take it over
      await sleep(200);
      if (lockOwner() === undefined) rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (!alive(o.pid, o.start)) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`scale host: another scale host (owner PID ${o.pid}) is up; gave up waiting`);
    if (!said) {
      console.error(`scale host: waiting for the scale host of PID ${o.pid} to go down (one at a time on a machine)`);
      said = true;
    }
    await sleep(500);
  }
}

function releaseLock(pid: number): void {
  if (lockOwner()?.pid === pid) rmSync(LOCK, { recursive: true, force: true });
}

/** Marked top cgroups in any hierarchy: name → owner. */
function markedTops(hs: readonly ScaleHierarchy[]): Map<string, { pid: number; start: number }> {
  const out = new Map<string, { pid: number; start: number }>();
  for (const h of hs) {
    let names: string[] = [];
    try {
      names = readdirSync(h.mount);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^nsx-test-scale-(\d+)-(\d+)$/.exec(n);
      if (m) out.set(n, { pid: Number(m[1]), start: Number(m[2]) });
    }
  }
  return out;
}

/**
 * Remove the scale hosts whose owner is gone (a killed test run), or every scale host owned by a detached root
 * (`all`: the command line's `down`). Returns the top cgroups removed.
 */
export async function sweepScale(o: { detached?: boolean; quiet?: boolean } = {}): Promise<string[]> {
  const hs = discoverHierarchies();
  const removed: string[] = [];
  for (const [name, owner] of markedTops(hs)) {
    const ownerAlive = alive(owner.pid, owner.start);
    // a detached root owns itself: it lives in the host's ctl/ cgroup
    const detachedRoot = ownerAlive && hs.some((h) => readProcs(join(h.mount, name, 'ctl')).includes(owner.pid));
    if (ownerAlive && !(o.detached && detachedRoot)) continue;
    if (!o.quiet) console.error(`scale host: removing ${ownerAlive ? '' : 'the leftover '}/${name}`);
    await destroy(hs, `/${name}`);
    removed.push(`/${name}`);
    releaseLock(owner.pid);
  }
  const lo = lockOwner();
  if (lo && !alive(lo.pid, lo.start)) rmSync(LOCK, { recursive: true, force: true });
  // the empty mount-point directory (its mounts were in the scale host's own mount namespace)
  if (!markedTops(hs).size) {
    try {
      rmdirSync(MOUNT_DIR);
    } catch {
      /* absent, or a mount point or not empty: not ours to force */
    }
  }
  return removed;
}

/* ---------------------------------------------------------------------------------------------- up */

interface Plan {
  lines: string[];
  groups: ScaleGroup[];
  cgroups: string[];
  /** cgroups that hold processes, and their ancestors (cpuset needs cpus/mems there; v2 controllers stop above) */
  populated: Set<string>;
  netnsNames: string[];
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function makePlan(top: string, spec: ScaleSpec, hs: readonly ScaleHierarchy[], batchFile: string): Plan {
  const cgroups = [top, `${top}/ctl`];
  const groups: ScaleGroup[] = [];
  const populated = new Set<string>([top, `${top}/ctl`]);
  const lines: string[] = ['ns'];
  const procsFiles = (path: string) => hs.map((h) => join(cgDir(h, path), 'cgroup.procs')).join(',');
  const group = (path: string, procs: number, tasks: number, o: { netns?: string; unshare?: boolean; busy?: boolean } = {}) => {
    populated.add(path);
    for (let p = path.slice(0, path.lastIndexOf('/')); p.length >= top.length; p = p.slice(0, p.lastIndexOf('/'))) populated.add(p);
    const threads = tasks - procs + 1;
    lines.push(`group ${procsFiles(path)} ${o.netns ? `${NETNS_DIR}/${o.netns}` : '-'} ${o.unshare ? 1 : 0} ${procs} ${threads} ${o.busy ? 'busy' : 'idle'}`);
  };
  const netnsNames: string[] = [];
  for (let i = 0; i < spec.netns; i++) netnsNames.push(`${MARK}net-${pad(i, 3)}`);
  if (spec.netns) {
    lines.push(`tmpfs ${NETNS_DIR}`);
    writeFileSync(batchFile, netnsNames.map((n) => `netns add ${n}\n`).join(''));
    lines.push(`exec ip -b ${batchFile}`);
  }
  if (spec.mounts) {
    lines.push(`tmpfs ${MOUNT_DIR}`);
    lines.push(`mounts ${MOUNT_DIR} ${spec.mounts}`);
  }
  if (spec.bigProcs) {
    cgroups.push(`${top}/big`);
    group(`${top}/big`, spec.bigProcs, spec.bigTasks);
    groups.push({ cgroup: `${top}/big`, procs: spec.bigProcs, tasks: spec.bigTasks });
  }
  if (spec.pods) {
    cgroups.push(`${top}/pods`);
    for (let i = 0; i < spec.pods; i++) {
      const pod = `${top}/pods/pod-${pad(i, 3)}`;
      cgroups.push(pod);
      const netns = netnsNames[i];
      for (const c of ['pause', 'busy', 'idle']) {
        cgroups.push(`${pod}/${c}`);
        group(`${pod}/${c}`, 1, 1, { netns, busy: c === 'busy' });
        groups.push({ cgroup: `${pod}/${c}`, procs: 1, tasks: 1, ...(netns ? { netns } : {}) });
      }
    }
  }
  if (spec.cgroups) {
    cgroups.push(`${top}/many`);
    const leaves: string[] = [];
    for (let p = 0, made = 0; made < spec.cgroups; p++) {
      const slice = `${top}/many/slice-${p}.slice`;
      cgroups.push(slice);
      made++;
      for (let c = 0; c < 49 && made < spec.cgroups; c++, made++) {
        cgroups.push(`${slice}/unit-${c}.service`);
        leaves.push(`${slice}/unit-${c}.service`);
      }
    }
    const every = Math.max(1, Math.floor(leaves.length / Math.max(1, spec.cgroupProcs)));
    for (let i = 0; i < spec.cgroupProcs && i * every < leaves.length; i++) {
      group(leaves[i * every], 1, 1);
      groups.push({ cgroup: leaves[i * every], procs: 1, tasks: 1 });
    }
  }
  if (spec.lsProcs) {
    cgroups.push(`${top}/ls`);
    const per = Math.max(1, Math.round(spec.lsProcs / Math.max(1, spec.lsNetns)));
    for (let i = 0; i < spec.lsNetns; i++) group(`${top}/ls`, per, per, { unshare: true });
    groups.push({ cgroup: `${top}/ls`, procs: per * spec.lsNetns, tasks: per * spec.lsNetns, newNetns: spec.lsNetns });
  }
  lines.push('ready');
  return { lines, groups, cgroups, populated, netnsNames };
}

function writeQuiet(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch {
    /* a controller this cgroup cannot enable (v2), or a file that is not there: the cgroup works without */
  }
}

/** Make the cgroups in every hierarchy: cpuset cpus/mems where processes go (v1), v2 controllers above the leaves. */
function makeCgroups(hs: readonly ScaleHierarchy[], plan: Plan): void {
  for (const h of hs) {
    const cpuset = h.version === 1 && h.options.includes('cpuset');
    for (const p of plan.cgroups) {
      const d = cgDir(h, p);
      try {
        mkdirSync(d);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EBUSY' && code !== 'ENOSPC') throw e;
        const count = readFileSync('/proc/cgroups', 'latin1').split('\n').find((l) => h.options.some((o) => l.startsWith(`${o}\t`)))?.split('\t')[2];
        throw new ScaleUnavailable(`scale host: ${h.mount} refuses new cgroups (${code}; ${count ?? 'unknown'} cgroups there: the memory controller allows 65,535, dying ones included) after ${plan.cgroups.indexOf(p)} of ${plan.cgroups.length}`);
      }
      if (!plan.populated.has(p)) continue;
      if (cpuset) {
        const parent = d.slice(0, d.lastIndexOf('/'));
        for (const f of ['cpuset.cpus', 'cpuset.mems']) writeQuiet(join(d, f), readFileSync(join(parent, f), 'latin1'));
      }
    }
    if (h.version === 2) {
      // controllers for the cgroups that hold processes (pids.current, cpu.stat …): enabled in each ancestor of a
      // populated leaf; a cgroup with processes is never given any (the no-internal-processes rule)
      const holders = new Set(plan.groups.map((g) => g.cgroup).concat(`${plan.cgroups[0]}/ctl`));
      for (const p of plan.cgroups) {
        const isAncestor = plan.populated.has(p) && !holders.has(p);
        const isParentOfMany = p.endsWith('/many') || /\/many\/slice-\d+\.slice$/.test(p);
        if (!isAncestor && !isParentOfMany) continue;
        const d = cgDir(h, p);
        const avail = readFileSync(join(d, 'cgroup.controllers'), 'latin1').trim().split(/\s+/).filter(Boolean);
        if (avail.length) writeQuiet(join(d, 'cgroup.subtree_control'), avail.map((c) => `+${c}`).join(' '));
      }
    }
  }
}

/** Wait for a line on the root's stdout. */
function firstLine(child: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`scale host: not ready after ${ms / 1000} s`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(buf.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`scale host: the root exited (${code}) before it was ready: ${buf.trim()}`));
    });
  });
}

export interface UpOptions {
  /** the root outlives this process (the command line's `up`); `down` with `sweepScale({ detached: true })` */
  readonly detach?: boolean;
  /** how long to wait for another scale host to go down (default 15 minutes) */
  readonly waitMs?: number;
  readonly quiet?: boolean;
}

/**
 * `NSX_SCALE_FACTOR` (0 < F ≤ 1, default 1) scales every size down, for slow machines (an emulated VM): the
 * tests take their expectations from `host.spec`, so they hold at any size.
 */
export function scaleFactor(): number {
  const f = Number(process.env.NSX_SCALE_FACTOR ?? '1');
  return Number.isFinite(f) && f > 0 && f <= 1 ? f : 1;
}

function scaled(spec: ScaleSpec, f: number): ScaleSpec {
  if (f === 1) return spec;
  const n = (x: number) => (x === 0 ? 0 : Math.max(1, Math.round(x * f)));
  const bigProcs = n(spec.bigProcs);
  const netns = n(spec.netns);
  const lsNetns = n(spec.lsNetns);
  return {
    bigProcs,
    bigTasks: Math.max(bigProcs, n(spec.bigTasks)),
    netns,
    mounts: n(spec.mounts),
    pods: Math.min(netns, n(spec.pods)),
    cgroups: spec.cgroups === 0 ? 0 : Math.max(100, n(spec.cgroups)),
    cgroupProcs: n(spec.cgroupProcs),
    lsProcs: spec.lsProcs === 0 ? 0 : Math.max(lsNetns, n(spec.lsProcs)),
    lsNetns,
  };
}

/** Bring up a scale host of `variant` (a name of VARIANTS) or an explicit spec. Root only. */
export async function scaleUp(variant: string | ScaleSpec, o: UpOptions = {}): Promise<ScaleHost> {
  const base = typeof variant === 'string' ? VARIANTS[variant] : variant;
  if (!base) throw new Error(`scale host: unknown variant '${String(variant)}' (have: ${Object.keys(VARIANTS).join(', ')})`);
  const spec = scaled(base, scaleFactor());
  const name = typeof variant === 'string' ? variant : 'custom';
  const t0 = performance.now();
  const bin = scaleBinary();
  await sweepScale({ quiet: o.quiet });
  const hs = discoverHierarchies();
  if (hs.length === 0) throw new Error('scale host: no cgroup hierarchy is mounted');
  // stderr: /dev/null (the program reports on stdout): every process of the host has the same descriptors wherever it is started
  const root = spawn(bin, o.detach ? ['--detach'] : [], { stdio: ['pipe', 'pipe', 'ignore'], detached: !!o.detach });
  const rootPid = root.pid!;
  const rootStart = startTime(rootPid)!;
  const owner = o.detach ? { pid: rootPid, start: rootStart } : { pid: process.pid, start: startTime(process.pid)! };
  const fail = async (e: unknown): Promise<never> => {
    root.kill('SIGKILL');
    await destroy(hs, top).catch(() => undefined);
    releaseLock(owner.pid);
    throw e;
  };
  try {
    await takeLock(owner.pid, owner.start, o.waitMs ?? 15 * 60_000);
  } catch (e) {
    root.kill('SIGKILL');
    throw e;
  }
  const top = `/${MARK}${owner.pid}-${owner.start}`;
  const batch = join(tmpdir(), `${MARK}${owner.pid}-netns.batch`);
  const plan = makePlan(top, spec, hs, batch);
  try {
    makeCgroups(hs, plan);
    for (const h of hs) writeFileSync(join(cgDir(h, `${top}/ctl`), 'cgroup.procs'), String(rootPid));
    root.stdin!.end(plan.lines.join('\n') + '\n');
    const line = await firstLine(root, 300_000);
    if (!line.startsWith('ready ')) throw new Error(`scale host: ${line}`);
  } catch (e) {
    return fail(e);
  } finally {
    rmSync(batch, { force: true });
  }
  if (o.detach) {
    root.stdout!.destroy();
    root.unref();
  }
  const host: ScaleHost = {
    variant: name,
    spec,
    top,
    rootPid,
    hierarchies: hs,
    groups: plan.groups,
    netnsNames: plan.netnsNames,
    cgroups: plan.cgroups,
    upSeconds: (performance.now() - t0) / 1000,
    argv: (argv) => ['nsenter', `--mount=/proc/${rootPid}/ns/mnt`, `--wd=${process.cwd()}`, '--', ...argv],
    dir: (h, p) => cgDir(h, p),
    down: async () => {
      root.kill('SIGKILL');
      await destroy(hs, top, plan.cgroups);
      releaseLock(owner.pid);
      try {
        rmdirSync(MOUNT_DIR);
      } catch {
        /* absent or in use */
      }
    },
  };
  return host;
}

/** Tasks on the machine (the total of /proc/loadavg's running/total). */
export function machineTasks(): number {
  return Number(readFileSync('/proc/loadavg', 'latin1').split(' ')[3].split('/')[1]);
}

/** The load averages, for benchmark reports. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');
}

/** Does this machine let us make a scale host? A reason to skip, or false. */
export function scaleSkipReason(): string | false {
  if (process.platform !== 'linux') return 'scale host: not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'scale host: needs root';
  for (const t of [process.env.CC ?? 'cc', 'ip', 'nsenter']) {
    if (spawnSync('sh', ['-c', `command -v "$1"`, 'sh', t], { stdio: 'ignore' }).status !== 0) return `scale host: '${t}' is not installed`;
  }
  if (discoverHierarchies().length === 0) return 'scale host: no cgroup hierarchy is mounted';
  return false;
}

/** Is a path a directory? */
export function isDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
