/**
 * `nsx record` as a service: every interval, take one sample of the whole host with the readers every view
 * uses and store it (src/record/store.ts). It reads no kernel file of its own:
 *
 * - cgroups: the `nsx top` collector (src/sampler/collect.ts) over every stat group, full detail — the tree
 *   walk, THE mapping `sampleCgroup` on kept fds (FdSource, with its memo: an idle cgroup's sample is the same
 *   object as last time, which the codec skips at once), identities from the runtime index;
 * - processes: src/readers/procfs/process.ts (stat each interval, kept fds; status, cmdline, namespace links and
 *   cgroup when first seen, and again every `refreshEvery` intervals for a process that ran), each with the
 *   identity of its container or unit (the runtime index, as `nsx ps` joins it);
 * - namespaces: held by processes (in their samples), by nsfs bind mounts (/proc/self/mountinfo), and their
 *   owner, parent and NETNSID (src/readers/nsfs/relations.ts), asked once per new namespace;
 * - the kernel log: /dev/kmsg kept open and drained each interval (src/readers/kmsg.ts), OOM kills and forks
 *   refused by the pids controller placed in wall time (src/record/kernel-events.ts);
 * - host facts: uptime, boot id, hostname, CPUs, user names, block device names.
 *
 *   const r = new Recorder({ paths, dir, intervalMs: 5000, retainMs, maxBytes, log });
 *   r.start();   …   r.stop();        // or r.tick() for one sample (tests)
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { HostPaths } from '../host/paths.js';
import { readWhole } from '../host/read.js';
import { Tolerance, wrap } from '../host/tolerance.js';
import { NsxError, ParseError } from '../errors.js';
import { ALL_STAT_GROUPS, type CgroupSample } from '../model/cgroup-sample.js';
import type { CgroupLayout } from '../model/cgroup.js';
import type { Identity } from '../model/identity.js';
import { withNsfsMounts, type NamespaceRecord, type NsfsMount } from '../model/namespace.js';
import { identityPaths } from '../model/process-cgroup.js';
import { NS_TYPES } from '../parse/nsid-link.js';
import type { ProcessSample } from '../model/process.js';
import { cpuListCount, parseCpuList } from '../parse/cgroup-files.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { readUserNames } from '../readers/etc/passwd.js';
import { openKernelLogStream, type KernelLogStream } from '../readers/kmsg.js';
import { nsfsMountsOf } from '../readers/nsfs/mounts.js';
import { readNamespaceRelations } from '../readers/nsfs/relations.js';
import { parseMountinfo } from '../parse/mountinfo.js';
import { ProcessReader } from '../readers/procfs/process.js';
import { readUptime } from '../readers/procfs/uptime.js';
import { RuntimeIndex } from '../readers/runtimes/index.js';
import { makeRecordCollector, type RecordCollector } from './collect.js';
import { monotonicMs } from '../sampler/sampler.js';
import { versionLine } from '../cli/version.js';
import { KernelEvents } from './kernel-events.js';
import { InputEncoder, type RecordedHost, type RecordedNamespace, type RecordedProcess, type RecordInput } from './state.js';
import { StoreWriter, type AppendResult } from './store.js';
import { openRecording } from './recording.js';

export interface RecorderOptions {
  readonly paths: HostPaths;
  readonly dir: string;
  readonly intervalMs: number;
  readonly retainMs?: number;
  readonly maxBytes?: number;
  /** one line per notable thing (start, a sample that failed, segments removed) */
  readonly log: (message: string) => void;
  /** re-read command lines, namespaces and cgroups of a process that ran every this many intervals (default 6) */
  readonly refreshEvery?: number;
  /** fdatasync every frame (default true) */
  readonly sync?: boolean;
  /** read an idle cgroup in full every this many intervals (default 60: 5 minutes at 5 s) */
  readonly fullEvery?: number;
  /** read a process of an idle cgroup (it did not run: only its RSS may shrink) every this many intervals (default 60) */
  readonly processEvery?: number;
  /** cgroup files kept open at most (default: half the process's fd limit, less what the process reader keeps) */
  readonly maxOpenFiles?: number;
  /** segment length and keyframe spacing (tests, the bench) */
  readonly segmentMs?: number;
  readonly keyframeEvery?: number;
  /** clocks (tests and the bench's simulated day): wall ms, monotonic ms */
  readonly now?: () => number;
  readonly clock?: () => number;
}

/** What one tick did. */
export interface TickResult extends AppendResult {
  readonly cgroups: number;
  readonly processes: number;
  readonly events: number;
  /** CPU time the sample and the write took (µs, this process) */
  readonly cpu_us: number;
}

