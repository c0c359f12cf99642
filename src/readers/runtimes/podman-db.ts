/**
 * Podman's own state database (BoltDB, `<graphroot>/libpod/bolt_state.db`, Podman ≤ 4.x's default), read-only:
 * bucket `ctr/<id>` key `config` is the container's JSON config (`name`, `labels` — Compose labels of
 * podman-compose —, `pod`, `rootfsImageName`); bucket `pod/<id>` key `config` names a Podman pod. Podman 5's
 * SQLite database is not read (names and images still come from containers.json).
 */
import { join } from 'node:path';
import type { ComposeRef, PodRef } from '../../model/identity.js';
import { BoltFile } from './bolt.js';
import { obj, parseJsonOrUndefined, str, stringMap, type FileCache } from './file-cache.js';

export interface PodmanDbContainer {
  readonly compose?: ComposeRef;
  readonly pod?: PodRef;
  readonly image?: string;
}

/** Pure: what the database says of container `id` (undefined when it has no record of it). */
export function podmanDbContainer(db: BoltFile | undefined, id: string): PodmanDbContainer | undefined {
  if (!db) return undefined;
  let text: string | undefined;
  let podText: string | undefined;
  try {
    text = db.get(['ctr', id], 'config');
    const podId = text !== undefined ? str(parseJsonOrUndefined(text), 'pod') : undefined;
    podText = podId !== undefined ? db.get(['pod', podId], 'config') : undefined;
  } catch {
    return undefined; // a damaged or half-written database: as if absent
  }
  if (text === undefined) return undefined;
  const c = parseJsonOrUndefined(text);
  const labels = stringMap(obj(c, 'labels'));
  const project = labels['com.docker.compose.project'] ?? labels['io.podman.compose.project'];
  const service = labels['com.docker.compose.service'];
  const podId = str(c, 'pod');
  const podName = podText !== undefined ? str(parseJsonOrUndefined(podText), 'name') : undefined;
  const image = str(c, 'rootfsImageName');
  return {
    ...(project !== undefined || service !== undefined ? { compose: { ...(project !== undefined ? { project } : {}), ...(service !== undefined ? { service } : {}) } } : {}),
    ...(podId !== undefined ? { pod: { uid: podId, ...(podName !== undefined ? { name: podName } : {}) } } : {}),
    ...(image !== undefined ? { image } : {}),
  };
}

/** The database of a storage graph root, re-read when it changes; undefined when absent or not bbolt. */
export function readPodmanDb(cache: FileCache, graphroot: string): BoltFile | undefined {
  return cache.getBytes(join(graphroot, 'libpod', 'bolt_state.db'), (b) => new BoltFile(b));
}
