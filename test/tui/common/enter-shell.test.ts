/**
 * The shell the dashboard's `e` runs (src/tui/dashboard/enter-shell.ts): $SHELL when the target's root has it,
 * else /bin/sh, else busybox sh — looked up inside the target's root, following its symbolic links there
 * (an absolute link points into the target, not the host). Also: what `e` asks `nsx enter` for.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseShell, existsInRoot } from '../../../src/tui/dashboard/enter-shell.js';
import { enterPlanFor } from '../../../src/tui/dashboard/run.js';
import { hostPaths } from '../../../src/host/paths.js';

function tree(files: Record<string, string | { link: string } | 'dir'>): string {
  const root = mkdtempSync(join(tmpdir(), 'nsx-test-shell-'));
  for (const [p, v] of Object.entries(files)) {
    const abs = join(root, p);
    mkdirSync(join(abs, '..'), { recursive: true });
    if (v === 'dir') mkdirSync(abs, { recursive: true });
    else if (typeof v === 'string') writeFileSync(abs, v);
    else symlinkSync(v.link, abs);
  }
  return root;
}

test('chooseShell: $SHELL, then /bin/sh, then busybox sh, looked up inside the root', () => {
  const debian = tree({ 'usr/bin/bash': '', 'usr/bin/sh': '', bin: { link: 'usr/bin' } });
  const busybox = tree({ 'bin/busybox': '', 'bin/sh': { link: '/bin/busybox' } });
  const distroless = tree({ 'busybox/busybox': '', 'usr/bin/busybox': '' });
  const empty = tree({ etc: 'dir' });
  try {
    assert.deepEqual(chooseShell(debian, '/bin/bash'), { program: ['/bin/bash'] });
    assert.deepEqual(chooseShell(busybox, '/bin/bash'), { program: ['/bin/sh'], note: '/bin/bash is not in the target: running /bin/sh' });
    assert.deepEqual(chooseShell(busybox, undefined), { program: ['/bin/sh'] });
    assert.deepEqual(chooseShell(distroless, '/bin/zsh'), { program: ['/usr/bin/busybox', 'sh'], note: '/bin/zsh is not in the target: running /usr/bin/busybox sh' });
    assert.deepEqual(chooseShell(empty, '/bin/bash').program, ['/bin/bash']);
    assert.match(chooseShell(empty, '/bin/bash').note!, /no shell found in the target/);
    assert.deepEqual(chooseShell(debian, 'bash'), { program: ['/bin/sh'] }, 'a relative $SHELL is not trusted');
  } finally {
    for (const d of [debian, busybox, distroless, empty]) rmSync(d, { recursive: true, force: true });
  }
});

test('existsInRoot: absolute links resolve inside the root, .. stays inside, directories and loops are not shells', () => {
  const r = tree({ 'bin/busybox': '', 'bin/sh': { link: '/bin/busybox' }, 'bin/dash': { link: '../../../bin/busybox' }, 'bin/loop': { link: '/bin/loop' }, 'bin/dir': 'dir', 'bin/gone': { link: '/nonexistent' } });
  try {
    assert.equal(existsInRoot(r, '/bin/sh'), true);
    assert.equal(existsInRoot(r, '/bin/dash'), true);
    assert.equal(existsInRoot(r, '/bin/loop'), false);
    assert.equal(existsInRoot(r, '/bin/dir'), false);
    assert.equal(existsInRoot(r, '/bin/gone'), false);
    assert.equal(existsInRoot(r, '/bin/busybox/sh'), false);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});

test('enterPlanFor: a process (all namespaces, the shell looked up in its root), one type, a bind-mounted namespace file', () => {
  const paths = hostPaths();
  const roots: (string | undefined)[] = [];
  const choose = (root: string | undefined, sh: string | undefined) => (roots.push(root), { program: [sh ?? '/bin/sh'] });
  const all = enterPlanFor(paths, { pid: 42 }, '/bin/bash', choose);
  assert.deepEqual([all.target, all.all, all.namespaces, all.shell.program, all.root], [{ kind: 'pid', pid: 42 }, true, {}, ['/bin/bash'], true]);
  assert.equal(roots.pop(), '/proc/42/root');
  const net = enterPlanFor(paths, { pid: 42, types: ['net'] }, '/bin/bash', choose);
  assert.deepEqual([net.all, net.namespaces, net.root], [false, { net: true }, undefined]);
  assert.equal(roots.pop(), undefined, 'without the mount namespace the host shell runs');
  const file = enterPlanFor(paths, { file: '/run/netns/blue', types: ['net'] }, '/bin/bash', choose);
  assert.deepEqual([file.target, file.all, file.namespaces], [undefined, false, { net: '/run/netns/blue' }]);
  assert.match(file.what, /net namespace of \/run\/netns\/blue/);
});
