/** The README is a front page: short, the two Quick start commands (CI runs the test one), working links. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../helpers/host.js';
import { commandNames } from '../../src/cli/main.js';

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
/** Pages other changes of this round write (linked already; checked once they exist). */
const ELSEWHERE = new Set(['docs/why.md', 'docs/exporter.md']);

test('README: a front page of at most 16 KB (aim 12), for readers who never saw an issue tracker', () => {
  const size = Buffer.byteLength(readme);
  assert.ok(size <= 16 * 1024, `README.md is ${size} bytes`);
  for (const f of ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)])
    assert.doesNotMatch(readFileSync(join(REPO, f), 'utf8'), /\bthe issue\b/i, `${f} speaks of "the issue"`);
  for (const h of ['## Prerequisites', '## Quick start', '## Install', '## Commands by example', '## Documentation']) assert.ok(readme.includes(h), h);
  for (const p of ['Node.js 20', 'C compiler', 'Root for the full view']) assert.ok(readme.includes(p), p);
});

test('README: the two Quick start commands, and CI runs exactly the test one', () => {
  assert.match(readme, /^npm install && \.\/bin\/nsx\b/m);
  assert.match(readme, /^npm install && npm test\b/m);
  const ci = readFileSync(join(REPO, '.ci', 'run'), 'utf8');
  assert.match(ci, /^npm install && npm test$/m);
});

test('README: one example per command, and a reference page for each', () => {
  for (const c of [...commandNames().filter((c) => c !== 'dashboard'), 'why', 'exporter']) {
    assert.match(readme, new RegExp(`\\bnsx ${c}\\b`), `an example of nsx ${c}`);
    assert.ok(readme.includes(`(docs/${c}.md)`), `a link to docs/${c}.md`);
  }
  assert.ok(readme.includes('(docs/dashboard.md)'));
});

test('README and docs/: every relative link points at a file that exists', () => {
  const files = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  for (const f of files) {
    const text = readFileSync(join(REPO, f), 'utf8');
    for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const rel = join(dirname(f), target).replace(/\/$/, '');
      if (ELSEWHERE.has(rel) && !existsSync(join(REPO, rel))) continue;
      assert.ok(existsSync(join(REPO, rel)), `${f} links ${target}, which does not exist`);
    }
  }
});
