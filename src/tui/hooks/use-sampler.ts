/**
 * `useSampler(sampler)`: the latest `{prev, next, dt_s}` event of a sampler (src/sampler/sampler.ts), re-rendering
 * on each sample. Subscribes on mount and unsubscribes on unmount; it does not start or stop the sampler (its
 * owner does). Reusable by any view that samples snapshots (top, dashboard).
 */
import { useEffect, useState } from 'react';
import type { SampleEvent } from '../../sampler/sampler.js';

/** What the hook needs of a sampler. */
export interface Subscribable<S> {
  subscribe(fn: (e: SampleEvent<S>) => void): () => void;
  /** the latest event, for views that subscribe after the sampler started */
  readonly latestEvent?: SampleEvent<S>;
}

export function useSampler<S>(sampler: Subscribable<S>): SampleEvent<S> | undefined {
  const [ev, setEv] = useState<SampleEvent<S> | undefined>(sampler.latestEvent);
  useEffect(() => sampler.subscribe(setEv), [sampler]);
  return ev;
}

/** What `useSamplerError` needs of a sampler. */
export interface ErrorSource {
  onError(fn: (e: unknown) => void): () => void;
}

/**
 * `useSamplerError(sampler)`: the message of the latest failed sample (the sampler keeps running and the view
 * keeps its last frame), cleared by the next successful sample when `sampler` is also Subscribable.
 */
export function useSamplerError(sampler: ErrorSource & Partial<Subscribable<unknown>>): string | undefined {
  const [msg, setMsg] = useState<string | undefined>(undefined);
  useEffect(() => {
    const offErr = sampler.onError((e) => setMsg((e as Error)?.message ?? String(e)));
    const offOk = sampler.subscribe?.(() => setMsg(undefined));
    return () => {
      offErr();
      offOk?.();
    };
  }, [sampler]);
  return msg;
}
