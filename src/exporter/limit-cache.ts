/**
 * The exporter's housekeeping split (as cAdvisor's: a container's spec is refreshed less often than its stats):
 * the *limit* files of a cgroup — what an administrator sets, not what the kernel counts — are re-read at most
 * every `maxAgeMs` (`--limits-max-age`, default 60 s); counters are read at every sample.
 *
 *   limits (kept up to maxAgeMs): cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares (v1); cpu.max, cpu.weight (v2);
 *                                 memory.limit_in_bytes (v1), memory.max (v2); pids.max
 *   → container_spec_cpu_quota, _period, _shares, container_spec_memory_limit_bytes, container_threads_max,
 *     nsx_cgroup_cpu_effective_limit_cores, nsx_cgroup_memory_effective_limit_bytes, and which CFS series a
 *     cgroup has (they exist where a quota does) may show a limit changed up to maxAgeMs late.
 *
 * It sits below the sampler's fd source (src/sampler/fd-source.ts) as its syscall layer (`FdOps`): the bytes of
 * one `pread` of a limit file's fd are kept and handed back until they are maxAgeMs old. A new fd (a cgroup
 * listed for the first time, or removed and recreated) is always read; a removed cgroup is noticed through its
 * counter files, which are never kept. The fd source's own rules (the quota gates v1 cpu.stat) see the kept
 * quota, so a quota set on a cgroup makes its CFS counters live within maxAgeMs.
 */
import { realFdOps, type FdOps } from '../sampler/fd-source.js';

export const LIMIT_FILES: ReadonlySet<string> = new Set([
  'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares', 'cpu.max', 'cpu.weight', 'memory.limit_in_bytes', 'memory.max', 'pids.max',
]);

interface Kept {
  readonly bytes: Buffer;
  readonly at: number;
}

/** FdOps that keep limit files' contents up to `maxAgeMs` (0: no keeping) by the clock `now` (ms). */
export function limitKeepingOps(maxAgeMs: number, now: () => number, base: FdOps = realFdOps): FdOps {
  if (!(maxAgeMs > 0)) return base;
  /** fds of limit files → their last content (null: not read yet) */
  const kept = new Map<number, Kept | null>();
  return {
    open(path) {
      const fd = base.open(path);
      if (LIMIT_FILES.has(path.slice(path.lastIndexOf('/') + 1))) kept.set(fd, null);
      else kept.delete(fd);
      return fd;
    },
    pread(fd, buf) {
      const k = kept.get(fd);
      if (k === undefined) return base.pread(fd, buf);
      const t = now();
      if (k !== null && t - k.at < maxAgeMs && k.bytes.length < buf.length) return k.bytes.copy(buf);
      const n = base.pread(fd, buf);
      kept.set(fd, { bytes: Buffer.from(buf.subarray(0, n)), at: t });
      return n;
    },
    close(fd) {
      kept.delete(fd);
      base.close(fd);
    },
  };
}
