/**
 * The sampler: calls a collector on an interval and emits `{prev, next, dt_s}` to its subscribers. Generic
 * over the snapshot type (anything stamped with a monotonic `mono_ms`), so the dashboard samples its own
 * snapshots with it too. No React, no I/O of its own: the collector does the reading. Timers are injectable
 * (`scheduler`) so tests drive it with a fake clock.
 *
 *     const s = new Sampler({ collect, intervalMs: 1000 });
 *     const off = s.subscribe(({ prev, next, dt_s }) => …);
 *     s.start();  …  s.setIntervalMs(2000); s.pause(); s.resume();  …  off(); s.stop();
 */

/** A snapshot the sampler can time: `mono_ms` is the monotonic clock at collection. */
export interface Stamped {
  readonly mono_ms: number;
}

/** One sampler tick: the previous snapshot (undefined on the first), the new one, and the seconds between them. */
export interface SampleEvent<S> {
  readonly prev: S | undefined;
  readonly next: S;
  /** (next.mono_ms − prev.mono_ms) / 1000, null on the first sample */
  readonly dt_s: number | null;
  /** 1 for the first sample */
  readonly seq: number;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The monotonic clock in milliseconds (never goes backwards, unaffected by wall-clock changes). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface SamplerOptions<S> {
  /** Take one snapshot (synchronous reads; may throw NsxError, reported to error listeners). */
  readonly collect: () => S;
  readonly intervalMs: number;
  readonly scheduler?: Scheduler;
}

export type SampleListener<S> = (e: SampleEvent<S>) => void;
export type ErrorListener = (e: unknown) => void;

export class Sampler<S extends Stamped> {
  private readonly collect: () => S;
  private readonly scheduler: Scheduler;
  private interval: number;
  private timer: unknown;
  private running = false;
  private isPaused = false;
  private last: S | undefined;
  private lastEv: SampleEvent<S> | undefined;
  private seq = 0;
  private readonly listeners = new Set<SampleListener<S>>();
  private readonly errorListeners = new Set<ErrorListener>();

  constructor(opts: SamplerOptions<S>) {
    this.collect = opts.collect;
    this.interval = Math.max(1, opts.intervalMs);
    this.scheduler = opts.scheduler ?? realScheduler;
  }

  /** Listen to samples; returns the unsubscribe function. */
  subscribe(fn: SampleListener<S>): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** Listen to collection errors (the sampler keeps running); returns the unsubscribe function. */
  onError(fn: ErrorListener): () => void {
    this.errorListeners.add(fn);
    return () => void this.errorListeners.delete(fn);
  }

  get intervalMs(): number {
    return this.interval;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** The latest snapshot, if any. */
  get latest(): S | undefined {
    return this.last;
  }

  /** The latest event, if any (a view subscribing late starts from it). */
  get latestEvent(): SampleEvent<S> | undefined {
    return this.lastEv;
  }

  /** Take a sample now and emit it. Returns the event (or undefined when collection failed). */
  sampleNow(): SampleEvent<S> | undefined {
    let next: S;
    try {
      next = this.collect();
    } catch (e) {
      if (this.errorListeners.size === 0) throw e;
      for (const l of [...this.errorListeners]) l(e);
      return undefined;
    }
    const prev = this.last;
    const dt = prev ? (next.mono_ms - prev.mono_ms) / 1000 : null;
    const ev: SampleEvent<S> = { prev, next, dt_s: dt !== null && dt > 0 ? dt : null, seq: ++this.seq };
    this.last = next;
    this.lastEv = ev;
    for (const l of [...this.listeners]) l(ev);
    return ev;
  }

  /** Sample at once, then every interval until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stop sampling but keep the state; resume() samples at once (rates then span the pause). */
  pause(): void {
    this.isPaused = true;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    if (this.running) this.tick();
  }

  /** Change the interval; takes effect from the next tick. */
  setIntervalMs(ms: number): void {
    this.interval = Math.max(1, ms);
    if (this.running && !this.isPaused) {
      if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
      this.schedule();
    }
  }

  private tick(): void {
    if (!this.running || this.isPaused) return;
    this.sampleNow();
    this.schedule();
  }

  private schedule(): void {
    if (!this.running || this.isPaused) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, this.interval);
  }
}
