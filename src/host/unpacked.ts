/**
 * The temporary directories manifests were unpacked to (`--root FILE`), and the manifests they came from: a
 * message about a path under one names the manifest (`host.manifest:/proc/1/status: …`), never the temporary
 * directory. Tiny on purpose: the CLI's error handler uses it without loading the manifest code.
 */

const unpacked = new Map<string, string>();

/** Remember that `dir` holds the host unpacked from `manifest`. */
export function registerUnpacked(dir: string, manifest: string): void {
  unpacked.set(dir, manifest);
}

export function unregisterUnpacked(dir: string): void {
  unpacked.delete(dir);
}

/** `message` with every unpacked directory replaced by `MANIFEST:` (its paths then read as inside the manifest). */
export function maskUnpacked(message: string): string {
  let m = message;
  for (const [dir, manifest] of unpacked) {
    if (!m.includes(dir)) continue;
    m = m.split(`${dir}/`).join(`${manifest}:/`).split(dir).join(`${manifest}:/`);
  }
  return m;
}
