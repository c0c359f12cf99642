/**
 * The plan of a cgroup sample (src/readers/cgroupfs/sample.ts reads it): for each group of files asked for, the
 * hierarchy that carries its controller (a v1 hierarchy with it, else cgroup2) and the files to read there, with
 * `detail: 'core'` marking the few that `top` and the exporter need. Built once per layout; plain data.
 */
import { hierarchyForController, type CgroupLayout, type Hierarchy } from '../../model/cgroup.js';
import { ALL_STAT_GROUPS, type StatGroup } from '../../model/cgroup-sample.js';

/** What to read: the hierarchy of each controller and the files of the requested groups. Built once per layout. */
export interface SamplePlan {
  readonly groups: ReadonlySet<StatGroup>;
  readonly cpu?: Hierarchy;
  readonly cpuacct?: Hierarchy;
  readonly memory?: Hierarchy;
  readonly io?: Hierarchy;
  readonly pids?: Hierarchy;
  readonly cpuset?: Hierarchy;
  /** cgroup2 (PSI) */
  readonly v2?: Hierarchy;
  /** where `procs` counts members: cgroup2 on a unified host, else the cpu (or first) v1 hierarchy */
  readonly procs?: Hierarchy;
  /** the hierarchies this plan reads from, without duplicates */
  readonly hierarchies: readonly Hierarchy[];
  /** every file the plan may read, per hierarchy (in a fixed order: the fd source indexes its fds by it) */
  readonly files: ReadonlyMap<Hierarchy, readonly string[]>;
  /** `core`: only the files `top` and the dashboard show (the * in the header); `full`: every file */
  readonly detail: 'core' | 'full';
  /** memory.stat keys to keep (undefined = all) */
  readonly memoryStatKeys?: readonly string[];
}

export interface PlanOptions {
  /** groups to read (default ALL_STAT_GROUPS: all but `procs`) */
  readonly groups?: Iterable<StatGroup>;
  /** default `full` */
  readonly detail?: 'core' | 'full';
  /** keep only these memory.stat keys (the working set needs inactive_file / total_inactive_file) */
  readonly memoryStatKeys?: readonly string[];
  /** read only these file names (v1 or v2 names, e.g. from the field registry's `files`); default: all of the detail */
  readonly files?: Iterable<string>;
}

/** memory.stat keys the derived values need (working set, rss, cache, swap), v1 and v2. */
export const DERIVED_MEMORY_STAT_KEYS: readonly string[] = ['inactive_file', 'anon', 'file', 'total_inactive_file', 'total_rss', 'total_cache', 'total_swap'];

type FileList = [name: string, core: boolean][];

const CPU_V2: FileList = [['cpu.stat', true], ['cpu.stat.local', true], ['cpu.max', true], ['cpu.max.burst', false], ['cpu.weight', false], ['cpu.idle', false]];
const CPU_V1: FileList = [['cpu.stat', true], ['cpu.stat.local', true], ['cpu.cfs_quota_us', true], ['cpu.cfs_period_us', true], ['cpu.cfs_burst_us', false], ['cpu.shares', false]];
const CPUACCT_V1: FileList = [['cpuacct.usage', true], ['cpuacct.stat', true]];
const MEM_V2: FileList = [
  ['memory.current', true], ['memory.peak', false], ['memory.max', true], ['memory.high', true], ['memory.low', false], ['memory.min', false],
  ['memory.swap.current', false], ['memory.swap.max', false], ['memory.swap.high', false], ['memory.stat', true], ['memory.events', false], ['memory.events.local', false],
];
const MEM_V1: FileList = [
  ['memory.usage_in_bytes', true], ['memory.max_usage_in_bytes', false], ['memory.limit_in_bytes', true], ['memory.soft_limit_in_bytes', false],
  ['memory.failcnt', false], ['memory.stat', true], ['memory.memsw.usage_in_bytes', false], ['memory.memsw.limit_in_bytes', false],
  ['memory.memsw.failcnt', false], ['memory.oom_control', false],
];
const IO_V2: FileList = [['io.stat', true], ['io.max', false]];
const IO_V1: FileList = [
  ['blkio.throttle.io_service_bytes_recursive', true], ['blkio.throttle.io_serviced_recursive', true],
  ['blkio.throttle.io_service_bytes', true], ['blkio.throttle.io_serviced', true],
];
const PIDS: FileList = [['pids.current', true], ['pids.max', true], ['pids.peak', false], ['pids.events', false]];
const PSI: FileList = [['cpu.pressure', true], ['memory.pressure', true], ['io.pressure', true], ['irq.pressure', false]];
const CPUSET_V2: FileList = [['cpuset.cpus', false], ['cpuset.cpus.effective', false], ['cpuset.mems', false], ['cpuset.mems.effective', false]];
const CPUSET_V1: FileList = [['cpuset.cpus', false], ['cpuset.effective_cpus', false], ['cpuset.mems', false], ['cpuset.effective_mems', false]];
const CGROUP_V2: FileList = [['cgroup.stat', false], ['cgroup.events', false]];
const PROCS_V2: FileList = [['cgroup.procs', false], ['cgroup.threads', false]];
const PROCS_V1: FileList = [['cgroup.procs', false], ['tasks', false]];

