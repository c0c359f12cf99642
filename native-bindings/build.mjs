// Builds the C helpers in native-bindings/*.c with the system C compiler (cc, gcc or clang) into
// native-bindings/build/. Runs from `npm install` (the package's install script). A failure is reported, never
// fatal: only `nsx enter` needs the helper, and it explains how to fix a missing build.
//
// The helper's tables (nsx-enter-tables.h) are generated from src/enter/tables.ts: in a clone, here, first
// (scripts/gen-enter-header.mjs, with esbuild); the package ships the header its build made. The helper built here
// has no test hooks: the tests compile their own build with -DNSX_TEST_HOOKS (test/enter/hooked-helper.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
mkdirSync(out, { recursive: true });
const generator = join(here, '..', 'scripts', 'gen-enter-header.mjs');
if (existsSync(generator) && existsSync(join(here, '..', 'src', 'enter', 'tables.ts'))) {
  try {
    await (await import(pathToFileURL(generator).href)).writeEnterHeader();
  } catch (e) {
    // no esbuild (installed without dev dependencies): the header there is, if any, is compiled as it is
    console.warn(`nsx: warning: could not generate native-bindings/nsx-enter-tables.h (${String(e.message ?? e).split('\n')[0]})`);
  }
}
const compilers = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
const sources = readdirSync(here).filter((f) => f.endsWith('.c'));
for (const src of sources) {
  const bin = join(out, src.slice(0, -2));
  let ok = false;
  let lastErr = '';
  for (const cc of compilers) {
    try {
      // `<name>.node.c` is a Node-API addon (a shared object loaded with process.dlopen); the rest are programs
      const shared = src.endsWith('.node.c') ? ['-shared', '-fPIC'] : [];
      execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-std=gnu11', ...shared, '-o', bin, join(here, src)], { stdio: ['ignore', 'ignore', 'pipe'] });
      ok = true;
      break;
    } catch (e) {
      lastErr = String(e.stderr ?? e.message ?? e).trim();
    }
  }
  if (ok) console.log(`nsx: built native-bindings/build/${src.slice(0, -2)}`);
  else console.warn(`nsx: warning: could not build native-bindings/${src} (${lastErr.split('\n')[0] || 'no C compiler found'}); 'nsx enter' will not work until a C compiler (apt-get install gcc) is installed and 'npm install' is run again`);
}
if (!existsSync(out)) process.exit(0);
