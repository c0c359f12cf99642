/** Acceptance 3: run as an unprivileged user, `nsx ls` lists what it can read, warns, and exits 0. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveSkipReason } from '../helpers/live.js';
import { run, NSX_BIN } from '../helpers/cli.js';

const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

test('nsx ls as nobody: partial list, a warning, exit 0; JSON says incomplete', { skip: liveSkipReason({ tools: ['setpriv', 'lsns'] }) }, () => {
  const text = run('setpriv', [...AS_NOBODY, process.execPath, NSX_BIN, 'ls']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stderr, /^nsx: warning: the list is incomplete: permission denied: \/proc\/\d+\/ns(, \/proc\/\d+\/ns)*( and \d+ more)? \(-q silences this\)\n$/);
  assert.match(text.stdout, /^ +NS TYPE +NPROCS +PID USER +COMMAND\n/);
  assert.match(text.stdout, /nobody/);

  const json = run('setpriv', [...AS_NOBODY, process.execPath, NSX_BIN, 'ls', '-J', '-l']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stderr, '', 'JSON mode reports incompleteness in the document, not on stderr');
  const doc = JSON.parse(json.stdout) as { namespaces: Array<{ ns: number; type: string; user: string }>; incomplete?: boolean };
  assert.equal(doc.incomplete, true);
  assert.ok(doc.namespaces.length >= 8, 'at least its own 8 namespaces');
  // lsns run the same way
  const l = run('setpriv', [...AS_NOBODY, 'lsns', '-J', '-l']);
  const theirs = new Set((JSON.parse(l.stdout) as { namespaces: Array<{ ns: number }> }).namespaces.map((n) => n.ns));
  // both tools run in the same 8 namespaces, which both can read
  assert.ok(doc.namespaces.filter((n) => theirs.has(n.ns)).length >= 8);
});
