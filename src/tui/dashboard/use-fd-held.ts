/**
 * `useFdHeld(load, table, active)`: the namespaces processes hold through descriptors (nsfs files, sockets of
 * another netns; src/readers/nsfs/held.ts through the caller's `load`), kept per process and re-read in slices.
 *
 * Reading every descriptor of every process is the costliest read of the dashboard (a `readlink` and often a
 * `stat` per descriptor: about 1 s of CPU for 5,000 processes), so while a namespace list is shown (`active`),
 * each process sample reads the descriptors of the processes not read yet (new ones, all of them the first
 * time) and of a 1/HELD_ROUND_SAMPLES share of the others, oldest first: every process's descriptors are re-read
 * at least once per HELD_ROUND_SAMPLES samples (a minute at the default 1 s refresh) while the list is shown.
 * Processes that exit are dropped at the next sample. Returns the same array until something changed.
 */
import { useEffect, useRef, useState } from 'react';
import type { FdHeld } from '../../model/namespace.js';
import type { ProcessTable } from '../../services/ps.js';

/** Every process's descriptors are re-read within this many process samples. */
export const HELD_ROUND_SAMPLES = 60;

export type HeldLoader = (pids: readonly number[], ownNet: ReadonlyMap<number, number>) => Promise<readonly FdHeld[]>;

/** Which PIDs to read this sample: unread ones, then the oldest of the rest (pure; `order` is oldest first). */
export function heldSlice(pids: readonly number[], read: ReadonlySet<number>, order: readonly number[], rounds = HELD_ROUND_SAMPLES): number[] {
  const out = pids.filter((p) => !read.has(p));
  const share = Math.ceil(pids.length / rounds);
  const alive = new Set(pids);
  for (let i = 0, n = 0; i < order.length && n < share; i++) {
    if (!alive.has(order[i])) continue;
    out.push(order[i]);
    n++;
  }
  return out;
}

export function useFdHeld(load: HeldLoader | undefined, table: ProcessTable | undefined, active: boolean): readonly FdHeld[] | undefined {
  /** pid → what it holds, in read order (oldest first: Map keeps insertion order, re-read = re-inserted) */
  const byPid = useRef(new Map<number, readonly FdHeld[]>());
  const busy = useRef(false);
  const mounted = useRef(true);
  const published = useRef(false);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const [held, setHeld] = useState<readonly FdHeld[] | undefined>(undefined);
  useEffect(() => {
    if (!active || !load || !table || busy.current) return;
    const m = byPid.current;
    const pids = table.procs.map((p) => p.pid);
    const alive = new Set(pids);
    let changed = false;
    for (const pid of [...m.keys()]) {
      if (!alive.has(pid)) {
        changed ||= (m.get(pid)?.length ?? 0) > 0;
        m.delete(pid);
      }
    }
    const slice = heldSlice(pids, new Set(m.keys()), [...m.keys()]);
    const ownNet = new Map(table.procs.flatMap((p) => (p.ns.net !== undefined ? [[p.pid, p.ns.net] as const] : [])));
    const publish = () => {
      published.current = true;
      if (mounted.current) setHeld([...m.values()].flat());
    };
    if (slice.length === 0) {
      if (changed || !published.current) publish();
      return;
    }
    busy.current = true;
    load(slice, ownNet)
      .then(
        (found) => {
          const by = new Map<number, FdHeld[]>();
          for (const h of found) {
            let l = by.get(h.pid);
            if (!l) by.set(h.pid, (l = []));
            l.push(h);
          }
          for (const pid of slice) {
            const next = by.get(pid) ?? [];
            const prev = m.get(pid);
            if (!changed && !(prev?.length === next.length && prev.every((h, i) => h.fd === next[i].fd && h.inode === next[i].inode && h.kind === next[i].kind))) {
              changed = prev !== undefined || next.length > 0;
            }
            m.delete(pid);
            m.set(pid, next);
          }
          if (changed || !published.current) publish();
        },
        () => {
          // a failed read keeps what was known; the next sample tries again
        },
      )
      .finally(() => {
        busy.current = false;
      });
  }, [active, load, table]);
  return active ? held : undefined;
}
