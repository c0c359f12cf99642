/**
 * Names in the TUIs: the identity record (src/model/identity.ts: runtime, id, name, image, pod, compose) of each
 * cgroup of a frame and each process of a table, from the caller's identity source — the runtime index
 * (src/readers/runtimes/index.ts), which re-reads a runtime's metadata file when it changed. Identities are
 * looked up again on every sample, never kept across samples, so a `docker rename` reaches an open TUI on the
 * next refresh. Pure given the source; the hook is src/tui/hooks/use-identities.ts.
 */
import type { Identity } from '../model/identity.js';
import type { TopFrame } from '../sampler/frame.js';
import type { PsProcess } from '../services/ps.js';

/** What the TUIs need of the runtime index (the caller does the I/O). */
export interface IdentitySource {
  /** identity of one cgroup path, with current metadata */
  identify(path: string): Identity | undefined;
  /** a path identity joined with current metadata */
  enrich(i: Identity | undefined): Identity | undefined;
}

/** Identity per cgroup path of a frame (only the cgroups that have one). Pure given the source. */
export function cgroupIdentities(frame: TopFrame | undefined, src: IdentitySource | undefined): ReadonlyMap<string, Identity> {
  const out = new Map<string, Identity>();
  if (!frame || !src) return out;
  for (const r of frame.rows) {
    const i = src.identify(r.path);
    if (i) out.set(r.path, i);
  }
  return out;
}

/** Processes with their container identity joined with current metadata (the others unchanged). */
export function withCurrentNames(procs: readonly PsProcess[], src: IdentitySource | undefined): readonly PsProcess[] {
  if (!src) return procs;
  return procs.map((p) => {
    if (!p.container || (p.container.kind !== 'container' && p.container.kind !== 'pod' && p.container.kind !== 'machine')) return p;
    const c = src.enrich(p.container);
    if (!c) return p;
    return { ...p, container: c, containerName: c.label !== c.ref ? c.label : p.containerName };
  });
}

/**
 * The label a cgroup row shows for its identity, when the row is the container's (pod's, machine's) own cgroup
 * and the label says more than the path: `billing-db`, `default/coredns/coredns`, `pod:kube-system/coredns`.
 */
export function nameOfRow(path: string, i: Identity | undefined): string | undefined {
  if (!i || i.cgroup !== path) return undefined;
  if (i.kind !== 'container' && i.kind !== 'pod' && i.kind !== 'machine') return undefined;
  return i.label !== i.ref ? i.label : undefined;
}
