/**
 * Parser for overlayfs mount options (the super options of an `overlay` line of /proc/PID/mountinfo):
 * `lowerdir=a:b,upperdir=…,workdir=…`, where `\:` and `\,` escape the separators. Pure; never throws.
 */

export interface OverlayLayers {
  /** lower layers, top first */
  readonly lowerdir?: readonly string[];
  readonly upperdir?: string;
  readonly workdir?: string;
}

/** Split overlayfs options into its layers, honouring `\:` and `\,` escapes. */
export function overlayLayers(superOptions: string): OverlayLayers {
  const opts = superOptions.split(/(?<!\\),/);
  const out: { lowerdir?: string[]; upperdir?: string; workdir?: string } = {};
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq < 0) continue;
    const k = o.slice(0, eq);
    const v = o.slice(eq + 1);
    if (k === 'lowerdir') out.lowerdir = v.split(/(?<!\\):/).filter(Boolean).map((s) => s.replace(/\\([:,])/g, '$1'));
    else if (k === 'upperdir') out.upperdir = v.replace(/\\([:,])/g, '$1');
    else if (k === 'workdir') out.workdir = v.replace(/\\([:,])/g, '$1');
  }
  return out;
}
