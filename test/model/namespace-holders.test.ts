/**
 * withFdHolders at scale (issue 18): 20,000 processes, each in its own netns of 2,000, holding one socket of the
 * host's netns (an inherited descriptor) took 50 s when each holder copied and scanned the namespace's list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withFdHolders, type FdHeld, type NamespaceRecord } from '../../src/model/namespace.js';

test('withFdHolders: 20,000 holders of one namespace, linear; duplicates dropped; sorted by pid then fd', () => {
  const nss: NamespaceRecord[] = [{ inode: 1, type: 'net', pids: [1], nsfs: [], sockets: [{ pid: 3, fd: 9 }] }];
  const held: FdHeld[] = [];
  for (let pid = 20_000; pid > 0; pid--) held.push({ pid, fd: 2, kind: 'socket', type: 'net', inode: 1 });
  held.push({ pid: 7, fd: 2, kind: 'socket', type: 'net', inode: 1 }); // the same descriptor twice
  held.push({ pid: 5, fd: 4, kind: 'nsfs', type: 'net', inode: 2 });
  held.push({ pid: 5, fd: 3, kind: 'nsfs', type: 'net', inode: 2 });
  held.push({ pid: 5, fd: 3, kind: 'nsfs', type: 'uts', inode: 3 }); // a type not asked for
  const t0 = performance.now();
  const out = withFdHolders(nss, held, ['net']);
  assert.ok(performance.now() - t0 < 2000, 'linear');
  assert.deepEqual(out.map((n) => n.inode), [1, 2]);
  const s = out[0].sockets!;
  assert.equal(s.length, 20_001);
  assert.deepEqual(s.slice(0, 4), [{ pid: 1, fd: 2 }, { pid: 2, fd: 2 }, { pid: 3, fd: 2 }, { pid: 3, fd: 9 }]);
  assert.deepEqual(out[1], { inode: 2, type: 'net', pids: [], nsfs: [], fds: [{ pid: 5, fd: 3 }, { pid: 5, fd: 4 }] });
  assert.deepEqual(nss[0].sockets, [{ pid: 3, fd: 9 }], 'input not modified');
});
