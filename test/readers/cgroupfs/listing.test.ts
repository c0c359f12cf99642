/**
 * CgroupListing (src/readers/cgroupfs/tree.ts) on plain directories (tmpfs and ext4 count subdirectories in a
 * directory's link count as kernfs does; test/truth/cgroups.test.ts checks the live kernel): the listing matches
 * a fresh walk after each change, and the cheap pass (directories with subdirectories) finds what it should.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths } from '../../../src/host/paths.js';
import { CgroupListing, walkCgroupTree, walkCgroupTreeWithin } from '../../../src/readers/cgroupfs/tree.js';
import type { CgroupLayout, CgroupNode, Hierarchy } from '../../../src/model/cgroup.js';

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'nsx-test-listing-'));
  const base = join(root, 'sys/fs/cgroup/cpu');
  mkdirSync(base, { recursive: true });
  const h: Hierarchy = { id: 1, version: 1, key: 'cpu', controllers: ['cpu'], mounts: ['/sys/fs/cgroup/cpu'], mountRoot: '/' };
  const layout: CgroupLayout = { kind: 'legacy', hierarchies: [h], controllers: [], unattached: [] } as unknown as CgroupLayout;
  const paths = hostPaths(root);
  const mk = (p: string) => mkdirSync(join(base, p), { recursive: true });
  for (let s = 0; s < 5; s++) for (let u = 0; u < 4; u++) mk(`/a.slice/s${s}.slice/u${u}.service`);
  mk('/b');
  const walked = (r = '/') => {
    const out: string[] = [];
    const visit = (n: CgroupNode) => {
      out.push(n.path);
      n.children.forEach(visit);
    };
    visit(walkCgroupTree(paths, layout, { view: { kind: 'v1', key: 'cpu' }, root: r }));
    return out;
  };
  return { root, base, h, layout, paths, mk, walked, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test('CgroupListing: the walk order; the cheap pass finds what is made or removed below a directory with subdirectories', (t) => {
  const x = setup();
  try {
    if (statSync(x.base).nlink < 2) {
      t.skip('this file system does not count subdirectories in link counts');
      return;
    }
    const l = new CgroupListing(x.paths, x.h, '/');
    assert.deepEqual(l.reset().found, true);
    assert.deepEqual(l.list(), x.walked());
    assert.equal(l.update(undefined, { leaves: false }).changed, false);
    // made below a slice: a whole new subtree
    x.mk('/a.slice/s2.slice/new.service/inner');
    let u = l.update(undefined, { leaves: false });
    assert.deepEqual([u.changed, u.added, u.removed], [true, 2, 0]);
    assert.deepEqual(l.list(), x.walked());
    // removed
    rmSync(join(x.base, '/a.slice/s2.slice/new.service'), { recursive: true });
    u = l.update(undefined, { leaves: false });
    assert.deepEqual([u.changed, u.added, u.removed], [true, 0, 2]);
    assert.deepEqual(l.list(), x.walked());
    // renamed
    renameSync(join(x.base, '/a.slice/s3.slice'), join(x.base, '/a.slice/s9.slice'));
    u = l.update(undefined, { leaves: false });
    assert.equal(u.changed, true);
    assert.deepEqual(l.list(), x.walked());
    // made inside a leaf: only the pass over every directory sees it
    x.mk('/a.slice/s1.slice/u1.service/deep');
    assert.equal(l.update(undefined, { leaves: false }).changed, false);
    u = l.update(undefined, { leaves: true });
    assert.deepEqual([u.changed, u.added], [true, 1]);
    assert.deepEqual(l.list(), x.walked());
    // a leaf removed and made again under its old name: a new inode, found by the pass over every directory
    rmdirSync(join(x.base, '/b'));
    x.mk('/b');
    x.mk('/b/c');
    u = l.update(undefined, { leaves: true });
    assert.equal(u.changed, true);
    assert.ok(l.has('/b/c'));
    assert.deepEqual(l.list(), x.walked());
    // the root removed: found: false and empty
    rmSync(join(x.base, '/a.slice'), { recursive: true });
    const sub = new CgroupListing(x.paths, x.h, '/b');
    sub.reset();
    assert.deepEqual(sub.list(), ['/b', '/b/c']);
    rmSync(join(x.base, '/b'), { recursive: true });
    assert.deepEqual([sub.update().found, sub.list()], [false, []]);
  } finally {
    x.cleanup();
  }
});

test('CgroupListing: a depth limit lists nothing below it; walkCgroupTreeWithin gives up past its limit', () => {
  const x = setup();
  try {
    const l = new CgroupListing(x.paths, x.h, '/a.slice', 1);
    l.reset();
    assert.deepEqual(l.list(), ['/a.slice', ...[0, 1, 2, 3, 4].map((s) => `/a.slice/s${s}.slice`)]);
    x.mk('/a.slice/s0.slice/deeper');
    assert.equal(l.update().changed, false);
    x.mk('/a.slice/s5.slice');
    assert.equal(l.update().added, 1);
    const total = x.walked().length;
    assert.equal(walkCgroupTreeWithin(x.paths, x.layout, { view: { kind: 'v1', key: 'cpu' }, limit: total - 1 }), undefined);
    assert.ok(walkCgroupTreeWithin(x.paths, x.layout, { view: { kind: 'v1', key: 'cpu' }, limit: total }));
  } finally {
    x.cleanup();
  }
});
