/**
 * Issue 11, acceptance 2: no empty (or binding-less) `catch` outside src/host/ — which failures are tolerated is
 * decided in src/host/tolerance.ts, so every other catch names the error it expects and rethrows the rest.
 * The same grep as the issue's, over the sources at the repository root (tests run from dist/test/lint/): src/,
 * native-bindings/*.ts and the launcher bin/nsx (issue 22, point 4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';

const PATTERN = String.raw`catch *(\([^)]*\))? *\{ *\}|catch *\{$`;

test('no empty or binding-less catch in src/ outside src/host/, in native-bindings/*.ts or in bin/nsx', (t) => {
  if (!existsSync(join(REPO, 'src'))) {
    t.skip(`no sources at ${REPO}/src`);
    return;
  }
  /** grep's matching lines (`file:line:text`); grep exits 1 when nothing matches (the goal) */
  const grep = (args: string[]): string => {
    try {
      return execFileSync('grep', ['-nHE', PATTERN, ...args], { cwd: REPO, encoding: 'utf8' });
    } catch (e) {
      // anything but "no match" is a failure of the check itself
      if ((e as { status?: number }).status !== 1) throw e;
      return '';
    }
  };
  const natives = readdirSync(join(REPO, 'native-bindings')).filter((f) => f.endsWith('.ts')).map((f) => join('native-bindings', f));
  const out = grep(['-r', 'src', '--include=*.ts', '--include=*.tsx']) + grep([...natives, join('bin', 'nsx')]);
  const offenders = out.split('\n').filter((l) => l !== '' && !l.startsWith('src/host/'));
  assert.deepEqual(offenders, [], `empty catch outside src/host/ (tolerate through src/host/tolerance.ts, or catch the one typed error expected):\n${offenders.join('\n')}`);
});
