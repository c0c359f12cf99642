/**
 * Small helpers over the one tolerance rule (src/host/tolerance.ts) for call sites that only need
 * "present or absent": gone/denied failures become undefined, anything else propagates.
 */
import { closeSync } from 'node:fs';
import { wrap } from './tolerance.js';

/** `fn()`, or undefined when it failed because the object is gone or not ours to read (not recorded). */
export function tryGone<T>(path: string, fn: () => T): T | undefined {
  return wrap(undefined, path, fn);
}

/**
 * close(2) in a cleanup path: a system error from close is not actionable there and must not hide the error
 * being cleaned up after; anything else (a bad argument: a bug) propagates.
 */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch (e) {
    if (typeof (e as { syscall?: unknown } | null)?.syscall !== 'string') throw e;
  }
}
