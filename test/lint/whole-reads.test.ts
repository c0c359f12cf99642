/**
 * Issue 18, point 1: one whole-file read. Kernel files backed by `seq_file` (mountinfo, cgroup.procs, tasks, …)
 * return about a page per read(2); only a read of 0 ends them. Every read of a file in src/ goes through
 * src/host/read.ts (`readAll`, `readWhole…`, `readText…`, `readRecords`), which loops until 0. This test fails
 * on any other way of reading a file in src/ and native-bindings/*.ts (bin/nsx, the launcher, reads only the
 * package's own bundle files, before any of src/ is loaded).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../helpers/host.js';

/** Node's ways of reading file contents, as imported from node:fs or node:fs/promises. */
const READ_NAMES = new Set(['read', 'readSync', 'readFile', 'readFileSync', 'readv', 'readvSync', 'createReadStream', 'promises', 'openAsBlob']);
/** `import { a, b as c } from 'node:fs'` (or fs/promises), `import * as fs from …`, default imports, `require('fs')` */
const IMPORT = /import\s+(?:type\s+)?(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s+as\s+(\w+))?\s*from\s*['"](?:node:)?fs(?:\/promises)?['"]|require\(\s*['"](?:node:)?fs(?:\/promises)?['"]\s*\)|import\(\s*['"](?:node:)?fs(?:\/promises)?['"]\s*\)/g;

/** What a source file imports from fs that reads file contents. */
function fsReads(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    if (m[0].startsWith('require') || m[0].startsWith('import(')) out.push(m[0]);
    else if (m[1] || m[3]) out.push(`${m[1] ?? m[3]} (the whole module)`);
    for (const spec of (m[2] ?? '').split(',')) {
      const name = spec.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0];
      if (READ_NAMES.has(name)) out.push(name);
    }
  }
  return out;
}

/** the one module allowed to call them */
const ALLOWED = new Set(['src/host/read.ts']);

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.(ts|tsx|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

test('every file read in src/ goes through src/host/read.ts (whole reads, to a read of 0)', (t) => {
  if (!existsSync(join(REPO, 'src'))) {
    t.skip(`no sources at ${REPO}/src`);
    return;
  }
  const files = [...sources(join(REPO, 'src')), ...sources(join(REPO, 'native-bindings'))];
  const offenders: string[] = [];
  for (const f of files) {
    const rel = relative(REPO, f);
    if (ALLOWED.has(rel)) continue;
    for (const name of fsReads(readFileSync(f, 'utf8'))) offenders.push(`${rel}: imports ${name} from node:fs`);
  }
  assert.deepEqual(offenders, [], `read files through src/host/read.ts (readAll / readWhole / readText):\n${offenders.join('\n')}`);
});

test('the check itself sees every way of importing a read from fs', () => {
  assert.deepEqual(fsReads(`import { closeSync, readSync as r, readFileSync } from 'node:fs';`), ['readSync', 'readFileSync']);
  assert.deepEqual(fsReads(`import { readFile } from "fs/promises";`), ['readFile']);
  assert.deepEqual(fsReads(`import * as fs from 'node:fs';`), ['fs (the whole module)']);
  assert.deepEqual(fsReads(`import fs from 'fs';`), ['fs (the whole module)']);
  assert.equal(fsReads(`const fs = require('node:fs');`).length, 1);
  assert.equal(fsReads(`const { readFileSync } = await import('node:fs');`).length, 1);
  assert.deepEqual(fsReads(`import { openSync, statSync } from 'node:fs';`), []);
});
