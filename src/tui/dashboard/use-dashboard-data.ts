/**
 * `useDashboardData(sampler, loadRelations?)`: the latest process table (src/services/ps.ts) from the dashboard's
 * process sampler, CPU% per process over the interval, the namespaces grouped from it (plus those held only by a
 * mount), with owner/parent relations filled in once per namespace by the caller's loader (FFI on the live host,
 * the recorded file on a fixture). Subscribes on mount; unsubscribes on unmount.
 */
import { useEffect, useRef, useState } from 'react';
import type { SampleEvent } from '../../sampler/sampler.js';
import type { ProcessTable, PsProcess } from '../../services/ps.js';
import { groupNamespaces, withNsfsMounts, type NamespaceRecord, type NsfsMount } from '../../model/namespace.js';
import { NS_TYPES } from '../../parse/nsid-link.js';
import type { Subscribable } from '../hooks/use-sampler.js';
import { processCpuPercent } from './model.js';

export interface DashboardData {
  readonly table?: ProcessTable;
  readonly byPid: ReadonlyMap<number, PsProcess>;
  readonly cpu: ReadonlyMap<number, number | null>;
  readonly namespaces: readonly NamespaceRecord[];
  readonly seq: number;
  /** why reading namespace relations failed (the tree then stays flat for those namespaces), if it did */
  readonly relationsError?: string;
}

/** Relations of namespaces: inode → owner user namespace / parent (0 = none). */
export type RelationsLoader = (nss: NamespaceRecord[]) => Promise<ReadonlyMap<number, { owner?: number; parent?: number }>>;

/**
 * `groupNamespaces` of a process table, again only when a PID or a namespace of a process changed since the last
 * table (on a steady host every refresh has the same namespaces: ~2 MB of arrays per refresh saved with 5,000
 * processes). The comparison is exact (every PID and inode) and allocates nothing.
 */
export class NamespaceGrouping {
  private pids = new Int32Array(0);
  private inodes = new Float64Array(0);
  private last: NamespaceRecord[] | undefined;

  of(procs: readonly PsProcess[]): NamespaceRecord[] {
    const n = procs.length;
    const k = NS_TYPES.length;
    let same = this.last !== undefined && this.pids.length === n;
    if (!same) {
      this.pids = new Int32Array(n);
      this.inodes = new Float64Array(n * k);
    }
    for (let i = 0; i < n; i++) {
      const p = procs[i];
      if (this.pids[i] !== p.pid) {
        this.pids[i] = p.pid;
        same = false;
      }
      for (let j = 0; j < k; j++) {
        const v = p.ns[NS_TYPES[j]] ?? -1;
        if (this.inodes[i * k + j] !== v) {
          this.inodes[i * k + j] = v;
          same = false;
        }
      }
    }
    if (!same || !this.last) this.last = groupNamespaces(procs);
    return this.last;
  }
}

/**
 * `quiet`: a new table after the first is kept for the next render instead of causing one (the Cgroups tree,
 * where the table only feeds the header and the cgroup sampler redraws every interval).
 */
export function useDashboardData(sampler: Subscribable<ProcessTable>, nsfs: readonly NsfsMount[] = [], loadRelations?: RelationsLoader, quiet = false): DashboardData {
  const quietRef = useRef(quiet);
  quietRef.current = quiet;
  const latest = useRef<DashboardData | undefined>(undefined);
  const relations = useRef(new Map<number, { owner?: number; parent?: number }>());
  const pending = useRef(new Set<number>());
  const [data, setData] = useState<DashboardData>({ byPid: new Map(), cpu: new Map(), namespaces: [], seq: 0 });
  const [relSeq, setRelSeq] = useState(0);
  const relError = useRef<string | undefined>(undefined);
  const last = useRef<{ e: SampleEvent<ProcessTable> } | undefined>(undefined);

  const grouping = useRef(new NamespaceGrouping());
  const build = (e: SampleEvent<ProcessTable>): DashboardData => {
    const table = e.next; // container names joined with the runtimes' metadata at each collection (a rename shows on the next sample)
    const grouped = withNsfsMounts(grouping.current.of(table.procs), nsfs);
    const nss = grouped.map((n) => {
      const r = relations.current.get(n.inode);
      return r ? { ...n, owner: r.owner, parent: r.parent } : n;
    });
    return { relationsError: relError.current, table, byPid: new Map(table.procs.map((p) => [p.pid, p] as const)), cpu: processCpuPercent(e.prev, e.next, e.dt_s), namespaces: nss, seq: e.seq };
  };

  useEffect(
    () =>
      sampler.subscribe((e: SampleEvent<ProcessTable>) => {
        last.current = { e };
        const d = build(e);
        const shown = latest.current !== undefined;
        latest.current = d;
        if (!shown || !quietRef.current) setData(d);
        if (!loadRelations) return;
        const missing = d.namespaces.filter((n) => !relations.current.has(n.inode) && !pending.current.has(n.inode)).map((n) => ({ ...n, nsfs: [...n.nsfs] }));
        if (missing.length === 0) return;
        for (const n of missing) pending.current.add(n.inode);
        loadRelations(missing)
          .then((m) => {
            for (const n of missing) {
              relations.current.set(n.inode, m.get(n.inode) ?? {});
              pending.current.delete(n.inode);
            }
            setRelSeq((s) => s + 1);
          })
          .catch((e: unknown) => {
            // not asked again (each failure would repeat every sample); the view shows why
            relError.current = (e as Error)?.message ?? String(e);
            for (const n of missing) {
              relations.current.set(n.inode, {});
              pending.current.delete(n.inode);
            }
            setRelSeq((s) => s + 1);
          });
      }),
    [sampler, loadRelations, nsfs],
  );
  useEffect(() => {
    if (relSeq > 0 && last.current) setData((latest.current = build(last.current.e)));
  }, [relSeq]);
  return latest.current ?? data;
}
