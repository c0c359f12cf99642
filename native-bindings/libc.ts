/**
 * Lazy access to koffi and libc. Nothing is loaded at import: the first call to `libc()` loads koffi
 * (≈7 ms) and libc.so.6, so commands that do not need FFI never pay for it. Declarations of individual
 * functions live beside their users (nsfs.ts, enter.ts) and are cached there.
 */
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');
let koffiMod: Koffi | undefined;
let libcLib: ReturnType<Koffi['load']> | undefined;

/** The koffi module (loaded on first use). */
export function koffi(): Koffi {
  if (!koffiMod) koffiMod = createRequire(import.meta.url)('koffi') as Koffi;
  return koffiMod;
}

/** libc.so.6 opened through koffi (on first use). */
export function libc(): ReturnType<Koffi['load']> {
  if (!libcLib) libcLib = koffi().load('libc.so.6');
  return libcLib;
}

/** errno after a failed call (koffi exposes it through `koffi.errno()`). */
export function lastErrno(): number {
  return koffi().errno();
}

/** errno number → symbolic code (`ENOENT`, …) using Node's table. */
export function errnoName(n: number): string {
  // os.constants.errno maps names to numbers
  const table = (globalThis as { __nsxErrnoNames?: Map<number, string> }).__nsxErrnoNames ?? buildErrnoNames();
  return table.get(n) ?? `errno ${n}`;
}

import { constants } from 'node:os';
function buildErrnoNames(): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(constants.errno)) if (!m.has(v as number)) m.set(v as number, k);
  (globalThis as { __nsxErrnoNames?: Map<number, string> }).__nsxErrnoNames = m;
  return m;
}
