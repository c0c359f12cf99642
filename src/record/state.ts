/**
 * What one recorded instant holds, and its mapping to and from the frame codec (src/record/columns.ts). Pure.
 *
 * The recorder stores the samples every view already reads — no second mapping of kernel files:
 * - every cgroup's `CgroupSample` (src/model/cgroup-sample.ts, read by THE mapping `sampleCgroup`), with its
 *   container/pod/machine `Identity` (runtime metadata joined);
 * - every process's `ProcessSample` (src/model/process.ts, read by src/readers/procfs/process.ts), PID and start
 *   time as its identity, with the identity of its container or unit;
 * - namespaces: the ones a process holds are in the process samples; what only the namespace knows (nsfs bind
 *   mounts, owner and parent, NETNSID) is a `RecordedNamespace` per inode;
 * - the host: monotonic clock, uptime, layout, user names, device names, what the sample could not read;
 * - events between samples from the kernel log (OOM kills, forks refused by the pids controller).
 * Cgroups created or removed and processes started or exited are the entities added and removed between frames.
 */
import type { CgroupLayout } from '../model/cgroup.js';
import type { CgroupSample } from '../model/cgroup-sample.js';
import type { Identity } from '../model/identity.js';
import type { ProcessSample } from '../model/process.js';
import type { NsType } from '../parse/nsid-link.js';
import type { ForkRejectedReport, OomKillReport } from '../parse/kmsg.js';
import {
  cgroupKeyWriter, FrameDecoder, hostKeyWriter, inodeKeyWriter, KIND_CGROUP, KIND_HOST, KIND_NAMESPACE, KIND_PROCESS, parseJson, processKey, processKeyWriter,
  type DecEntity, type FrameEncoder,
} from './columns.js';
import { CorruptRecord } from './bytes.js';

/** Host-wide facts of one sample. */
export interface RecordedHost {
  /** the monotonic clock at the sample, µs (rates: Δ between two samples) */
  readonly mono_us: number;
  /** /proc/uptime (s): the clock of process start times */
  readonly uptime_s?: number;
  /** wall time of the boot (ms since the epoch) */
  readonly boot_ms?: number;
  readonly boot_id?: string;
  readonly hostname?: string;
  readonly layout?: CgroupLayout;
  /** bytes per page (process RSS) */
  readonly page_size?: number;
  /** CPUs online */
  readonly host_cpus?: number;
  /** UID → user name (/etc/passwd of the recorded host) */
  readonly users?: Readonly<Record<string, string>>;
  /** `MAJ:MIN` → `/dev/NAME` of the devices in IO counters */
  readonly devices?: Readonly<Record<string, string>>;
  /** objects that vanished while sampled, files that could not be read for lack of permission */
  readonly gone?: number;
  readonly denied?: readonly string[];
  /** how long the sample took to read (ms) */
  readonly read_ms?: number;
  /** whether the kernel log could be read (and why not) */
  readonly kernel_log?: { readonly readable: boolean; readonly reason?: string };
  /** sequence number of the last kernel log record seen (a restarted recorder skips what it recorded) */
  readonly kmsg_seq?: number;
  /** the recorder's interval (ms) */
  readonly interval_ms?: number;
}

/** A process sample with the identity of its container or unit (runtime metadata joined). */
export interface RecordedProcess extends ProcessSample {
  readonly identity?: Identity;
}

/** What only the namespace knows (its member processes are in the process samples). */
export interface RecordedNamespace {
  readonly inode: number;
  readonly type: NsType;
  /** nsfs bind mounts holding it */
  readonly nsfs?: readonly string[];
  readonly owner?: number;
  readonly parent?: number;
  readonly netnsid?: number;
  readonly ownerUid?: number;
}

/** A kernel log event, placed in wall time. */
export type KernelEvent =
  | ({ readonly kind: 'oom-kill'; readonly time_ms: number } & OomKillReport)
  | ({ readonly kind: 'fork-rejected'; readonly time_ms: number } & ForkRejectedReport);

/** Everything recorded at one instant (the recorder's input). */
export interface RecordInput {
  readonly time_ms: number;
  readonly host: RecordedHost;
  readonly cgroups: readonly CgroupSample[];
  /** container/pod/machine identity by cgroup path */
  readonly identities?: Readonly<Record<string, Identity>>;
  readonly processes: readonly RecordedProcess[];
  readonly namespaces: readonly RecordedNamespace[];
  readonly events: readonly KernelEvent[];
}

/**
 * Puts a RecordInput into a frame. Keeps the objects it made per cgroup (sample + identity), so that a cgroup
 * whose sample object and identity did not change is the same object again (the codec skips it at once).
 */
