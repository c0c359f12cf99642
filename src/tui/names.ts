/**
 * Names in the TUIs: the identity record (src/model/identity.ts: runtime, id, name, image, pod, compose) of each
 * cgroup of a frame, as the sample carries it (the collector looks every cgroup up in the runtime index, which
 * re-reads a runtime's metadata file when it changed: a `docker rename` reaches an open TUI on the next sample;
 * nothing here keeps a name across samples). Pure; the hook is src/tui/hooks/use-identities.ts.
 */
import type { Identity } from '../model/identity.js';
import type { TopFrame } from '../sampler/frame.js';

/** Identity per cgroup path of a frame (only the cgroups that have one). */
export function cgroupIdentities(frame: TopFrame | undefined): ReadonlyMap<string, Identity> {
  const out = new Map<string, Identity>();
  for (const r of frame?.rows ?? []) if (r.identity) out.set(r.path, r.identity);
  return out;
}

/** A cgroup path with its long hex ids cut to 12 characters (`docker-2cc65c162ca1….scope`), for a name's company. */
export function shortIds(path: string): string {
  return path.replace(/\b([0-9a-f]{12})[0-9a-f]{20,}\b/g, '$1…');
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
