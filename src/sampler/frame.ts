/**
 * A frame: what one sampler event means for a view — one row per cgroup with its raw counters, its rates over
 * the interval, its limits as percentages and the throttle attribution, plus the tree relations. Pure; views
 * (batch tables, NDJSON, the TUI) render frames and never read files.
 */
import { identifyCgroupPath, type Identity } from '../model/identity.js';
import { intervalSeconds, percentOf, quotaCpus, snapshotModels, type CgroupRates, type CgroupValues, type TopSnapshot } from '../model/rates.js';
import type { CgroupSample } from '../model/cgroup-sample.js';
import { attributeModels, parentPath } from '../model/throttle.js';

export interface TopRow {
  readonly path: string;
  /** last path component (`/` for the root) */
  readonly name: string;
  /** depth below the view's root (0 = the root of the view) */
  readonly depth: number;
  /** path of the parent row in this frame, when it is in view */
  readonly parent?: string;
  /** the raw sample (src/model/cgroup-sample.ts) */
  readonly sample: CgroupSample;
  /** its flat current values (`cgroupValues(sample)`) */
  readonly counters: CgroupValues;
  readonly rates: CgroupRates;
  /** CPUs granted by the quota (quota/period), null when none */
  readonly cpu_limit_cpus: number | null;
  /** CPU% relative to the quota (100 = the quota is used up) */
  readonly cpu_quota_percent: number | null;
  /** memory current / memory.max (limit_in_bytes) × 100 */
  readonly memory_percent: number | null;
  /** memory current / memory.high × 100 (v2) */
  readonly memory_high_percent: number | null;
  /** tasks / pids.max × 100 */
  readonly tasks_percent: number | null;
  /** the cgroup whose CPU limit bound this one over the interval (itself or an ancestor), or null */
  readonly throttled_by: string | null;
  /** that cgroup's limit in CPUs (quota/period), or null */
  readonly throttled_by_cpus: number | null;
  /** container/unit label: the name from runtime metadata (`web`), else from the path (`docker:1f1d6e2d4940`) */
  readonly container?: string;
  /** the identity record (runtime, id, name, image, pod…) when the sample has one for this path */
  readonly identity?: Identity;
}

export interface TopFrame {
  /** ISO wall-clock time of the newer sample */
  readonly timestamp: string;
  /** seconds between the two samples (monotonic clock); null on the first sample */
  readonly interval_s: number | null;
  readonly layout?: string;
  /** rows in path order (a parent before its children) */
  readonly rows: readonly TopRow[];
  /** path → row */
  readonly byPath: ReadonlyMap<string, TopRow>;
  /** path → child paths, in path order */
  readonly children: ReadonlyMap<string, readonly string[]>;
  /** the view's root path(s): rows whose parent is not in view */
  readonly roots: readonly string[];
}

/** What a frame derives from a path alone (paths repeat every sample; identification is regex work). */
interface PathInfo {
  /** sort key: plain string order of keys is `comparePaths` order */
  readonly key: string;
  /** last path component (`/` for the root) */
  readonly name: string;
  /** number of components (`/` → 0) */
  readonly components: number;
  /** container label from the path alone, or null */
  readonly label: string | null;
  /** parentPath(path) */
  readonly parent: string | undefined;
}

/** Per-path facts, bounded. */
const infos = new Map<string, PathInfo>();

function pathInfo(path: string): PathInfo {
  let i = infos.get(path);
  if (i === undefined) {
    if (infos.size > 50_000) infos.clear();
    i = { key: pathKey(path), name: baseName(path), components: components(path), label: identifyCgroupPath(path)?.label ?? null, parent: parentPath(path) };
    infos.set(path, i);
  }
  return i;
}

/** Number of components of a normalised cgroup path (`/` → 0, `/a/b` → 2). */
function components(p: string): number {
  if (p === '/') return 0;
  let n = 0;
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) n++;
  return n;
}

/** Depth of `path` below `root` (both normalised cgroup paths). */
export function depthBelow(root: string, path: string): number {
  return components(path) - components(root);
}

/** Sort key of a path such that plain string order is `comparePaths` order ('/' sorts before every other byte). */
function pathKey(p: string): string {
  return p === '/' ? '' : p.replaceAll('/', '\u0000');
}

