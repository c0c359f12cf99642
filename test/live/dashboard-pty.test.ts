/**
 * Live (root), in a real pseudo-terminal (node-pty): `node bin/nsx` opens the dashboard; the test finds its own
 * `nsx-test-*` cgroup, drills cgroup → process → its namespaces, presses `e` on the net namespace, runs
 * `echo inside; exit` in the spawned shell, comes back to the dashboard, quits with q, and checks that the
 * terminal was restored (alternate screen left, cursor shown) and the exit status is 0. Also: without a terminal
 * `nsx` prints the summary and the usage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor, childrenOf, killTree } from '../helpers/live.js';
import { NSX_BIN, runNsx, stripAnsi } from '../helpers/cli.js';
import { REPO } from '../helpers/host.js';

/** Where the test cgroup goes: the v1 cpu hierarchy, or the cgroup2 tree on a pure v2 host. */
const CG_BASE = existsSync('/sys/fs/cgroup/cpu/cgroup.procs') ? '/sys/fs/cgroup/cpu' : existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : undefined;

test('live: nsx without a terminal prints the summary and the usage, exit 0', { skip: liveSkipReason() }, () => {
  const r = runNsx([]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^cgroups: +(hybrid|unified|legacy)/m);
  assert.match(r.stdout, /^namespaces: +\d+ \(.*net \d+/m);
  assert.match(r.stdout, /^processes: +\d+/m);
  assert.match(r.stdout, /Usage: nsx /);
});

test('live pty: dashboard → cgroup → process → namespace → e → shell → back → q', { timeout: 240_000, skip: liveSkipReason({ tools: ['unshare'] }) || (!CG_BASE && 'live test: no cgroup hierarchy to create a test cgroup in') }, async () => {
  const pty = (await import('node-pty')).default;
  const name = testName('dash');
  const dir = join(CG_BASE ?? '/nonexistent', name);
  const proc = startProcess('unshare', ['--fork', '--pid', '--mount-proc', '--net', '--uts', 'sleep', '300']);
  let term: ReturnType<typeof pty.spawn> | undefined;
  let exit: { exitCode: number } | undefined;
  try {
    mkdirSync(dir);
    await waitFor(() => childrenOf(proc.pid).length > 0, 5000, 'the unshared child');
    const pid = childrenOf(proc.pid)[0];
    await waitFor(() => readlinkSync(`/proc/${pid}/ns/pid`) !== readlinkSync(`/proc/${proc.pid}/ns/pid`), 5000, 'exec in the new pid ns');
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    const netns = readlinkSync(`/proc/${pid}/ns/net`).replace(/\D/g, '');

    let out = '';
    term = pty.spawn(process.execPath, [NSX_BIN], { name: 'xterm-256color', cols: 140, rows: 40, cwd: REPO, env: { ...process.env, SHELL: '/nonexistent/nsx-test-shell', NO_COLOR: '1', CI: 'true' /* must not stop Ink drawing on a terminal */ } });
    term.onData((d) => (out += d));
    term.onExit((e) => (exit = e));
    const screen = () => stripAnsi(out);
    let mark = 0;
    const expect = async (re: RegExp, what: string, ms = 30000) => {
      try {
        await waitFor(() => re.test(screen().slice(mark)), ms, what);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- screen since the last step ---\n${screen().slice(mark).slice(-3000)}`);
      }
      // continue right after the match: what follows it in the same chunk belongs to the next steps
      const m = re.exec(screen().slice(mark))!;
      mark += m.index + m[0].length;
    };
    const type = async (s: string) => {
      term!.write(s);
      await new Promise((r) => setTimeout(r, 300));
    };

    await expect(/1 Cgroups {2}2 Namespaces {2}3 Processes/, 'the dashboard', 90000); // slow under emulation (test:v2)
    await expect(/processes: \d+/, 'the first process sample');
    await type(`/${name}`); // one read: the search key and its text (a paste, typing over ssh)
    await expect(new RegExp(`/${name}▏`), 'the search being typed');
    await type('\r');
    await expect(new RegExp(`/${name}[ \\t]*(\\r?\\n|$)`), 'the search kept (no cursor after it)');
    await type('\r'); // cgroup → its processes
    await expect(new RegExp(`Cgroups › /${name}`), 'the cgroup breadcrumb');
    await expect(new RegExp(`\\b${pid}\\b.*sleep 300`), 'the process in its cgroup');
    await type('\r'); // → the process
    await expect(new RegExp(`PID ${pid} +sleep 300`), 'the process detail');
    await type('\r'); // → its namespaces
    await expect(/› namespaces/, 'its namespaces');
    await type('\x1b[B'); // mnt → net
    await type('e');
    await expect(new RegExp(`entering PID ${pid} \\(net\\) \\(/nonexistent/nsx-test-shell is not on the host: running /bin/sh\\)`), 'the enter notice (a missing $SHELL falls back to /bin/sh)');
    await new Promise((r) => setTimeout(r, 500));
    await type('readlink /proc/self/ns/net; echo inside; exit\r');
    await expect(new RegExp(`net:\\[${netns}\\][\\s\\S]*inside`), 'the shell ran in the namespace');
    await expect(/shell in PID \d+ \(net\) exited with status 0/, 'back in the dashboard');
    await expect(/1 Cgroups {2}2 Namespaces {2}3 Processes/, 'the dashboard again');
    await type('q');
    await waitFor(() => exit !== undefined, 10000, 'nsx to exit');
    assert.equal(exit!.exitCode, 0);
    const tail = out.slice(out.lastIndexOf('\x1b[?1049h'));
    assert.ok(tail.includes('\x1b[?1049l'), 'left the alternate screen');
    assert.ok(tail.lastIndexOf('\x1b[?25h') > tail.lastIndexOf('\x1b[?25l'), 'cursor shown again');
  } finally {
    if (term?.pid && exit === undefined) killTree(term.pid);
    await proc.stop();
    for (let i = 0; i < 50 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
});
