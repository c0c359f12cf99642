/**
 * Bounded per-key time series (the last minute of CPU% and memory per cgroup, for sparklines). Plain data,
 * no React: a hook appends each sample; keys that disappear from a sample are dropped.
 */
export class SeriesStore {
  private readonly series = new Map<string, (number | null)[]>();

  /** `capacity` = number of points kept per key. */
  constructor(private capacity: number) {}

  /** Change the capacity (e.g. the interval changed and the window is a minute); trims long series. */
  resize(capacity: number): void {
    this.capacity = Math.max(1, Math.floor(capacity));
    for (const s of this.series.values()) if (s.length > this.capacity) s.splice(0, s.length - this.capacity);
  }

  /** Append one point per key; keys absent from `points` are forgotten. */
  push(points: ReadonlyMap<string, number | null>): void {
    for (const k of [...this.series.keys()]) if (!points.has(k)) this.series.delete(k);
    for (const [k, v] of points) {
      let s = this.series.get(k);
      if (!s) this.series.set(k, (s = []));
      s.push(v);
      if (s.length > this.capacity) s.shift();
    }
  }

  get(key: string): readonly (number | null)[] {
    return this.series.get(key) ?? [];
  }
}

/** Points per minute for an interval. */
export function pointsPerMinute(intervalMs: number): number {
  return Math.max(2, Math.ceil(60_000 / Math.max(1, intervalMs)));
}
