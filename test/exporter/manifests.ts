/** deploy/kubernetes manifests as objects (YAML), and the `docker run` arguments equivalent to the DaemonSet's pod. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from '../helpers/host.js';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function loadManifest(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(REPO, 'deploy', 'kubernetes', file), 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    return d.toJS() as Obj;
  });
}

/**
 * `docker run` options for the DaemonSet's pod on this host: its hostPath mounts (those that exist here),
 * read-only; host PID (and host network: the test scrapes 127.0.0.1); read-only root filesystem; its user and
 * capabilities; no new privileges; its environment; its command (as `--entrypoint` and the first arguments).
 * Returns [options, the arguments after the image: the rest of the command, then the container's args].
 */
export function dockerRunOf(): { options: string[]; args: string[] } {
  const [ds] = loadManifest('daemonset.yaml');
  const pod = ds.spec.template.spec;
  const c = pod.containers[0];
  const options = ['--network', 'host'];
  if (pod.hostPID) options.push('--pid', 'host');
  const sc = c.securityContext ?? {};
  if (sc.readOnlyRootFilesystem) options.push('--read-only');
  if (sc.allowPrivilegeEscalation === false) options.push('--security-opt', 'no-new-privileges');
  if (sc.runAsUser !== undefined) options.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  for (const d of sc.capabilities?.drop ?? []) options.push('--cap-drop', d);
  for (const a of sc.capabilities?.add ?? []) options.push('--cap-add', a);
  for (const e of c.env ?? []) options.push('-e', `${e.name}=${e.value}`);
  const vols = new Map<string, string>(pod.volumes.map((v: Obj) => [v.name, v.hostPath.path]));
  for (const m of c.volumeMounts) {
    const host = vols.get(m.name)!;
    if (!existsSync(host)) continue;
    options.push('-v', `${host}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
  }
  // the pod's command: its executable as the entrypoint, the rest before the container's args
  const [exe, ...cmd] = (c.command ?? []) as string[];
  if (exe) options.push('--entrypoint', exe);
  return { options, args: [...cmd, ...(c.args as string[])] };
}
