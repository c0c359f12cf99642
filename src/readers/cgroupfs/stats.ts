/**
 * @deprecated The cgroup reader is src/readers/cgroupfs/sample.ts (`readCgroupSample`, `sampleCgroup`). This
 * alias stays only until src/services/ps.ts (owner: proc) switches its import; it holds no mapping of its own.
 */
export { readCgroupSample as readCgroupStats, type ReadSampleOptions as ReadStatsOptions } from './sample.js';
