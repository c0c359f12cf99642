/**
 * Native pieces of `nsx enter`, all built by native-bindings/build.mjs with the system C compiler:
 *   - build/nsx-enter       the single-threaded helper that pins, joins, forks and execs (nsx-enter.c);
 *   - build/nsx-exec.node   a Node-API addon whose exec() replaces the Node process with the helper
 *                           (nsx-exec.node.c; loads in well under a millisecond, where koffi takes ~10 ms).
 * Nothing is loaded at import. The namespace-type ioctl used to validate explicit files is in nsfs.ts (koffi).
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';

/** native-bindings/build/ of this checkout (this file runs from dist/native-bindings/ or from source). */
export function buildDir(): string {
  // the global URL rather than node:url's fileURLToPath: one builtin module less to load on `nsx enter`'s start
  const here = decodeURIComponent(new URL('.', import.meta.url).pathname);
  const fromDist = join(here, '..', '..', 'native-bindings', 'build');
  return existsSync(fromDist) ? fromDist : join(here, 'build');
}

/** The helper to use: `$NSX_ENTER_HELPER` when set and not empty (an empty value means unset), else the build's. */
export function helperCandidate(): { readonly path: string; readonly fromEnv: boolean } {
  const env = process.env.NSX_ENTER_HELPER;
  return env ? { path: env, fromEnv: true } : { path: join(buildDir(), 'nsx-enter'), fromEnv: false };
}

/** The helper program, or undefined when it was not built (or is not executable). */
export function helperPath(): string | undefined {
  const p = helperCandidate().path;
  try {
    accessSync(p, constants.X_OK);
    return p;
  } catch (e) {
    // no executable there: not built (ENOENT), not executable (EACCES), a NSX_ENTER_HELPER that names no file
    if (!['ENOENT', 'EACCES', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'].includes((e as { code?: string }).code ?? '')) throw e;
    return undefined;
  }
}

export interface ExecAddon {
  /** execve(path, argv, environ) after clearing FD_CLOEXEC on 0-2 and on keepFds; returns errno on failure. */
  exec(path: string, argv: readonly string[], keepFds: readonly number[]): number;
}

let addon: ExecAddon | null | undefined;

/** The exec addon, or undefined when it is not built or cannot be loaded. */
export function execAddon(): ExecAddon | undefined {
  if (addon === undefined) {
    addon = null;
    const p = join(buildDir(), 'nsx-exec.node');
    if (existsSync(p)) {
      try {
        const m = { exports: {} as Partial<ExecAddon> };
        process.dlopen(m, p);
        if (typeof m.exports.exec === 'function') addon = m.exports as ExecAddon;
      } catch (e) {
        // not loadable here (another architecture, a stale build): no addon
        if ((e as { code?: unknown }).code !== 'ERR_DLOPEN_FAILED') throw e;
        addon = null;
      }
    }
  }
  return addon ?? undefined;
}
