/**
 * Acceptance 6: `nsx enter -t PID -a` gives a usable interactive shell on a terminal (node-pty): commands
 * run in the target's namespaces, Ctrl-Z/fg work, Ctrl-C interrupts a `sleep` without killing the shell, the window size
 * is seen and follows a resize, and `exit 3` ends nsx with status 3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync, readlinkSync } from 'node:fs';
import { liveSkipReason, startProcess, testName, waitFor, childrenOf } from '../helpers/live.js';
import { NSX_BIN, stripAnsi } from '../helpers/cli.js';

type Pty = typeof import('node-pty');

/** Is there a `sleep` among the descendants of `pid` (nsx, whose shell runs it)? */
function hasSleepChild(pid: number): boolean {
  const stack = [...childrenOf(pid)];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep') return true;
    } catch {}
    stack.push(...childrenOf(p));
  }
  return false;
}
const skip = liveSkipReason({ tools: ['unshare'] });

test('acceptance 6: an interactive shell through a pty (job control, Ctrl-C, window size, exit status)', { skip, timeout: 60_000 }, async () => {
  const pty = createRequire(import.meta.url)('node-pty') as Pty;
  const name = testName('pty');
  const target = startProcess('unshare', ['--fork', '--pid', '--mount-proc', '--net', '--uts', '--mount', 'sh', '-c', `hostname ${name}; exec sleep 600`]);
  let pid = 0;
  let term: ReturnType<Pty['spawn']> | undefined;
  try {
    await waitFor(() => {
      pid = childrenOf(target.pid)[0] ?? 0;
      try {
        return pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
      } catch {
        return false;
      }
    }, 10_000, 'the target');
    term = pty.spawn(process.execPath, [NSX_BIN, 'enter', '-t', String(pid), '-a'], {
      name: 'xterm',
      cols: 100,
      rows: 30,
      cwd: '/',
      env: { ...process.env, SHELL: '/bin/sh', PS1: 'nsx-pty$ ', ENV: '' },
    });
    let screen = '';
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((res) => term!.onExit((e) => res(e.exitCode)));
    const t = term;
    /** Send a line and wait for `expect` to appear in what follows. */
    const send = async (line: string, expect: RegExp, what: string) => {
      const from = screen.length;
      t.write(line);
      await waitFor(() => expect.test(stripAnsi(screen.slice(from))), 15_000, `${what} (screen: ${JSON.stringify(stripAnsi(screen.slice(-400)))})`);
    };
    await send('echo "host=$(hostname) net=$(readlink /proc/self/ns/net)"\r', new RegExp(`host=${name} net=net:\\[\\d+\\]`), 'a command in the target');
    const seen = /net=(net:\[\d+\])/.exec(stripAnsi(screen))![1];
    assert.equal(seen, readlinkSync(`/proc/${pid}/ns/net`));
    await send('stty size\r', /30 100/, 'the window size');
    t.resize(120, 40);
    await send('stty size\r', /40 120/, 'the window size after a resize');
    // Ctrl-C interrupts the foreground job, not the shell
    t.write('sleep 30\r');
    await waitFor(() => hasSleepChild(t.pid), 15_000, 'the sleep to start');
    // job control: Ctrl-Z stops it, fg resumes it in the foreground
    await send('\x1a', /Stopped/, 'Ctrl-Z to stop the sleep');
    await send('fg\r', /sleep 30/, 'fg to resume it');
    t.write('\x03');
    await send('echo after-sleep-$?\r', /after-sleep-130/, 'Ctrl-C ended the sleep and the shell survived');
    t.write('exit 3\r');
    assert.equal(await exited, 3);
    term = undefined;
  } finally {
    term?.kill('SIGKILL');
    await target.stop();
  }
});