export class InputEncoder {
  private cg = new Map<string, { s: CgroupSample; id: Identity | undefined; o: object }>();

  encode(enc: FrameEncoder, input: RecordInput): void {
    enc.put(KIND_HOST, '', input.host, hostKeyWriter);
    const seen = new Map<string, { s: CgroupSample; id: Identity | undefined; o: object }>();
    for (const s of input.cgroups) {
      const id = input.identities?.[s.path];
      let w = this.cg.get(s.path);
      if (!w || w.s !== s || w.id !== id) w = { s, id, o: id ? { ...s, identity: id } : s };
      seen.set(s.path, w);
      // an entity's key is a function of its object here (path, PID and start time, inode): putKnown applies
      if (!enc.putKnown(KIND_CGROUP, w.o)) enc.put(KIND_CGROUP, s.path, w.o, cgroupKeyWriter(s.path));
    }
    this.cg = seen;
    for (const p of input.processes) if (!enc.putKnown(KIND_PROCESS, p)) enc.put(KIND_PROCESS, processKey(p.pid, p.starttimeTicks), p, processKeyWriter(p.pid, p.starttimeTicks));
    for (const n of input.namespaces) if (!enc.putKnown(KIND_NAMESPACE, n)) enc.put(KIND_NAMESPACE, String(n.inode), n, inodeKeyWriter(n.inode));
    for (const e of input.events) enc.event(JSON.stringify(e));
  }
}

/** One decoded instant. Objects are shared with the previous instant where nothing changed. */
export interface RecordedState {
  readonly time_ms: number;
  readonly host: RecordedHost;
  /** cgroup samples in recording order (parents before children) */
  readonly cgroups: readonly CgroupSample[];
  readonly identities: Readonly<Record<string, Identity>>;
  /** processes in recording order (PID order within a listing) */
  readonly processes: readonly RecordedProcess[];
  readonly namespaces: readonly RecordedNamespace[];
  /** kernel events recorded with this frame (they happened since the previous one) */
  readonly events: readonly KernelEvent[];
  /** what changed since the previous frame decoded (none known after a seek to a keyframe) */
  readonly keyframe: boolean;
  readonly cgroupsAdded: readonly string[];
  readonly cgroupsRemoved: readonly string[];
  readonly processesStarted: readonly RecordedProcess[];
  readonly processesExited: readonly RecordedProcess[];
  /** cgroups whose identity (container name, image…) changed in this frame */
  readonly identityChanged: readonly string[];
}

interface DerivedCgroup {
  readonly o: object;
  readonly sample: CgroupSample;
  readonly identity?: Identity;
}

function cgroupOf(dec: FrameDecoder, e: DecEntity): { sample: CgroupSample; identity?: Identity } {
  const o = dec.objectOf(KIND_CGROUP, e);
  let d = e.memo as DerivedCgroup | undefined;
  if (d?.o !== o) {
    // most cgroups have no identity: no copy of their object then
    const identity = (o as Record<string, unknown>).identity;
    let sample: CgroupSample;
    if (identity === undefined) sample = o as unknown as CgroupSample;
    else {
      const { identity: _drop, ...rest } = o as Record<string, unknown>;
      sample = rest as unknown as CgroupSample;
    }
    if (typeof sample.path !== 'string') throw new CorruptRecord('a cgroup without its path');
    // a cgroup no hierarchy identified (a bare listing) has no inode leaves: its `inodes` is the empty record
    if (typeof sample.inodes !== 'object' || sample.inodes === null) sample = { ...sample, inodes: {} };
    d = identity === undefined ? { o, sample } : { o, sample, identity: identity as Identity };
    e.memo = d;
  }
  return d;
}

function processOf(dec: FrameDecoder, e: DecEntity): RecordedProcess {
  const o = dec.objectOf(KIND_PROCESS, e) as unknown as RecordedProcess;
  if (typeof o.pid !== 'number' || !Array.isArray(o.argv) || typeof o.ns !== 'object' || !Array.isArray(o.cgroups)) throw new CorruptRecord('a process without its identity');
  return o;
}

/**
 * Decodes frames of one chunk into states: `next(raw, time_ms)` for each frame in order (from the keyframe).
 * `state()` materialises the current instant (cheap: unchanged entities keep their objects).
 */
export class StateDecoder {
  private readonly dec: FrameDecoder;

