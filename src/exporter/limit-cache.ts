/**
 * The exporter's housekeeping split (as cAdvisor's: a container's spec is refreshed less often than its stats):
 * the *limit* files of a cgroup — what an administrator sets, not what the kernel counts — are re-read at most
 * every `--limits-max-age` (default 60 s); counters are read at every sample.
 *
 *   limits (kept up to maxAgeMs): cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares (v1); cpu.max, cpu.weight (v2);
 *                                 memory.limit_in_bytes (v1), memory.max (v2); pids.max
 *   → container_spec_cpu_quota, _period, _shares, container_spec_memory_limit_bytes, container_threads_max,
 *     nsx_cgroup_cpu_effective_limit_cores, nsx_cgroup_memory_effective_limit_bytes, and which CFS series a
 *     cgroup has (they exist where a quota does) may show a limit changed up to maxAgeMs late.
 *
 * The fd source (src/sampler/fd-source.ts) does it: these files are its *aged* files — read by open/read/close
 * when due (never kept open: a kept file pins ≈ 4.4 KB of kernel memory for a read a minute), their text kept in
 * between. A cgroup listed for the first time, or removed and recreated (noticed through its counter files'
 * kept fds going stale), is read at once; when each cgroup's limits fall due is spread over the period, so a
 * big tree's limits are not re-read all at one scrape. The quota the fd source's rules look at (it gates v1
 * cpu.stat) is the kept one, so a quota set on a cgroup makes its CFS counters live within maxAgeMs.
 */
export const LIMIT_FILES: ReadonlySet<string> = new Set([
  'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares', 'cpu.max', 'cpu.weight', 'memory.limit_in_bytes', 'memory.max', 'pids.max',
]);