/**
 * Cgroup files the recorder keeps open, both tiers together: what the soft fd limit leaves after the process
 * reader's third (/proc files) and a reserve, at most 16,384 (each open cgroupfs file holds a page of kernel
 * memory for its read buffer). Beyond it files are opened, read and closed each time.
 */
function cgroupFdBudget(paths: HostPaths): number | undefined {
  const t = wrap(undefined, join(paths.proc, 'self/limits'), readWhole, 'gone');
  const m = t === undefined ? null : /^Max open files\s+(\d+)/m.exec(t);
  return m ? Math.max(64, Math.min(16_384, Math.floor((2 * Number(m[1])) / 3) - 768)) : undefined;
}

/** Re-read /etc/passwd and the host's names every this many intervals. */
const SLOW_EVERY = 12;

export class Recorder {
  private readonly layout: CgroupLayout;
  private readonly collect: RecordCollector;
  private readonly procs: ProcessReader;
  private readonly index: RuntimeIndex;
  private readonly kmsg: KernelLogStream;
  private readonly kevents: KernelEvents;
  private readonly store: StoreWriter;
  private readonly input = new InputEncoder();
  private readonly now: () => number;
  private readonly clock: () => number;
  /**
   * per process sample: its located identity (before metadata), the record made last time, and the cgroup that
   * counts its CPU time (v1 cpuacct, else cgroup2; null: none; undefined: not yet asked) — one entry per sample
   */
  private readonly located = new WeakMap<ProcessSample, ProcessMeta>();
  private grouped: { procs: readonly RecordedProcess[]; nss: NamespaceRecord[] } | undefined;
  private mounts: { text: string | undefined; list: NsfsMount[] } = { text: undefined, list: [] };
  /** namespaces: relations asked once per inode */
  private readonly nsInfo = new Map<number, RecordedNamespace>();
  private readonly devices = new Map<string, string | null>();
  private devicesObj: Record<string, string> = {};
  private users: Record<string, string> = {};
  private host: Partial<RecordedHost> = {};
  private ticks = 0;
  /** CPU µs per phase of the samples taken (set it to an object to have them counted: the bench) */
  phases: Record<string, number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<TickResult> | undefined;
  private stopped = false;

  constructor(private readonly o: RecorderOptions) {
    this.now = o.now ?? Date.now;
    this.clock = o.clock ?? monotonicMs;
    // the store first: a directory that cannot be made, written or locked fails before any sampling
    const bootId = wrap(undefined, join(o.paths.proc, 'sys/kernel/random/boot_id'), readWhole, 'gone')?.trim();
    this.store = new StoreWriter(o.dir, {
      retainMs: o.retainMs,
      maxBytes: o.maxBytes,
      segmentMs: o.segmentMs,
      keyframeEvery: o.keyframeEvery,
      sync: o.sync,
      now: this.now,
      header: { writer: versionLine(), hostname: this.hostname(), boot_id: bootId, interval_ms: o.intervalMs },
    });
    this.layout = readCgroupLayout(o.paths);
    const budget = o.maxOpenFiles ?? cgroupFdBudget(o.paths);
    this.collect = makeRecordCollector({ paths: o.paths, layout: this.layout, fullEvery: o.fullEvery, maxOpen: budget, clock: this.clock, now: () => new Date(this.now()) });
    this.procs = new ProcessReader({ paths: o.paths, refreshEvery: o.refreshEvery ?? 6, keepOpen: o.paths.live });
    this.index = new RuntimeIndex(o.paths, { recheckMs: 5000, now: this.clock });
    this.kevents = new KernelEvents(this.recordedKmsgSeq(bootId));
    this.kmsg = openKernelLogStream(o.paths);
    this.host = { boot_id: bootId, hostname: this.hostname(), layout: this.layout, host_cpus: this.hostCpus(), interval_ms: o.intervalMs };
  }

  /** The kernel log sequence number the recording already has (same boot only), so a restart records nothing twice. */
  private recordedKmsgSeq(bootId: string | undefined): number {
    let rec;
    try {
      rec = openRecording(this.o.dir, 'nsx record');
    } catch (e) {
      if (e instanceof NsxError) return -1; // nothing recorded yet (or nothing readable): start afresh
      throw e;
    }
    const last = rec.at(rec.end_ms).state.host;
    return last.boot_id === bootId && typeof last.kmsg_seq === 'number' ? last.kmsg_seq : -1;
  }

