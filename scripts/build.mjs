// The one build of nsx (`npm run build`, also run by `npm install` through `prepare`). Type checking is
// separate: `tsc --noEmit` runs first and emits nothing.
//
// 1. The product: one ES module graph, dist/bundle/nsx.js (entry src/cli/main.ts) plus the chunks esbuild splits
//    out of it at the lazy boundaries (below: the commands, the Ink TUI, the exporter, the recorder), so
//    `nsx top` loads the CLI core and the commands, never Ink, React or prom-client until they are used; modules
//    shared by several chunks (errors.ts, paths.ts, …) sit in shared chunks and exist once, so `instanceof
//    NsxError` holds across the CLI and the TUI. npm packages stay external (installed by npm, loaded by Node).
//    The short commands also get one CommonJS file each (1b, from src/cli/entries/).
//    import.meta.url of a chunk is dist/bundle/<chunk>.js: two levels below the repository, like the
//    sources' dist/<dir>/<file>.js, so paths relative to it (native-bindings/build/) resolve the same.
// 2. The tests and benchmarks: every .ts/.tsx file of src/, test/, bench/ and native-bindings/ transpiled
//    one to one into dist/ (no bundling), so `node --test dist/test/` imports the sources' modules. A test
//    process thus loads one graph too (the transpiled sources); the product never loads dist/src.
//
// Build facts (version, commit) are compiled in as the constant NSX_BUILD (see src/cli/version.ts).
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

// the enter helper's C tables from src/enter/tables.ts (scripts/gen-enter-header.mjs); the helper is rebuilt when they changed
if (await (await import('./gen-enter-header.mjs')).writeEnterHeader()) execFileSync(process.execPath, ['native-bindings/build.mjs'], { stdio: 'inherit' });

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

/**
 * The build contract (docs/development.md, "The build"). The sources say what the product does: a static import
 * is a static import everywhere, and a dynamic import() of a relative path appears only at a lazy boundary,
 * where the product splits a chunk off. The boundaries, each one module and one chunk:
 *   - the commands: src/cli/command-modules.ts imports src/cli/commands/NAME.ts by name; in the product it is
 *     replaced (the one module the build replaces) by an import of one chunk holding every command of the
 *     table (src/cli/table.ts), so that the core has finished loading before any command module runs;
 *   - the Ink TUI (src/tui/index.ts) and the exporter (src/exporter/index.ts: prom-client, node:http, zlib cost
 *     ~50 ms, which `top`, `ps` and the dashboard must not pay), and the recorder (src/record/index.ts) when
 *     there is one: imported only as `import('…/index.js')`.
 * A dynamic import of any other relative path, or a static import of a boundary module from outside its
 * directory, fails the build. npm packages stay external (Ink, koffi, prom-client), node: built-ins are Node's.
 * Node 20 links each ES module file separately (a resolve, a read and a compile each), so chunks exist only
 * where they pay: at these boundaries and where esbuild shares modules between them.
 */
const src = resolve('src') + '/';
/** The command table (src/cli/table.ts: plain data), read here for the commands chunk and the short commands' aliases. */
const { COMMAND_TABLE } = await import(`data:text/javascript;base64,${Buffer.from((await transform(readFileSync('src/cli/table.ts', 'utf8'), { loader: 'ts', format: 'esm' })).code).toString('base64')}`);
const BOUNDARIES = [
  { module: 'nsx:commands', contents: COMMAND_TABLE.map((r) => `export * as ${r.name} from ${JSON.stringify(src + `cli/commands/${r.name}.ts`)};`).join('\n') },
  { module: 'nsx:tui', file: src + 'tui/index.ts' },
  { module: 'nsx:exporter', file: src + 'exporter/index.ts' },
  { module: 'nsx:record', file: src + 'record/index.ts' },
].filter((b) => !b.file || existsSync(b.file));
const boundaryOf = (abs) => BOUNDARIES.find((b) => b.file === abs);
/** The one module the build replaces, and what it becomes in the product (see src/cli/command-modules.ts). */
const COMMAND_MODULES = src + 'cli/command-modules.ts';
const PRODUCT_COMMAND_MODULES = "export const importCommand = (name) => import('nsx:commands').then((m) => m[name]);\n";

