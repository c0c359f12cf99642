/**
 * `useAsyncValue(load, deps, refreshMs?)`: the value of an async loader (host facts from systeminformation,
 * the processes of a cgroup), reloaded when `deps` change and, with `refreshMs`, periodically. Errors leave the
 * previous value. The loader does the I/O; components only receive the value.
 */
import { useEffect, useState } from 'react';

export function useAsyncValue<T>(load: (() => Promise<T> | T) | undefined, deps: readonly unknown[], refreshMs?: number): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    if (!load) return;
    let live = true;
    const run = () => {
      Promise.resolve()
        .then(load)
        .then((v) => {
          if (live) setValue(v);
        })
        .catch(() => {});
    };
    run();
    const t = refreshMs ? setInterval(run, refreshMs) : undefined;
    if (t && typeof t === 'object' && 'unref' in t) t.unref();
    return () => {
      live = false;
      if (t) clearInterval(t);
    };
  }, deps);
  return value;
}
