/** Fixture hosts for tests: unpack a manifest from fixtures/ into a temp dir and get HostPaths for it. */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackManifest, type UnpackedHost } from '../../src/host/manifest.js';
import { hostPaths, type HostPaths } from '../../src/host/paths.js';

/** Repository root: tests run compiled from dist/test/helpers/, three levels below it. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Path of a file under fixtures/. */
export function fixture(...parts: string[]): string {
  return join(REPO, 'fixtures', ...parts);
}

export interface FixtureHost extends UnpackedHost {
  readonly paths: HostPaths;
}

/** Unpack `fixtures/<name>` (a manifest file; several are layered) and return its paths. Call cleanup(). */
export function fixtureHost(...names: string[]): FixtureHost {
  const h = unpackManifest(...names.map((n) => fixture(n)));
  return { ...h, paths: hostPaths(h.dir) };
}
