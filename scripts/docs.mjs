// `npm run docs`: rewrite the generated parts of docs/ from the program (after `npm run build`):
//  - the options and columns block of every docs/COMMAND.md (src/cli/docgen.ts: from each command's --help and
//    its field registry, as the man pages and completions are);
//  - the dashboard screens of docs/dashboard.md (test/docs/screens.ts: drawn by the dashboard itself on the
//    fixture host the page names);
//  - with --examples, the shown output of every example that runs on a fixture host (test/docs/examples.ts),
//    except outputs that elide lines with `…` (those are only checked).
// test/docs/ checks that nothing here would change: run this, review the diff, commit.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(repo, 'dist', p);
const { loadCommands } = await import(dist('src/cli/main.js'));
const { regeneratePage } = await import(dist('src/cli/docgen.js'));
let failed = false;
const changed = [];
const write = (file, text) => {
  const path = join(repo, file);
  if (readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
  changed.push(file);
};

for (const c of await loadCommands()) {
  const file = `docs/${c.name}.md`;
  let page;
  try {
    page = readFileSync(join(repo, file), 'utf8');
  } catch {
    console.error(`docs: ${file}: no such page (every command has one)`);
    failed = true;
    continue;
  }
  const next = await regeneratePage(c.name, c.command, page);
  if (next === undefined) {
    console.error(`docs: ${file}: no generated block; put these two lines where the options go:\n  ${(await import(dist('src/cli/docgen.js'))).blockBegin(c.name)}\n  <!-- END GENERATED -->`);
    failed = true;
    continue;
  }
  write(file, next);
}

const { regenerateScreens } = await import(dist('test/docs/screens.js'));
for (const [file, text] of await regenerateScreens()) write(file, text);

if (process.argv.includes('--examples')) {
  const { updateExampleOutputs } = await import(dist('test/docs/examples.js'));
  for (const [file, text] of updateExampleOutputs()) write(file, text);
}
console.log(changed.length ? `docs: rewrote ${changed.join(', ')}` : 'docs: nothing to change');
process.exitCode = failed ? 1 : 0;