  private hostname(): string | undefined {
    return wrap(undefined, join(this.o.paths.proc, 'sys/kernel/hostname'), readWhole, 'gone')?.trim();
  }

  private hostCpus(): number | undefined {
    const f = join(this.o.paths.sys, 'devices/system/cpu/online');
    const t = wrap(undefined, f, readWhole, 'gone');
    if (t === undefined) return undefined;
    try {
      return cpuListCount(parseCpuList(t, f));
    } catch (e) {
      if (e instanceof ParseError) return undefined;
      throw e;
    }
  }

  /** Read everything once (no write). */
  async sample(): Promise<RecordInput> {
    const t0 = this.clock();
    const time_ms = this.now();
    const ph = this.phases;
    let c = ph ? process.cpuUsage() : undefined;
    const lap = (k: string) => {
      if (!ph || !c) return;
      const d = process.cpuUsage(c);
      ph[k] = (ph[k] ?? 0) + d.user + d.system;
      c = process.cpuUsage();
    };
    const snap = this.collect();
    lap('cgroups');
    const tol = new Tolerance();
    const samples = this.procs.read(tol, undefined, this.quietProcess);
    lap('processes');
    const processes = samples.map((s) => this.recordOf(s));
    lap('identities');
    const namespaces = await this.namespaces(processes, tol);
    lap('namespaces');
    const kl = this.kmsg.read();
    const monoNow = this.clock();
    const events = this.kevents.take(kl.records, (usec) => (usec === undefined ? time_ms : time_ms - (monoNow - usec / 1000)));
    const slow = this.ticks % SLOW_EVERY === 0;
    if (slow) {
      const users: Record<string, string> = {};
      for (const [uid, name] of readUserNames(this.o.paths)) users[String(uid)] = name;
      if (JSON.stringify(users) !== JSON.stringify(this.users)) this.users = users;
    }
    this.noteDevices(snap.cgroups);
    let uptime: number | undefined;
    try {
      uptime = readUptime(this.o.paths);
    } catch (e) {
      if (!(e instanceof ParseError)) tol.absorb(e, join(this.o.paths.proc, 'uptime'));
    }
    const cgTol = this.collect.tolerance();
    const denied = [...cgTol.denied, ...tol.denied];
    const host: RecordedHost = {
      ...this.host,
      mono_us: Math.round(snap.mono_ms * 1000),
      ...(uptime !== undefined ? { uptime_s: uptime, boot_ms: Math.round(time_ms - uptime * 1000) } : {}),
      ...(this.procs.pageSize !== undefined ? { page_size: this.procs.pageSize } : {}),
      users: this.users,
      devices: this.devicesObj,
      gone: cgTol.gone + tol.gone,
      ...(denied.length ? { denied: denied.slice(0, 20) } : {}),
      read_ms: Math.round((this.clock() - t0) * 10) / 10,
      kernel_log: kl.readable ? { readable: true } : { readable: false, reason: kl.reason },
      ...(this.kevents.last >= 0 ? { kmsg_seq: this.kevents.last } : {}),
    };
    // cgroup identities from the same runtime index as the processes' (one clock, one metadata check)
    const identities: Record<string, Identity> = {};
    for (const c of snap.cgroups) {
      const i = this.index.identify(c.path);
      if (i && i.kind !== 'unit' && i.kind !== 'slice') identities[c.path] = i;
    }
    this.ticks++;
    lap('host');
    return { time_ms, host, cgroups: snap.cgroups, identities, processes, namespaces, events };
  }

  /**
   * Did this process not run since its last read? Its CPU cgroup's time did not move (src/record/collect.ts), and
   * it was read less than `processEvery` samples ago (its RSS can still shrink while it sleeps).
   */
  private readonly quietProcess = (s: ProcessSample): boolean => {
    // (a sample without an entry — a sample that failed after it was read — is read again)
    const m = this.metaOf(s, -Infinity);
    let p = m.cpu;
    if (p === undefined) {
      const e = s.cgroups.find((x) => x.controllers.includes('cpuacct')) ?? s.cgroups.find((x) => x.hierarchyId === 0);
      p = m.cpu = e && !e.path.startsWith('/..') ? e.path : null;
    }
    if (p !== null && this.collect.idle().has(p) && this.ticks - m.readAt < (this.o.processEvery ?? 60)) return true;
    m.readAt = this.ticks;
    return false;
  };

  /** A process's record: its sample with its identity (the same object while both are unchanged). */
  private recordOf(s: ProcessSample): RecordedProcess {
    const m = this.metaOf(s);
    // metadata joined every interval (a rename shows at the next sample); the index memoises the join
    const id = this.index.enrich(m.located);
    if (id !== m.id || m.rec === s) {
      m.id = id;
      m.rec = id ? { ...s, identity: id } : s;
    }
    return m.rec;
  }