  /**
   * `only`: the kinds of entity to decode (KIND_HOST is always decoded); the states of a decoder that skips
   * processes or namespaces have none (a view that needs only cgroups reads a churning host's frames far faster).
   */
  constructor(only?: ReadonlySet<number>) {
    this.dec = new FrameDecoder(only ? new Set([KIND_HOST, ...only]) : undefined);
  }
  private last: { cgroups: CgroupSample[]; identities: Record<string, Identity>; processes: RecordedProcess[]; namespaces: RecordedNamespace[] } | undefined;

  /**
   * Apply a frame without building its state (the frames between a keyframe and the instant asked for): only the
   * column values move. What changed at the next state built is then known against this frame only partly.
   */
  skip(raw: Buffer): void {
    this.dec.apply(raw);
    this.last = undefined;
  }

  /** Apply one frame; returns the state after it. */
  next(raw: Buffer, time_ms: number): RecordedState {
    const ch = this.dec.apply(raw);
    const host = this.host();
    const cgroups: CgroupSample[] = [];
    const identities: Record<string, Identity> = {};
    for (const e of this.dec.entities(KIND_CGROUP)) {
      const d = cgroupOf(this.dec, e);
      cgroups.push(d.sample);
      if (d.identity) identities[d.sample.path] = d.identity;
    }
    const processes: RecordedProcess[] = [];
    for (const e of this.dec.entities(KIND_PROCESS)) processes.push(processOf(this.dec, e));
    const namespaces: RecordedNamespace[] = [];
    for (const e of this.dec.entities(KIND_NAMESPACE)) namespaces.push(this.dec.objectOf(KIND_NAMESPACE, e) as unknown as RecordedNamespace);
    const events: KernelEvent[] = ch.events.map((t) => {
      const ev = parseJson(t, 'an event') as KernelEvent;
      if (ev === null || typeof ev !== 'object' || typeof ev.time_ms !== 'number') throw new CorruptRecord('an event without its time');
      return ev;
    });
    let cgroupsAdded: string[] = [];
    let cgroupsRemoved: string[] = [];
    let processesStarted: RecordedProcess[] = [];
    let processesExited: RecordedProcess[] = [];
    const identityChanged: string[] = [];
    const before = this.last;
    if (!ch.keyframe) {
      // removed entities keep the last object built for them (every live entity is built at every frame)
      cgroupsAdded = ch.added[KIND_CGROUP].map((e) => cgroupOf(this.dec, e).sample.path);
      cgroupsRemoved = ch.removed[KIND_CGROUP].map((e) => (e.obj ? cgroupOf(this.dec, e).sample.path : e.key));
      processesStarted = ch.added[KIND_PROCESS].map((e) => processOf(this.dec, e));
      processesExited = ch.removed[KIND_PROCESS].filter((e) => e.obj).map((e) => processOf(this.dec, e));
      for (const e of before ? ch.changed[KIND_CGROUP] : []) {
        if (ch.added[KIND_CGROUP].includes(e)) continue;
        const d = cgroupOf(this.dec, e);
        if (JSON.stringify(before?.identities[d.sample.path]) !== JSON.stringify(d.identity)) identityChanged.push(d.sample.path);
      }
    } else if (before) {
      // a new chunk lists everything again: what changed is the difference with the frame before it
      const was = new Set(before.cgroups.map((c) => c.path));
      const now = new Set(cgroups.map((c) => c.path));
      cgroupsAdded = [...now].filter((p) => !was.has(p));
      cgroupsRemoved = [...was].filter((p) => !now.has(p));
      const key = (p: RecordedProcess) => processKey(p.pid, p.starttimeTicks);
      const pw = new Set(before.processes.map(key));
      const pn = new Set(processes.map(key));
      processesStarted = processes.filter((p) => !pw.has(key(p)));
      processesExited = before.processes.filter((p) => !pn.has(key(p)));
      for (const c of cgroups) if (was.has(c.path) && JSON.stringify(before.identities[c.path]) !== JSON.stringify(identities[c.path])) identityChanged.push(c.path);
    }
    this.last = { cgroups, identities, processes, namespaces };
    return { time_ms, host, cgroups, identities, processes, namespaces, events, keyframe: ch.keyframe, cgroupsAdded, cgroupsRemoved, processesStarted, processesExited, identityChanged };
  }

  /** Forget the previous instant (after a seek: the next keyframe's changes are then unknown, not "everything"). */
  reset(): void {
    this.last = undefined;
  }

  private host(): RecordedHost {
    const e = this.dec.entities(KIND_HOST).next().value;
    if (!e) throw new CorruptRecord('a frame without its host record');
    const h = this.dec.objectOf(KIND_HOST, e) as unknown as RecordedHost;
    if (typeof h.mono_us !== 'number') throw new CorruptRecord('a host record without its clock');
    return h;
  }
}
