// Bundles the CLI (src/cli/main.ts and the command modules it imports lazily) into dist/bundle/ with
// esbuild code splitting: one small entry plus one chunk per command, so `nsx ls` loads a handful of files
// instead of ~20 modules (Node's ESM loader costs ~0.5 ms per module). npm packages stay external.
// tsc still type-checks and emits dist/ for the unit tests; bin/nsx runs the bundle.
// The bundle lives two levels below the repository (dist/bundle/) like dist/native-bindings/, so code that
// finds native-bindings/build relative to import.meta.url works from both.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir: 'dist/bundle',
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
});
