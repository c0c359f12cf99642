/**
 * What to say when `nsx cg tree PATH` (or `cg show`, `top`) finds no cgroup PATH in the hierarchy it looked in:
 * the other mounted hierarchies that have PATH, so the message can name them and suggest `-c`. I/O only through
 * the cgroup readers.
 */
import type { HostPaths } from '../host/paths.js';
import { normalizeCgroupPath, type CgroupLayout } from '../model/cgroup.js';
import { cgroupExists } from '../readers/cgroupfs/tree.js';
import { readCgroupLayout } from '../readers/cgroupfs/layout.js';
import { NotFoundError } from '../errors.js';
import { pickView } from './cg.js';

/** How `-c` names a hierarchy: `v2`, `name=systemd`, or its first controller (`cpu` of `cpu,cpuacct`). */
function controllerName(h: CgroupLayout['hierarchies'][number]): string {
  if (h.version === 2) return 'v2';
  if (h.name) return `name=${h.name}`;
  return h.controllers[0] ?? h.key;
}

/** The hierarchies (as `-c` names them, with their keys) that hold `path`, other than the ones in `except`. */
export function hierarchiesHolding(paths: HostPaths, layout: CgroupLayout, path: string, except: readonly string[] = []): Array<{ key: string; controller: string }> {
  const p = normalizeCgroupPath(path);
  return layout.hierarchies
    .filter((h) => !except.includes(h.key) && cgroupExists(paths, h, p))
    .map((h) => ({ key: h.version === 2 ? 'cgroup2' : h.key, controller: controllerName(h) }));
}

/**
 * `e` (a "no such cgroup" from `nsx cg tree PATH` without `-c`) with the hierarchies that do have PATH named, and
 * the `-c` that shows it; `e` itself when no other hierarchy has it (or it is another error).
 */
export function explainMissingCgroup(e: unknown, paths: HostPaths, path: string | undefined, controller: string | undefined): unknown {
  if (!(e instanceof NotFoundError) || path === undefined || controller !== undefined || !/: no such cgroup$/.test(e.message)) return e;
  const layout = readCgroupLayout(paths);
  const { label, h } = pickView(layout);
  const others = hierarchiesHolding(paths, layout, path, h ? [h.key] : []);
  if (others.length === 0) return e;
  const p = normalizeCgroupPath(path);
  const where = label === 'merged' ? 'the merged view' : `the ${label === 'v2' ? 'cgroup2' : label} hierarchy`;
  return new NotFoundError(
    `${p}: no such cgroup in ${where} (the default tree), only in ${others.map((o) => o.key).join(', ')}; try nsx cg tree -c ${others[0].controller} ${p}`,
    p,
  );
}
