/**
 * Memory of the long-running dashboard: how V8's heap may grow, and the C heap's free pages given back.
 *
 * - `limitHeapGrowth()` (called before the TUI loads): every refresh leaves a sample, a frame and a table behind
 *   for the next one. With V8's defaults the young generation grows to 16 MB semi-spaces (34 MB) and the old
 *   generation to several times what is live before a full collection: RSS 210–240 MB with 5,000 processes for
 *   ~50 MB live. Two V8 flags that V8 reads at run time, set for this process only: `heap-growing-percent=50`
 *   (the old generation may grow 50 % over live) and `semi-space-growth-factor=1` (the young generation keeps
 *   the size it has when the dashboard starts, ~2 MB semi-spaces). Measured side by side with htop (5,000
 *   processes, 3,000 cgroups): RSS 167–172 → 140–148 MB, CPU unchanged within the noise; 20 % instead of 50 %
 *   saved ~10 MB more but doubled the CPU of the Processes view. Startup flags (bin/nsx) are not needed.
 * - `startMallocTrim()`: outside V8's heap, a refresh churns through native allocations (Ink measures every new
 *   line with ICU's segmenter, V8 compiles and drops code, Buffers come and go); glibc keeps freed pages in its
 *   arenas, so the RSS creeps up by tens of MB that nothing uses. `malloc_trim(0)` through koffi returns them
 *   (measured: 6–25 MB per call after 5 s of a 5,000-process dashboard, 1–4 ms of CPU per call). Where there is
 *   no glibc (musl) or no koffi, nothing is done.
 */
import { wrap } from '../host/tolerance.js';
import { libc } from '../../native-bindings/libc.js';

/** How far V8's old generation may grow over what is live (percent) while the dashboard runs. */
export const DASHBOARD_HEAP_GROWING_PERCENT = 50;

/** Set the dashboard's heap growth limits (see the header). Process-wide: call only for the dashboard. */
export async function limitHeapGrowth(): Promise<void> {
  const v8 = await import('node:v8');
  v8.setFlagsFromString(`--heap-growing-percent=${DASHBOARD_HEAP_GROWING_PERCENT}`);
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** How often the dashboard trims (ms). */
export const MALLOC_TRIM_EVERY_MS = 5_000;

/** Start trimming every `everyMs`; returns the stop function. The timer never keeps the process alive. */
export async function startMallocTrim(everyMs = MALLOC_TRIM_EVERY_MS): Promise<() => void> {
  // not glibc (no malloc_trim) or no native layer: the C heap is left to the allocator
  const fn = wrap(undefined, 'malloc_trim', () => libc().func('int malloc_trim(size_t pad)') as (pad: number) => number, 'optional');
  if (!fn) return () => {};
  const t = setInterval(() => fn(0), everyMs);
  t.unref();
  return () => clearInterval(t);
}
