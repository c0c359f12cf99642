/**
 * Container and unit identity from cgroup paths alone (no runtime API, no I/O).
 *
 * `identifyCgroupPath('/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a96…_9f99….slice/
 * cri-containerd-1d3d….scope')` → `{ runtime: 'containerd', kind: 'container', id: '1d3d…', shortId: '1d3d308a7d48',
 * podUid: '7a96…-9f99…', qos: 'burstable', unit: 'cri-containerd-1d3d….scope', … }`.
 *
 * Forms recognised (deepest container wins; a container beats a pod, a pod beats a machine, a machine beats a unit,
 * a unit beats a slice):
 * - Docker: `/docker/<id>` (cgroupfs driver, nested ones too), `docker-<id>.scope` (systemd driver), and a bare
 *   64-hex id under any parent (`--cgroup-parent=/x` → `/x/<id>`; `--cgroup-parent=/` on old Debian)
 * - plain containerd (`ctr run`, nerdctl with cgroupfs): `/default/<id>`, `/k8s.io/<id>` (namespace, then id); other
 *   namespaces are known only from containerd's task state (src/readers/runtimes/containerd.ts)
 * - containerd / CRI: `cri-containerd-<id>.scope`, the v1 systemd-driver form `<pod>.slice:cri-containerd:<id>`,
 *   nerdctl `nerdctl-<id>.scope`
 * - CRI-O: `crio-<id>.scope` or `crio-<id>` (`crio-conmon-<id>` is the monitor, not the container)
 * - Podman: `libpod-<id>.scope`, `/libpod_parent/libpod-<id>` (`libpod-conmon-…` skipped), pods as
 *   `machine-libpod_pod_<id>.slice`
 * - Kubernetes: `kubepods[.slice]/…/pod<uid>` in both cgroup drivers, with QoS class (guaranteed when no QoS level)
 *   and the pod UID with `_` → `-`; a container under a cgroupfs-driver pod is `/kubepods/<qos>/pod<uid>/<id>`
 *   (its runtime is not in the path: `runtime` is then `kubernetes`)
 * - LXC: `lxc.payload.<name>`, `lxc.payload/<name>`, `/lxc/<name>` (`lxc.monitor.*` skipped)
 * - systemd-nspawn / machined: `machine.slice/machine-<name>.scope`, `systemd-nspawn@<name>.service`
 * - systemd units (`*.service`, `*.scope`, …) and slices, with systemd's `\x2d` escapes decoded in names
 * Leading `/..` components (a path seen from inside a cgroup namespace) are skipped, and so is the ` (deleted)`
 * suffix of a removed cgroup.
 */

/** Who created the cgroup. `kubernetes` = a kubelet cgroup whose container runtime the path does not name. */
export type Runtime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'kubernetes' | 'lxc' | 'nspawn' | 'systemd';

/** Kubernetes pod of a container (from runtime metadata, `/var/log/pods`, or the cgroup path's UID). */
export interface PodRef {
  readonly namespace?: string;
  readonly name?: string;
  readonly uid?: string;
}

/** Docker Compose project and service (labels `com.docker.compose.project` / `.service`). */
export interface ComposeRef {
  readonly project?: string;
  readonly service?: string;
}

/**
 * What a runtime's local metadata adds to a path identity (src/readers/runtimes/). Every field optional: metadata
 * may be absent, unreadable or from a runtime nsx does not know, and the path identity stands alone then.
 */
export interface ContainerMeta {
  /** corrects the runtime guessed from the path (`kubernetes` → `containerd`, a bare id → `containerd`) */
  readonly runtime?: Runtime;
  readonly name?: string;
  readonly image?: string;
  readonly pod?: PodRef;
  readonly compose?: ComposeRef;
  /** containerd namespace (`moby`, `k8s.io`, `default`) */
  readonly namespace?: string;
  /** Kubernetes sandbox ("pause") container rather than an application container */
  readonly sandbox?: boolean;
}