/** Enforces the contract above; in the product, serves each boundary as a virtual module named after its chunk. */
function boundaries({ chunks, short = false }) {
  return {
    name: 'boundaries',
    setup(b) {
      // a short file (1b): a lazy boundary or a package it may not load (Ink, React), imported with import(),
      // is not bundled but a module that throws when loaded; its entry's commandWord sends every command line that
      // would reach one to the whole program (src/cli/entries/top.ts: the TUI)
      if (short) {
        b.onResolve({ filter: /^[^./]/ }, (a) => (a.kind === 'dynamic-import' && !SHORT_EXTERNALS.test(a.path) ? { path: a.path, namespace: 'nsx-absent' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'nsx-absent' }, (a) => ({
          contents: `throw new Error(${JSON.stringify(`nsx: ${a.path} is not in this short command's file; run the command through the whole program (dist/bundle/nsx.js)`)});`,
          loader: 'js',
        }));
      }
      b.onResolve({ filter: /^\.{1,2}\// }, async (a) => {
        if (a.pluginData === 'boundaries') return undefined;
        const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: 'boundaries' });
        if (r.errors.length) return r;
        const target = boundaryOf(r.path);
        if (a.kind === 'dynamic-import') {
          if (!target) return { errors: [{ text: `dynamic import of ${a.path} from ${a.importer}: only a lazy boundary (src/cli/command-modules.ts, ${BOUNDARIES.filter((x) => x.file).map((x) => `src/${x.file.slice(src.length)}`).join(', ')}) is imported with import(); import it statically (docs/development.md)` }] };
          if (chunks) return { path: target.module, namespace: 'nsx' };
          if (short) return { path: target.module, namespace: 'nsx-absent' };
        } else if (target && !a.importer.startsWith(dirname(target.file) + '/')) {
          return { errors: [{ text: `static import of the lazy boundary ${a.path} from ${a.importer}: it would load with the core; import('${a.path}') instead` }] };
        }
        return r;
      });
      b.onResolve({ filter: /^nsx:[a-z]+$/ }, (a) => ({ path: a.path, namespace: 'nsx' }));
      b.onLoad({ filter: /.*/, namespace: 'nsx' }, (a) => {
        const x = BOUNDARIES.find((y) => y.module === a.path);
        // a boundary's chunk is its module (`export *`), and that module once more as a namespace: the shape of
        // the commands chunk (one namespace per command), which test/docs/bundle.test.ts reads in every chunk
        return { contents: x.contents ?? `export * from ${JSON.stringify(x.file)};\nexport * as module from ${JSON.stringify(x.file)};`, resolveDir: src, loader: 'ts' };
      });
      if (chunks) b.onLoad({ filter: /\/src\/cli\/command-modules\.ts$/ }, (a) => (a.path === COMMAND_MODULES ? { contents: PRODUCT_COMMAND_MODULES, loader: 'ts' } : undefined));
    },
  };
}

/**
 * 1b. The short commands: each file of src/cli/entries/ (the CLI core and one command) built into one CommonJS
 * file, dist/bundle/cli-<word>.cjs, with nothing else to load. bin/nsx runs it when the command word is that
 * command or one of its aliases (the table's); anything else goes through nsx.js. Why: `nsx ls` is mostly
 * Node's start-up, and one CommonJS file loads ~5 ms faster than an ES module (no ESM loader, no fs/promises)
 * and far faster than the chunked graph. Each process still loads one module graph (a cli-*.cjs never loads the
 * ES chunks, and the build checks that it imports nothing but Node's built-in modules and koffi, which is loaded
 * on demand). The commands in REQUIRED must qualify; the others get a file when their graph qualifies (no Ink,
 * React, prom-client…), else they simply run through nsx.js.
 */
const SHORT = readdirSync('src/cli/entries').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
const REQUIRED = new Set(['ls', 'enter', 'cg']);
const SHORT_EXTERNALS = /^(node:[a-z0-9_/]+|koffi)$/;
for (const c of SHORT) if (!COMMAND_TABLE.some((r) => r.name === c)) throw new Error(`build: src/cli/entries/${c}.ts is not a command of src/cli/table.ts`);

