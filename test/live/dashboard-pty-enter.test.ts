/**
 * Live (root), in a real pseudo-terminal: the dashboard's `e` where a naive `$SHELL` would fail.
 * - A busybox "container" (its own pid, mount and uts namespaces, its root a directory holding only a static
 *   busybox: no bash, no /bin/sh): with SHELL=/bin/bash, `e` runs busybox's sh in the target's root, the shell
 *   answers, and the dashboard comes back saying which shell ran.
 * - A network namespace held only by a bind mount (`ip netns add`, no process in it): `e` on it in the
 *   Namespaces view enters through that file (the shell sees the namespace's inode).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor, childrenOf, hasTool, killTree } from '../helpers/live.js';
import { NSX_BIN, stripAnsi } from '../helpers/cli.js';
import { REPO } from '../helpers/host.js';

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));

/** A dashboard in a pty with helpers to wait for text (from the last match on) and to type. */
async function dashboard(env: Record<string, string>) {
  const pty = (await import('node-pty')).default;
  const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: 'true', ...env };
  const term = pty.spawn(process.execPath, [NSX_BIN], { name: 'xterm-256color', cols: 160, rows: 40, cwd: REPO, env: e as Record<string, string> });
  let out = '';
  let exit: { exitCode: number } | undefined;
  term.onData((d) => (out += d));
  term.onExit((x) => (exit = x));
  let mark = 0;
  const screen = () => stripAnsi(out);
  return {
    term,
    async expect(re: RegExp, what: string, ms = 60000) {
      try {
        await waitFor(() => re.test(screen().slice(mark)), ms, what);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- screen since the last step ---\n${screen().slice(mark).slice(-3000)}`);
      }
      const m = re.exec(screen().slice(mark))!;
      mark += m.index + m[0].length;
    },
    async type(s: string) {
      term.write(s);
      await new Promise((r) => setTimeout(r, 300));
    },
    async quit() {
      term.write('q');
      await waitFor(() => exit !== undefined, 20000, 'nsx to exit');
      return exit!.exitCode;
    },
    kill() {
      if (exit === undefined) killTree(term.pid);
    },
  };
}

test('live pty: e on a busybox container without bash or /bin/sh runs busybox sh in its root and comes back', { skip: liveSkipReason({ tools: ['unshare'] }) || (!BUSYBOX && 'live test: no busybox (busybox-static) on this host'), timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), `${testName('dash-bb')}-`));
  mkdirSync(join(root, 'bin'));
  copyFileSync(BUSYBOX!, join(root, 'bin/busybox'));
  const proc = startProcess('unshare', ['--fork', '--pid', '--mount', '--uts', `--root=${root}`, '/bin/busybox', 'sleep', '300']);
  let d: Awaited<ReturnType<typeof dashboard>> | undefined;
  try {
    await waitFor(() => childrenOf(proc.pid).length > 0, 5000, 'the unshared child');
    const pid = childrenOf(proc.pid)[0];
    await waitFor(() => readlinkSync(`/proc/${pid}/root`) === root, 5000, 'the child in its root');
    d = await dashboard({ SHELL: '/bin/bash' });
    await d.expect(/1 Cgroups {2}2 Namespaces {2}3 Processes/, 'the dashboard', 120000);
    await d.expect(/processes: \d+/, 'the first process sample');
    await d.type(`3/${pid}\r`); // one read: the view, the search and Enter
    await d.expect(new RegExp(`\\b${pid}\\b.*sleep 300`), 'the busybox process found');
    await d.type('e');
    await d.expect(new RegExp(`entering PID ${pid} \\(all namespaces\\) \\(/bin/bash is not in the target: running /bin/busybox sh\\)`), 'the enter notice names the fallback');
    await new Promise((r) => setTimeout(r, 500));
    await d.type('echo inside-$((6*7)) $(/bin/busybox ls /); exit\r');
    await d.expect(/inside-42 bin\b/, 'busybox sh ran in the target\'s root (only bin/ there)');
    await d.expect(new RegExp(`shell in PID ${pid} \\(all namespaces\\) exited with status 0 \\(/bin/bash is not in the target: running /bin/busybox sh\\)`), 'back in the dashboard, the status line says so');
    assert.equal(await d.quit(), 0);
  } finally {
    d?.kill();
    await proc.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('live pty: e on a network namespace held only by a bind mount enters through that file', { skip: liveSkipReason({ tools: ['ip'] }) || (!hasTool('ip') && 'live test: no ip'), timeout: 180_000 }, async () => {
  const name = testName('dash-netns');
  execFileSync('ip', ['netns', 'add', name]);
  let d: Awaited<ReturnType<typeof dashboard>> | undefined;
  try {
    const ino = statSync(`/run/netns/${name}`).ino;
    d = await dashboard({ SHELL: '/bin/sh' });
    await d.expect(/1 Cgroups {2}2 Namespaces {2}3 Processes/, 'the dashboard', 120000);
    await d.expect(/processes: \d+/, 'the first process sample');
    await d.type(`2/${name}\r`);
    await d.expect(new RegExp(`${ino}\\s+net\\s+0\\s.*/run/netns/${name}`), 'the namespace, no process in it');
    await d.type('e');
    await d.expect(new RegExp(`entering net namespace of /run/netns/${name}`), 'the enter notice');
    await new Promise((r) => setTimeout(r, 500));
    await d.type('readlink /proc/self/ns/net; exit\r');
    await d.expect(new RegExp(`net:\\[${ino}\\]`), 'the shell ran in that namespace');
    await d.expect(/exited with status 0/, 'back in the dashboard');
    assert.equal(await d.quit(), 0);
  } finally {
    d?.kill();
    execFileSync('ip', ['netns', 'delete', name]);
  }
});
