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
  for (const p of ['Node.js 20.19 or later', 'C compiler', 'Root for the full view']) assert.ok(readme.includes(p), p);
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

test('README: install from a packed tarball (a copy), completions into folders made if missing', () => {
  assert.match(readme, /^npm pack && npm install -g \.\/nsx-[\d.]+\.tgz/m);
  assert.match(readme, /npm install -g \.` would instead link/);
  const d = readFileSync(join(REPO, 'package.json'), 'utf8');
  assert.ok(readme.includes(`nsx-${JSON.parse(d).version}.tgz`), 'the tarball name is this version\'s');
  const block = readme.slice(readme.indexOf('**Shell completions**'), readme.indexOf('## Commands by example'));
  const copies = block.split('\n').filter((x) => /^(cp|install|mkdir) /.test(x));
  assert.equal(copies.length, 3, 'bash, zsh and fish');
  for (const l of copies) assert.match(l, /^install -Dm644 /, `${l}: a copy that makes the folder (cp fails where it does not exist)`);
});

test('pages do not say the opposite of the program (what the issue found)', () => {
  const docs = (f: string) => readFileSync(join(REPO, 'docs', f), 'utf8');
  assert.doesNotMatch(docs('cg.md'), /lose precision/, 'big numbers are exact in JSON');
  assert.doesNotMatch(docs('ps.md'), /Default: `PID USER CONTAINER CGROUP MNTNS/, 'the default columns come from the registry');
  assert.doesNotMatch(docs('ps.md'), /`null` in one-shot output/, 'CPU% is a number in one-shot output');
  assert.doesNotMatch(docs('ps.md'), /3\+ characters also match inside a label/, '-c does not match inside a name');
  assert.doesNotMatch(docs('ps.md'), /"command": \[/, 'command is a string, argv the array');
  assert.doesNotMatch(docs('dashboard.md'), /k8s-node · 2 CPUs · mem 2\.9G/, 'no header the program does not draw (the screens are drawn: test/docs/screens.test.ts)');
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