  /** The recorder's entry of a process sample (made at its first use). */
  private metaOf(s: ProcessSample, readAt = this.ticks): ProcessMeta {
    let m = this.located.get(s);
    if (!m) {
      // (a sample is made when its process is read: by default, it was read at this sample)
      m = { located: this.index.locatePaths(identityPaths(s.cgroups)), id: undefined, rec: s, cpu: undefined, readAt };
      this.located.set(s, m);
    }
    return m;
  }

  /** Every namespace the processes hold or a bind mount holds, with its relations (asked once per inode). */
  private async namespaces(processes: readonly RecordedProcess[], tol: Tolerance): Promise<RecordedNamespace[]> {
    // the same processes in the same namespaces as last time (a record that changed for its CPU time or RSS
    // keeps its PID and namespaces): the same grouping (grouping 5,000 processes costs ms)
    const g = this.grouped;
    const same = g !== undefined && g.procs.length === processes.length && processes.every((p, i) => sameNamespaces(p, g.procs[i]));
    const grouped = same ? g.nss : heldNamespaces(processes);
    this.grouped = { procs: processes, nss: grouped };
    const mi = join(this.o.paths.proc, 'self/mountinfo');
    const text = wrap(tol, mi, () => readWhole(mi));
    if (text !== this.mounts.text) this.mounts = { text, list: text === undefined ? [] : nsfsMountsOf(parseMountinfo(text, mi)) };
    const nss = withNsfsMounts(grouped, this.mounts.list);
    const fresh = nss.filter((n) => !this.nsInfo.has(n.inode));
    if (fresh.length) await this.relations(fresh, tol);
    const out: RecordedNamespace[] = [];
    const live = new Set<number>();
    for (const n of nss) {
      live.add(n.inode);
      let r = this.nsInfo.get(n.inode)!;
      const nsfs = n.nsfs.length ? n.nsfs : undefined;
      if (JSON.stringify(r.nsfs) !== JSON.stringify(nsfs)) {
        const { nsfs: _drop, ...rest } = r;
        r = nsfs ? { ...rest, nsfs } : rest;
        this.nsInfo.set(n.inode, r);
      }
      out.push(r);
    }
    for (const k of this.nsInfo.keys()) if (!live.has(k)) this.nsInfo.delete(k);
    return out;
  }

  private async relations(fresh: NamespaceRecord[], tol: Tolerance): Promise<void> {
    try {
      await readNamespaceRelations(this.o.paths, fresh, { relations: true, netnsid: true, ownerUid: true }, tol);
    } catch (e) {
      // the native module could not load, or the kernel refused: namespaces are recorded without relations
      if (!(e instanceof NsxError)) throw e;
      this.o.log(`nsx record: namespace relations: ${e.message}`);
    }
    for (const n of fresh) {
      this.nsInfo.set(n.inode, {
        inode: n.inode,
        type: n.type,
        ...(n.owner !== undefined ? { owner: n.owner } : {}),
        ...(n.parent !== undefined ? { parent: n.parent } : {}),
        ...(n.netnsid !== undefined ? { netnsid: n.netnsid } : {}),
        ...(n.ownerUid !== undefined ? { ownerUid: n.ownerUid } : {}),
      });
    }
  }

  /** Block device names (for `record export`'s `device` label), learnt once per device. */
  private noteDevices(cgroups: readonly CgroupSample[]): void {
    let changed = false;
    for (const c of cgroups) {
      for (const d of c.io?.devices ?? []) {
        const k = `${d.major}:${d.minor}`;
        if (this.devices.has(k)) continue;
        const name = blockDeviceName(this.o.paths, d.major, d.minor);
        this.devices.set(k, name);
        if (name) changed = true;
      }
    }
    if (changed) {
      const o: Record<string, string> = {};
      for (const [k, v] of this.devices) if (v) o[k] = v;
      this.devicesObj = o;
    }
  }

  /** One sample, written. */
  async tick(): Promise<TickResult> {
    const c0 = process.cpuUsage();
    const input = await this.sample();
    const c1 = this.phases ? process.cpuUsage() : undefined;
    const r = this.store.append(input.time_ms, (enc) => this.input.encode(enc, input));
    if (this.phases && c1) {
      const d = process.cpuUsage(c1);
      this.phases.store = (this.phases.store ?? 0) + d.user + d.system;
    }
    for (const name of this.store.removed.splice(0)) this.o.log(`nsx record: removed ${name} (retention)`);
    const c = process.cpuUsage(c0);
    return { ...r, cgroups: input.cgroups.length, processes: input.processes.length, events: input.events.length, cpu_us: c.user + c.system };
  }

