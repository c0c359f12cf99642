/**
 * Readers tolerate gone/denied (src/host/tolerance.ts) and nothing else: an unexpected failure (EINVAL, ELOOP,
 * a damaged file of the wrong kind) propagates as a typed NsxError instead of being swallowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths } from '../../../src/host/paths.js';
import { Tolerance, wrap } from '../../../src/host/tolerance.js';
import { IoError, NsxError, ParseError } from '../../../src/errors.js';
import { readFdHeld } from '../../../src/readers/nsfs/held.js';
import { pidExists } from '../../../src/readers/procfs/pids.js';
import { procCgroupEntriesOrNone } from '../../../src/readers/procfs/cgroup.js';
import { parseJsonOrUndefined } from '../../../src/readers/runtimes/file-cache.js';
import { BoltFile, containerdImageOf } from '../../../src/readers/runtimes/bolt.js';

function fakeHost(): string {
  const dir = mkdtempSync(join(tmpdir(), `nsx-test-tolerance-${process.pid}-`));
  mkdirSync(join(dir, 'proc', '7', 'fd'), { recursive: true });
  return dir;
}

test('readFdHeld: a vanished descriptor is skipped, a descriptor that is not a link (EINVAL) propagates', async () => {
  const dir = fakeHost();
  try {
    const paths = hostPaths(dir);
    symlinkSync('net:[4026531992]', join(dir, 'proc', '7', 'fd', '3'));
    const tol = new Tolerance();
    // pid 8 has no directory: gone, recorded
    assert.deepEqual(await readFdHeld(paths, [7, 8], { types: ['net'] }, tol), [{ pid: 7, fd: 3, kind: 'nsfs', type: 'net', inode: 4026531992 }]);
    assert.equal(tol.gone, 1);
    // readlink(2) of a regular file: EINVAL, which no reader may swallow
    writeFileSync(join(dir, 'proc', '7', 'fd', '4'), 'not a link');
    await assert.rejects(readFdHeld(paths, [7], { types: ['net'] }, new Tolerance()), (e: unknown) => e instanceof IoError && e.errno === 'EINVAL' && e.path === join(dir, 'proc', '7', 'fd', '4'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pidExists: absent is false, a symlink loop (ELOOP) propagates', () => {
  const dir = fakeHost();
  try {
    const paths = hostPaths(dir);
    assert.equal(pidExists(paths, 7), true);
    assert.equal(pidExists(paths, 8), false);
    symlinkSync('9', join(dir, 'proc', '9'));
    assert.throws(() => pidExists(paths, 9), (e: unknown) => e instanceof NsxError && e.errno === 'ELOOP');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wrap: gone and denied are undefined (recorded), anything else throws', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(wrap(undefined, '/x', () => { throw err('ENOENT'); }), undefined);
  assert.equal(wrap(undefined, '/x', () => { throw err('EACCES'); }), undefined);
  assert.throws(() => wrap(undefined, '/x', () => { throw err('EIO'); }), (e: unknown) => e instanceof IoError && e.path === '/x');
  assert.throws(() => wrap(undefined, '/x', () => { throw new TypeError('bug'); }), TypeError);
  assert.equal(wrap(undefined, '/x', () => 5), 5);
  assert.equal(wrap(undefined, '/x', (p) => p), '/x');
  const tol = new Tolerance();
  wrap(tol, '/gone', () => { throw err('ESRCH'); });
  wrap(tol, '/denied', () => { throw err('EPERM'); });
  assert.deepEqual(tol.toJSON(), { gone: 1, denied: ['/denied'] });
});

test("wrap's policies: 'gone' lets a denial through, 'cleanup' any system error, 'optional' any Error", () => {
  const err = (code: string) => Object.assign(new Error(code), { code, syscall: 'open' });
  assert.equal(wrap(undefined, '/x', () => { throw err('ENOENT'); }, 'gone'), undefined);
  assert.throws(() => wrap(undefined, '/x', () => { throw err('EACCES'); }, 'gone'), (e: unknown) => e instanceof NsxError && e.errno === 'EACCES');
  // a failing close(2) (EBADF) is quiet in a cleanup path, a bad argument is not
  assert.equal(wrap(undefined, 'fd', () => closeSync(2 ** 30), 'cleanup'), undefined);
  assert.throws(() => wrap(undefined, 'fd', () => closeSync(-1), 'cleanup'));
  assert.equal(wrap(undefined, 'addon', () => { throw new Error('dlopen: wrong ELF class'); }, 'optional'), undefined);
  assert.throws(() => wrap(undefined, 'addon', () => { throw 'not an Error'; }, 'optional'));
  const tol = new Tolerance();
  tol.absorb(err('ENODEV'), '/cg', 'gone');
  assert.throws(() => tol.absorb(err('EACCES'), '/cg', 'gone'), (e: unknown) => e instanceof NsxError && e.path === '/cg');
  assert.deepEqual(tol.toJSON(), { gone: 1, denied: [] });
});

test('lenient parses tolerate only their own parse errors', () => {
  assert.deepEqual(procCgroupEntriesOrNone('garbage\n', 'cgroup'), []);
  assert.deepEqual(procCgroupEntriesOrNone(undefined, 'cgroup'), []);
  assert.equal(procCgroupEntriesOrNone('0::/a\n', 'cgroup')[0].path, '/a');
  assert.equal(parseJsonOrUndefined('{"a":'), undefined);
  assert.deepEqual(parseJsonOrUndefined('{"a":1}'), { a: 1 });
  assert.throws(() => new BoltFile(Buffer.alloc(10), '/meta.db'), (e: unknown) => e instanceof ParseError && e.source === '/meta.db');
});

test('a damaged bbolt file (root page past the end) gives no image instead of failing', () => {
  // a valid meta page whose root page lies beyond the file
  const b = Buffer.alloc(8192);
  for (const off of [0, 4096]) {
    b.writeUInt32LE(0xed0cdaed, off + 16);
    b.writeUInt32LE(2, off + 20);
    b.writeUInt32LE(4096, off + 24);
    b.writeBigUInt64LE(99n, off + 32);
  }
  assert.throws(() => new BoltFile(b, 'meta.db'), ParseError);
  // root page inside the file, but a branch element pointing outside: ParseError inside get(), tolerated by the caller
  for (const off of [0, 4096]) b.writeBigUInt64LE(1n, off + 32);
  b.writeUInt16LE(0x01, 4096 + 8);
  b.writeUInt16LE(1, 4096 + 10);
  b.writeUInt32LE(16, 4096 + 16);
  b.writeUInt32LE(2, 4096 + 20);
  b.writeBigUInt64LE(1000n, 4096 + 24);
  const db = new BoltFile(b, 'meta.db');
  assert.throws(() => db.get(['v1'], 'x'), ParseError);
  assert.equal(containerdImageOf(db, 'default', 'c1'), undefined);
});