/** Which hierarchies and files a sample of `groups` reads on this layout. Pure. */
export function planCgroupSample(layout: CgroupLayout, opts: PlanOptions = {}): SamplePlan {
  const groups = new Set<StatGroup>(opts.groups ?? ALL_STAT_GROUPS);
  const detail = opts.detail ?? 'full';
  const v2 = layout.hierarchies.find((h) => h.version === 2);
  const hasV1Blkio = layout.hierarchies.some((h) => h.version === 1 && h.controllers.includes('blkio'));
  const plan = {
    groups,
    detail,
    cpu: hierarchyForController(layout, 'cpu'),
    cpuacct: hierarchyForController(layout, 'cpuacct'),
    memory: hierarchyForController(layout, 'memory'),
    io: hierarchyForController(layout, hasV1Blkio ? 'blkio' : 'io'),
    pids: hierarchyForController(layout, 'pids'),
    cpuset: hierarchyForController(layout, 'cpuset'),
    v2,
    procs: layout.kind === 'unified' ? v2 : (hierarchyForController(layout, 'cpu') ?? layout.hierarchies.find((h) => h.version === 1) ?? v2),
    memoryStatKeys: opts.memoryStatKeys,
  };
  const files = new Map<Hierarchy, string[]>();
  const only = opts.files ? new Set(opts.files) : undefined;
  const add = (h: Hierarchy | undefined, list: FileList) => {
    if (!h) return;
    const names = list.filter(([name, core]) => (core || detail === 'full') && (!only || only.has(name))).map(([n]) => n);
    if (names.length === 0) return;
    let l = files.get(h);
    if (!l) files.set(h, (l = []));
    for (const name of names) if (!l.includes(name)) l.push(name);
  };
  const v = (h: Hierarchy | undefined) => h?.version;
  if (groups.has('cpu')) {
    if (v(plan.cpu) === 2) add(plan.cpu, CPU_V2);
    else {
      add(plan.cpu, CPU_V1);
      add(plan.cpuacct?.version === 1 ? plan.cpuacct : undefined, CPUACCT_V1);
    }
  }
  if (groups.has('memory')) add(plan.memory, v(plan.memory) === 2 ? MEM_V2 : MEM_V1);
  if (groups.has('io')) add(plan.io, v(plan.io) === 2 ? IO_V2 : IO_V1);
  if (groups.has('pids')) add(plan.pids, PIDS);
  if (groups.has('psi')) add(v2, PSI);
  if (groups.has('cpuset')) add(plan.cpuset, v(plan.cpuset) === 2 ? CPUSET_V2 : CPUSET_V1);
  if (groups.has('cgroup')) add(v2, CGROUP_V2);
  if (groups.has('procs') && plan.procs) {
    // members are counted whatever the detail: the group was asked for
    const list = plan.procs.version === 2 ? PROCS_V2 : PROCS_V1;
    add(plan.procs, list.map(([n]) => [n, true]));
  }
  // the hierarchies read, in layout order
  const hierarchies = layout.hierarchies.filter((h) => files.has(h));
  return { ...plan, files, hierarchies };
}