/** What the identified cgroup is. */
export type IdentityKind = 'container' | 'pod' | 'machine' | 'unit' | 'slice';

/** Kubernetes QoS class (from the kubepods level; no level = guaranteed). */
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

export interface Identity {
  readonly runtime: Runtime;
  readonly kind: IdentityKind;
  /** Container id (full), pod UID, machine name, or unit/slice name. */
  readonly id: string;
  /** First 12 characters of a hex container id (as `docker ps` shows); otherwise `id`. */
  readonly shortId: string;
  /**
   * What nsx prints: the name when runtime metadata gave one (`web`, `default/coredns-5d78c9869d-8xk2p/coredns`
   * for a Kubernetes container: namespace/pod/container), else `ref`. Accepted back as a target.
   */
  readonly label: string;
  /** Stable handle from the path alone: `docker:1f1d6e2d4940`, `pod:<uid>`, `machine:<name>`, `ssh.service`. */
  readonly ref: string;
  /** Container name from runtime metadata (Docker `Name` without `/`, Podman `names[0]`, the k8s container name). */
  readonly name?: string;
  /** Image reference from runtime metadata (`nginx:1.25`, `localhost/busybox:latest`). */
  readonly image?: string;
  /** Kubernetes pod: namespace and name from metadata, uid from metadata or the path. */
  readonly pod?: PodRef;
  readonly compose?: ComposeRef;
  /** containerd namespace of the task, when the container runs under containerd. */
  readonly namespace?: string;
  /** true for a Kubernetes pod sandbox (pause) container. */
  readonly sandbox?: boolean;
  /** Kubernetes pod UID (dashes) or Podman pod id, when the path is under a pod. */
  readonly podUid?: string;
  /** Kubernetes QoS class, when the path is under kubepods. */
  readonly qos?: QosClass;
  /** The systemd unit (scope/service) that holds it, when there is one (escaped as systemd names it). */
  readonly unit?: string;
  /** The innermost systemd slice above it, when there is one. */
  readonly slice?: string;
  /** The cgroup path of the identified object itself (prefix of the input, without leading `/..`). */
  readonly cgroup: string;
  /** What follows below it in the input path (`/kube-proxy`, `/system.slice/x.service`), or undefined. */
  readonly subpath?: string;
}

const RANK: Record<IdentityKind, number> = { container: 5, pod: 4, machine: 3, unit: 2, slice: 1 };

const HEX_ID = /^[0-9a-f]{12,128}$/;
const UNIT_SUFFIX = /\.(service|scope|socket|mount|swap|device|target|timer|path|session)$/;

/**
 * The systemd unit of a cgroup path as systemd itself names it (`sd_pid_get_unit`, `ps -o unit`,
 * `systemctl status PID`): below the leading slices, the first component, when it is a unit (`*.service`,
 * `*.scope`, …); undefined for the root, a slice, or a path systemd did not name (`/docker/<id>`). Unlike the
 * identity's `unit` (the deepest unit), a unit delegated below another (`user@1000.service/app.slice/x.service`)
 * gives the outer one, as systemd's tools do. Leading `/..` components (cgroup namespace) are skipped.
 */
export function systemdUnitOf(path: string): string | undefined {
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '..' || seg === '.') continue;
    if (seg.endsWith('.slice')) continue;
    return UNIT_SUFFIX.test(seg) ? seg : undefined;
  }
  return undefined;
}

/** Decode systemd's unit-name escapes (`\x2d` → `-`). */
export function unescapeSystemd(name: string): string {
  return name.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function shortOf(id: string): string {
  return /^[0-9a-f]{13,}$/.test(id) ? id.slice(0, 12) : id;
}

interface Ctx {
  podUid?: string;
  qos?: QosClass;
  slice?: string;
  unit?: string;
  /** under /kubepods (cgroupfs driver) */
  kubepods?: 'cgroupfs' | 'systemd';
  /** previous segment */
  prev?: string;
  /** index of the current segment (0 = directly under the root) */
  depth?: number;
}

/** A containerd container id as `ctr run` accepts it (letters, digits, `_ . -`; at most 76). */
const CONTAINERD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,75}$/;

