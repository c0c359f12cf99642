import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture, fixtureHost } from '../../helpers/host.js';
import { nsfsMountsOf, readNsfsMounts } from '../../../src/readers/nsfs/mounts.js';
import { parseMountinfo } from '../../../src/parse/mountinfo.js';
import { buildGetNsidRequest, parseGetNsidResponse } from '../../../native-bindings/nsfs.js';

test('nsfs mounts from a real capture (CRI-O host: netns, utsns, ipcns pinned under /run)', () => {
  const t = readFileSync(fixture('procfs-corpus', 'mountinfo--neuvector_share-system-cgroup_test_TestCrio_Host_Proc1_Cgroupv2_mountinfo'), 'utf8');
  const ms = nsfsMountsOf(parseMountinfo(t));
  assert.ok(ms.length >= 9);
  assert.deepEqual(ms[0], { type: 'uts', inode: 4026532576, mountPoint: '/run/utsns/0234cef0-d2e2-451d-b26b-67b1c97d1fc2' });
  assert.ok(ms.some((m) => m.type === 'net' && m.mountPoint.startsWith('/run/netns/')));
});

test('readNsfsMounts on the fake host', () => {
  const h = fixtureHost('ns-nested.manifest');
  try {
    assert.deepEqual(readNsfsMounts(h.paths).map((m) => `${m.type}:${m.inode}:${m.mountPoint}`), [
      'net:4026532300:/run/netns/red',
      'net:4026532400:/run/netns/blue',
      'net:4026532300:/var/run/netns/red',
      'net:4026532400:/run/netns/blue',
    ]);
  } finally {
    h.cleanup();
  }
});

test('RTM_GETNSID request layout and answer parsing (pure)', () => {
  const req = buildGetNsidRequest(7, 3);
  assert.equal(req.length, 28);
  assert.equal(req.readUInt32LE(0), 28);
  assert.equal(req.readUInt16LE(4), 90); // RTM_GETNSID
  assert.equal(req.readUInt16LE(6), 1); // NLM_F_REQUEST
  assert.equal(req.readUInt32LE(8), 3);
  assert.equal(req.readUInt16LE(20), 8);
  assert.equal(req.readUInt16LE(22), 3); // NETNSA_FD
  assert.equal(req.readInt32LE(24), 7);
  const ans = Buffer.alloc(28);
  ans.writeUInt32LE(28, 0);
  ans.writeUInt16LE(88, 4); // RTM_NEWNSID
  ans.writeUInt16LE(8, 20);
  ans.writeUInt16LE(1, 22); // NETNSA_NSID
  ans.writeInt32LE(-1, 24);
  assert.equal(parseGetNsidResponse(ans, 28), -1);
  ans.writeInt32LE(5, 24);
  assert.equal(parseGetNsidResponse(ans, 28), 5);
  ans.writeUInt16LE(2, 4); // NLMSG_ERROR
  assert.equal(parseGetNsidResponse(ans, 28), undefined);
  assert.equal(parseGetNsidResponse(ans, 10), undefined);
});
