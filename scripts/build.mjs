// The one build of nsx (`npm run build`, also run by `npm install` through `prepare`). Type checking is
// separate: `tsc --noEmit` runs first and emits nothing.
//
// 1. The product: one ES module graph, dist/bundle/nsx.js plus the chunks esbuild splits out of it. Every
//    command, the Ink TUI and the exporter are reached through dynamic import() of their own chunks, so
//    `nsx ls` loads the CLI core and the ls chunks, never Ink, React or koffi; modules shared by several
//    commands (errors.ts, paths.ts, …) sit in shared chunks and exist once, so `instanceof NsxError` holds
//    across the CLI and the TUI. npm packages stay external (installed by npm, loaded by Node).
//    import.meta.url of a chunk is dist/bundle/<chunk>.js: two levels below the repository, like the
//    sources' dist/<dir>/<file>.js, so paths relative to it (native-bindings/build/) resolve the same.
// 2. The tests and benchmarks: every .ts/.tsx file of src/, test/, bench/ and native-bindings/ transpiled
//    one to one into dist/ (no bundling), so `node --test dist/test/` imports the sources' modules. A test
//    process thus loads one graph too (the transpiled sources); the product never loads dist/src.
//
// Build facts (version, commit) are compiled in as the constant NSX_BUILD (see src/cli/version.ts).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(repo);

function commit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return /^[0-9a-f]{7,40}$/.test(sha) ? sha + (dirty ? '-dirty' : '') : 'unknown';
  } catch {
    return 'unknown'; // not a git checkout (a tarball, a global install) or no git
  }
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const info = { version: pkg.version, commit: process.env.NSX_COMMIT || commit(), built: new Date().toISOString().slice(0, 10) };
const common = {
  platform: 'node',
  target: 'node20',
  format: 'esm',
  jsx: 'automatic',
  logLevel: 'warning',
  define: { NSX_BUILD: JSON.stringify(info) },
};

function sources(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'build') out.push(...sources(p));
    } else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

rmSync('dist/bundle', { recursive: true, force: true });
const product = build({
  ...common,
  entryPoints: { nsx: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  packages: 'external',
  outdir: 'dist/bundle',
  chunkNames: '[name]-[hash]',
});
const tests = build({
  ...common,
  entryPoints: ['src', 'test', 'bench', 'native-bindings'].filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory()).flatMap(sources),
  bundle: false,
  outdir: 'dist',
  outbase: '.',
});
await Promise.all([product, tests]);

// 3. Manual pages and shell completions, from the commands' --help and option tables (src/cli/docgen.ts).
const { loadCommands, USAGE } = await import('../dist/src/cli/main.js');
const { generateDocs } = await import('../dist/src/cli/docgen.js');
const files = await generateDocs({ commands: await loadCommands(), usage: USAGE, version: info.version, date: info.built });
rmSync('dist/man', { recursive: true, force: true });
rmSync('dist/completions', { recursive: true, force: true });
for (const [rel, text] of files) {
  mkdirSync(dirname(join('dist', rel)), { recursive: true });
  writeFileSync(join('dist', rel), text);
}
