/**
 * Container and pod targets (pure): `container:NAME`, `container:ID`, `container:ID-PREFIX`, `container:RUNTIME:ID`
 * (the label nsx prints), `pod:NAMESPACE/NAME` — parsed once and resolved against the identities of the host's
 * running containers, alike for `enter -t`, `cg show`, `ps -c`, `top` filters and the dashboard.
 *
 * Resolution never depends on order: an exact name, label, ref or full id wins; otherwise an id prefix must match
 * exactly one container; several matches are refused with the candidates listed (exit 1), none is "not found".
 */
import { NotFoundError, NsxError, UsageError } from '../errors.js';
import type { Identity, PodRef, Runtime } from './identity.js';

/** A parsed `container:` / `pod:` target. `prefix` is the text after `container:` (and the runtime, if any). */
export type ContainerTarget =
  | { readonly kind: 'container'; readonly prefix: string; readonly runtime?: Runtime }
  | { readonly kind: 'pod'; readonly namespace?: string; readonly name: string };

const RUNTIMES: Readonly<Record<string, Runtime>> = {
  docker: 'docker',
  podman: 'podman',
  containerd: 'containerd',
  ctr: 'containerd',
  nerdctl: 'containerd',
  'cri-o': 'cri-o',
  crio: 'cri-o',
  kubernetes: 'kubernetes',
  k8s: 'kubernetes',
  lxc: 'lxc',
  nspawn: 'nspawn',
  machine: 'nspawn',
};

/** Starts with a letter or digit (as container names do); printable, no spaces or control characters after. */
const QUERY = /^[A-Za-z0-9][^\s\x00-\x1f\x7f]*$/;

/** Is this `-t`/filter text a container or pod target? */
export function isContainerTarget(v: string): boolean {
  return v.startsWith('container:') || v.startsWith('pod:');
}

/**
 * Parse `container:…` or `pod:…` (throws UsageError, naming `cmd`, for anything else). Names are case-sensitive;
 * hex ids match in any case.
 */
