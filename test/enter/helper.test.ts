/** The C helper on its own (no root needed): its argument checks and its namespace-type check before joining. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';
import { helperPath } from '../../native-bindings/enter.js';

const helper = helperPath();
const skip = helper ? false : 'the helper is not built (node native-bindings/build.mjs)';

/** Run the helper with `fds` as its descriptors 3, 4, … */
function runHelper(args: string[], fds: number[] = []) {
  // a fixed PATH: execvp reports EACCES (126) rather than ENOENT (127) when an unreadable directory is on PATH,
  // as root's /root/... entries are for an unprivileged run
  const env = { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin' };
  const r = spawnSync(helper!, args, { stdio: ['ignore', 'pipe', 'pipe', ...fds], encoding: 'utf8', env });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

test('helper: every descriptor is checked with NS_GET_NSTYPE before anything is joined', { skip }, () => {
  const passwd = openSync('/etc/passwd', 'r');
  const uts = openSync('/proc/self/ns/uts', 'r');
  try {
    const a = runHelper(['--ns-file', 'net:3:/etc/passwd', '--', 'true'], [passwd]);
    assert.equal(a.code, 1);
    assert.equal(a.stderr, 'nsx enter: net namespace: /etc/passwd: not a namespace file\n');
    const b = runHelper(['--ns-file', 'net:3:/proc/self/ns/uts', '--', 'true'], [uts]);
    assert.equal(b.code, 1);
    assert.equal(b.stderr, 'nsx enter: net namespace: /proc/self/ns/uts is a uts namespace file\n');
  } finally {
    closeSync(passwd);
    closeSync(uts);
  }
});

test('helper: exit statuses of the program, its signal re-raised, 127/126 for exec failures, 2 for a bad internal argv', { skip }, () => {
  assert.equal(runHelper(['--', 'sh', '-c', 'exit 7']).code, 7);
  // a program killed by a signal kills the helper by the same signal, as nsenter does (WIFSIGNALED for the caller)
  const killed = runHelper(['--fork', '--', 'sh', '-c', 'kill -TERM $$']);
  assert.equal(killed.code, null);
  assert.equal(killed.signal, 'SIGTERM');
  const missing = runHelper(['--', 'nsx-test-no-such-program']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /^nsx enter: failed to execute nsx-test-no-such-program: No such file or directory\n$/);
  assert.equal(runHelper(['--', '/etc/passwd']).code, 126);
  assert.equal(runHelper(['--bogus']).code, 2);
  assert.equal(runHelper(['--pid', 'x']).code, 2);
  assert.equal(runHelper(['--ns', 'nope:3', '--', 'true']).code, 2);
});

test('helper: a target PID that does not exist is refused before anything is joined', { skip }, () => {
  const r = runHelper(['--pid', '999999999', '--', 'true']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^nsx enter: target PID 999999999: exited before its namespaces were joined\n$/);
});

test('without the exec addon (the helper run as a child), a program\'s signal death is raised again on nsx, as nsenter', { skip }, () => {
  // a copy of the launcher, the bundle and the helper, without build/nsx-exec.node next to them
  const dir = mkdtempSync(join(tmpdir(), `nsx-test-noexec-${process.pid}-`));
  try {
    cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(REPO, 'dist', 'bundle'), join(dir, 'dist', 'bundle'), { recursive: true });
    mkdirSync(join(dir, 'native-bindings', 'build'), { recursive: true });
    copyFileSync(helper!, join(dir, 'native-bindings', 'build', 'nsx-enter'));
    chmodSync(join(dir, 'native-bindings', 'build', 'nsx-enter'), 0o755);
    const nsx = (args: string[]) => spawnSync(process.execPath, [join(dir, 'bin', 'nsx'), 'enter', ...args], { encoding: 'utf8' });
    // -w alone: work of its own (no namespace to join), so this runs unprivileged too
    const killed = nsx(['-t', String(process.pid), '-w', 'sh', '-c', 'kill -TERM $$']);
    assert.equal(killed.signal, 'SIGTERM', `${killed.status} ${killed.stderr}`);
    assert.equal(nsx(['-t', String(process.pid), '-w', 'sh', '-c', 'exit 7']).status, 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
