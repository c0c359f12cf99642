/**
 * `useAsyncValue(load, deps, refreshMs?)`: the value of an async loader (host facts from /proc and /sys,
 * the processes of a cgroup, one process in full) and the message of its last failure, reloaded when `deps`
 * change and, with `refreshMs`, periodically. A failure keeps the previous value and is reported (the views
 * show it); the next success clears it. The loader does the I/O; components only receive the result.
 */
import { useEffect, useRef, useState } from 'react';

export interface AsyncResult<T> {
  readonly value?: T;
  /** why the last load failed (cleared by the next success) */
  readonly error?: string;
}

export function useAsyncValue<T>(load: (() => Promise<T> | T) | undefined, deps: readonly unknown[], refreshMs?: number, o: { readonly quiet?: boolean } = {}): AsyncResult<T> {
  const [result, setResult] = useState<AsyncResult<T>>({});
  // quiet: a periodic reload after the first value is shown by the next render for another reason (a view that
  // redraws every refresh anyway saves a frame per reload)
  const latest = useRef<AsyncResult<T> | undefined>(undefined);
  useEffect(() => {
    if (!load) return;
    let live = true;
    let first = true;
    const run = () => {
      Promise.resolve()
        .then(load)
        .then(
          (value) => {
            if (!live) return;
            latest.current = { value };
            if (first || !o.quiet) setResult(latest.current);
            first = false;
          },
          (e: unknown) => {
            if (live) setResult((r) => ({ value: r.value, error: (e as Error)?.message ?? String(e) }));
          },
        );
    };
    run();
    const t = refreshMs ? setInterval(run, refreshMs) : undefined;
    if (t && typeof t === 'object' && 'unref' in t) t.unref();
    return () => {
      live = false;
      if (t) clearInterval(t);
    };
  }, deps);
  return o.quiet && latest.current && !result.error ? latest.current : result;
}
