/**
 * Kernel log records → the recorder's events (OOM kills with the `Killed process` line that follows them, forks
 * refused by the pids controller), placed in wall time, each emitted once. Pure: the records come from
 * src/readers/kmsg.ts, the clocks from the caller.
 *
 * The two lines of one OOM kill may straddle two reads of the log: an `oom-kill:` record among the last two read
 * without its `Killed process` line is put off to the next read, once (with everything after it). Records are
 * deduplicated by their sequence number, so a recorder restarted on the same boot skips what its recording
 * already has (`after`).
 */
import { forkRejectedReports, oomKillReports, type KmsgRecord } from '../parse/kmsg.js';
import type { KernelEvent } from './state.js';

/** Trailing records kept as context for the next read. */
const CONTEXT = 8;

export class KernelEvents {
  private tail: KmsgRecord[] = [];
  private readonly deferred = new Set<number>();
  /** highest sequence number done with */
  last: number;

  /** `after`: the sequence number already recorded (it and everything before are skipped). */
  constructor(after = -1) {
    this.last = after;
  }

  /**
   * The events among `records` (those read now, in order); `wall(usec)` places a printk time (µs since boot)
   * in wall time (ms).
   */
  take(records: readonly KmsgRecord[], wall: (usec: number | undefined) => number): KernelEvent[] {
    const all = [...this.tail, ...records];
    this.tail = all.slice(-CONTEXT);
    const seqOf = (r: { seq?: number }) => r.seq ?? -1;
    let stop = Infinity;
    const out: KernelEvent[] = [];
    for (const r of oomKillReports(all)) {
      if (seqOf(r) <= this.last) continue;
      const near = all.findIndex((x) => x.seq === r.seq) >= all.length - 2;
      if (r.anon_rss_kb === undefined && near && r.seq !== undefined && !this.deferred.has(r.seq)) {
        this.deferred.add(r.seq);
        stop = Math.min(stop, r.seq);
        continue;
      }
      out.push({ kind: 'oom-kill', time_ms: wall(r.usec), ...r });
    }
    for (const f of forkRejectedReports(all)) if (seqOf(f) > this.last) out.push({ kind: 'fork-rejected', time_ms: wall(f.usec), ...f });
    const now = out.filter((e) => seqOf(e) < stop).sort((a, b) => seqOf(a) - seqOf(b));
    const seen = all.reduce((m, r) => Math.max(m, seqOf(r)), this.last);
    this.last = stop === Infinity ? seen : Math.max(this.last, stop - 1);
    for (const s of this.deferred) if (s <= this.last) this.deferred.delete(s);
    return now;
  }
}
