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
  /** the whole content, once a read of it reached its end (a read of 0) */
  bytes: Buffer;
  at: number;
  /** `bytes` is being handed out (from a fresh copy) or gathered (from the file) by the reads of one whole read */
  mode: 'served' | 'reading';
}

/**
 * FdOps that keep limit files' contents up to `maxAgeMs` (0: no keeping) by the clock `now` (ms). The fd source
 * reads a file whole (`readAll`: preads from offset 0 until one returns 0): a read at offset 0 decides whether
 * the kept copy is handed out or the file is read, and the reads after it follow that choice.
 */
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
    pread(fd, buf, offset, length, position) {
      const k = kept.get(fd);
      if (k === undefined || position === null) return base.pread(fd, buf, offset, length, position);
      if (position === 0) {
        const t = now();
        if (k !== null && t - k.at < maxAgeMs && k.bytes.length <= length) {
          k.mode = 'served';
          return k.bytes.copy(buf, offset);
        }
        const n = base.pread(fd, buf, offset, length, 0);
        kept.set(fd, { bytes: Buffer.from(buf.subarray(offset, offset + n)), at: t, mode: 'reading' });
        return n;
      }
      if (k !== null && k.mode === 'served') return position >= k.bytes.length ? 0 : k.bytes.copy(buf, offset, position, position + length);
      const n = base.pread(fd, buf, offset, length, position);
      if (k !== null && k.bytes.length === position) k.bytes = Buffer.concat([k.bytes, buf.subarray(offset, offset + n)]);
      return n;
    },
    close(fd) {
      kept.delete(fd);
      base.close(fd);
    },
  };
}
