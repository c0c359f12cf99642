/** A process whose /proc entry cannot be read (EACCES) makes the listing incomplete, never fails it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../helpers/host.js';
import { liveSkipReason } from '../helpers/live.js';
import { run, NSX_BIN } from '../helpers/cli.js';

test('fake host read as nobody with one unreadable process: warning in text, "incomplete" in JSON, exit 0', { skip: liveSkipReason({ tools: ['setpriv'] }) }, () => {
  const h = fixtureHost('ns-nested.manifest');
  try {
    run('chmod', ['-R', 'a+rX', h.dir]);
    chmodSync(join(h.paths.proc, '300'), 0o700);
    const asNobody = (args: string[]) => run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, NSX_BIN, '--root', h.dir, 'ls', ...args]);
    const t = asNobody(['-l']);
    assert.equal(t.code, 0, t.stderr);
    // the warning names what could not be read; -q silences it (issue 14)
    assert.equal(t.stderr, `nsx: warning: the list is incomplete: permission denied: ${join(h.paths.proc, '300', 'ns')} (-q silences this)\n`);
    const q = asNobody(['-l', '-q']);
    assert.equal(q.code, 0);
    assert.equal(q.stderr, '');
    assert.equal(q.stdout, t.stdout);
    assert.match(t.stdout, /^4026532300 net +0 +root/m, 'the netns of the hidden process is known only by its bind mounts');
    const j = asNobody(['-J', '-l', '-t', 'net']);
    assert.equal(j.code, 0);
    assert.equal(j.stderr, '');
    const doc = JSON.parse(j.stdout) as { namespaces: Array<{ ns: number; nprocs: number }>; incomplete: boolean };
    assert.deepEqual(Object.keys(doc), ['namespaces', 'incomplete']);
    assert.equal(doc.incomplete, true);
    // the netns of PID 300 is still known through its bind mounts, with no process seen in it
    assert.deepEqual(doc.namespaces.map((n) => [n.ns, n.nprocs]), [[4026531992, 7], [4026532300, 0], [4026532400, 0]]);
  } finally {
    h.cleanup();
  }
});
