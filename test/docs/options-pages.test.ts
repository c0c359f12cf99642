/**
 * Each docs/COMMAND.md has its options and columns section generated from the same option help and field
 * registries as `--help`, the man pages and the completions (src/cli/docgen.ts optionsBlock): the page holds
 * exactly what they give today (`npm run docs` rewrites it), and every option of the command's table is in it.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';
import { loadCommands } from '../../src/cli/main.js';
import { COLUMN_TABLES, blockBegin, helpText, mdCell, mdCode, optionsBlock, parseHelpOptions, regeneratePage, replaceBlock } from '../../src/cli/docgen.js';

test('optionsBlock: one row per option line of --help, Markdown-safe cells, columns from the registry', () => {
  const help = 'Usage: nsx x\n\nOptions:\n  -a, --all          every <thing> | more_of_it\n                     continued\n  -o, --output LIST  columns\n';
  const b = optionsBlock('x', help, [{ title: 'Columns', fields: [{ id: 'CPU%', json: 'cpu_percent', type: 'number', help: 'CPU *now*' }], defaults: ['CPU%'] }]);
  assert.ok(b.startsWith(blockBegin('x')) && b.endsWith('<!-- END GENERATED -->'));
  assert.match(b, /^\| `-a, --all` \| every \\<thing\\> \\\| more\\_of\\_it continued \|$/m);
  assert.match(b, /^\| `-o, --output LIST` \| columns \|$/m);
  assert.match(b, /^\*\*Columns\*\* \(default: `CPU%`\):$/m);
  assert.match(b, /^\| `CPU%` \| `cpu_percent` \| number \| CPU \\\*now\\\* \|$/m);
  assert.equal(mdCell('a|b'), 'a\\|b');
  assert.equal(mdCode('a`b'), '``a`b``');
  assert.equal(replaceBlock('x', 'x', b), undefined, 'a page without markers');
  assert.equal(replaceBlock(`a\n${blockBegin('x')}\nold\n<!-- END GENERATED -->\nz`, 'x', 'NEW'), 'a\nNEW\nz');
});

test('every command has docs/COMMAND.md, and its generated options block is what --help and the registries give', async () => {
  for (const c of await loadCommands()) {
    const file = join(REPO, 'docs', `${c.name}.md`);
    assert.ok(existsSync(file), `docs/${c.name}.md exists`);
    const page = readFileSync(file, 'utf8');
    const next = await regeneratePage(c.name, c.command, page);
    assert.ok(next !== undefined, `docs/${c.name}.md has the markers of its generated block:\n${blockBegin(c.name)}\n<!-- END GENERATED -->`);
    assert.equal(page, next, `docs/${c.name}.md: the generated block differs from what --help and the registries give (npm run docs rewrites it)`);
    // every option of the table and every column of the registries is on the page
    const help = await helpText(c.command);
    for (const o of parseHelpOptions(help)) assert.ok(page.includes(mdCode(o.synopsis)), `docs/${c.name}.md: ${o.synopsis}`);
    for (const t of (await COLUMN_TABLES[c.name]?.()) ?? []) for (const f of t.fields) assert.ok(page.includes(`| \`${f.id}`), `docs/${c.name}.md: column ${f.id}`);
  }
});

test('--help, the usage and error messages point only to pages that ship', async () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const ships = (p: string) => (pkg.files as string[]).some((f) => (f.includes('*') ? new RegExp(`^${f.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(p) : p === f || p.startsWith(f + '/')));
  const { USAGE } = await import('../../src/cli/main.js');
  const texts = [USAGE, ...(await Promise.all((await loadCommands()).map((c) => helpText(c.command))))];
  // and what src/ says to users (messages, help): every docs/… it names
  const { readdirSync } = await import('node:fs');
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
  // what the program says, not its comments (which may cite other projects' docs/)
  const src = files(join(REPO, 'src'))
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
    .join('\n');
  const DOC_REF = /(?<![\w/.-])docs\/[\w./-]*[\w/]/g;
  const refs = new Set([...[...texts.join('\n').matchAll(DOC_REF)], ...[...src.matchAll(DOC_REF)]].map((m) => m[0]));
  assert.ok(refs.size > 0);
  for (const r of refs) {
    const path = r.replace(/\/$/, '');
    assert.ok(existsSync(join(REPO, path)), `${r} exists`);
    assert.ok(ships(path) || ships(`${path}/x.md`) || ships(`${path}/x.json`), `${r} is in the package (package.json "files")`);
  }
  for (const t of texts) assert.doesNotMatch(t, /\bthe README\b/, 'the README has no sections of reference any more: point to docs/');
});