interface Match {
  runtime: Runtime;
  kind: IdentityKind;
  id: string;
  unit?: string;
  podUid?: string;
  qos?: QosClass;
}

function qosOf(s: string | undefined): QosClass | undefined {
  return s === 'burstable' || s === 'besteffort' || s === 'guaranteed' ? s : undefined;
}

/** A Kubernetes pod slice (systemd driver): `[prefix-]kubepods[-qos]-pod<uid>.slice`. */
const K8S_POD_SLICE = /^(?:[a-z0-9_]+-)?kubepods(?:-(burstable|besteffort))?-pod([0-9a-fA-F_-]+)\.slice$/;
/** The v1 systemd-driver containerd form `<pod slice>:<runtime>:<id>`. */
const COLON_FORM = /^(.+\.slice):(cri-containerd|containerd|cri-o|crio|docker):([0-9a-f]+)$/;
/** `<prefix>-<hex>.scope` of the container runtimes (conmon scopes excluded by the caller). */
const SCOPE_FORM = /^(docker|cri-containerd|crio|libpod|nerdctl)-([0-9a-f]{12,128})(?:\.scope)?$/;

const SCOPE_RUNTIME: Record<string, Runtime> = {
  docker: 'docker',
  'cri-containerd': 'containerd',
  nerdctl: 'containerd',
  crio: 'cri-o',
  libpod: 'podman',
  'cri-o': 'cri-o',
  containerd: 'containerd',
};

function podFromSlice(seg: string): { podUid: string; qos: QosClass } | undefined {
  const m = K8S_POD_SLICE.exec(seg);
  if (!m) return undefined;
  return { podUid: m[2].replace(/_/g, '-'), qos: qosOf(m[1]) ?? 'guaranteed' };
}

/** Classify one path segment given what the segments above it established. */
function classify(seg: string, ctx: Ctx): Match | undefined {
  // runtime scopes: docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, libpod-<id>.scope
  if (!seg.startsWith('crio-conmon-') && !seg.startsWith('libpod-conmon-')) {
    const s = SCOPE_FORM.exec(seg);
    if (s) {
      // a bare `docker-<id>` without .scope is not a form docker uses; require .scope except for crio/libpod
      if (seg.endsWith('.scope') || s[1] === 'crio' || (s[1] === 'libpod' && ctx.prev === 'libpod_parent')) {
        return { runtime: SCOPE_RUNTIME[s[1]], kind: 'container', id: s[2], unit: seg.endsWith('.scope') ? seg : undefined };
      }
    }
  }
  const c = COLON_FORM.exec(seg);
  if (c) {
    const pod = podFromSlice(c[1]);
    return { runtime: SCOPE_RUNTIME[c[2]], kind: 'container', id: c[3], podUid: pod?.podUid, qos: pod?.qos };
  }
  // Docker cgroupfs driver: /docker/<id>
  if (ctx.prev === 'docker' && /^[0-9a-f]+$/.test(seg)) return { runtime: 'docker', kind: 'container', id: seg };
  // plain containerd with the cgroupfs driver: /<namespace>/<id> for the namespaces ctr and the CRI plugin use
  if (ctx.depth === 1 && (ctx.prev === 'default' || ctx.prev === 'k8s.io') && CONTAINERD_ID.test(seg)) {
    return { runtime: 'containerd', kind: 'container', id: seg };
  }
  // a bare 64-hex id under any parent (or none): Docker with `--cgroup-parent=/x` → /x/<id>, `--cgroup-parent=/`
  // (under a Kubernetes pod slice the runtime is not in the path)
  if (/^[0-9a-f]{64}$/.test(seg) && ctx.kubepods !== 'cgroupfs') {
    return { runtime: ctx.podUid !== undefined ? 'kubernetes' : 'docker', kind: 'container', id: seg };
  }
  // Kubernetes
  const pod = podFromSlice(seg);
  if (pod) return { runtime: 'kubernetes', kind: 'pod', id: pod.podUid, ...pod };
  if (ctx.kubepods === 'cgroupfs') {
    const p = /^pod([0-9a-fA-F_-]+)$/.exec(seg);
    if (p) return { runtime: 'kubernetes', kind: 'pod', id: p[1].replace(/_/g, '-'), podUid: p[1].replace(/_/g, '-'), qos: ctx.qos ?? 'guaranteed' };
    if (ctx.podUid !== undefined && ctx.prev?.startsWith('pod') && HEX_ID.test(seg)) {
      return { runtime: 'kubernetes', kind: 'container', id: seg };
    }
  }
  // LXC
  const lxc = /^lxc\.payload\.(.+)$/.exec(seg);
  if (lxc) return { runtime: 'lxc', kind: 'container', id: lxc[1] };
  if ((ctx.prev === 'lxc' || ctx.prev === 'lxc.payload') && seg !== '' && !seg.startsWith('lxc.monitor')) {
    return { runtime: 'lxc', kind: 'container', id: seg };
  }
  // Podman pod slice
  const lp = /^machine-libpod_pod_([0-9a-f]+)\.slice$/.exec(seg);
  if (lp) return { runtime: 'podman', kind: 'pod', id: lp[1], podUid: lp[1] };
  // machined / nspawn
  const mach = /^machine-(.+)\.scope$/.exec(seg);
  if (mach && ctx.slice === 'machine.slice') return { runtime: 'nspawn', kind: 'machine', id: unescapeSystemd(mach[1]), unit: seg };
  const nsp = /^systemd-nspawn@(.+)\.service$/.exec(seg);
  if (nsp) return { runtime: 'nspawn', kind: 'machine', id: unescapeSystemd(nsp[1]), unit: seg };
  // systemd units and slices
  if (UNIT_SUFFIX.test(seg)) return { runtime: 'systemd', kind: 'unit', id: seg, unit: seg };
  if (seg.endsWith('.slice') && seg !== '-.slice') return { runtime: 'systemd', kind: 'slice', id: seg };
  return undefined;
}

