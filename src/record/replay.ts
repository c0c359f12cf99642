/**
 * Replay: a recording as the sample source of the views. What a live view reads from the host — `CgroupSnapshot`s
 * for `top` and the dashboard's Cgroups view, `ProcessTable`s for `ps` and the dashboard, the layout, container
 * identities — comes from the recorded frames instead, and the views build their models from them as they do
 * live (src/sampler/frame.ts, src/model/process.ts `processRow`, …). Nothing of the live host is read: a recording
 * copied from another host replays as that host (its layout, user names, container names), like `--root`.
 *
 *   const r = openReplay({ dir, at }, 'nsx top');
 *   r.snapshot(state) / r.processTable(state)       the samples of a recorded instant
 *   r.cursor                                          the instant shown, moved by time-travel keys
 *   new ReplaySampler(r.cursor, (st) => r.snapshot(st))   a Sampler for the views that take one
 *   r.cgroupOf('container:web')                       a target resolved against the recorded identities
 */
import { NotFoundError, UsageError } from '../errors.js';
import type { CgroupLayout } from '../model/cgroup.js';
import { normalizeCgroupPath } from '../model/cgroup.js';
import type { CgroupSnapshot } from '../model/cgroup-sample.js';
import { isContainerTarget, parseContainerTarget, pickContainer, pickPod } from '../model/container-target.js';
import type { Identity } from '../model/identity.js';
import { processRow, type ProcessReference, type ProcessTable, type PsProcess, type RowContext } from '../model/process.js';
import { Sampler, type ErrorListener, type SampleEvent, type SampleListener, type Stamped } from '../sampler/sampler.js';
import { parentPath } from '../model/throttle.js';
import { Tolerance } from '../host/tolerance.js';
import type { Collector } from '../sampler/collect.js';
import { openRecording, type AtResult, type Recording } from './recording.js';
import { KIND_CGROUP, KIND_NAMESPACE, KIND_PROCESS } from './columns.js';
import type { RecordedProcess, RecordedState } from './state.js';
import { isoSecond } from './time.js';
import { countOf } from '../output/words.js';

/** What the command line asked for: one instant, or a range (ends undefined: the recording's ends). */
export interface ReplayWindow {
  readonly dir: string;
  readonly at?: number;
  readonly from?: number;
  readonly to?: number;
}

const EMPTY_LAYOUT: CgroupLayout = { kind: 'none', hierarchies: [], controllers: [], unattached: [] };

/** A recorded instant as the live `nsx top` collector gives it (memoised per state). */
const snapshots = new WeakMap<RecordedState, CgroupSnapshot>();
export function snapshotOf(st: RecordedState): CgroupSnapshot {
  let s = snapshots.get(st);
  if (!s) {
    s = { mono_ms: st.host.mono_us / 1000, timestamp: new Date(st.time_ms).toISOString(), cgroups: st.cgroups, layout: st.host.layout?.kind, identities: st.identities };
    snapshots.set(st, s);
  }
  return s;
}

/** The cgroups of a snapshot under `root` (to `depth` levels), with the root's ancestors (throttle attribution), as the live collector lists them. */
export function restrictSnapshot(s: CgroupSnapshot, root: string, depth: number | undefined): CgroupSnapshot {
  if (root === '/' && depth === undefined) return s;
  const ancestors = new Set<string>();
  for (let p = parentPath(root); p !== undefined; p = parentPath(p)) ancestors.add(p);
  const base = root === '/' ? 0 : root.split('/').length - 1;
  const inView = (p: string) => {
    if (p !== root && !(root === '/' ? p.startsWith('/') : p.startsWith(root + '/'))) return false;
    return depth === undefined || (p === '/' ? 0 : p.split('/').length - 1) - base <= depth;
  };
  return { ...s, cgroups: s.cgroups.filter((c) => ancestors.has(c.path) || inView(c.path)) };
}

/** The name a view prints for an identity (as the live name cache: the label when metadata named it). */
export function nameOf(id: Identity | undefined): string | undefined {
  return id && id.label !== id.ref ? id.label : undefined;
}

/** Process tables of recorded instants: rows made by the one mapping (`processRow`), reused while a sample is unchanged. */
export class ProcessTables {
  private readonly rows = new WeakMap<RecordedProcess, PsProcess>();
  private readonly tables = new WeakMap<RecordedState, ProcessTable>();
  private users: { obj?: object; map: Map<number, string> } = { map: new Map() };

