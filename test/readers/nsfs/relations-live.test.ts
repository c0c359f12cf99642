/** Live: namespace relations through koffi agree with what the kernel shows in /proc/self/ns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { liveSkipReason } from '../../helpers/live.js';

test('readNsRelations on /proc/self/ns/* (live)', { skip: liveSkipReason() }, async () => {
  const { readNsRelations, openNetnsidQuery, nsType } = await import('../../../native-bindings/nsfs.js');
  const q = openNetnsidQuery();
  try {
    const userIno = statSync('/proc/self/ns/user').ino;
    for (const t of ['mnt', 'net', 'pid', 'uts', 'ipc', 'user', 'cgroup', 'time']) {
      const r = readNsRelations(`/proc/self/ns/${t}`, { netlink: q });
      assert.equal(r.inode, statSync(`/proc/self/ns/${t}`).ino, t);
      assert.equal(r.type, t);
      if (t !== 'user') assert.equal(r.owner, userIno, `${t} owner`);
      if (t === 'net') assert.ok(r.netnsid !== undefined && r.netnsid >= -1, 'netnsid answered');
    }
    assert.equal(typeof nsType, 'function');
  } finally {
    q?.close();
  }
});
