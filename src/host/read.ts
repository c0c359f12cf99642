/**
 * Small synchronous read helpers for pseudo-files. Synchronous on purpose: procfs/cgroupfs reads
 * never block on disk, and sync calls are several times cheaper than promises for thousands of tiny files.
 * Every helper converts errors to NsxError (with the path); `…OrUndefined` variants map "absent" to undefined.
 */
import { readFileSync, readlinkSync, readdirSync, statSync, lstatSync, type Dirent, type Stats } from 'node:fs';
import { fromFsError } from '../errors.js';
import { classifyTolerable, wrapGone } from './tolerance.js';

/**
 * Is this error "the file is not there" (as opposed to denied or broken)? Kept for callers not yet on
 * `wrap()`; the decision itself is `classifyTolerable` (src/host/tolerance.ts).
 * @deprecated use `wrap` / `wrapGone` from src/host/tolerance.ts
 */
export function isAbsent(e: unknown): boolean {
  return classifyTolerable(e) === 'gone';
}

/** Read a whole file as latin1-safe UTF-8 text. Throws NsxError. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** Read a whole file; undefined when it does not exist (absent is not zero). Other errors throw. */
export function readTextOrUndefined(path: string): string | undefined {
  return wrapGone(path, () => readFileSync(path, 'utf8'));
}

/** Read a whole file as bytes. Throws NsxError. */
export function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** readlink(2). Throws NsxError. */
export function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** List a directory's entry names. Throws NsxError. */
export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** List a directory with file types. Throws NsxError. */
export function listDirTyped(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** stat(2) following links. Throws NsxError. */
export function statPath(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}

/** lstat(2). Throws NsxError. */
export function lstatPath(path: string): Stats {
  try {
    return lstatSync(path);
  } catch (e) {
    throw fromFsError(e, path);
  }
}