function refOf(m: Match): string {
  switch (m.kind) {
    case 'container':
      return `${m.runtime}:${shortOf(m.id)}`;
    case 'pod':
      return `pod:${m.id}`;
    case 'machine':
      return `machine:${m.id}`;
    default:
      return m.id;
  }
}

/**
 * What a cgroup path belongs to (pure). `path` is as in `/proc/PID/cgroup` or a cgroup's path below its
 * hierarchy root; leading `/..` components are ignored. Undefined for the root and for paths that name nothing
 * known (e.g. `/user/1000.user` is still a unit only if it ends in a unit suffix).
 */
export function identifyCgroupPath(path: string): Identity | undefined {
  if (typeof path !== 'string' || path === '') return undefined;
  // pure, and asked again and again for the same few paths (every process of a cgroup, every refresh): memoised
  const hit = memo.get(path);
  if (hit !== undefined) return hit ?? undefined;
  if (memo.size >= MEMO_MAX) memo.clear();
  const id = identifyUncached(path);
  memo.set(path, id ?? null);
  return id;
}

/** identifyCgroupPath's answers by path (null: none); cleared when it reaches MEMO_MAX entries. */
const memo = new Map<string, Identity | null>();
const MEMO_MAX = 50_000;

function identifyUncached(path: string): Identity | undefined {
  // a removed cgroup shows in /proc/PID/cgroup as `PATH (deleted)`: it still names what it was
  const live = path.endsWith(' (deleted)') ? path.slice(0, -' (deleted)'.length) : path;
  const segs = live.split('/').filter((s) => s !== '' && s !== '.');
  while (segs.length && segs[0] === '..') segs.shift();
  const ctx: Ctx = {};
  let best: { m: Match; depth: number; ctx: Ctx } | undefined;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    if (seg === '..') continue;
    if (seg === 'kubepods') ctx.kubepods = 'cgroupfs';
    else if (ctx.kubepods === 'cgroupfs' && ctx.podUid === undefined && qosOf(seg) && segs[i - 1] === 'kubepods') ctx.qos = qosOf(seg);
    ctx.depth = i;
    const m = classify(seg, ctx);
    if (m) {
      const take = !best || RANK[m.kind] >= RANK[best.m.kind];
      if (take) best = { m, depth: i, ctx: { ...ctx } };
      if (m.kind === 'pod') {
        ctx.podUid = m.podUid;
        ctx.qos = m.qos;
      }
      if (m.kind === 'slice') ctx.slice = seg;
      if (m.unit) ctx.unit = m.unit;
      if (m.kind === 'slice' && /^kubepods-(burstable|besteffort)\.slice$/.test(seg)) ctx.qos = qosOf(seg.slice(9, -6));
    }
    ctx.prev = seg;
  }
  if (!best) return undefined;
  const { m, depth } = best;
  const podUid = m.podUid ?? best.ctx.podUid;
  const qos = m.qos ?? (podUid !== undefined || m.kind === 'pod' ? best.ctx.qos : undefined);
  const sliceAbove = best.ctx.slice;
  const sub = segs.slice(depth + 1);
  const id: Identity = {
    runtime: m.runtime,
    kind: m.kind,
    id: m.id,
    shortId: shortOf(m.id),
    label: refOf(m),
    ref: refOf(m),
    ...(podUid !== undefined ? { podUid } : {}),
    ...(qos !== undefined ? { qos } : {}),
    ...(m.unit !== undefined ? { unit: m.unit } : {}),
    ...(sliceAbove !== undefined ? { slice: sliceAbove } : {}),
    cgroup: '/' + segs.slice(0, depth + 1).join('/'),
    ...(sub.length ? { subpath: '/' + sub.join('/') } : {}),
  };
  return id;
}

