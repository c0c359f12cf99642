/**
 * Docker containers from Docker's own files (no daemon API): `/var/lib/docker/containers/<id>/config.v2.json`
 * (`Name`, `Config.Image`, `Config.Labels`, `State`) and `hostconfig.json` (`CgroupParent`); `data-root` of
 * `/etc/docker/daemon.json` moves `/var/lib/docker`.
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { hostPath } from '../../host/paths.js';
import type { ContainerMeta } from '../../model/identity.js';
import { obj, parseJsonOrUndefined, str, stringMap, type FileCache } from './file-cache.js';
import { kubernetesMeta } from './kubernetes.js';

export const DOCKER_ROOT = '/var/lib/docker';

/** Pure: `data-root` (or the old `graph`) of `/etc/docker/daemon.json`, when set. */
export function parseDockerDaemonJson(text: string): { dataRoot?: string } | undefined {
  const j = parseJsonOrUndefined(text);
  const r = str(j, 'data-root') ?? str(j, 'graph');
  return r !== undefined && r.startsWith('/') ? { dataRoot: r } : {};
}

/** Where Docker keeps its containers (`<data-root>/containers`; the daemon's config moves data-root). */
export function dockerContainersDir(paths: HostPaths, cache: FileCache): string {
  const root = cache.get(hostPath(paths, '/etc/docker/daemon.json'), parseDockerDaemonJson)?.dataRoot ?? DOCKER_ROOT;
  return join(hostPath(paths, root), 'containers');
}

export interface DockerConfig {
  readonly id?: string;
  /** without the leading `/` */
  readonly name?: string;
  /** as given to `docker run` (`nginx:1.25`); `Image` (the sha256 id) when Config.Image is missing */
  readonly image?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly running?: boolean;
  readonly pid?: number;
}

/** Pure: the parts of a `config.v2.json` nsx uses; undefined when it is not a JSON object. */
export function parseDockerConfig(text: string): DockerConfig | undefined {
  const j = parseJsonOrUndefined(text);
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return undefined;
  const config = obj(j, 'Config');
  const state = obj(j, 'State');
  const name = str(j, 'Name')?.replace(/^\//, '');
  const pid = state?.Pid;
  return {
    id: str(j, 'ID'),
    name: name === '' ? undefined : name,
    image: str(config, 'Image') ?? str(j, 'Image'),
    labels: stringMap(obj(config, 'Labels')),
    running: typeof state?.Running === 'boolean' ? state.Running : undefined,
    pid: typeof pid === 'number' && pid > 0 ? pid : undefined,
  };
}

/** Pure: `HostConfig.CgroupParent` from `hostconfig.json` (undefined when unset). */
export function parseDockerHostConfig(text: string): { cgroupParent?: string } | undefined {
  const j = parseJsonOrUndefined(text);
  if (j === null || typeof j !== 'object') return undefined;
  const p = str(j, 'CgroupParent');
  return p !== undefined ? { cgroupParent: p } : {};
}

/** Pure: the identity metadata of a Docker config (name, image, compose labels, dockershim pod labels). */
export function dockerMeta(c: DockerConfig): ContainerMeta {
  const l = c.labels;
  const k8s = kubernetesMeta(l);
  const project = l['com.docker.compose.project'];
  const service = l['com.docker.compose.service'];
  return {
    runtime: 'docker',
    // dockershim names containers k8s_<container>_<pod>_…: the k8s container name reads better
    name: k8s?.name ?? c.name,
    image: c.image,
    ...(k8s?.pod ? { pod: k8s.pod } : {}),
    ...(k8s?.sandbox ? { sandbox: true } : {}),
    ...(project !== undefined || service !== undefined ? { compose: { ...(project !== undefined ? { project } : {}), ...(service !== undefined ? { service } : {}) } } : {}),
  };
}

/** The config of Docker container `id` (a full 64-hex id), re-read when the file changes. */
export function readDockerConfig(paths: HostPaths, cache: FileCache, id: string): DockerConfig | undefined {
  if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
  return cache.get(join(dockerContainersDir(paths, cache), id, 'config.v2.json'), parseDockerConfig);
}

/** `--cgroup-parent` of Docker container `id`, when set. */
export function readDockerCgroupParent(paths: HostPaths, cache: FileCache, id: string): string | undefined {
  if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
  return cache.get(join(dockerContainersDir(paths, cache), id, 'hostconfig.json'), parseDockerHostConfig)?.cgroupParent;
}

/** Identity metadata of Docker container `id`, or undefined when Docker keeps no such container. */
export function readDockerMeta(paths: HostPaths, cache: FileCache, id: string): ContainerMeta | undefined {
  const c = readDockerConfig(paths, cache, id);
  return c ? dockerMeta(c) : undefined;
}
