/**
 * `useSamplerControl(sampler, {paused, intervalMs})`: apply UI state to a sampler (pause/resume, change the
 * interval) whenever it changes. The sampler's owner still starts and stops it.
 */
import { useEffect } from 'react';

export interface Controllable {
  pause(): void;
  resume(): void;
  setIntervalMs(ms: number): void;
  readonly intervalMs: number;
}

export function useSamplerControl(sampler: Controllable, st: { readonly paused: boolean; readonly intervalMs: number }): void {
  useEffect(() => {
    if (st.paused) sampler.pause();
    else sampler.resume();
  }, [sampler, st.paused]);
  useEffect(() => {
    if (sampler.intervalMs !== st.intervalMs) sampler.setIntervalMs(st.intervalMs);
  }, [sampler, st.intervalMs]);
}