/**
 * The most specific identity among several paths of one process (one per hierarchy, e.g. from
 * `/proc/PID/cgroup`): a container beats a pod beats a machine beats a unit beats a slice; on a tie the
 * first path given wins (pass the v2 / name=systemd path first to prefer it).
 */
export function identifyCgroupPaths(paths: Iterable<string>): Identity | undefined {
  let best: Identity | undefined;
  for (const p of paths) best = moreSpecific(best, identifyCgroupPath(p));
  return best;
}

/** `i` when it is more specific than `best` (a container beats a pod beats …; a tie keeps `best`), else `best`. */
export function moreSpecific(best: Identity | undefined, i: Identity | undefined): Identity | undefined {
  return i && (!best || RANK[i.kind] > RANK[best.kind]) ? i : best;
}

/** Compare two identities for display: same object? (runtime, kind and id). */
export function sameIdentity(a: Identity | undefined, b: Identity | undefined): boolean {
  return a === b || (!!a && !!b && a.runtime === b.runtime && a.kind === b.kind && a.id === b.id);
}

/**
 * Join a path identity with its runtime's metadata (pure). The label becomes the name (`web`; a Kubernetes
 * container `POD/CONTAINER`, its sandbox `POD/POD`; a pod `pod:NAMESPACE/NAME`); `ref` keeps the path handle.
 * (The pod may also be a Podman pod: no namespace, and its containers keep their own names as labels.)
 * `pod` merges the metadata's with the path's UID; `podNames` (from /var/log/pods) fills a missing pod name.
 */
