import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureHost } from '../../helpers/host.js';
import { readPids, pidExists } from '../../../src/readers/procfs/pids.js';
import { readNsLinks, readNsLink } from '../../../src/readers/procfs/ns.js';
import { readStatus } from '../../../src/readers/procfs/status.js';
import { readStat } from '../../../src/readers/procfs/stat.js';
import { readCmdline, readCmdlineString } from '../../../src/readers/procfs/cmdline.js';
import { readComm } from '../../../src/readers/procfs/comm.js';
import { readMountinfo } from '../../../src/readers/procfs/mountinfo.js';
import { readUserNames } from '../../../src/readers/etc/passwd.js';
import { NotFoundError } from '../../../src/errors.js';
import { classifyTolerable } from '../../../src/host/tolerance.js';

test('procfs readers on the ns-nested fake host', () => {
  const h = fixtureHost('ns-nested.manifest');
  try {
    const p = h.paths;
    assert.deepEqual(readPids(p), [1, 2, 100, 200, 201, 202, 203, 300, 500]);
    assert.ok(pidExists(p, 201) && !pidExists(p, 4242));
    assert.deepEqual(readNsLinks(p, 203, ['user', 'pid', 'net']), { user: 4026532203, pid: 4026532204, net: 4026531992 });
    const st = readStatus(p, 203);
    assert.deepEqual(st.nspid, [203, 3, 1]);
    assert.equal(st.uid?.effective, 1000);
    assert.equal(readStat(p, 202).ppid, 201);
    assert.deepEqual(readCmdline(p, 202), ['sh', '-c', 'unshare -U -p -f sleep 1d']);
    assert.equal(readCmdlineString(p, 2), undefined, 'kernel thread: empty cmdline');
    assert.equal(readComm(p, 2), 'kthreadd');
    assert.equal(readComm(p, 300), 'evil\x1b[31mred');
    const mi = readMountinfo(p);
    assert.equal(mi.filter((m) => m.fsType === 'nsfs').length, 4);
    assert.equal(readUserNames(p).get(1000), 'alice');
  } finally {
    h.cleanup();
  }
});

test('a process that vanished mid-walk reads as gone (tolerable), not as a missing namespace type', () => {
  const h = fixtureHost('ns-nested.manifest');
  try {
    assert.throws(() => readNsLink(h.paths, 500, 'net'), (e) => e instanceof NotFoundError && classifyTolerable(e) === 'gone');
    assert.throws(() => readStatus(h.paths, 4242), (e) => classifyTolerable(e) === 'gone');
  } finally {
    h.cleanup();
  }
});
