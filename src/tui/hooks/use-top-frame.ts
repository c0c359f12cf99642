/**
 * `useTopFrame(sampler, root)`: the latest `nsx top` frame (rows with rates, limits and throttle attribution,
 * src/sampler/frame.ts) and the last minute of CPU% and memory per cgroup for sparklines. Subscribes to the
 * sampler; unsubscribes on unmount. Reused by the dashboard's Cgroups view.
 */
import { useEffect, useRef, useState } from 'react';
import type { SampleEvent } from '../../sampler/sampler.js';
import type { TopSnapshot } from '../../model/rates.js';
import { buildFrame, type TopFrame } from '../../sampler/frame.js';
import { pointsPerMinute } from '../../sampler/series.js';
import { SeriesRing } from '../series-ring.js';
import type { Subscribable } from './use-sampler.js';

export interface TopFrameState {
  readonly frame?: TopFrame;
  /** CPU% per path over the last minute */
  readonly cpu: SeriesRing;
  /** memory bytes per path over the last minute */
  readonly memory: SeriesRing;
  /** sample number (1 = first) */
  readonly seq: number;
  /** the two snapshots the frame was built from (for diagnoses over the interval) */
  readonly prev?: TopSnapshot;
  readonly next?: TopSnapshot;
}

export function useTopFrame(sampler: Subscribable<TopSnapshot> & { readonly intervalMs: number; readonly latestEvent?: SampleEvent<TopSnapshot> }, root = '/'): TopFrameState {
  const stores = useRef({ cpu: new SeriesRing(pointsPerMinute(sampler.intervalMs)), memory: new SeriesRing(pointsPerMinute(sampler.intervalMs)) });
  const [state, setState] = useState<TopFrameState>({ ...stores.current, seq: 0 });
  useEffect(() => {
    const onSample = (e: SampleEvent<TopSnapshot>) => {
        const frame = buildFrame(e.prev, e.next, root);
        const { cpu, memory } = stores.current;
        const n = pointsPerMinute(sampler.intervalMs);
        cpu.resize(n);
        memory.resize(n);
        cpu.pushRows(frame.rows, (r) => r.path, (r) => r.rates.cpu_percent);
        memory.pushRows(frame.rows, (r) => r.path, (r) => r.counters.memory_current_bytes);
        setState({ frame, cpu, memory, seq: e.seq, prev: e.prev, next: e.next });
    };
    const off = sampler.subscribe(onSample);
    // a sample taken before this view subscribed (the sampler starts as the app mounts)
    if (sampler.latestEvent) onSample(sampler.latestEvent);
    return off;
  }, [sampler, root]);
  return state;
}
