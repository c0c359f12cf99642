/**
 * util-linux's own lsns tests (tests/ts/lsns/*, util-linux master of 2026-08) and the lsns(8) examples, ported as
 * an oracle suite: each case builds the upstream scenario, runs `nsx ls` the way the upstream script runs lsns,
 * and compares with the machine's lsns where its version has the feature, else with the upstream expected output
 * (tests/expected/lsns/*). Every comparison is scoped to what the case created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runNsx } from '../helpers/cli.js';
import { hasTool, startProcess, waitFor, childrenOf, testName } from '../helpers/live.js';
import { nsInode, startMkfds, upstreamSkip, utilLinuxAtLeast } from './support.js';

const ls = (args: string[]) => runNsx(['ls', ...args]);

// tests/ts/lsns/filedesc: a netns reachable only through an open fd → "net 0 root"
test('upstream lsns/filedesc: a namespace held only by an fd (expected: net 0 root)', { skip: upstreamSkip({ tools: ['ip'], mkfds: true }) }, async () => {
  const ns = testName('fd').slice(0, 40);
  assert.equal(run('ip', ['netns', 'add', ns]).code, 0);
  const h = await startMkfds(['ro-regular-file', '4', `/run/netns/${ns}`]).catch(async (e) => (run('ip', ['netns', 'delete', ns]), Promise.reject(e)));
  try {
    run('ip', ['netns', 'delete', ns]); // invisible from the file system tree now
    const ino = statSync(`/proc/${h.pid}/fd/4`).ino; // as lsfd -o INODE reports it
    const r = ls(['--noheadings', '--raw', '--output', 'TYPE,NPROCS,USER', '-Q', `NS == ${ino}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'net 0 root\n');
  } finally {
    await h.stop();
    run('ip', ['netns', 'delete', ns]);
  }
});

// tests/ts/lsns/filter: -Q and --filter pick the user namespace of the mkfds process by NS and NPROCS
for (const opt of ['-Q', '--filter']) {
  test(`upstream lsns/filter: ${opt} (expected: "${opt}: pid == PID")`, { skip: upstreamSkip({ mkfds: true }) }, async () => {
    const h = await startMkfds(['--comm', 'ABC', 'userns', '4']);
    try {
      const inode = nsInode(h.pid, 'user');
      const r = ls(['-n', '--raw', '-o', 'PID', opt, `NS == ${inode} && NPROCS == 1`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(`${opt}: ${r.stdout.trim() === String(h.pid) ? 'pid == PID' : 'pid != PID'}`, `${opt}: pid == PID`);
    } finally {
      await h.stop();
    }
  });
}

// tests/ts/lsns/ioctl_ns: NS,PNS,ONS of a child user namespace and of a child pid namespace
test('upstream lsns/ioctl_ns: ownership and hierarchy (and the same with lsns)', { skip: upstreamSkip({ tools: ['unshare'] }) }, async () => {
  const p = startProcess('unshare', ['--user', '--pid', '--mount-proc', '--fork', 'sleep', '300']);
  try {
    let leaf = 0;
    await waitFor(() => ((leaf = childrenOf(p.pid)[0] ?? 0), leaf !== 0 && nsInode(leaf, 'pid') !== nsInode('self', 'pid')), 5000, 'unshare child');
    const [myUser, myPid, childUser, childPid] = [nsInode('self', 'user'), nsInode('self', 'pid'), nsInode(leaf, 'user'), nsInode(leaf, 'pid')];
    const uniq = (s: string) => [...new Set(s.trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' ')))].join('\n');
    const user = ls(['--type', 'user', '--noheadings', '--output', 'NS,PNS,ONS', String(childUser)]);
    assert.equal(uniq(user.stdout), `${childUser} ${myUser} ${myUser}`);
    const pid = ls(['-t', 'pid', '-n', '-o', 'NS,PNS,ONS', String(childPid)]);
    assert.equal(uniq(pid.stdout), `${childPid} ${myPid} ${childUser}`);
    if (utilLinuxAtLeast('lsns', 2, 38)) {
      assert.equal(user.stdout, run('lsns', ['--type', 'user', '--noheadings', '--output', 'NS,PNS,ONS', String(childUser)]).stdout);
      assert.equal(pid.stdout, run('lsns', ['-t', 'pid', '-n', '-o', 'NS,PNS,ONS', String(childPid)]).stdout);
    }
  } finally {
    await p.stop();
  }
});

// tests/ts/lsns/netns-from-sock: a netns held only by sockets, found through SIOCGSKNS; one subtest per column
const SOCK_EXPECT: Record<string, (netns: number) => string> = {
  COMMAND: () => '',
  NPROCS: () => '0',
  NS: (n) => String(n),
  PID: () => '',
  TYPE: () => 'net',
  USER: () => 'root',
};
for (const [column, expected] of Object.entries(SOCK_EXPECT)) {
  test(`upstream lsns/netns-from-sock: ${column} (expected: "${column} == 0")`, { skip: upstreamSkip({ mkfds: true }) }, async () => {
    const h = await startMkfds(['foreign-sockets', '3', '4']);
    try {
      const netns = Number(h.words[1]);
      const r = ls(['--noheadings', '--raw', '--output', column, '--filter', `NS == ${netns}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.replace(/\n$/, ''), expected(netns));
    } finally {
      await h.stop();
    }
  });
}

// tests/ts/lsns/netnsid: NETNSID of a netns with a veth peer equals what `ip link` reports
test('upstream lsns/netnsid: NETNSID agrees with ip-link (and with lsns)', { skip: upstreamSkip({ tools: ['ip'] }) }, async (t) => {
  const ns = testName('id').slice(0, 40);
  const vetha = `nsxa${process.pid % 100000}`;
  const vethb = `nsxb${process.pid % 100000}`;
  assert.equal(run('ip', ['netns', 'add', ns]).code, 0);
  let p: ReturnType<typeof startProcess> | undefined;
  try {
    if (run('ip', ['link', 'add', 'name', vetha, 'type', 'veth', 'peer', 'name', vethb]).code !== 0) {
      t.skip('the kernel refused a veth pair (no veth support): upstream skips with "failed to initialize"');
      return;
    }
    assert.equal(run('ip', ['link', 'set', vethb, 'netns', ns]).code, 0);
    p = startProcess('ip', ['netns', 'exec', ns, 'sleep', '300']);
    const pid = p.pid;
    await waitFor(() => nsInode(pid, 'net') !== nsInode('self', 'net'), 5000, 'netns exec');
    let ipId = /link-netnsid *(\d+)/.exec(run('ip', ['-o', 'link', 'show', 'dev', vetha]).stdout)?.[1] ?? '';
    if (!ipId) ipId = new RegExp(`nsid (\\d+) .*name: ${ns}`).exec(run('ip', ['netns', 'list-id']).stdout)?.[1] ?? '';
    const r = ls(['-n', '-o', 'NETNSID', '--type', 'net', '--task', String(pid)]);
    assert.equal(r.stdout.split('\n')[0].trim(), ipId);
    assert.equal(r.stdout, run('lsns', ['-n', '-o', 'NETNSID', '--type', 'net', '--task', String(pid)]).stdout);
  } finally {
    await p?.stop();
    run('ip', ['link', 'delete', vetha]);
    run('ip', ['netns', 'delete', ns]);
  }
});

// tests/ts/lsns/netnsid-for-persistent-namespaces: --filter "NETNSID == 'N'" finds a netns no process is in
for (const column of ['NETNSID', 'TYPE', 'NSFS']) {
  test(`upstream lsns/netnsid-for-persistent-namespaces-${column} (expected: OK)`, { skip: upstreamSkip({ tools: ['ip'] }) }, (t) => {
    const id = String(10000 + (process.pid % 50000));
    const ns = `${testName('pn').slice(0, 30)}-${column}`;
    assert.equal(run('ip', ['netns', 'add', ns]).code, 0);
    try {
      if (run('ip', ['netns', 'set', ns, id]).code !== 0) {
        t.skip('ip netns set failed (no netns ids): upstream skips with "failed to initialize"');
        return;
      }
      const r = ls(['--raw', '--noheadings', '--filter', `NETNSID == '${id}'`, '--output', column]);
      assert.equal(r.code, 0, r.stderr);
      const o = r.stdout.replace(/\n$/, '');
      const ok = column === 'NETNSID' ? o === id : column === 'TYPE' ? o === 'net' : o.replace(/.*\//, '') === ns;
      assert.equal(ok ? 'OK' : `ERROR ${o}`, 'OK');
    } finally {
      run('ip', ['netns', 'delete', ns]);
    }
  });
}

// tests/ts/lsns/nsfs: both bind mounts of a netns in NSFS, multi-line and with --nowrap (and the same with lsns)
test('upstream lsns/nsfs: NSFS for ip-netns-add and a second bind mount (and lsns)', { skip: upstreamSkip({ tools: ['ip', 'mount', 'umount'] }) }, async () => {
  const name = testName('nsfs').slice(0, 40);
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-nsfs-'));
  const path1 = `/run/netns/${name}`;
  const path2 = join(dir, 'XYZ');
  let p: ReturnType<typeof startProcess> | undefined;
  assert.equal(run('ip', ['netns', 'add', name]).code, 0);
  try {
    writeFileSync(path2, '');
    assert.equal(run('mount', ['-o', 'bind', path1, path2]).code, 0);
    p = startProcess('ip', ['netns', 'exec', name, 'sleep', '300']);
    const pid = p.pid;
    await waitFor(() => nsInode(pid, 'net') !== nsInode('self', 'net'), 5000, 'netns exec');
    const multi = ls(['-n', '-o', 'NSFS', '--type', 'net', '--task', String(pid)]).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    const one = ls(['-n', '-o', 'NSFS', '--nowrap', '--type', 'net', '--task', String(pid)]).stdout.trim().split(',');
    for (const set of [multi, one]) assert.ok(set.includes(path1) && set.includes(path2), JSON.stringify(set));
    for (const extra of [[], ['--nowrap']])
      assert.equal(ls(['-n', '-o', 'NSFS', ...extra, '--type', 'net', '--task', String(pid)]).stdout, run('lsns', ['-n', '-o', 'NSFS', ...extra, '--type', 'net', '--task', String(pid)]).stdout);
  } finally {
    await p?.stop();
    run('umount', [path2]);
    rmSync(dir, { recursive: true, force: true });
    run('ip', ['netns', 'delete', name]);
  }
});

// lsns(8), --filter: "exclude root as username, but print every namespaces more than one process belongs to"
test('lsns(8) example: --filter \'USER != "root" and NPROCS > 1\'', { skip: upstreamSkip({ tools: ['unshare', 'setpriv'] }) }, async () => {
  // two processes of nobody in one new user namespace, and one of nobody alone in another
  const two = startProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-U', 'sh', '-c', 'sleep 300 & sleep 300; wait']);
  const one = startProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-U', 'sleep', '300']);
  try {
    await waitFor(() => childrenOf(two.pid).length >= 2 && nsInode(one.pid, 'user') !== nsInode('self', 'user'), 5000, 'nobody processes');
    const twoNs = nsInode(two.pid, 'user');
    const oneNs = nsInode(one.pid, 'user');
    const r = ls(['-n', '-r', '-o', 'NS,USER,NPROCS', '--filter', 'USER != "root" and NPROCS > 1']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(' '));
    assert.ok(rows.some(([ns, user, n]) => Number(ns) === twoNs && user === 'nobody' && Number(n) === 3), r.stdout);
    assert.ok(!rows.some(([ns]) => Number(ns) === oneNs), 'one process only: filtered out');
    assert.ok(rows.every(([, user, n]) => user !== 'root' && Number(n) > 1), 'every row matches the expression');
  } finally {
    await two.stop();
    await one.stop();
  }
});

// lsns(8), --output: "lsns -o +PATH" (the default columns plus PATH), compared with lsns for the case's own process
test('lsns(8) example: -o +PATH, same as lsns for the namespaces of a new process', { skip: upstreamSkip({ tools: ['unshare', 'lsns'] }) }, async () => {
  const p = startProcess('unshare', ['--uts', '--ipc', 'sleep', '300']);
  try {
    await waitFor(() => nsInode(p.pid, 'uts') !== nsInode('self', 'uts'), 5000, 'unshare');
    const args = ['-o', '+PATH', '-p', String(p.pid), '-t', 'uts', '-t', 'ipc'];
    assert.equal(ls(args).stdout, run('lsns', args).stdout);
  } finally {
    await p.stop();
  }
});

// lsns(8) DESCRIPTION: "The NSFS column, printed when net is specified for the --type option, … Use --nowrap to
// switch to ","-separated single-line representation"
test('lsns(8): -t net adds NETNSID and NSFS to the default columns (same header as lsns)', { skip: upstreamSkip({ tools: ['lsns'] }) }, () => {
  // (the names only: widths follow whatever else the host holds at that moment)
  const header = (out: string) => out.split('\n')[0].trim().split(/\s+/);
  assert.deepEqual(header(ls(['-q', '-t', 'net']).stdout), ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'NETNSID', 'NSFS', 'COMMAND']);
  assert.deepEqual(header(ls(['-q', '-t', 'net']).stdout), header(run('lsns', ['-t', 'net']).stdout));
});

// lsns(8) --persistent: "namespaces without processes … created by bind mounting /proc/pid/ns/type files"
test('lsns(8) --persistent: a bind-mounted netns without processes, and nothing that has processes', { skip: upstreamSkip({ tools: ['ip'] }) }, () => {
  const ns = testName('p').slice(0, 40);
  assert.equal(run('ip', ['netns', 'add', ns]).code, 0);
  try {
    const ino = statSync(`/run/netns/${ns}`).ino;
    const r = ls(['-q', '-P', '-l', '-n', '-r', '-o', 'NS,NPROCS,NSFS']);
    assert.ok(r.stdout.split('\n').includes(`${ino} 0 /run/netns/${ns}`), r.stdout);
    assert.ok(r.stdout.trim().split('\n').every((l) => l.split(' ')[1] === '0'));
  } finally {
    run('ip', ['netns', 'delete', ns]);
  }
});

// lsns(8) --tree: "owner is used as default when rel is omitted"
test('lsns(8) --tree without rel is --tree=owner', { skip: upstreamSkip({ tools: ['unshare'] }) }, async () => {
  const p = startProcess('unshare', ['--user', '--map-root-user', '--uts', 'sleep', '300']);
  try {
    await waitFor(() => nsInode(p.pid, 'uts') !== nsInode('self', 'uts'), 5000, 'unshare');
    const a = ls(['-q', '--tree', '-o', 'NS,TYPE,ONS', '-J']);
    const b = ls(['-q', '--tree=owner', '-o', 'NS,TYPE,ONS', '-J']);
    const pick = (out: string) => JSON.stringify(JSON.parse(out).namespaces.flatMap(function walk(r: { ns: number; children?: unknown[] }): unknown[] {
      return r.ns === nsInode(p.pid, 'user') ? [r] : (r.children ?? []).flatMap((c) => walk(c as { ns: number }));
    }));
    assert.equal(pick(a.stdout), pick(b.stdout));
    assert.match(pick(a.stdout), new RegExp(`"ns":${nsInode(p.pid, 'uts')}`), 'the uts namespace hangs under its owner');
  } finally {
    await p.stop();
  }
});

// lsns(8) EXIT STATUS: "0 Success. 1 General error. 2 An ioctl was unknown to the kernel." — usage errors, unknown
// columns, types and tree kinds and bad arguments are general errors (errtryhelp(EXIT_FAILURE), errx(EXIT_FAILURE,
// …)): the same status as the machine's lsns for each form both have
test('lsns(8) EXIT STATUS: usage errors and bad arguments exit 1, as the machine\'s lsns', { skip: hasTool('lsns') ? false : 'no lsns' }, () => {
  for (const args of [
    ['--bogus'],
    ['-t', 'bogus'],
    ['-o', 'BOGUS'],
    ['--tree=bogus'],
    ['-p', 'abc'],
    ['-p'],
    ['abc'],
    ['-J', '-r'],
    ['-p', '1', '4026531840'],
    ['1', '2'],
    ['999999999'],
  ]) {
    const ours = ls(args);
    const theirs = run('lsns', args);
    assert.equal(ours.code, theirs.code, `${args.join(' ')}: nsx ${ours.code} (${ours.stderr.trim()}), lsns ${theirs.code} (${theirs.stderr.trim()})`);
    assert.equal(ours.code, 1);
    assert.equal(ours.stdout, '');
    assert.match(ours.stderr, /^nsx ls: /);
  }
});
