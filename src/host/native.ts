/**
 * The optional native layer (native-bindings/nsfs.ts: the nsx-nsfs.node addon, else koffi + libc) for readers that can do without it: loaded
 * once; when it cannot be loaded the reason is kept (`nativeUnavailable()`, for --debug and reports) and callers
 * treat what it would have told as unknown.
 */
import * as nsfs from '../../native-bindings/nsfs.js';

type Nsfs = typeof nsfs;

let state: { mod?: Nsfs; why?: string } | undefined;

/** native-bindings/nsfs.js with its system-call layer loaded, or undefined when it cannot be (reason kept). */
export async function loadNsfs(): Promise<Nsfs | undefined> {
  if (!state) {
    try {
      // load the addon (or koffi and libc) now, so that later calls can fail only as system calls (SyscallError)
      nsfs.sysLayer();
      state = { mod: nsfs };
    } catch (e) {
      state = { why: `native layer unavailable: ${(e as Error)?.message ?? String(e)}` };
    }
  }
  return state.mod;
}

/** Why the native layer could not be loaded, when it was tried and could not. */
export function nativeUnavailable(): string | undefined {
  return state?.why;
}
