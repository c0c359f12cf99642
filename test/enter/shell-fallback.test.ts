/**
 * Beyond nsenter: `nsx enter -t PID -a` with no program, on a target whose root has no `$SHELL` (a busybox image),
 * runs the target's /bin/sh as a login shell with a one-line notice — the dashboard's choice of shell
 * (src/tui/dashboard/enter-shell.ts), reused. nsenter fails there (`failed to execute /bin/bash`, 127). The target:
 * a process pivoted into a directory holding only a static busybox (its own mount and pid namespaces).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NSX_BIN } from '../helpers/cli.js';
import { childrenOf, hasTool, liveSkipReason, startProcess, waitFor, type Started } from '../helpers/live.js';

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => spawnSync('sh', ['-c', `file -L ${p} 2>/dev/null | grep -q 'statically linked'`]).status === 0);
const skip = liveSkipReason({ tools: ['unshare', 'file'] }) || (BUSYBOX ? false : 'no static busybox (busybox-static)') || (hasTool('nsenter') ? false : 'no nsenter');

describe('nsx enter -a without a program: the target\'s /bin/sh when it has no $SHELL', { skip }, () => {
  let dir = '';
  let target: Started | undefined;
  let pid = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `nsx-test-busybox-${process.pid}-`));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'old'));
    copyFileSync(BUSYBOX!, join(dir, 'bin', 'busybox'));
    for (const applet of ['sh', 'sleep', 'umount']) symlinkSync('busybox', join(dir, 'bin', applet));
    // a root of its own: pivot_root into the directory in new mount and pid namespaces, the host's root detached
    const script = `mount --make-rprivate / && mount --bind "$1" "$1" && cd "$1" && pivot_root . old && exec /bin/busybox sh -c 'umount -l /old; exec sleep 600'`;
    target = startProcess('unshare', ['--mount', '--pid', '--fork', 'sh', '-c', script, 'sh', dir]);
    await waitFor(() => {
      pid = childrenOf(target!.pid)[0] ?? 0;
      return pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
    }, 10_000, 'the busybox target');
  });
  after(async () => {
    await target?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const enter = (cmd: string[], env: NodeJS.ProcessEnv) => spawnSync(cmd[0], cmd.slice(1), { input: 'echo "$0"; ls /bin\n', encoding: 'utf8', env, timeout: 30_000 });

  test('SHELL=/bin/bash: /bin/sh of the target as a login shell, with a one-line notice; nsenter fails', () => {
    const env = { ...process.env, SHELL: '/bin/bash', PATH: '/bin:/usr/bin' };
    const ours = enter([NSX_BIN, 'enter', '-t', String(pid), '-a'], env);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stderr, 'nsx enter: /bin/bash is not in the target: running /bin/sh\n');
    assert.equal(ours.stdout, '-sh\nbusybox\nsh\nsleep\numount\n', 'a login shell, in the busybox root');
    const theirs = enter(['nsenter', '-t', String(pid), '-a'], env);
    assert.equal(theirs.status, 127);
    // the plan says so
    const plan = JSON.parse(spawnSync(process.execPath, [NSX_BIN, 'enter', '-t', String(pid), '-a', '--dry-run', '--json'], { env, encoding: 'utf8' }).stdout) as { program: null; shell: object };
    assert.equal(plan.program, null);
    assert.deepEqual(plan.shell, { path: '/bin/sh', argv0: '-sh', note: '/bin/bash is not in the target: running /bin/sh' });
  });

  test('$SHELL present in the target (or a program given): no notice, nothing changed', () => {
    const env = { ...process.env, SHELL: '/bin/sh', PATH: '/bin:/usr/bin' };
    const ours = enter([NSX_BIN, 'enter', '-t', String(pid), '-a'], env);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stderr, '');
    assert.equal(ours.stdout, '-sh\nbusybox\nsh\nsleep\numount\n');
    const prog = spawnSync(NSX_BIN, ['enter', '-t', String(pid), '-a', 'sh', '-c', 'echo ok'], { env: { ...env, SHELL: '/bin/bash' }, encoding: 'utf8' });
    assert.equal(prog.stdout, 'ok\n');
    assert.equal(prog.stderr, '');
  });
});