  table(st: RecordedState): ProcessTable {
    let t = this.tables.get(st);
    if (t) return t;
    const h = st.host;
    if (h.users !== this.users.obj) this.users = { obj: h.users, map: new Map(Object.entries(h.users ?? {}).map(([k, v]) => [Number(k), v])) };
    const ctx: RowContext = { users: this.users.map, pageSize: h.page_size ?? 4096, enrich: (id) => id, nameOf };
    const procs: PsProcess[] = new Array(st.processes.length);
    for (let i = 0; i < st.processes.length; i++) {
      const s = st.processes[i];
      let row = this.rows.get(s);
      if (!row) this.rows.set(s, (row = processRow(s, ctx, s.identity)));
      procs[i] = row;
    }
    const reference = referenceOf(st.processes);
    t = {
      mono_ms: h.mono_us / 1000,
      procs,
      reference,
      incomplete: (h.denied?.length ?? 0) > 0,
      skipped: { gone: h.gone ?? 0, denied: [...(h.denied ?? [])] },
      ...(h.uptime_s !== undefined ? { uptime_s: h.uptime_s } : {}),
    };
    this.tables.set(st, t);
    return t;
  }
}

/** The namespaces compared with: PID 1's, else kthreadd's (PID 2), as the live collector chooses. */
function referenceOf(procs: readonly RecordedProcess[]): ProcessReference {
  for (const pid of [1, 2]) {
    const p = procs.find((x) => x.pid === pid);
    if (p && Object.keys(p.ns).length) return { pid, ns: p.ns };
  }
  return { pid: 'self', ns: {} };
}

/** Where replay stands, shared by the samplers of one view; time-travel keys move it. */
export class ReplayCursor {
  private i: number;
  private readonly listeners = new Set<(i: number) => void>();
  private cache: { i: number; r: AtResult } | undefined;

  constructor(
    readonly rec: Recording,
    start: number,
    /** frame indices [first, last] a range covers (the whole recording for `--at`) */
    readonly first = 0,
    readonly last = rec.length - 1,
  ) {
    this.i = Math.min(Math.max(start, 0), rec.length - 1);
  }

  get index(): number {
    return this.i;
  }

  /** The state shown and the one before it. */
  current(): AtResult {
    if (this.cache?.i !== this.i) this.cache = { i: this.i, r: this.rec.atIndex(this.i) };
    return this.cache.r;
  }

  get time_ms(): number {
    return this.current().state.time_ms;
  }

  /** Move to frame `i` (clamped); listeners hear of it. Returns whether it moved. */
  moveTo(i: number): boolean {
    const j = Math.min(Math.max(i, 0), this.rec.length - 1);
    if (j === this.i) return false;
    this.i = j;
    for (const l of [...this.listeners]) l(j);
    return true;
  }

  step(by: number): boolean {
    return this.moveTo(this.i + by);
  }

  /** Jump to the last frame at or before time t. */
  jumpTo(t: number): boolean {
    return this.moveTo(this.rec.indexAt(t));
  }

  /**
   * Jump to the next frame (after the current one) with an event: an OOM kill or a fork refused, a cgroup created
   * or removed, a container renamed. Returns what it found, or undefined when none is left.
   */
  nextEvent(): string | undefined {
    for (const st of this.rec.range(this.time_ms + 1, Infinity)) {
      const what = eventsOf(st);
      if (what.length) {
        this.jumpTo(st.time_ms);
        return what.join(', ');
      }
    }
    return undefined;
  }

  subscribe(fn: (i: number) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
}

/** The notable changes of one frame, as short phrases (what "next event" stops at). */
export function eventsOf(st: RecordedState): string[] {
  const out: string[] = [];
  for (const e of st.events) out.push(e.kind === 'oom-kill' ? `OOM kill of ${e.task ?? '?'}[${e.pid ?? '?'}] in ${e.task_memcg ?? '?'}` : `fork refused in ${e.cgroup}`);
  if (st.cgroupsAdded.length) out.push(`${countOf(st.cgroupsAdded.length, 'cgroup')} created (${st.cgroupsAdded[0]}${st.cgroupsAdded.length > 1 ? ', …' : ''})`);
  if (st.cgroupsRemoved.length) out.push(`${countOf(st.cgroupsRemoved.length, 'cgroup')} removed (${st.cgroupsRemoved[0]}${st.cgroupsRemoved.length > 1 ? ', …' : ''})`);
  for (const p of st.identityChanged) out.push(`renamed: ${st.identities[p]?.label ?? p}`);
  return out;
}

/**
 * A Sampler (the type the views take) fed by a replay cursor: `sampleNow()` emits the instant the cursor stands at,
 * with the recorded instant before it as `prev` (so rates are the recorded interval's); the cursor moving emits
 * again. `play`: `start()` walks the cursor from frame `first` to `last` (batch output of a range), one frame per
 * turn of the event loop.
 */
export class ReplaySampler<S extends Stamped> extends Sampler<S> {
  private readonly subs = new Set<SampleListener<S>>();
  private readonly errs = new Set<ErrorListener>();
  private ev: SampleEvent<S> | undefined;
  private n = 0;
  private off: (() => void) | undefined;
  private playing = false;
  private held = false;
  private ms: number;

