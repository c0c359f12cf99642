/**
 * Where the runtimes' own files say their containers run, without looking at any process (issue 18, point 5):
 * cgroup paths to check against the cgroup tree (src/readers/runtimes/running.ts turns those that exist and hold
 * processes into running containers, their members read from `cgroup.procs`).
 *
 *   - containerd tasks (Docker's `moby`, Kubernetes' `k8s.io`, ctr/nerdctl): each bundle's `linux.cgroupsPath`;
 *   - Docker's running containers (`config.v2.json` State.Running; a dockerd with a containerd of its own keeps
 *     its tasks elsewhere): `hostconfig.json` CgroupParent, else `/docker/<id>` (cgroupfs driver) and
 *     `/system.slice/docker-<id>.scope` (systemd driver), whichever exists;
 *   - containers/storage (Podman, CRI-O): the containers with state in the run root, each bundle's
 *     `linux.cgroupsPath` (`<graphroot>/<driver>-containers/<id>/userdata/config.json`, CRI-O's in the run root);
 *   - LXC: every `/var/lib/lxc/<name>/config` → `/lxc.payload.<name>`;
 *   - machined: `/run/systemd/machines/<name>` SCOPE → `/machine.slice/<scope>`.
 * All files go through the runtime index's FileCache (re-read only when they change).
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import type { FileCache } from './file-cache.js';
import { CONTAINERD_TASK_DIRS, cgroupsPathToCgroup, readContainerdTasks } from './containerd.js';
import { dockerContainersDir, parseDockerConfig, readDockerCgroupParent } from './docker.js';
import { parseOciConfig, storageRoots } from './storage.js';
import { parseMachineFile } from './machines.js';

/** One place a runtime says a container runs; `alternatives` are tried in order (the first that exists wins). */
export interface ContainerCgroupCandidate {
  readonly alternatives: readonly string[];
}

const DRIVERS = ['overlay', 'vfs', 'btrfs', 'zfs', 'devmapper', 'aufs'];

/** Pure: the cgroup paths a Docker container `id` may have, from its `--cgroup-parent` (may be unset). */
export function dockerCgroupPaths(id: string, parent: string | undefined): string[] {
  if (parent === undefined || parent === '') return [`/docker/${id}`, `/system.slice/docker-${id}.scope`];
  // systemd driver: a slice name (`my.slice`); cgroupfs driver: a path (`/x/y`)
  if (parent.endsWith('.slice') && !parent.includes('/')) return [cgroupsPathToCgroup(`${parent}:docker:${id}`)!];
  const p = parent.startsWith('/') ? parent : `/${parent}`;
  return [`${p.replace(/\/+$/, '')}/${id}`];
}

/** Every place the runtimes' files name (duplicates are harmless: the caller keys by cgroup path). */
export function readContainerCgroupCandidates(paths: HostPaths, cache: FileCache): ContainerCgroupCandidate[] {
  const out: ContainerCgroupCandidate[] = [];
  // containerd tasks, Docker's included when dockerd uses the system containerd
  for (const t of readContainerdTasks(paths, cache)) if (t.cgroup !== undefined) out.push({ alternatives: [t.cgroup] });
  // Docker's running containers, when dockerd runs a containerd of its own (else they are the `moby` tasks above)
  const mobyTasks = CONTAINERD_TASK_DIRS.some((d) => cache.list(hostPath(paths, d)).includes('moby'));
  const ddir = dockerContainersDir(paths, cache);
  for (const id of mobyTasks ? [] : cache.list(ddir)) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    const c = cache.get(join(ddir, id, 'config.v2.json'), parseDockerConfig);
    if (c?.running !== true) continue;
    out.push({ alternatives: dockerCgroupPaths(id, readDockerCgroupParent(paths, cache, id)) });
  }
  // Podman and CRI-O: containers with state in the run root
  const runroot = hostPath(paths, '/run/containers/storage');
  for (const d of DRIVERS) {
    const ids = cache.list(join(runroot, `${d}-containers`));
    for (const id of ids) {
      if (!/^[0-9a-f]{12,128}$/.test(id)) continue;
      let cgroupsPath: string | undefined;
      for (const root of [runroot, ...storageRoots(paths, cache)]) {
        cgroupsPath = cache.get(join(root, `${d}-containers`, id, 'userdata', 'config.json'), parseOciConfig)?.cgroupsPath;
        if (cgroupsPath !== undefined) break;
      }
      const cg = cgroupsPath !== undefined ? cgroupsPathToCgroup(cgroupsPath) : undefined;
      out.push({ alternatives: cg !== undefined ? [cg] : [`/libpod_parent/libpod-${id}`, `/machine.slice/libpod-${id}.scope`, `/system.slice/crio-${id}.scope`] });
    }
  }
  // LXC
  for (const name of cache.list(hostPath(paths, '/var/lib/lxc'))) {
    if (name.startsWith('.') || name.includes('/')) continue;
    out.push({ alternatives: [`/lxc.payload.${name}`, `/lxc/${name}`] });
  }
  // machined
  const mdir = hostPath(paths, '/run/systemd/machines');
  for (const name of cache.list(mdir)) {
    if (name.startsWith('.') || name.startsWith('unit:')) continue;
    const m = cache.get(join(mdir, name), parseMachineFile);
    if (m?.SCOPE !== undefined && !m.SCOPE.includes('/')) out.push({ alternatives: [`/machine.slice/${m.SCOPE}`] });
  }
  return out;
}
