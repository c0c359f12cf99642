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
 * Chunks only where they pay: esbuild splits at every dynamic import(), and Node 20 links each ES module
 * file separately (a resolve, a read and a compile each: ~23 files for `nsx ls` without this). Dynamic
 * imports inside the sources are hoisted to static ones, so the lazy boundaries left are: main.ts → all
 * commands (one boundary, see below), services → the Ink TUI (src/tui/**), commands → the exporter
 * (src/exporter/**: prom-client, node:http and zlib cost ~50 ms to load, which `top`, `ps` and the dashboard
 * must not pay), and npm packages (Ink, koffi).
 */
const src = resolve('src') + '/';
const COMMANDS_MODULE = 'nsx:commands';
/** Lazy groups: every import of a group's files from outside it becomes a property of one virtual module. */
const GROUPS = [
  { module: 'nsx:tui', prefix: src + 'tui/', key: 't' },
  { module: 'nsx:exporter', prefix: src + 'exporter/', key: 'x' },
];
const groupOf = (abs) => GROUPS.find((g) => abs.startsWith(g.prefix));
// value imports only: not `typeof import('…')` nor `import('…').Type` (types, erased anyway)
const IMPORT = /(?<!typeof\s*)\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)(?!\.(?!then\b)[A-Za-z_$])/g;
/** For each group, the files imported (dynamically) from outside it, made before any build starts. */
function groupFiles() {
  const files = new Map(GROUPS.map((g) => [g, []]));
  for (const f of sources('src').concat(sources('native-bindings')).map((f) => resolve(f))) {
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const target = resolve(dirname(f), m[2]).replace(/\.js$/, '');
      const g = groupOf(target);
      if (g && groupOf(f) !== g && !files.get(g).includes(target)) files.get(g).push(target);
    }
  }
  return files;
}
const fewerChunks = {
  name: 'fewer-chunks',
  setup(b) {
    // src/cli/main.ts: its command table stays lazy, but as one boundary — every `import('./commands/X.js')`
    // becomes a property of one module that imports all commands (so main.ts has finished evaluating before
    // any command module runs, and the commands share one chunk)
    // likewise every import of a lazy group from outside it (the services' `import('../tui/…/run.js')`) becomes
    // a property of one module that imports them all: one lazy chunk group per group, not one per entry
    // the lists are made before the build starts: esbuild loads modules in parallel, so a virtual module must
    // not depend on which importers happened to be transformed before it
    const commandSpecs = [...new Set([...readFileSync(src + 'cli/main.ts', 'utf8').matchAll(IMPORT)].map((m) => m[2]).filter((x) => x.startsWith('./commands/')))];
    const files = groupFiles();
    b.onResolve({ filter: /^nsx:[a-z]+$/ }, (a) => ({ path: a.path, namespace: 'nsx' }));
    b.onLoad({ filter: /.*/, namespace: 'nsx' }, (a) => {
      if (a.path === COMMANDS_MODULE) return { contents: commandSpecs.map((spec, i) => `export * as c${i} from '${spec}';`).join('\n'), resolveDir: src + 'cli', loader: 'ts' };
      const g = GROUPS.find((x) => x.module === a.path);
      return { contents: files.get(g).map((f, i) => `export * as ${g.key}${i} from ${JSON.stringify(f)};`).join('\n'), resolveDir: src, loader: 'ts' };
    });
    b.onLoad({ filter: /\/(src|native-bindings)\/.*\.tsx?$/ }, async (a) => {
      let text = readFileSync(a.path, 'utf8');
      if (a.path === src + 'cli/main.ts') {
        text = text.replace(/\bimport\((['"])(\.\/commands\/[^'"]+)\1\)/g, (_whole, _q, spec) => {
          const i = commandSpecs.indexOf(spec);
          if (i < 0) throw new Error(`build: ${spec} is not in the command list`);
          return `import('${COMMANDS_MODULE}').then((m) => m.c${i})`;
        });
      }
      const hoisted = [];
      text = text.replace(IMPORT, (whole, _q, spec) => {
        const target = resolve(dirname(a.path), spec);
        const g = groupOf(target);
        if (g && groupOf(a.path) !== g) {
          // the lazy boundary into a group
          const i = files.get(g).indexOf(target.replace(/\.js$/, ''));
          if (i < 0) throw new Error(`build: ${spec} (from ${a.path}) is not in the ${g.module} list`);
          return `import('${g.module}').then((m) => m.${g.key}${i})`;
        }
        const name = `__nsx_static_${hoisted.length}`;
        hoisted.push(`import * as ${name} from '${spec}';`);
        return `Promise.resolve(${name})`;
      });
      return { contents: hoisted.join('\n') + (hoisted.length ? '\n' : '') + text, loader: a.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

/**
 * 1b. The short commands, each one CommonJS file with nothing else to load: dist/bundle/cli-<word>.cjs is
 * main.ts with that one command (and everything it may import, dynamic imports inlined), for the command words
 * in SHORT. bin/nsx runs it when the command word is the first argument (`nsx ls …`); anything else goes
 * through nsx.js. Why: `nsx ls` is mostly Node's start-up, and one CommonJS file loads ~5 ms faster than
 * an ES module (no ESM loader, no fs/promises) and far faster than the chunked graph. Each process still
 * loads one module graph (a cli-*.cjs never loads the ES chunks: the other commands are not in it, and the
 * build checks that it imports nothing but Node's built-in modules and koffi, which is loaded on demand).
 * The commands in REQUIRED must qualify; the others get a file when their graph qualifies (no Ink, React,
 * prom-client…), else they simply run through nsx.js.
 */
const SHORT = { ls: 'ls', enter: 'enter', cg: 'cg', cgroups: 'cg', why: 'why', ps: 'ps' };
const REQUIRED = new Set(['ls', 'enter', 'cg']);
const SHORT_EXTERNALS = /^(node:[a-z_/]+|koffi)$/;
function shortPlugin(command) {
  return {
    name: 'short-command',
    setup(b) {
      b.onLoad({ filter: /\/src\/cli\/main\.ts$/ }, (a) => {
        let text = readFileSync(a.path, 'utf8');
        // the other commands (and the host summary of `nsx` alone) are not in this file: bin/nsx sends them to nsx.js
        const stub = (what) => `Promise.reject(new Error('internal error: ${what} is not in the ${command} bundle'))`;
        text = text.replace(/\bimport\((['"])\.\/commands\/([\w-]+)\.js\1\)/g, (whole, _q, name) => (name === command ? whole : stub(`command ${name}`)));
        text = text.replace(/\bimport\((['"])\.\.\/services\/dashboard\.js\1\)/g, () => stub('the dashboard service'));
        return { contents: text, loader: 'ts' };
      });
    },
  };
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
  plugins: [fewerChunks],
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
const shortBuilds = [...new Set(Object.values(SHORT))].map((command) =>
  build({
    ...common,
    format: 'cjs',
    // import() of a built-in becomes a require() (bin/nsx runs the file through vm.Script, which has no ESM loader)
    supported: { 'dynamic-import': false },
    // import.meta.url of the sources (paths relative to dist/bundle/, createRequire) from the file's own name
    define: { ...common.define, 'import.meta.url': '__nsx_import_meta_url' },
    banner: { js: `'use strict';var __nsx_import_meta_url=require('node:url').pathToFileURL(__filename).href;` },
    entryPoints: { [`cli-${command}`]: 'src/cli/main.ts' },
    bundle: true,
    packages: 'external',
    outdir: 'dist/bundle',
    outExtension: { '.js': '.cjs' },
    plugins: [shortPlugin(command)],
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
for (const [word, command] of Object.entries(SHORT)) {
  if (word !== command && existsSync(`dist/bundle/cli-${command}.cjs`)) writeFileSync(`dist/bundle/cli-${word}.alias`, `${command}\n`);
}
// V8's code cache of each short bundle (FILE.cache, loaded by bin/nsx), made by bin/nsx's own loader in a
// separate Node process (the cache is valid only for this Node version and its V8 flags; otherwise V8 rejects
// it and bin/nsx compiles as usual). Each bundle first runs a few of its commands (reading only: this host,
// the fixture hosts when present, `enter --dry-run` on this build's process), so that the cache holds the
// functions real runs compile; when they cannot run here, every function is compiled instead.
const fixtureRoot = (name) => (existsSync(`fixtures/${name}`) ? ['--root', resolve('fixtures', name)] : undefined);
const CACHE_RUNS = {
  ls: [['ls', '-J', '-l'], ['ls'], ['ls', '-l', '-o', '+PNS,ONS,HOLDERS'], fixtureRoot('ns-nested.manifest') && ['ls', '-J', '-l', ...fixtureRoot('ns-nested.manifest')]],
  enter: [['enter', '-t', String(process.pid), '-a', '--dry-run'], ['enter', '-t', String(process.pid), '-a', '--dry-run', '--json']],
  cg: [['cg', 'tree', '-c', 'cpu'], ['cg', 'tree'], ['cg'], fixtureRoot('hybrid-systemd.manifest') && ['cg', 'tree', '-J', ...fixtureRoot('hybrid-systemd.manifest')]],
  why: [['why', '-J', '/'], ['why', '/']],
  ps: [['ps', '-J', String(process.pid)], ['ps']],
};
const caches = readdirSync('dist/bundle')
  .filter((f) => f.endsWith('.cjs'))
  .map((f) => [resolve('dist/bundle', f), (CACHE_RUNS[f.slice(4, -4)] ?? []).filter(Boolean)]);
const makeCaches = (list) =>
  execFileSync(
    process.execPath,
    [
      '-e',
      `const { makeCodeCache } = require('./bin/nsx'); const fs = require('node:fs');
       (async () => { for (const [f, runs] of JSON.parse(process.argv[1])) fs.writeFileSync(f + '.cache', await makeCodeCache(f, runs)); })();`,
      JSON.stringify(list),
    ],
    // the commands' own output is of no interest here; a run that hangs (an odd host) is given up
    { stdio: ['ignore', 'ignore', 'ignore'], timeout: 120_000 },
  );
try {
  makeCaches(caches);
} catch (e) {
  console.warn(`build: the code caches could not be made from runs (${e.message.split('\n')[0]}): every function compiled instead`);
  makeCaches(caches.map(([f]) => [f, []]));
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
