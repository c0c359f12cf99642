/**
 * Kubernetes pods from the node's own files: `/var/log/pods/<namespace>_<name>_<uid>/` (the kubelet makes one per
 * pod on every node, whatever the runtime), and the pod/container annotations or labels each runtime stores with a
 * container (containerd `io.kubernetes.cri.*`, CRI-O and dockershim `io.kubernetes.pod.*`).
 */
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import type { ContainerMeta, PodRef } from '../../model/identity.js';
import type { FileCache } from './file-cache.js';

/** Pure: `kube-system_coredns-5d78c9869d-8xk2p_9e2a…` → {namespace, name, uid}; undefined for other names. */
export function parsePodLogDir(dir: string): PodRef | undefined {
  // namespaces and pod names are DNS labels/subdomains (no `_`), so the first and last `_` split it
  const a = dir.indexOf('_');
  const b = dir.lastIndexOf('_');
  if (a <= 0 || b <= a + 1 || b === dir.length - 1) return undefined;
  return { namespace: dir.slice(0, a), name: dir.slice(a + 1, b), uid: dir.slice(b + 1) };
}

/** Pods by UID from `/var/log/pods` (empty on hosts that are not Kubernetes nodes). */
export function readPodLogDirs(paths: HostPaths, cache: FileCache): Map<string, PodRef> {
  const out = new Map<string, PodRef>();
  for (const d of cache.list(hostPath(paths, '/var/log/pods'))) {
    const p = parsePodLogDir(d);
    if (p?.uid !== undefined) out.set(p.uid, p);
  }
  return out;
}

/**
 * Pure: pod and container from Kubernetes annotations or labels, whichever runtime wrote them:
 * containerd CRI (`io.kubernetes.cri.container-name`, `sandbox-name`, `sandbox-namespace`, `sandbox-uid`,
 * `image-name`, `container-type`), CRI-O and dockershim (`io.kubernetes.pod.name`, `.namespace`, `.uid`,
 * `io.kubernetes.container.name`, `io.kubernetes.cri-o.ImageName`, `io.kubernetes.cri-o.ContainerType`,
 * `io.kubernetes.docker.type`). Undefined when none is present.
 */
export function kubernetesMeta(a: Readonly<Record<string, string>>): ContainerMeta | undefined {
  const podName = a['io.kubernetes.cri.sandbox-name'] ?? a['io.kubernetes.pod.name'];
  const podNs = a['io.kubernetes.cri.sandbox-namespace'] ?? a['io.kubernetes.pod.namespace'];
  const podUid = a['io.kubernetes.cri.sandbox-uid'] ?? a['io.kubernetes.pod.uid'];
  const type = a['io.kubernetes.cri.container-type'] ?? a['io.kubernetes.cri-o.ContainerType'] ?? a['io.kubernetes.docker.type'];
  const sandbox = type === 'sandbox' || type === 'podsandbox';
  const name = sandbox ? undefined : (a['io.kubernetes.cri.container-name'] ?? a['io.kubernetes.container.name']);
  const image = a['io.kubernetes.cri.image-name'] ?? a['io.kubernetes.cri-o.ImageName'];
  if (podName === undefined && podNs === undefined && podUid === undefined && name === undefined) return undefined;
  const pod: PodRef = {
    ...(podNs !== undefined ? { namespace: podNs } : {}),
    ...(podName !== undefined ? { name: podName } : {}),
    ...(podUid !== undefined ? { uid: podUid } : {}),
  };
  return {
    ...(name !== undefined ? { name } : {}),
    ...(image !== undefined ? { image } : {}),
    pod,
    ...(sandbox ? { sandbox: true } : {}),
  };
}
