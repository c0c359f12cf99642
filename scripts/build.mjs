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

/**
 * Chunks only where they pay: esbuild splits at every dynamic import(), and Node 20 links each ES module
 * file separately (a resolve, a read and a compile each: ~23 files for `nsx ls` without this). Dynamic
 * imports inside the sources are hoisted to static ones, so the lazy boundaries left are: main.ts → all
 * commands (one boundary, see below), services → the Ink TUI (src/tui/**), and npm packages (Ink, koffi).
 */
const src = resolve('src') + '/';
const inTui = (abs) => abs.startsWith(src + 'tui/');
const COMMANDS_MODULE = 'nsx:commands';
const TUI_MODULE = 'nsx:tui';
const fewerChunks = {
  name: 'fewer-chunks',
  setup(b) {
    // src/cli/main.ts: its command table stays lazy, but as one boundary — every `import('./commands/X.js')`
    // becomes a property of one module that imports all commands (so main.ts has finished evaluating before
    // any command module runs, and the commands share one chunk)
    // likewise every import of the TUI from outside it (the services' `import('../tui/…/run.js')`) becomes a
    // property of one module that imports them all: one lazy TUI chunk group, not one per entry
    // both lists are made before the build starts: esbuild loads modules in parallel, so a virtual module must
    // not depend on which importers happened to be transformed before it
    const IMPORT = /(?<!typeof\s*)\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)(?!\.(?!then\b)[A-Za-z_$])/g;
    const commandSpecs = [...new Set([...readFileSync(src + 'cli/main.ts', 'utf8').matchAll(IMPORT)].map((m) => m[2]).filter((x) => x.startsWith('./commands/')))];
    const tuiFiles = [];
    for (const f of sources('src').concat(sources('native-bindings')).map((f) => resolve(f))) {
      if (inTui(f)) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
        const target = resolve(dirname(f), m[2]).replace(/\.js$/, '');
        if (inTui(target) && !tuiFiles.includes(target)) tuiFiles.push(target);
      }
    }
    b.onResolve({ filter: /^nsx:(commands|tui)$/ }, (a) => ({ path: a.path, namespace: 'nsx' }));
    b.onLoad({ filter: /.*/, namespace: 'nsx' }, (a) =>
      a.path === COMMANDS_MODULE
        ? { contents: commandSpecs.map((spec, i) => `export * as c${i} from '${spec}';`).join('\n'), resolveDir: src + 'cli', loader: 'ts' }
        : { contents: tuiFiles.map((f, i) => `export * as t${i} from ${JSON.stringify(f)};`).join('\n'), resolveDir: src, loader: 'ts' },
    );
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
      // value imports only: not `typeof import('…')` nor `import('…').Type` (types, erased anyway)
      text = text.replace(/(?<!typeof\s*)\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)(?!\.(?!then\b)[A-Za-z_$])/g, (whole, _q, spec) => {
        const target = resolve(dirname(a.path), spec);
        if (inTui(target) && !inTui(a.path)) {
          // the lazy boundary into the TUI
          const i = tuiFiles.indexOf(target.replace(/\.js$/, ''));
          if (i < 0) throw new Error(`build: ${spec} (from ${a.path}) is not in the TUI list`);
          return `import('${TUI_MODULE}').then((m) => m.t${i})`;
        }
        const name = `__nsx_static_${hoisted.length}`;
        hoisted.push(`import * as ${name} from '${spec}';`);
        return `Promise.resolve(${name})`;
      });
      return { contents: hoisted.join('\n') + (hoisted.length ? '\n' : '') + text, loader: a.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

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