export function parseContainerTarget(v: string, cmd = 'nsx'): ContainerTarget {
  if (v.startsWith('pod:')) {
    const rest = v.slice(4);
    if (!QUERY.test(rest) || rest.startsWith('/') || rest.endsWith('/') || rest.split('/').length > 2)
      throw new UsageError(`${cmd}: invalid target '${v}': give pod:NAMESPACE/NAME, pod:NAME or pod:UID`);
    const slash = rest.indexOf('/');
    return slash < 0 ? { kind: 'pod', name: rest } : { kind: 'pod', namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
  }
  if (!v.startsWith('container:')) throw new UsageError(`${cmd}: invalid target '${v}': give container:NAME, container:ID[-PREFIX], container:RUNTIME:ID or pod:NAMESPACE/NAME`);
  let rest = v.slice(10);
  let runtime: Runtime | undefined;
  const colon = rest.indexOf(':');
  if (colon > 0 && RUNTIMES[rest.slice(0, colon).toLowerCase()] !== undefined) {
    runtime = RUNTIMES[rest.slice(0, colon).toLowerCase()];
    rest = rest.slice(colon + 1);
  }
  if (!QUERY.test(rest)) throw new UsageError(`${cmd}: invalid target '${v}': give container:NAME, container:ID[-PREFIX] or container:RUNTIME:ID`);
  // ids are lower-case hex: an all-hex query is taken in lower case (names then match case-insensitively too)
  if (/^[0-9a-fA-F]+$/.test(rest)) rest = rest.toLowerCase();
  return runtime ? { kind: 'container', prefix: rest, runtime } : { kind: 'container', prefix: rest };
}

/** The target as the user wrote it (for messages). */
export function containerTargetText(t: ContainerTarget): string {
  if (t.kind === 'pod') return `pod:${t.namespace !== undefined ? t.namespace + '/' : ''}${t.name}`;
  return `container:${t.runtime ? t.runtime + ':' : ''}${t.prefix}`;
}

/**
 * One candidate: `docker:1f1d6e2d4940 web (nginx:1.25)`. Line breaks in names are written `\x0a` so a message stays
 * one line (the CLI's handler escapes the other control characters).
 */
export function describeIdentity(i: Identity): string {
  const extra = [i.label !== i.ref && !i.ref.endsWith(`:${i.label}`) ? i.label : undefined, i.image !== undefined ? `(${i.image})` : undefined].filter(Boolean);
  return [i.ref, ...extra].join(' ').replace(/[\n\r]/g, (c) => (c === '\n' ? '\\x0a' : '\\x0d'));
}

export type Resolution<T> =
  | { readonly ok: T }
  | { readonly none: true }
  | { readonly ambiguous: readonly Identity[] };

function unique(list: readonly Identity[]): Identity[] {
  const seen = new Map<string, Identity>();
  for (const i of list) if (!seen.has(`${i.runtime}\0${i.id}`)) seen.set(`${i.runtime}\0${i.id}`, i);
  return [...seen.values()];
}

/**
 * Match a container query among identities (containers and nspawn machines; duplicates by runtime+id collapse).
 * Pure.
 */
export function matchContainer(t: Extract<ContainerTarget, { kind: 'container' }>, identities: readonly Identity[]): Resolution<Identity> {
  const all = unique(identities.filter((i) => (i.kind === 'container' || i.kind === 'machine') && (t.runtime === undefined || i.runtime === t.runtime)));
  const q = t.prefix;
  const ql = q.toLowerCase();
  const hex = /^[0-9a-f]+$/.test(ql);
  const idEq = (i: Identity) => i.id === q || (hex && i.id.toLowerCase() === ql);
  // 1. exact: full id, name, label (`POD/CONTAINER`, the name), ref (`docker:1f1d6e2d4940`), RUNTIME:SHORTID
  const nameEq = (n: string | undefined) => n !== undefined && (n === q || (hex && n.toLowerCase() === ql));
  const exact = all.filter((i) => idEq(i) || nameEq(i.name) || nameEq(i.label) || i.ref === q || (t.runtime !== undefined && i.shortId === ql));
  if (exact.length === 1) return { ok: exact[0] };
  if (exact.length > 1) return { ambiguous: exact };
  // 2. id prefix (ids only: an LXC or ctr container's id is its name)
  const pre = all.filter((i) => i.id.startsWith(q) || (hex && i.id.toLowerCase().startsWith(ql)));
  if (pre.length === 1) return { ok: pre[0] };
  if (pre.length > 1) return { ambiguous: pre };
  return { none: true };
}

/** A resolved pod: its reference, the pod-level cgroup when known, and its containers. */
export interface PodMatch {
  readonly pod: PodRef;
  /** cgroup of the pod itself (parent of its containers), when a container's path shows it */
  readonly cgroup?: string;
  readonly containers: readonly Identity[];
}

/** Match a pod query (`NAMESPACE/NAME`, `NAME` in any namespace, or a UID or unique UID prefix). Pure. */
export function matchPod(t: Extract<ContainerTarget, { kind: 'pod' }>, identities: readonly Identity[]): Resolution<PodMatch> {
  const byUid = new Map<string, Identity[]>();
  for (const i of identities) {
    const uid = i.pod?.uid ?? i.podUid;
    if (uid === undefined) continue;
    const l = byUid.get(uid) ?? [];
    l.push(i);
    byUid.set(uid, l);
  }
  const podOf = (uid: string): PodRef => {
    const withName = byUid.get(uid)!.find((i) => i.pod?.name !== undefined);
    return { ...(withName?.pod ?? {}), uid };
  };
  const test = (pred: (p: PodRef) => boolean) => [...byUid.keys()].filter((u) => pred(podOf(u)));
  let uids = t.namespace !== undefined ? test((p) => p.namespace === t.namespace && p.name === t.name) : test((p) => p.name === t.name || p.uid === t.name);
  if (uids.length === 0 && t.namespace === undefined) uids = test((p) => p.uid !== undefined && p.uid.startsWith(t.name));
  if (uids.length === 0) return { none: true };
  if (uids.length > 1) return { ambiguous: uids.map((u) => podIdentity(podOf(u), byUid.get(u)!)) };
  const uid = uids[0];
  const members = unique(byUid.get(uid)!);
  const podLevel = members.find((i) => i.kind === 'pod');
  const child = members.find((i) => i.kind === 'container');
  const cgroup = podLevel?.cgroup ?? (child ? parentCgroup(child.cgroup) : undefined);
  return { ok: { pod: podOf(uid), ...(cgroup !== undefined ? { cgroup } : {}), containers: members.filter((i) => i.kind === 'container') } };
}

function parentCgroup(p: string): string | undefined {
  const i = p.lastIndexOf('/');
  return i <= 0 ? undefined : p.slice(0, i);
}

/** A pod shown as a candidate. */
function podIdentity(pod: PodRef, members: readonly Identity[]): Identity {
  const any = members[0];
  const label = `pod:${pod.namespace !== undefined ? pod.namespace + '/' : ''}${pod.name ?? pod.uid}`;
  return { ...any, kind: 'pod', id: pod.uid ?? any.id, shortId: pod.uid ?? any.id, label, ref: `pod:${pod.uid}`, pod };
}

/** The error for an unresolved target (ambiguity exits 1 as well: it is not a usage mistake). */
export function unresolvedError<T>(cmd: string, t: ContainerTarget, r: Resolution<T>, extra = ''): NsxError {
  const what = containerTargetText(t);
  if ('ambiguous' in r) {
    const c = [...r.ambiguous].sort((a, b) => a.ref.localeCompare(b.ref));
    return new NsxError(
      'usage',
      `${cmd}: ${what}: ambiguous, ${c.length} ${t.kind === 'pod' ? 'pods' : 'containers'} match: ${c.map(describeIdentity).join(', ')}; give the full name, more of the id, or RUNTIME:ID`,
      { exitCode: 1 },
    );
  }
  const kind = t.kind === 'pod' ? 'pod' : 'container';
  return new NotFoundError(`${cmd}: ${what}: no running ${kind} matches${extra}`, what);
}

/** Resolve a container target or throw (not found / ambiguous, both exit 1). */
export function pickContainer(cmd: string, t: Extract<ContainerTarget, { kind: 'container' }>, identities: readonly Identity[], extra = ''): Identity {
  const r = matchContainer(t, identities);
  if ('ok' in r) return r.ok;
  throw unresolvedError(cmd, t, r, extra);
}

/** Resolve a pod target or throw (not found / ambiguous, both exit 1). */
export function pickPod(cmd: string, t: Extract<ContainerTarget, { kind: 'pod' }>, identities: readonly Identity[], extra = ''): PodMatch {
  const r = matchPod(t, identities);
  if ('ok' in r) return r.ok;
  throw unresolvedError(cmd, t, r, extra);
}

/**
 * A filter from a target for list views (`ps -c`, the dashboard): `container:…`/`pod:…`, or bare text taken as
 * `container:TEXT`, then as a pod (name or UID), then as a unit/slice/pod identity named exactly (`ssh.service`).
 * Resolved once against `identities` (the rows' own); an ambiguous container or pod throws (exit 1, candidates
 * listed), and so does a target that names nothing. Pure.
 */
export function targetSelector(text: string, identities: readonly (Identity | undefined)[], cmd = 'nsx'): (i: Identity | undefined) => boolean {
  const ids = identities.filter((i): i is Identity => i !== undefined);
  const same = (a: Identity) => (i: Identity | undefined) => !!i && i.runtime === a.runtime && i.id === a.id;
  const podPred = (p: PodMatch) => (i: Identity | undefined) => !!i && p.pod.uid !== undefined && (i.pod?.uid ?? i.podUid) === p.pod.uid;
  if (isContainerTarget(text)) {
    const t = parseContainerTarget(text, cmd);
    return t.kind === 'pod' ? podPred(pickPod(cmd, t, ids)) : same(pickContainer(cmd, t, ids));
  }
  let t: ContainerTarget | undefined;
  try {
    t = parseContainerTarget(`container:${text}`, cmd);
  } catch {
    t = undefined; // not a container name or id (e.g. a unit with `@`): tried below as a unit
  }
  if (t?.kind === 'container') {
    const r = matchContainer(t, ids);
    if ('ok' in r) return same(r.ok);
    if ('ambiguous' in r) throw unresolvedError(cmd, t, r);
    const pt: ContainerTarget = text.includes('/') ? { kind: 'pod', namespace: text.slice(0, text.indexOf('/')), name: text.slice(text.indexOf('/') + 1) } : { kind: 'pod', name: text };
    const p = matchPod(pt, ids);
    if ('ok' in p) return podPred(p.ok);
    if ('ambiguous' in p) throw unresolvedError(cmd, pt, p);
  }
  const q = text.toLowerCase();
  const named = ids.filter((i) => [i.id, i.label, i.ref].some((s) => s.toLowerCase() === q));
  if (named.length) return (i) => !!i && named.some((n) => n.kind === i.kind && n.id === i.id);
  throw new NotFoundError(`${cmd}: ${text}: no running container, pod or unit matches`, text);
}
