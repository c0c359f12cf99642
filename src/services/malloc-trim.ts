/**
 * Give the C heap's free pages back to the system now and then (glibc `malloc_trim(0)` through koffi), for
 * long-running views.
 *
 * Why: outside V8's own heap, a dashboard refresh churns through native allocations (Ink measures every new line
 * with ICU's segmenter, V8 compiles and drops code, Buffers come and go). glibc keeps the freed pages in its
 * arenas, so the RSS of a dashboard left open creeps up by tens of MB that nothing uses; `malloc_trim(0)` returns
 * them (measured: 6–25 MB per call after 5 s of a 5,000-process dashboard, 1–4 ms of CPU per call).
 * Where there is no glibc (musl) or no koffi, nothing is done.
 */

/** How often the dashboard trims (ms). */
export const MALLOC_TRIM_EVERY_MS = 5_000;

/** Start trimming every `everyMs`; returns the stop function. The timer never keeps the process alive. */
export async function startMallocTrim(everyMs = MALLOC_TRIM_EVERY_MS): Promise<() => void> {
  let trim: (() => unknown) | undefined;
  try {
    const { libc } = await import('../../native-bindings/libc.js');
    const fn = libc().func('int malloc_trim(size_t pad)') as (pad: number) => number;
    trim = () => fn(0);
  } catch (e) {
    // not glibc (no malloc_trim) or no native layer: the C heap is left to the allocator
    if (!(e instanceof Error)) throw e;
    return () => {};
  }
  const t = setInterval(() => trim!(), everyMs);
  t.unref();
  return () => clearInterval(t);
}
