// Builds the C helpers in native-bindings/*.c with the system C compiler (cc, gcc or clang) into
// native-bindings/build/. Runs from `npm install` (prepare). A failure is reported, never fatal:
// only `nsx enter` needs the helper, and it explains how to fix a missing build.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
mkdirSync(out, { recursive: true });
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
