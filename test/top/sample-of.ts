/**
 * Test helper: a `CgroupSample` from the flat values a test means (`cgroupValues` in reverse), so rate and
 * frame tests can state counters briefly. `inode` (a number) becomes the identity in every hierarchy.
 */
import type { CgroupSample } from '../../src/model/cgroup-sample.js';
import type { CgroupValues } from '../../src/model/rates.js';

export type Flat = CgroupValues & { readonly inode?: number };

export function sampleOf(v: Flat): CgroupSample {
  const def = <T extends object>(o: T): T | undefined => {
    for (const k of Object.keys(o)) if ((o as Record<string, unknown>)[k] === undefined) delete (o as Record<string, unknown>)[k];
    return Object.keys(o).length ? o : undefined;
  };
  const cpu = def({
    usage_usec: v.cpu_usage_usec, user_usec: v.cpu_user_usec, system_usec: v.cpu_system_usec, nr_periods: v.cpu_nr_periods, nr_throttled: v.cpu_nr_throttled,
    throttled_usec: v.cpu_throttled_usec, local_throttled_usec: v.cpu_local_throttled_usec, max_usec: v.cpu_max_usec, period_usec: v.cpu_period_usec,
  });
  const memory = def({ current_bytes: v.memory_current_bytes, working_set_bytes: v.memory_working_set_bytes, max_bytes: v.memory_max_bytes, high_bytes: v.memory_high_bytes });
  const io = def({ rbytes: v.io_rbytes, wbytes: v.io_wbytes, rios: v.io_rios, wios: v.io_wios });
  const pids = def({ current: v.pids_current, max: v.pids_max });
  const line = (p: { some_avg10?: number; full_avg10?: number; some_total_usec?: number; full_total_usec?: number } | undefined) =>
    p && def({ some: def({ avg10: p.some_avg10, total_usec: p.some_total_usec }), full: def({ avg10: p.full_avg10, total_usec: p.full_total_usec }) });
  const psi = v.psi && def({ cpu: line(v.psi.cpu), memory: line(v.psi.memory), io: line(v.psi.io) });
  return def({ path: v.path, inode: v.inode, inodes: v.inode === undefined ? {} : { '': v.inode }, cpu, memory, io, pids, psi }) as CgroupSample;
}