  /** Sample now and then at every multiple of the interval (wall clock), until stop(). */
  start(): void {
    const run = async () => {
      if (this.stopped) return;
      try {
        this.inflight = this.tick();
        await this.inflight;
      } catch (e) {
        // one failed sample is reported and the next one tried (a full disk, a vanished hierarchy)
        this.o.log(`nsx record: sample failed: ${(e as Error)?.message ?? String(e)}`);
      }
      if (this.stopped) return;
      const iv = this.o.intervalMs;
      const wait = iv - (this.now() % iv);
      this.timer = setTimeout(() => void run(), wait < iv / 10 ? wait + iv : wait);
    };
    void run();
  }

  /** Stop: the sample in progress finishes, the open segment is sealed, files closed, the lock released. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight?.catch(() => undefined);
    try {
      this.store.close();
    } finally {
      this.kmsg.close();
      this.collect.close();
      this.procs.close();
    }
  }

  /** For the crash tests: stop without sealing (what kill -9 leaves). */
  abandon(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.store.abandon();
    this.kmsg.close();
    this.collect.close();
    this.procs.close();
  }
}

/** The recorder's entry of a process sample (see Recorder.located). */
interface ProcessMeta {
  located?: Identity;
  id?: Identity;
  rec: RecordedProcess;
  cpu?: string | null;
  /** the sample number its process was last read at (a sample object lives while its process is not read, or read unchanged) */
  readAt: number;
}

/** Holders kept per namespace: enough to open it for its relations when some of them exit meanwhile. */
const HOLDERS = 8;

/**
 * The namespaces the processes hold, by inode, each with its first HOLDERS member PIDs (in the processes' order)
 * — what the recording needs: the members themselves are in the process samples, and holders only open a new
 * namespace to ask its relations. Processes share their namespace-link objects (the process reader keeps one
 * per set), so a set met HOLDERS times is skipped at once.
 */
export function heldNamespaces(procs: readonly RecordedProcess[]): NamespaceRecord[] {
  const byIno = new Map<number, NamespaceRecord>();
  const sets = new Map<object, number>();
  for (const p of procs) {
    const met = sets.get(p.ns) ?? 0;
    if (met >= HOLDERS) continue;
    sets.set(p.ns, met + 1);
    for (const t of NS_TYPES) {
      const ino = p.ns[t];
      if (ino === undefined) continue;
      let ns = byIno.get(ino);
      if (!ns) byIno.set(ino, (ns = { inode: ino, type: t, pids: [], nsfs: [] }));
      if (ns.pids.length < HOLDERS) (ns.pids as number[]).push(p.pid);
    }
  }
  return [...byIno.values()].sort((a, b) => a.inode - b.inode);
}

/** Do two process records stand for the same PID in the same namespaces (what groupNamespaces reads)? */
function sameNamespaces(a: RecordedProcess, b: RecordedProcess): boolean {
  if (a === b || (a.pid === b.pid && a.ns === b.ns)) return true;
  if (a.pid !== b.pid) return false;
  const x = a.ns as Readonly<Record<string, number | undefined>>;
  const y = b.ns as Readonly<Record<string, number | undefined>>;
  for (const k in x) if (x[k] !== y[k]) return false;
  for (const k in y) if (x[k] !== y[k]) return false;
  return true;
}

/**
 * The /dev name of a block device, as the exporter labels it: the kernel's name of the device, which is the
 * target of the /sys/dev/block/MAJ:MIN link (`!` in it stands for `/`, as in the kernel's DEVNAME). Read with one
 * readlink, not through src/readers/sysfs/block.ts (uevent's DEVNAME): that module is the exporter's lazy
 * chunk's, and importing it here, in the commands' chunk, would add a chunk to every command's start-up.
 * null when the device is gone, unreadable or not a link.
 */
export function blockDeviceName(paths: HostPaths, major: number, minor: number): string | null {
  const path = join(paths.sys, 'dev', 'block', `${major}:${minor}`);
  // a copied /sys (--root) may hold a directory there: no name then
  const link = wrap(undefined, path, (p) => (lstatSync(p).isSymbolicLink() ? readlinkSync(p) : undefined), 'unreadable');
  return link === undefined ? null : `/dev/${basename(link).replace(/!/g, '/')}`;
}
