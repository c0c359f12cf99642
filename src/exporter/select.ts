/**
 * Cardinality control for `nsx exporter` (pure): which cgroups get series.
 *
 *   --depth N            cgroups at most N levels below `/` (the root is level 0; default: all)
 *   --include GLOB       only cgroups whose path matches one of these globs (repeatable)
 *   --exclude GLOB       no series for cgroups whose path matches (repeatable; wins over --include)
 *   --containers-only    only cgroups that are a container or a pod (and `/`, the machine as a whole)
 *
 * With --include, only the subtree below the deepest directory common to every pattern's literal part is walked
 * (`/kubepods.slice/**` walks /kubepods.slice only): cardinality control also cuts the reading.
 *
 * Globs match the whole cgroup path: `*` is any run of characters except `/`, `**` any run including `/`,
 * `?` one character except `/`. `/kubepods.slice/**` matches every cgroup below kubepods.slice.
 */
import type { Identity } from '../model/identity.js';
import { depthBelow } from '../model/cgroup.js';
import { UsageError } from '../errors.js';

export interface SelectOptions {
  readonly depth?: number;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly containersOnly?: boolean;
}

/** Compile a path glob into a RegExp anchored at both ends. Throws UsageError on an empty pattern. */
export function globToRegExp(glob: string): RegExp {
  if (glob === '' || !glob.startsWith('/')) throw new UsageError(`nsx exporter: pattern '${glob}' must be an absolute cgroup path glob (starting with '/')`);
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `/**` at the end or `/**/` also matches the directory itself
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i++;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface Selector {
  /** Does this cgroup get series? */
  (path: string, identity: Identity | undefined): boolean;
}

/** Build a selector from the options (patterns compiled once). */
export function makeSelector(o: SelectOptions): Selector {
  const inc = (o.include ?? []).map(globToRegExp);
  const exc = (o.exclude ?? []).map(globToRegExp);
  return (path, identity) => {
    if (o.depth !== undefined && depthBelow('/', path) > o.depth) return false;
    if (exc.some((r) => r.test(path))) return false;
    if (inc.length && !inc.some((r) => r.test(path))) return false;
    if (o.containersOnly && path !== '/') {
      if (!identity || (identity.kind !== 'container' && identity.kind !== 'pod') || identity.cgroup !== path) return false;
    }
    return true;
  };
}

/** A name glob (one path component) as an anchored RegExp. */
function componentRegExp(c: string): RegExp {
  return new RegExp('^' + c.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
}

export interface WalkPlan {
  /** the directory the walk starts from */
  readonly root: string;
  /** when set, only the root's children whose name matches are walked (each pattern's next component) */
  readonly child?: RegExp;
}

/**
 * Where to walk for these include patterns: the deepest common directory (`walkRootOf`), and when every pattern
 * names the next level with a component of its own (`/nsx-*` and what lies below, `/kubepods.slice` under `/`…), only the
 * children that match it. Pure.
 */
export function walkPlanOf(include: readonly string[] | undefined): WalkPlan {
  const root = walkRootOf(include);
  if (!include || include.length === 0) return { root };
  const depth = root === '/' ? 0 : root.split('/').length - 1;
  const comps: string[] = [];
  for (const g of include) {
    const c = g.split('/').filter((x) => x !== '')[depth];
    if (c === undefined || c.includes('**')) return { root };
    comps.push(c);
  }
  const res = comps.map(componentRegExp);
  return { root, child: new RegExp(res.map((r) => r.source).join('|')) };
}

/**
 * Where the walk can start: the deepest cgroup directory that every include pattern lies below (its components
 * before the first one with a glob character, common to all patterns); `/` without patterns. Pure.
 */
export function walkRootOf(include: readonly string[] | undefined): string {
  if (!include || include.length === 0) return '/';
  let common: string[] | undefined;
  for (const g of include) {
    const parts = g.split('/').filter((x) => x !== '');
    const lit: string[] = [];
    // the last component is the matched name itself: only its parents are directories to walk from
    for (const part of parts.slice(0, -1)) {
      if (/[*?]/.test(part)) break;
      lit.push(part);
    }
    if (common === undefined) common = lit;
    else {
      let i = 0;
      while (i < common.length && i < lit.length && common[i] === lit[i]) i++;
      common = common.slice(0, i);
    }
  }
  return '/' + (common ?? []).join('/');
}