rmSync('dist/bundle', { recursive: true, force: true });
const product = build({
  ...common,
  entryPoints: { nsx: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  packages: 'external',
  outdir: 'dist/bundle',
  chunkNames: '[name]-[hash]',
  plugins: [boundaries({ chunks: true })],
  // less text for V8 to scan at start-up; names are kept, so stack traces (--debug) stay readable
  minifyWhitespace: true,
  minifySyntax: true,
});
const tests = build({
  ...common,
  entryPoints: ['src', 'test', 'bench', 'native-bindings'].filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory()).flatMap(sources),
  bundle: false,
  outdir: 'dist',
  outbase: '.',
});
const shortBuilds = SHORT.map((command) =>
  build({
    ...common,
    format: 'cjs',
    // import() of a built-in becomes a require() (bin/nsx runs the file through vm.Script, which has no ESM loader)
    supported: { 'dynamic-import': false },
    // import.meta.url of the sources (paths relative to dist/bundle/, createRequire) from the file's own name
    define: { ...common.define, 'import.meta.url': '__nsx_import_meta_url' },
    banner: { js: `'use strict';var __nsx_import_meta_url=require('node:url').pathToFileURL(__filename).href;` },
    entryPoints: { [`cli-${command}`]: `src/cli/entries/${command}.ts` },
    bundle: true,
    packages: 'external',
    outdir: 'dist/bundle',
    outExtension: { '.js': '.cjs' },
    plugins: [boundaries({ chunks: false, short: true })],
    metafile: true,
    minifyWhitespace: true,
    minifySyntax: true,
  }).then((r) => ({ command, r })),
);
const [, , ...shorts] = await Promise.all([product, tests, ...shortBuilds]);
for (const { command, r } of shorts) {
  const [file, out] = Object.entries(r.metafile.outputs).find(([f]) => f.endsWith('.cjs'));
  const bad = [...new Set(out.imports.filter((i) => i.external && !SHORT_EXTERNALS.test(i.path)).map((i) => i.path))];
  if (!bad.length) continue;
  if (REQUIRED.has(command)) throw new Error(`build: ${file} (nsx ${command}) would load ${bad.join(', ')}: a short command must load only Node built-ins and koffi`);
  rmSync(file);
  console.warn(`build: nsx ${command} runs through nsx.js (its graph loads ${bad.join(', ')})`);
}
// aliases: a file naming the command (bin/nsx reads it)
for (const r of COMMAND_TABLE) {
  for (const word of r.aliases ?? []) if (existsSync(`dist/bundle/cli-${r.name}.cjs`)) writeFileSync(`dist/bundle/cli-${word}.alias`, `${r.name}\n`);
}
// V8's code cache of each short bundle (FILE.cache, loaded by bin/nsx), made by scripts/code-cache.cjs with
// bin/nsx's own loader (V8 accepts a cache only for the very text it was made from) in a separate Node process
// (the cache is valid only for this Node version and its V8 flags; otherwise V8 rejects it and bin/nsx
// compiles as usual). Each bundle first runs a few of its commands (reading only: this host,
// the fixture hosts when present, `enter --dry-run` on this build's process), so that the cache holds the
// functions real runs compile; when they cannot run here, every function is compiled instead.
const fixtureRoot = (name) => (existsSync(`fixtures/${name}`) ? ['--root', resolve('fixtures', name)] : undefined);
const CACHE_RUNS = {
  ls: [['ls', '-J', '-l'], ['ls'], ['ls', '-l', '-o', '+PNS,ONS,HOLDERS'], fixtureRoot('ns-nested.manifest') && ['ls', '-J', '-l', ...fixtureRoot('ns-nested.manifest')]],
  enter: [['enter', '-t', String(process.pid), '-a', '--dry-run'], ['enter', '-t', String(process.pid), '-a', '--dry-run', '--json']],
  cg: [['cg', 'tree', '-c', 'cpu'], ['cg', 'tree'], ['cg'], fixtureRoot('hybrid-systemd.manifest') && ['cg', 'tree', '-J', ...fixtureRoot('hybrid-systemd.manifest')]],
  why: [['why', '-J', '/'], ['why', '/']],
  ps: [['ps', '-J', String(process.pid)], ['ps']],
  // (one sample of this host's tree; the fixture host is static: one sample too)
  top: [['top', '-b', '-n', '1'], ['top', '-b', '-n', '1', '--json'], fixtureRoot('hybrid-systemd.manifest') && ['top', '-J', ...fixtureRoot('hybrid-systemd.manifest')]],
};
/**
 * The V8 flags bin/nsx starts Node with for a command (its sh line: `WORD) exec node FLAGS "$0"`): V8 accepts a
 * code cache only under the flags it was made under, so each bundle's cache is made in a Node started with them.
 */
const LAUNCHER_FLAGS = Object.fromEntries([...readFileSync('bin/nsx', 'utf8').split('\n')[1].matchAll(/(?:^|[ ;(])([a-z]+)\) exec node ((?:--[a-z0-9-]+(?:=[^\s"]+)? )*)"\$0"/g)].map((m) => [m[1], m[2].trim().split(/\s+/).filter(Boolean)]));
const caches = readdirSync('dist/bundle')
  .filter((f) => f.endsWith('.cjs'))
  .map((f) => [resolve('dist/bundle', f), (CACHE_RUNS[f.slice(4, -4)] ?? []).filter(Boolean)]);
// one Node per bundle, started with the flags bin/nsx gives its command (and a run may set more, as `nsx ps`
// does: they would be recorded in the caches made after it in the same process, which V8 would then reject)
const makeCache = (f, runs) =>
  execFileSync(
    process.execPath,
    [
      ...(LAUNCHER_FLAGS[f.split('/').pop().slice(4, -4)] ?? []),
      '-e',
      `const { makeCodeCache } = require('./scripts/code-cache.cjs'); const fs = require('node:fs');
       (async () => { const [f, runs] = JSON.parse(process.argv[1]); fs.writeFileSync(f + '.cache', await makeCodeCache(f, runs)); })();`,
      JSON.stringify([f, runs]),
    ],
    // the commands' own output is of no interest here; a run that hangs (an odd host) is given up
    { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120_000 },
  );
for (const [f, runs] of caches) {
  try {
    makeCache(f, runs);
  } catch (e) {
    console.warn(`build: the code cache of ${f.split('/').pop()} could not be made from runs (${e.message.split('\n')[0]}): every function compiled instead`);
    makeCache(f, []);
  }
}
for (const [f] of caches) if (!existsSync(`${f}.cache`)) throw new Error(`build: no code cache was made for ${f}`);

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
