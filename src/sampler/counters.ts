/**
 * Map the cgroup model's raw stats (src/model/cgroup.ts `CgroupStats`, as `readCgroupStats` returns them) onto
 * the counters `nsx top` samples (src/model/rates.ts `TopCounters`). Pure. This is the reference mapping: the
 * sampling reader (fast-read.ts) must agree with it (test/sampler/fast-read.test.ts). Also: which stat groups
 * a set of visible columns needs.
 */
import type { CgroupStats, Pressure, StatGroup } from '../model/cgroup.js';
import type { PsiCounters, TopCounters } from '../model/rates.js';

function psi(p: Pressure | undefined): PsiCounters | undefined {
  if (!p) return undefined;
  return { some_avg10: p.some?.avg10, full_avg10: p.full?.avg10, some_total_usec: p.some?.total_usec, full_total_usec: p.full?.total_usec };
}

/**
 * `CgroupStats` → `TopCounters`. `localThrottledUsec` is `cpu.stat.local` throttled time when read.
 * The inode identity joins the directory inodes of every hierarchy that has the cgroup.
 */
export function toTopCounters(s: CgroupStats, localThrottledUsec?: number): TopCounters {
  const keys = Object.keys(s.inodes).sort();
  const inode = keys.length ? keys.map((k) => `${k}:${s.inodes[k]}`).join(',') : s.inode !== undefined ? String(s.inode) : undefined;
  return {
    path: s.path,
    inode,
    usage_usec: s.cpu?.usage_usec,
    user_usec: s.cpu?.user_usec,
    system_usec: s.cpu?.system_usec,
    nr_periods: s.cpu?.nr_periods,
    nr_throttled: s.cpu?.nr_throttled,
    throttled_usec: s.cpu?.throttled_usec,
    local_throttled_usec: localThrottledUsec,
    cpu_quota_usec: s.cpu?.max_usec,
    cpu_period_usec: s.cpu?.period_usec,
    memory_bytes: s.memory?.current_bytes,
    memory_working_set_bytes: s.memory?.working_set_bytes,
    memory_max_bytes: s.memory?.max_bytes,
    memory_high_bytes: s.memory?.high_bytes,
    io_read_bytes: s.io?.rbytes,
    io_write_bytes: s.io?.wbytes,
    io_read_ios: s.io?.rios,
    io_write_ios: s.io?.wios,
    tasks: s.pids?.current,
    tasks_max: s.pids?.max,
    psi: s.psi ? { cpu: psi(s.psi.cpu), memory: psi(s.psi.memory), io: psi(s.psi.io) } : undefined,
  };
}

/** JSON key / field id → the stat group that feeds it. */
const GROUP_OF: Record<string, StatGroup> = {
  TASKS: 'pids',
  'TASKS%': 'pids',
  TASKSMAX: 'pids',
  MEM: 'memory',
  WSET: 'memory',
  MEMMAX: 'memory',
  MEMHIGH: 'memory',
  'MEMHIGH%': 'memory',
  'MEM%': 'memory',
  'IOR/S': 'io',
  'IOW/S': 'io',
  RIOPS: 'io',
  WIOPS: 'io',
  PSI: 'psi',
  PSICPU: 'psi',
  PSIMEM: 'psi',
  PSIIO: 'psi',
};

/**
 * The stat groups needed to show `fieldIds`. CPU is always read: throttle attribution (and the CPU sort)
 * need usage and quotas of every cgroup.
 */
export function groupsForFields(fieldIds: readonly string[]): StatGroup[] {
  const g = new Set<StatGroup>(['cpu']);
  for (const id of fieldIds) {
    const x = GROUP_OF[id];
    if (x) g.add(x);
  }
  return [...g];
}
