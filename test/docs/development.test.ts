/**
 * docs/development.md describes the tree as it is (issue 22, point 6): every folder of src/ is in its Layout, every
 * folder of test/ in "How test/ is organised", and every manifest limit with the value src/host/manifest.ts has.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';
import { MANIFEST_LIMITS } from '../../src/host/manifest.js';

const page = readFileSync(join(REPO, 'docs', 'development.md'), 'utf8');
const dirs = (d: string): string[] => readdirSync(join(REPO, d), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

/** The text of the section that starts with `heading` (up to the next ## or ### heading). */
function section(heading: string): string {
  const at = page.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `docs/development.md has a section ${heading}`);
  const rest = page.slice(at + heading.length + 2);
  const end = rest.search(/^#{2,6} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

test('development.md: the Layout names every folder of src/', () => {
  const layout = section('## Layout');
  for (const d of dirs('src')) assert.match(layout, new RegExp(`^src/${d}/`, 'm'), `src/${d}/ is in the Layout of docs/development.md`);
  assert.doesNotMatch(page, /test\/\s+mirrors src\//, 'test/ does not mirror src/: the page says how it is organised');
});

test('development.md: "How test/ is organised" names every folder of test/', () => {
  const text = section('### How test/ is organised');
  for (const d of dirs('test')) assert.ok(text.includes(`\`${d}/`), `test/${d}/ is in "How test/ is organised" (docs/development.md)`);
});

test('development.md: the manifest limits are the ones src/host/manifest.ts enforces', () => {
  const text = section('## Fake hosts and fixtures');
  const n = (x: number) => x.toLocaleString('en-US');
  assert.ok(text.includes(`| ${MANIFEST_LIMITS.maxBytes / 1024 / 1024} MiB |`), 'manifest size');
  assert.ok(text.includes(`| ${n(MANIFEST_LIMITS.maxEntries)} |`), 'entries');
  assert.ok(text.includes(`| ${n(MANIFEST_LIMITS.maxDirectories)} |`), 'directories');
  for (const v of [MANIFEST_LIMITS.maxPathBytes, MANIFEST_LIMITS.maxDepth, MANIFEST_LIMITS.maxNameBytes]) assert.ok(text.includes(n(v)), `path limit ${v}`);
});