  constructor(
    private readonly cursor: ReplayCursor,
    private readonly map: (st: RecordedState) => S,
    private readonly o: { readonly play?: boolean; readonly intervalMs?: number } = {},
  ) {
    super({ collect: () => map(cursor.current().state), intervalMs: o.intervalMs ?? 1000 });
    this.ms = o.intervalMs ?? 1000;
  }

  override subscribe(fn: SampleListener<S>): () => void {
    this.subs.add(fn);
    return () => void this.subs.delete(fn);
  }

  override onError(fn: ErrorListener): () => void {
    this.errs.add(fn);
    return () => void this.errs.delete(fn);
  }

  override get intervalMs(): number {
    return this.ms;
  }

  override get paused(): boolean {
    return this.held;
  }

  override get latest(): S | undefined {
    return this.ev?.next;
  }

  override get latestEvent(): SampleEvent<S> | undefined {
    return this.ev;
  }

  override sampleNow(): SampleEvent<S> | undefined {
    let ev: SampleEvent<S>;
    try {
      const { prev, state } = this.cursor.current();
      const next = this.map(state);
      const p = prev ? this.map(prev) : undefined;
      const dt = p ? (next.mono_ms - p.mono_ms) / 1000 : null;
      ev = { prev: p, next, dt_s: dt !== null && dt > 0 ? dt : null, seq: ++this.n };
    } catch (e) {
      if (this.errs.size === 0) throw e;
      for (const l of [...this.errs]) l(e);
      return undefined;
    }
    this.ev = ev;
    for (const l of [...this.subs]) l(ev);
    return ev;
  }

  override start(): void {
    if (this.playing) return;
    this.playing = true;
    if (this.o.play) {
      this.cursor.moveTo(this.cursor.first);
      const turn = () => {
        if (!this.playing) return;
        this.sampleNow();
        if (this.playing && this.cursor.index < this.cursor.last && this.cursor.step(1)) setImmediate(turn);
      };
      turn();
      return;
    }
    // follow the cursor (time-travel keys)
    this.off = this.cursor.subscribe(() => {
      if (!this.held) this.sampleNow();
    });
    this.sampleNow();
  }

  override stop(): void {
    this.playing = false;
    this.off?.();
    this.off = undefined;
  }

  override pause(): void {
    this.held = true;
  }

  override resume(): void {
    if (!this.held) return;
    this.held = false;
    if (this.playing && !this.o.play) this.sampleNow();
  }

  override setIntervalMs(ms: number): void {
    this.ms = Math.max(1, ms);
  }
}

/** The recording and the window a command replays. */
export class Replay {
  readonly cursor: ReplayCursor;
  readonly tables = new ProcessTables();

  constructor(
    readonly rec: Recording,
    readonly window: ReplayWindow,
    readonly prog: string,
  ) {
    const from = window.from ?? (window.at === undefined ? -Infinity : undefined);
    if (window.at !== undefined) {
      this.checkInside(window.at);
      this.cursor = new ReplayCursor(rec, rec.indexAt(window.at));
    } else {
      const a = from === undefined || from === -Infinity ? 0 : rec.indexAt(from) + (rec.timeAt(rec.indexAt(from)) < from ? 1 : 0);
      const b = window.to === undefined ? rec.length - 1 : rec.indexAt(window.to);
      if (from !== undefined && from > rec.end_ms) throw this.outside(from);
      if (window.to !== undefined && window.to < rec.start_ms) throw this.outside(window.to);
      if (b < a) throw new NotFoundError(`${prog}: no frame recorded between ${isoSecond(from ?? rec.start_ms)} and ${isoSecond(window.to ?? rec.end_ms)} in ${rec.dir}`, rec.dir);
      this.cursor = new ReplayCursor(rec, a, a, b);
    }
  }

  private outside(t: number): NotFoundError {
    return new NotFoundError(`${this.prog}: ${isoSecond(t)} is outside the recording in ${this.rec.dir} (${isoSecond(this.rec.start_ms)} to ${isoSecond(this.rec.end_ms)})`, this.rec.dir);
  }

  /** `--at` before the first frame or long after the last is an error, not the nearest frame. */
  private checkInside(t: number): void {
    const iv = this.rec.interval_ms ?? 5000;
    if (t < this.rec.start_ms - iv || t > this.rec.end_ms + 3 * iv) throw this.outside(t);
  }