function baseName(path: string): string {
  if (path === '/') return '/';
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The last ordering computed: the paths of a snapshot (in its order, filtered to the view) and their indices in
 * path order. Successive samples list the same cgroups in the same order, so the sort is done once per listing.
 */
let lastOrder: { root: string; paths: string[]; order: Int32Array } | undefined;

/** Indices of `paths` in path order (a parent before its subtree). */
function pathOrder(root: string, paths: string[]): Int32Array {
  const l = lastOrder;
  if (l && l.root === root && l.paths.length === paths.length) {
    let same = true;
    for (let i = 0; i < paths.length; i++) {
      if (l.paths[i] !== paths[i]) {
        same = false;
        break;
      }
    }
    if (same) return l.order;
  }
  const idx = Array.from(paths.keys());
  const keys = paths.map((p) => pathInfo(p).key);
  idx.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  const order = Int32Array.from(idx);
  lastOrder = { root, paths, order };
  return order;
}

/**
 * Build the frame for `next` (with rates against `prev`). `root` is the cgroup the view starts at; cgroups of
 * the snapshot outside it (the ancestors collected for throttle attribution) take part in the attribution but
 * get no rows.
 */
export function buildFrame(prev: TopSnapshot | undefined, next: TopSnapshot, root = '/'): TopFrame {
  const dt = intervalSeconds(prev, next);
  const models = snapshotModels(prev, next);
  const by = attributeModels(models.values(), dt);
  const limitOf = (p: string | null): number | null => {
    const c = p === null ? undefined : models.get(p)?.values;
    return c ? quotaCpus(c.cpu_max_usec, c.cpu_period_usec) : null;
  };
  const inView = (p: string) => root === '/' || p === root || p.startsWith(root + '/');
  const inViewModels = [...models.values()].filter((c) => inView(c.path));
  const order = pathOrder(
    root,
    inViewModels.map((m) => m.path),
  );
  const rootComponents = components(root);
  const identities = next.identities;
  // rows of the last frame (same root): a row whose model and relations are the same is reused as is
  const reuse = lastRows !== undefined && lastRows.root === root ? lastRows.byPath : undefined;
  const byPath = new Map<string, TopRow>();
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  const rows: TopRow[] = new Array(order.length);
  for (let k = 0; k < order.length; k++) {
    const m = inViewModels[order[k]];
    const c = m.values;
    const r = m.rates;
    const path = c.path;
    const info = pathInfo(path);
    const cpus = quotaCpus(c.cpu_max_usec, c.cpu_period_usec);
    let parent = info.parent;
    while (parent !== undefined && !byPath.has(parent) && inView(parent)) parent = parentPath(parent);
    if (parent !== undefined && !byPath.has(parent)) parent = undefined;
    const throttledBy = by.get(path) ?? null;
    const identity = identities?.[path];
    const byCpus = limitOf(throttledBy);
    const old = reuse?.get(path);
    const same = old !== undefined && old.sample === m.sample && old.rates === r && old.parent === parent && old.throttled_by === throttledBy && old.throttled_by_cpus === byCpus && old.identity === identity;
    const row: TopRow = same ? (old as TopRow) : {
      path,
      name: info.name,
      depth: info.components - rootComponents,
      parent,
      sample: m.sample,
      counters: c,
      rates: r,
      cpu_limit_cpus: cpus,
      cpu_quota_percent: cpus !== null && r.cpu_percent !== null ? r.cpu_percent / cpus : null,
      memory_percent: percentOf(c.memory_current_bytes, c.memory_max_bytes),
      memory_high_percent: percentOf(c.memory_current_bytes, c.memory_high_bytes),
      tasks_percent: percentOf(c.pids_current, c.pids_max),
      throttled_by: throttledBy,
      throttled_by_cpus: byCpus,
      container: identity?.label ?? info.label ?? undefined,
      // always present (one object shape for every row): undefined when the sample has none
      identity,
    };
    rows[k] = row;
    byPath.set(path, row);
    if (parent === undefined) roots.push(path);
    else {
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(path);
    }
  }
  lastRows = { root, byPath };
  return { timestamp: next.timestamp, interval_s: dt, layout: next.layout, rows, byPath, children, roots };
}

/** The rows of the last frame built, by path (see buildFrame). */
let lastRows: { root: string; byPath: ReadonlyMap<string, TopRow> } | undefined;

/** Order cgroup paths so that a parent comes right before its subtree (component-wise comparison). */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '/') return -1;
  if (b === '/') return 1;
  const pa = a.split('/');
  const pb = b.split('/');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}
