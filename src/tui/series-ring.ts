/**
 * `SeriesRing`: the last N points per key (CPU% and memory per cgroup, for sparklines) in one Float64Array —
 * the same contract as src/sampler/series.ts `SeriesStore` (a point per key per push; keys missing from a push
 * are forgotten; `get` returns the points oldest first, null where a value was absent), without an array and a
 * boxed number per point: thousands of cgroups × a minute of points stay a few MB and allocate nothing per push.
 */

/** What the sparkline columns read (src/tui/top/columns.ts). */
export interface SeriesLike {
  get(key: string): readonly (number | null)[];
  /** the largest value of the keys' series (0 when none); optional fast path */
  max?(keys: Iterable<string>): number;
}

export class SeriesRing implements SeriesLike {
  private capacity: number;
  /** key → slot */
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];
  /** slot-major: data[slot * capacity + (tick % capacity)], NaN = absent */
  private data: Float64Array;
  /** the push at which each slot's series started */
  private born: Float64Array;
  /** number of pushes so far */
  private tick = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.data = new Float64Array(0);
    this.born = new Float64Array(0);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Change the number of points kept (the window is a minute and the interval changed); keeps the newest. */
  resize(capacity: number): void {
    const c = Math.max(1, Math.floor(capacity));
    if (c === this.capacity) return;
    const old = new Map([...this.slots.keys()].map((k) => [k, this.get(k)] as const));
    const slotsN = this.born.length;
    this.capacity = c;
    this.data = new Float64Array(slotsN * c).fill(NaN);
    for (const [k, pts] of old) {
      const s = this.slots.get(k)!;
      const keep = pts.slice(Math.max(0, pts.length - c));
      this.born[s] = this.tick - keep.length;
      keep.forEach((v, i) => (this.data[s * c + ((this.born[s] + i) % c)] = v === null ? NaN : v));
    }
  }

  /** Append one point per row (`value(row)`), keyed by `key(row)`; keys absent from `rows` are forgotten. */
  pushRows<R>(rows: readonly R[], key: (r: R) => string, value: (r: R) => number | null | undefined): void {
    const t = this.tick;
    const seen = new Set<string>();
    for (const r of rows) {
      const k = key(r);
      seen.add(k);
      let s = this.slots.get(k);
      if (s === undefined) {
        s = this.alloc();
        this.slots.set(k, s);
        this.born[s] = t;
      }
      const v = value(r);
      this.data[s * this.capacity + (t % this.capacity)] = v === null || v === undefined ? NaN : v;
    }
    if (seen.size !== this.slots.size) {
      for (const [k, s] of this.slots) {
        if (seen.has(k)) continue;
        this.slots.delete(k);
        this.free.push(s);
      }
    }
    this.tick = t + 1;
  }

  get(key: string): readonly (number | null)[] {
    const s = this.slots.get(key);
    if (s === undefined) return [];
    const n = Math.min(this.capacity, this.tick - this.born[s]);
    const out: (number | null)[] = new Array(n);
    const base = s * this.capacity;
    for (let i = 0; i < n; i++) {
      const v = this.data[base + ((this.tick - n + i) % this.capacity)];
      out[i] = Number.isNaN(v) ? null : v;
    }
    return out;
  }

  max(keys: Iterable<string>): number {
    let max = 0;
    for (const k of keys) {
      const s = this.slots.get(k);
      if (s === undefined) continue;
      const n = Math.min(this.capacity, this.tick - this.born[s]);
      const base = s * this.capacity;
      for (let i = 0; i < n; i++) {
        const v = this.data[base + ((this.tick - 1 - i) % this.capacity)];
        if (v > max) max = v; // NaN compares false
      }
    }
    return max;
  }

  private alloc(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    const n = this.born.length;
    const grow = Math.max(64, n * 2);
    const data = new Float64Array(grow * this.capacity).fill(NaN);
    data.set(this.data);
    const born = new Float64Array(grow);
    born.set(this.born);
    this.data = data;
    this.born = born;
    for (let i = grow - 1; i > n; i--) this.free.push(i);
    return n;
  }
}
