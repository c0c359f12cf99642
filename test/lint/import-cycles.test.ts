/**
 * Issue 22, point 1: no import cycle anywhere in src/ — static or dynamic, type imports included: a cycle is the
 * first sign of a misplaced file (architecture.md). The graph is dpdm's (a maintained parser of TypeScript and
 * JavaScript imports, `dpdm --circular`); the one kind of import it cannot follow, a template literal
 * (`import(`./commands/${name}.js`)`, the commands' boundary in src/cli/command-modules.ts), is added as an edge
 * to every file it can load. Sources at the repository root (tests run from dist/test/lint/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseCircular, parseDependencyTree, type Dependency, type DependencyTree } from 'dpdm';
import { REPO } from '../helpers/host.js';

/** `import(`./dir/prefix${…}suffix`)`: the directory, and the file names it can load. */
const TEMPLATE_IMPORT = /\bimport\(\s*`(\.{1,2}\/(?:[^`$/]*\/)*)([^`$/]*)\$\{[^}]*\}([^`$/]*)`\s*\)/g;

/** Add to `tree` (ids relative to `root`) the edges of template-literal dynamic imports. */
export function withTemplateImports(tree: DependencyTree, root: string): DependencyTree {
  for (const [file, deps] of Object.entries(tree)) {
    if (!deps || !/\.tsx?$/.test(file)) continue;
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(TEMPLATE_IMPORT)) {
      const dir = resolve(root, dirname(file), m[1]);
      const suffix = m[3].replace(/\.js$/, '');
      for (const name of existsSync(dir) ? readdirSync(dir) : []) {
        const stem = name.replace(/\.tsx?$/, '');
        if (stem === name || !stem.startsWith(m[2]) || !stem.endsWith(suffix)) continue;
        (deps as Dependency[]).push({ issuer: file, request: m[0], kind: 'DynamicImport', id: relative(root, join(dir, name)) } as Dependency);
      }
    }
  }
  return tree;
}

test('no import cycle in src/ (static, dynamic or type-only imports)', async (t) => {
  if (!existsSync(join(REPO, 'src'))) {
    t.skip(`no sources at ${REPO}/src`);
    return;
  }
  const tree = await parseDependencyTree(['src/**/*.ts', 'src/**/*.tsx'], { cwd: REPO, context: REPO, transform: false, skipDynamicImports: false });
  const cycles = parseCircular(withTemplateImports(tree, REPO));
  assert.deepEqual(cycles.map((c) => c.join(' -> ')), [], 'import cycles (move the shared part down a layer: docs/development.md)');
  // the commands' boundary was seen: every command is an edge of src/cli/command-modules.ts
  const commands = (tree['src/cli/command-modules.ts'] ?? []).map((d) => d.id);
  assert.ok(commands.includes('src/cli/commands/ls.ts'), `template edges: ${commands.join(' ')}`);
});

test('the check finds a cycle through a template-literal import', () => {
  // a.ts imports ./commands/${x}.js; commands/b.ts imports a.ts back
  const tree = {
    'src/cli/command-modules.ts': [],
    'src/cli/commands/ls.ts': [{ issuer: 'src/cli/commands/ls.ts', request: '../command-modules.js', kind: 'StaticImport', id: 'src/cli/command-modules.ts' }],
  } as unknown as DependencyTree;
  assert.deepEqual(parseCircular(tree), []);
  assert.deepEqual(parseCircular(withTemplateImports(tree, REPO)), [['src/cli/command-modules.ts', 'src/cli/commands/ls.ts']]);
});
