/**
 * Start the `nsx top` TUI: alternate screen (restored on q, Ctrl-C, SIGTERM and crashes: src/tui/terminal.ts),
 * Ink rendering of <TopApp>, the sampler started here and stopped on exit. Host facts come from files under the
 * root (src/readers/host-facts.ts); the detail pane's processes are read through the cgroup readers.
 */
import React from 'react';
import type { HostPaths } from '../../host/paths.js';
import { Tolerance, wrap } from '../../host/tolerance.js';
import type { CgroupLayout } from '../../model/cgroup.js';
import type { TopSnapshot } from '../../model/rates.js';
import type { TopOrder } from '../../fields/top.js';
import type { Sampler } from '../../sampler/sampler.js';
import { runFullScreen } from '../full-screen.js';
import { colorFromEnv } from '../theme.js';
import { initialUiState } from './state.js';
import type { HostFacts } from '../components/Header.js';
import type { DetailProcess } from '../components/DetailPane.js';
import { readDynamicHostFacts, readStaticHostFacts, type StaticHostFacts } from '../../readers/host-facts.js';
import { walkCgroupTree } from '../../readers/cgroupfs/tree.js';
import { readMembers } from '../../readers/cgroupfs/members.js';
import { topHierarchies } from '../../sampler/collect.js';
import { TopApp } from './TopApp.js';

export interface TopTuiOptions {
  readonly sampler: Sampler<TopSnapshot>;
  readonly root: string;
  readonly order: TopOrder;
  readonly reverse?: boolean;
  readonly depth?: number;
  readonly raw?: boolean;
  readonly paths: HostPaths;
  readonly layout: CgroupLayout;
  /** quit after this many samples (undefined = until q) */
  readonly iterations?: number;
  /** take one sample only (a static --root host) */
  readonly once?: boolean;
  /** colours on or off (`--color`, NO_COLOR); default: off when NO_COLOR is set */
  readonly color?: boolean;
}

/**
 * Host facts for the header, read from files under the root (src/readers/host-facts.ts: /proc, /sys,
 * /etc/os-release, and node:os on the live host; no subprocess). The static facts (hostname, CPUs, kernel) are
 * read once; memory and load at every call.
 */
export function makeHostFactsLoader(paths: HostPaths): () => Promise<HostFacts> {
  let fixed: StaticHostFacts | undefined;
  return async () => {
    fixed ??= readStaticHostFacts(paths);
    const d = readDynamicHostFacts(paths);
    const used = d.memTotalBytes !== undefined && d.memAvailableBytes !== undefined ? Math.max(0, d.memTotalBytes - d.memAvailableBytes) : undefined;
    const facts: HostFacts = { hostname: fixed.hostname, cpus: fixed.cpus, kernel: fixed.kernel, memTotalBytes: d.memTotalBytes, memUsedBytes: used, load: d.load };
    return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as HostFacts;
  };
}

const loaders = new WeakMap<HostPaths, () => Promise<HostFacts>>();

/** The host facts loader of a root, one per HostPaths (static facts read once). Used by the dashboard too. */
export function hostFactsLoader(paths: HostPaths): () => Promise<HostFacts> {
  let l = loaders.get(paths);
  if (!l) loaders.set(paths, (l = makeHostFactsLoader(paths)));
  return l;
}

/** Member processes of a cgroup (the first hierarchy of the view that has it). */
export async function makeProcessLoader(paths: HostPaths, layout: CgroupLayout): Promise<(path: string) => DetailProcess[]> {
  return (path: string) => {
    const tol = new Tolerance();
    const pids = new Set<number>();
    for (const h of topHierarchies(layout)) {
      // not in this hierarchy (or gone): the others may have it; anything else is raised
      const n = wrap(tol, path, () => walkCgroupTree(paths, layout, { view: h.version === 2 ? { kind: 'v2' } : { kind: 'v1', key: h.key }, root: path, depth: 0, members: true, tolerance: tol }));
      for (const p of n?.pids ?? []) pids.add(p);
    }
    return readMembers(paths, [...pids].sort((a, b) => a - b), tol).map((m) => ({ pid: m.pid, command: m.command }));
  };
}

export async function runTopTui(o: TopTuiOptions): Promise<number> {
  const loadProcesses = await makeProcessLoader(o.paths, o.layout);
  const initial = initialUiState({ order: o.order, reverse: o.reverse, depth: o.depth, intervalMs: o.sampler.intervalMs });
  let off: (() => void) | undefined;
  await runFullScreen({
    element: () =>
      React.createElement(TopApp, {
        sampler: o.sampler,
        root: o.root,
        initial,
        raw: o.raw,
        layout: o.layout.kind,
        loadFacts: hostFactsLoader(o.paths),
        loadProcesses,
        color: o.color ?? colorFromEnv(),
      }),
    start: (unmount) => {
      if (o.iterations !== undefined) {
        off = o.sampler.subscribe(({ seq }) => {
          if (seq >= o.iterations!) setTimeout(unmount, 50);
        });
      }
      if (o.once) o.sampler.sampleNow();
      else o.sampler.start();
    },
    stop: () => {
      off?.();
      o.sampler.stop();
    },
  });
  return 0;
}