export function withMeta(i: Identity, m: ContainerMeta | undefined, podNames?: (uid: string) => PodRef | undefined): Identity {
  const uid = m?.pod?.uid ?? i.podUid;
  const fromLogs = uid !== undefined && (m?.pod?.name === undefined || m?.pod?.namespace === undefined) ? podNames?.(uid) : undefined;
  const podNs = m?.pod?.namespace ?? fromLogs?.namespace;
  const podName = m?.pod?.name ?? fromLogs?.name;
  const pod: PodRef | undefined =
    uid !== undefined || podNs !== undefined || podName !== undefined
      ? { ...(podNs !== undefined ? { namespace: podNs } : {}), ...(podName !== undefined ? { name: podName } : {}), ...(uid !== undefined ? { uid } : {}) }
      : undefined;
  if (!m && !pod) return i;
  const runtime = m?.runtime ?? i.runtime;
  const name = m?.name;
  const changed = runtime !== i.runtime && i.kind === 'container';
  let label = i.label;
  if (i.kind === 'pod' && podName !== undefined) label = `pod:${podNs !== undefined ? podNs + '/' : ''}${podName}`;
  // a Kubernetes container (its pod has a namespace) reads POD/CONTAINER; a Podman pod's containers keep their names
  else if (i.kind === 'container' && podName !== undefined && podNs !== undefined && (name !== undefined || m?.sandbox)) label = `${podName}/${m?.sandbox ? 'POD' : name}`;
  else if (name !== undefined) label = name;
  else if (changed) label = `${runtime}:${i.shortId}`;
  const compose = m?.compose && (m.compose.project !== undefined || m.compose.service !== undefined) ? m.compose : undefined;
  const podUid = i.podUid ?? uid;
  return {
    ...i,
    runtime,
    label,
    ref: changed ? `${runtime}:${i.shortId}` : i.ref,
    ...(name !== undefined ? { name } : {}),
    ...(m?.image !== undefined ? { image: m.image } : {}),
    ...(pod ? { pod } : {}),
    ...(podUid !== undefined ? { podUid } : {}),
    ...(compose ? { compose } : {}),
    ...(m?.namespace !== undefined ? { namespace: m.namespace } : {}),
    ...(m?.sandbox ? { sandbox: true } : {}),
  };
}

/** The structured identity record of JSON outputs (every key present; absent = null). */
export interface IdentityJson {
  readonly runtime: Runtime;
  readonly kind: IdentityKind;
  readonly id: string;
  readonly name: string | null;
  readonly image: string | null;
  readonly pod: { readonly namespace: string | null; readonly name: string | null; readonly uid: string | null } | null;
  readonly compose: { readonly project: string | null; readonly service: string | null } | null;
  readonly unit: string | null;
  /** containerd namespace */
  readonly namespace: string | null;
  /** what nsx prints (name, else ref) */
  readonly label: string;
  /** `RUNTIME:ID12` (containers), `pod:UID`, `machine:NAME`, or the unit */
  readonly ref: string;
  readonly cgroup: string;
}

/** The JSON record of an identity, or null. Stable key order; absent values are null, never omitted. */
export function identityJson(i: Identity | undefined): IdentityJson | null {
  if (!i) return null;
  const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
  const pod = i.pod ?? (i.podUid !== undefined ? { uid: i.podUid } : undefined);
  return {
    runtime: i.runtime,
    kind: i.kind,
    id: i.id,
    name: n(i.name),
    image: n(i.image),
    pod: pod ? { namespace: n(pod.namespace), name: n(pod.name), uid: n(pod.uid) } : null,
    compose: i.compose ? { project: n(i.compose.project), service: n(i.compose.service) } : null,
    unit: n(i.unit),
    namespace: n(i.namespace),
    label: i.label,
    ref: i.ref,
    cgroup: i.cgroup,
  };
}

/**
 * Does a search text match this identity (case-insensitive substring of the name, id, label, ref, image, pod
 * namespace/name/uid, compose project/service, unit)? For the dashboard's search and list filters.
 */
export function identityMatches(i: Identity | undefined, needle: string): boolean {
  if (!i) return false;
  const q = needle.toLowerCase();
  if (q === '') return true;
  const hay = [i.name, i.id, i.label, i.ref, i.image, i.pod?.namespace, i.pod?.name, i.pod?.uid, i.podUid, i.compose?.project, i.compose?.service, i.unit];
  if (i.pod?.namespace !== undefined && i.pod.name !== undefined) hay.push(`${i.pod.namespace}/${i.pod.name}`);
  return hay.some((h) => h !== undefined && h.toLowerCase().includes(q));
}
