// Bundles the CLI core into one CommonJS file, dist/bundle/nsx.cjs, for start-up speed: Node's ESM loader
// reads and links every module asynchronously (≈25 ms of a 30 ms budget for `nsx ls`), while one
// CommonJS file loads synchronously and V8 compiles lazily what a command never calls.
//
// - npm packages stay external (require()d, or import()ed where they are ESM-only).
// - The Ink TUI (src/tui/**, which imports the ESM-only ink) stays outside the bundle: the two places that
//   load it use a dynamic import(), kept as is, of the tsc output in dist/src/tui/. Values crossing that
//   boundary are plain data and objects used through their methods; errors from it are recognised by shape
//   (isNsxError), not by class identity.
// - import.meta.url becomes the bundle's own file URL; the bundle sits two levels below the repository
//   (dist/bundle/), like dist/native-bindings/, so paths relative to it resolve the same.
//
// tsc still type-checks and emits dist/ for the unit tests; bin/nsx runs the bundle.
import { build } from 'esbuild';
import { dirname, relative, resolve } from 'node:path';

const src = resolve('src');
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outfile: 'dist/bundle/nsx.cjs',
  logLevel: 'warning',
  banner: { js: 'var __nsxImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__nsxImportMetaUrl' },
  plugins: [
    {
      name: 'tui-outside-bundle',
      setup(b) {
        b.onResolve({ filter: /\/tui\// }, (a) => {
          const abs = resolve(dirname(a.importer), a.path);
          if (!abs.startsWith(src + '/tui/')) return undefined;
          return { path: '../src/' + relative(src, abs).replace(/\.tsx?$/, '.js'), external: true };
        });
      },
    },
  ],
});
