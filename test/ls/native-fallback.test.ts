/**
 * The nsfs system calls go through the small addon build/nsx-nsfs.node; without it (no C compiler at install,
 * a stale build) they go through koffi, with the same answers. The fallback is exercised on a copy of the
 * compiled native-bindings modules placed where no build/ directory is found next to them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from '../helpers/host.js';
import { liveSkipReason } from '../helpers/live.js';
import { buildDir } from '../../native-bindings/enter.js';

type Nsfs = typeof import('../../native-bindings/nsfs.js');

test('without the nsfs addon, koffi answers the same (live)', { skip: liveSkipReason() || (existsSync(join(buildDir(), 'nsx-nsfs.node')) ? false : 'the nsfs addon is not built') }, async () => {
  // two levels below dist/ (as the compiled modules are), inside the repository so that koffi resolves
  const dir = join(REPO, 'dist', `nsx-test-fallback-${process.pid}`, 'native-bindings');
  mkdirSync(dir, { recursive: true });
  try {
    for (const f of ['nsfs.js', 'enter.js', 'libc.js']) cpSync(join(REPO, 'dist', 'native-bindings', f), join(dir, f));
    // what those modules import from src/ (the one tolerance API and the errors it makes)
    for (const f of ['host/tolerance.js', 'errors.js']) cpSync(join(REPO, 'dist', 'src', f), join(dir, '..', 'src', f));
    const viaKoffi = (await import(pathToFileURL(join(dir, 'nsfs.js')).href)) as Nsfs;
    const viaAddon = (await import('../../native-bindings/nsfs.js')) as Nsfs;
    const answers = (m: Nsfs) => {
      const q = m.openNetnsidQuery();
      try {
        return ['mnt', 'net', 'pid', 'uts', 'ipc', 'user', 'cgroup', 'time'].map((t) => m.readNsRelations(`/proc/self/ns/${t}`, { netlink: q }));
      } finally {
        q?.close();
      }
    };
    const k = answers(viaKoffi);
    assert.equal(viaKoffi.sysLoaded(), 'koffi');
    assert.deepEqual(answers(viaAddon), k);
    assert.equal(viaAddon.sysLoaded(), 'nsx-nsfs.node');
    assert.equal(k[1].inode, statSync('/proc/self/ns/net').ino);
    // a failed call is the same SyscallError either way (a closed descriptor: EBADF)
    for (const m of [viaKoffi, viaAddon]) {
      assert.throws(() => m.nsIoctl(-1, m.NS_GET_PARENT), (e: Error) => e instanceof m.SyscallError && (e as Error & { code: string }).code === 'EBADF');
    }
  } finally {
    rmSync(join(REPO, 'dist', `nsx-test-fallback-${process.pid}`), { recursive: true, force: true });
  }
});
