/**
 * The fidelity bugs of issue 10 (each against lsns where it agrees) and the HOLDERS column, live and scoped to what
 * each test creates: COMMAND keeps empty arguments and trailing spaces, -r encodes a newline in COMMAND as \x0a,
 * -t with -T owner keeps the ancestor user namespace, and HOLDERS names the fd, socket and bind-mount holders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { run, runNsx } from '../helpers/cli.js';
import { sweepNetns, testName } from '../helpers/live.js';
import { startMkfds, upstreamSkip } from '../upstream/support.js';

test('COMMAND keeps empty arguments and trailing spaces as lsns does (argv x "" "" and a padded init)', { skip: upstreamSkip({ mkfds: true, tools: ['lsns', 'unshare'] }) }, async () => {
  for (const [argv, want] of [
    [['x', '', ''], 'x  '],
    [['init', '', '', '', '', '', ''], 'init      '],
    [['a ', 'b\n'], 'a  b\n'],
  ] as const) {
    // alone in a new UTS namespace, so that the row's process is this one
    const h = await startMkfds(['argv', ...argv], ['unshare', '-u']);
    try {
      const args = ['-n', '-l', '-o', 'COMMAND', '-t', 'uts', '-p', String(h.pid)];
      const ours = runNsx(['ls', '-J', ...args]);
      assert.equal((JSON.parse(ours.stdout) as { namespaces: Array<{ command: string }> }).namespaces[0].command, want, JSON.stringify(argv));
      const lsns = run('lsns', ['-J', ...args]);
      // (this host's PID 1 is unreadable: nsx adds "incomplete": true, lsns says nothing)
      assert.deepEqual(JSON.parse(ours.stdout).namespaces, JSON.parse(lsns.stdout).namespaces, 'same rows as lsns');
      const argvJson = runNsx(['ls', '-J', '-l', '-o', 'ARGV', '-t', 'uts', '-p', String(h.pid)]);
      assert.deepEqual((JSON.parse(argvJson.stdout) as { namespaces: Array<{ argv: string[] }> }).namespaces[0].argv, argv, 'ARGV keeps the vector');
    } finally {
      await h.stop();
    }
  }
});

test('-r prints a newline inside COMMAND as \\x0a (lsns), not as a comma', { skip: upstreamSkip({ mkfds: true, tools: ['unshare'] }) }, async () => {
  const h = await startMkfds(['argv', 'x', 'a\nb'], ['unshare', '-u']);
  try {
    const r = runNsx(['ls', '-r', '-n', '-o', 'COMMAND', '-t', 'uts', '-p', String(h.pid)]);
    assert.equal(r.stdout, 'x\\x20a\\x0ab\n');
  } finally {
    await h.stop();
  }
});

test('-t net -T owner keeps the owning user namespace as an ancestor row (NPROCS 0) and draws the tree, as lsns', { skip: upstreamSkip({ tools: ['lsns'] }) }, () => {
  const flatUser = (out: string) => out.split('\n')[1];
  const ours = runNsx(['ls', '-q', '-t', 'net', '-Towner', '-o', 'NS,TYPE,NPROCS,PID']);
  const theirs = run('lsns', ['-t', 'net', '-Towner', '-o', 'NS,TYPE,NPROCS,PID']);
  assert.match(flatUser(ours.stdout), /^\d+ +user +0 *$/);
  assert.equal(flatUser(ours.stdout), flatUser(theirs.stdout), 'the same ancestor row');
  assert.match(ours.stdout.split('\n')[2], /^[├└]─\d+ +net /, 'the net namespaces hang below it (the column is as wide as the deepest row: other namespaces of the host may be nested deeper)');
});

test('HOLDERS names the fd holder, the socket holder and the bind mount (nsx ls -o NS,TYPE,NPROCS,HOLDERS)', { skip: upstreamSkip({ mkfds: true, tools: ['ip'] }) }, async () => {
  sweepNetns('hm', 'hf'); // names left by a killed run of this test
  const mounted = testName('hm').slice(0, 40);
  const fdOnly = testName('hf').slice(0, 40);
  assert.equal(run('ip', ['netns', 'add', mounted]).code, 0);
  assert.equal(run('ip', ['netns', 'add', fdOnly]).code, 0);
  const holders: Array<Awaited<ReturnType<typeof startMkfds>>> = [];
  try {
    const mountedIno = statSync(`/run/netns/${mounted}`).ino;
    const byFd = await startMkfds(['ro-regular-file', '5', `/run/netns/${fdOnly}`]);
    holders.push(byFd);
    run('ip', ['netns', 'delete', fdOnly]); // now held only by the fd
    const fdIno = statSync(`/proc/${byFd.pid}/fd/5`).ino;
    const bySock = await startMkfds(['foreign-sockets', '3', '4']);
    holders.push(bySock);
    const sockIno = Number(bySock.words[1]);

    const r = runNsx(['ls', '-q', '-o', 'NS,TYPE,NPROCS,HOLDERS', '-t', 'net', '-Q', `NS == ${mountedIno} or NS == ${fdIno} or NS == ${sockIno}`]);
    assert.equal(r.code, 0, r.stderr);
    const block = (ino: number) => {
      const lines = r.stdout.split('\n');
      const i = lines.findIndex((l) => l.trimStart().startsWith(`${ino} `));
      assert.ok(i >= 0, `${ino} listed:\n${r.stdout}`);
      const out = [lines[i]];
      for (let j = i + 1; j < lines.length && /^ +\S/.test(lines[j]) && !/^ *\d{6,} /.test(lines[j]); j++) out.push(lines[j]);
      return out.join('\n');
    };
    assert.match(block(mountedIno), new RegExp(`^ *${mountedIno} net +0 mount /run/netns/${mounted} \\(ip netns ${mounted}\\)$`));
    assert.match(block(fdIno), new RegExp(`^ *${fdIno} net +0 fd ${byFd.pid}:5$`));
    assert.match(block(sockIno), new RegExp(`^ *${sockIno} net +0 socket ${bySock.pid}:3,${bySock.pid}:4$`));

    const j = runNsx(['ls', '-q', '-J', '-o', 'NS,HOLDERS', '-t', 'net', '-Q', `NS == ${fdIno} or NS == ${sockIno} or NS == ${mountedIno}`]);
    const doc = JSON.parse(j.stdout) as { namespaces: Array<{ ns: number; holders: unknown[] }> };
    const h = new Map(doc.namespaces.map((n) => [n.ns, n.holders]));
    assert.deepEqual(h.get(fdIno), [{ kind: 'fd', pid: byFd.pid, fd: 5 }]);
    assert.deepEqual(h.get(sockIno), [
      { kind: 'socket', pid: bySock.pid, fd: 3 },
      { kind: 'socket', pid: bySock.pid, fd: 4 },
    ]);
    assert.deepEqual(h.get(mountedIno), [{ kind: 'mount', path: `/run/netns/${mounted}`, netns: mounted }]);
  } finally {
    for (const x of holders) await x.stop();
    run('ip', ['netns', 'delete', mounted]);
    run('ip', ['netns', 'delete', fdOnly]);
  }
});

test('an empty -o is refused (exit 1, as lsns), and a filter syntax error names the position', () => {
  const r = runNsx(['ls', '-o', '']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no output columns/);
  const f = runNsx(['ls', '-Q', 'NS == (1']);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /^nsx ls: failed to parse "NS == \(1": syntax error, unexpected end of expression, expecting '\)' .* at position 9\n$/);
});