  /** Is this a range (`--from/--to/--since`) rather than one instant? */
  get isRange(): boolean {
    return this.window.at === undefined;
  }

  /** Frames the command shows (one for `--at`). */
  get frameCount(): number {
    return this.isRange ? this.cursor.last - this.cursor.first + 1 : 1;
  }

  /** The layout recorded (of the instant shown). */
  get layout(): CgroupLayout {
    return this.cursor.current().state.host.layout ?? EMPTY_LAYOUT;
  }

  /** Samples of a recorded instant. */
  snapshot(st: RecordedState): CgroupSnapshot {
    return snapshotOf(st);
  }

  processTable(st: RecordedState): ProcessTable {
    return this.tables.table(st);
  }

  /** The identities of the window (every frame of a range, the instant of `--at`). */
  identities(): Identity[] {
    const states = this.isRange ? [...this.rec.range(this.rec.timeAt(this.cursor.first), this.rec.timeAt(this.cursor.last))] : [this.cursor.current().state];
    const by = new Map<string, Identity>();
    for (const st of states) {
      for (const id of Object.values(st.identities)) by.set(`${id.runtime}:${id.kind}:${id.id}`, id);
      for (const p of st.processes) if (p.identity) by.set(`${p.identity.runtime}:${p.identity.kind}:${p.identity.id}`, p.identity);
    }
    return [...by.values()];
  }

  /** A `container:…`/`pod:…` target's cgroup in the recording, or a path normalised. */
  cgroupOf(text: string): string {
    if (!isContainerTarget(text)) return normalizeCgroupPath(text);
    const t = parseContainerTarget(text, this.prog);
    const ids = this.identities();
    const where = this.isRange ? 'in the recorded window' : `at ${isoSecond(this.cursor.time_ms)}`;
    if (t.kind === 'container') return pickContainer(this.prog, t, ids, ` ${where} (${this.rec.dir})`).cgroup;
    const p = pickPod(this.prog, t, ids, ` ${where} (${this.rec.dir})`);
    return p.cgroup ?? p.containers[0]?.cgroup ?? '/';
  }

  /** One line saying what is replayed (for warnings and headers). */
  describe(): string {
    return this.isRange
      ? `replay of ${this.rec.dir} from ${isoSecond(this.rec.timeAt(this.cursor.first))} to ${isoSecond(this.rec.timeAt(this.cursor.last))}`
      : `replay of ${this.rec.dir} at ${isoSecond(this.cursor.time_ms)}`;
  }
}

/** What a view reads of a recording (the rest of each frame is skipped). */
export type ReplayNeeds = ReadonlyArray<'cgroups' | 'processes' | 'namespaces'>;

/**
 * Open the recording of a replay window (one clear NsxError when there is none or it is unreadable). `needs`: what
 * the view reads (default everything); a frame's other sections are skipped, not decoded.
 */
export function openReplay(w: ReplayWindow, prog: string, needs?: ReplayNeeds): Replay {
  if (w.at !== undefined && (w.from !== undefined || w.to !== undefined)) throw new UsageError(`${prog}: --at cannot be combined with --from, --to or --since`);
  const kinds = needs ? new Set(needs.map((n) => (n === 'cgroups' ? KIND_CGROUP : n === 'processes' ? KIND_PROCESS : KIND_NAMESPACE))) : undefined;
  return new Replay(openRecording(w.dir, prog, kinds), w, prog);
}

/** What `nsx top` samples from in a replay: a sampler over the window and a collector's facade (layout, what could not be read). */
export interface TopReplay {
  readonly sampler: Sampler<CgroupSnapshot>;
  readonly collector: Collector;
  /** samples to print: 1 for `--at`, every frame of a range */
  readonly iterations: number;
}

/** `nsx top --at/--from/--to`: the recorded snapshots under `root` (to `depth`), with the frame before each for rates. */
export function replayTop(r: Replay, root: string, depth: number | undefined): TopReplay {
  const map = (st: RecordedState) => restrictSnapshot(snapshotOf(st), root, depth);
  const sampler = new ReplaySampler(r.cursor, map, { play: r.isRange });
  const collect = (() => map(r.cursor.current().state)) as unknown as Collector;
  Object.defineProperty(collect, 'layout', { get: () => r.layout });
  Object.defineProperty(collect, 'tolerance', {
    value: () => {
      const t = new Tolerance();
      const h = r.cursor.current().state.host;
      t.gone = h.gone ?? 0;
      t.denied.push(...(h.denied ?? []));
      return t;
    },
  });
  Object.defineProperty(collect, 'close', { value: () => undefined });
  return { sampler, collector: collect, iterations: r.frameCount };
}
