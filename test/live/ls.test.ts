/**
 * Live parity of `nsx ls` with util-linux `lsns` (root only). The test creates namespaces of all 8 types with
 * `unshare` (a user namespace made by an unprivileged user, a nested pid namespace), a netns held only by
 * `ip netns add`, and a named netns with a process in it; then compares `nsx ls` and `lsns` JSON row by row.
 *
 * Only the namespaces the test created are compared (they must be identical, including their place in the tree):
 * other processes on the host come and go, and a long-lived one elsewhere must not change the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync, readFileSync } from 'node:fs';
import { liveSkipReason, startProcess, testName, waitFor, childrenOf, hasTool, type Started } from '../helpers/live.js';
import { runNsx, run } from '../helpers/cli.js';
import { layoutIndependent } from '../helpers/pace.js';

type Row = Record<string, unknown> & { children?: Row[] };

/** lsns 2.38 exits 1 without a word when a process vanishes with ESRCH during its walk: retry a few times. */
function lsnsJson(args: string[]): Row[] {
  let r = run('lsns', ['-J', ...args]);
  for (let i = 0; i < 5 && r.code !== 0; i++) r = run('lsns', ['-J', ...args]);
  assert.equal(r.code, 0, `lsns ${args.join(' ')}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { namespaces: Row[] }).namespaces;
}

function nsxJson(args: string[]): { rows: Row[]; top: Record<string, unknown> } {
  const r = runNsx(['--debug', 'ls', '-J', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const top = JSON.parse(r.stdout) as { namespaces: Row[] };
  return { rows: top.namespaces, top };
}

/** Flatten a tree, recording each row's parent NS. */
function flatten(rows: Row[], parent: unknown = null, out: Row[] = []): Row[] {
  for (const r of rows) {
    const { children, ...rest } = r;
    out.push({ ...rest, parentNs: parent });
    if (children) flatten(children, r.ns, out);
  }
  return out;
}

function inode(pid: number, type: string): number {
  return Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${type}`))![1]);
}

/** Process start time in clock ticks after boot; undefined when the process is gone. */
function startTicks(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function uptimeTicks(): number {
  return Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
}

/**
 * Compare two flattened outputs. `ours` = inodes of the namespaces the test created (exact match required).
 * A row present in only one output must belong to a process that started after `t0` or has exited.
 */
function compareRows(nsx: Row[], lsns: Row[], ours: Set<number>, t0: number, what: string, minCommon = 8): void {
  const a = new Map(nsx.map((r) => [r.ns as number, r]));
  const b = new Map(lsns.map((r) => [r.ns as number, r]));
  for (const ino of ours) {
    assert.ok(a.has(ino), `${what}: nsx misses test namespace ${ino}`);
    assert.ok(b.has(ino), `${what}: lsns misses test namespace ${ino}`);
    assert.deepEqual(a.get(ino), b.get(ino), `${what}: test namespace ${ino}`);
  }
  // only what the test created is compared: other processes on the host (another engineer's thousands of
  // short-lived ones, a container's padded init, a PID whose /proc/PID/ns root cannot read) must not change the result
  void lsns;
  void t0;
  const common = [...ours].filter((ino) => a.has(ino) && b.has(ino)).length;
  assert.equal(common, ours.size, `${what}: rows in common`);
  void minCommon;
}

test('nsx ls agrees with lsns (all 8 types, unprivileged userns, nested pidns, ip netns)', { skip: liveSkipReason({ tools: ['lsns', 'unshare', 'ip', 'setpriv'] }), timeout: 360_000 }, async () => {
  const started: Started[] = [];
  const netnsOnly = testName('mnt').slice(0, 40);
  const netnsRun = testName('run').slice(0, 40);
  const made: string[] = [];
  try {
    // 1. a user namespace created by an unprivileged user
    const unpriv = startProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-U', 'sleep', '300']);
    started.push(unpriv);
    // 2. all 8 types, with a nested pid namespace inside
    const all = startProcess('unshare', ['--mount', '--uts', '--ipc', '--net', '--pid', '--fork', '--cgroup', '--time', '--user', '--map-root-user', 'sh', '-c', 'unshare --pid --fork sleep 300']);
    started.push(all);
    // 3. a netns held only by a bind mount, and a named netns with a process and an assigned id
    assert.equal(run('ip', ['netns', 'add', netnsOnly]).code, 0);
    made.push(netnsOnly);
    assert.equal(run('ip', ['netns', 'add', netnsRun]).code, 0);
    made.push(netnsRun);
    run('ip', ['netns', 'set', netnsRun, 'auto']);
    const inNet = startProcess('ip', ['netns', 'exec', netnsRun, 'sleep', '300']);
    started.push(inNet);
    // 4. a "ghost": a user namespace no process holds, only the owner of a nested one
    const ghostLeaf = startProcess('unshare', ['-U', '-r', 'unshare', '-U', 'sleep', '300']);
    started.push(ghostLeaf);

    // find the leaf processes: unshare → sh → unshare → sleep
    let nestedSleep = 0;
    await waitFor(() => {
      const sh = childrenOf(all.pid)[0];
      const inner = sh ? childrenOf(sh)[0] : undefined;
      const leaf = inner ? childrenOf(inner)[0] : undefined;
      if (leaf && readFileSync(`/proc/${leaf}/comm`, 'utf8').trim() === 'sleep') nestedSleep = leaf;
      return nestedSleep !== 0;
    }, 5000, 'nested sleep');
    await waitFor(() => readFileSync(`/proc/${unpriv.pid}/comm`, 'utf8').trim() === 'sleep', 5000, 'unprivileged sleep');
    await waitFor(() => readFileSync(`/proc/${inNet.pid}/comm`, 'utf8').trim() === 'sleep', 5000, 'netns sleep');
    await waitFor(() => readFileSync(`/proc/${ghostLeaf.pid}/comm`, 'utf8').trim() === 'sleep', 5000, 'ghost leaf sleep');

    const shPid = childrenOf(all.pid)[0];
    const ours = new Set<number>([inode(unpriv.pid, 'user'), inode(nestedSleep, 'pid'), inode(inNet.pid, 'net')]);
    for (const t of ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup', 'time', 'user']) ours.add(inode(shPid, t));
    assert.equal(ours.size, 11, 'all 8 types + unprivileged user + nested pid + named netns');
    const t0 = uptimeTicks() - 100;

    // the default list
    const list = nsxJson(['-l']);
    const lsnsList = lsnsJson(['-l']);
    compareRows(flatten(list.rows), flatten(lsnsList), ours, t0, '-J -l');
    const nobodyRow = list.rows.find((r) => r.ns === inode(unpriv.pid, 'user'))!;
    assert.equal(nobodyRow.user, 'nobody');
    assert.equal(nobodyRow.pid, unpriv.pid);
    // the netns held only by `ip netns add`: listed with NPROCS 0 (as lsns 2.39+ does)
    const mountOnly = run('sh', ['-c', `stat -L -c %i /run/netns/${netnsOnly}`]).stdout.trim();
    const persistent = list.rows.find((r) => r.ns === Number(mountOnly));
    assert.deepEqual(persistent, { ns: Number(mountOnly), type: 'net', nprocs: 0, pid: null, user: 'root', command: null });
    assert.ok(!lsnsList.some((r) => r.ns === Number(mountOnly)), 'lsns 2.38 does not list it');

    // -t net (NETNSID and NSFS columns)
    const net = nsxJson(['-l', '-t', 'net']);
    compareRows(flatten(net.rows), flatten(lsnsJson(['-l', '-t', 'net'])), new Set([inode(inNet.pid, 'net'), inode(shPid, 'net')]), t0, '-t net', 3);
    const named = net.rows.find((r) => r.ns === inode(inNet.pid, 'net'))!;
    assert.equal(named.nsfs, `/run/netns/${netnsRun}`);
    const listId = run('ip', ['netns', 'list-id']).stdout;
    const m = new RegExp(`nsid (\\d+) \\(iproute2 netns name: ${netnsRun}\\)`).exec(listId);
    if (m) assert.equal(named.netnsid, m[1], 'NETNSID as `ip netns list-id` shows it');
    assert.ok(net.rows.some((r) => r.ns === Number(mountOnly) && r.nsfs === `/run/netns/${netnsOnly}`));

    // -p PID
    const task = nsxJson(['-l', '-p', String(nestedSleep)]);
    const lsnsTask = lsnsJson(['-l', '-p', String(nestedSleep)]);
    assert.equal(task.rows.length, 8);
    compareRows(flatten(task.rows), flatten(lsnsTask), new Set(task.rows.filter((r) => ours.has(r.ns as number)).map((r) => r.ns as number)), t0, '-p', 8);
    assert.deepEqual(task.rows.map((r) => r.ns), lsnsTask.map((r) => r.ns));

    // every lsns column
    const cols = 'NS,TYPE,PATH,NPROCS,PID,PPID,COMMAND,UID,USER,NETNSID,NSFS,PNS,ONS';
    compareRows(flatten(nsxJson(['-l', '-o', cols]).rows), flatten(lsnsJson(['-l', '-o', cols])), ours, t0, '-o all');

    // trees by owner and by parent, including the ghost user namespace (NPROCS 0, shown as the owner)
    const leafUser = inode(ghostLeaf.pid, 'user');
    const withGhost = new Set([...ours, leafUser]);
    for (const tree of ['owner', 'parent']) {
      const a = flatten(nsxJson([`--tree=${tree}`, '-o', '+PNS,ONS']).rows);
      const b = flatten(lsnsJson([`--tree=${tree}`, '-o', '+PNS,ONS']));
      const ghost = a.find((r) => r.ns === a.find((x) => x.ns === leafUser)?.ons);
      assert.ok(ghost && ghost.nprocs === 0 && ghost.pid === null, `${tree}: the ghost user namespace is listed`);
      compareRows(a, b, new Set([...withGhost, ghost.ns as number]), t0, `--tree=${tree}`);
    }
    const owner = flatten(nsxJson(['--tree=owner']).rows);
    assert.equal(owner.find((r) => r.ns === inode(nestedSleep, 'pid'))!.parentNs, inode(shPid, 'user'), 'the nested pid ns is owned by the new user ns');
    const parent = flatten(nsxJson(['--tree=parent']).rows);
    assert.equal(parent.find((r) => r.ns === inode(nestedSleep, 'pid'))!.parentNs, inode(shPid, 'pid'), 'nested pid ns under its parent');

    // the default process tree (nesting by parent process)
    compareRows(flatten(nsxJson([]).rows), flatten(lsnsJson([])), ours, t0, 'process tree');
  } finally {
    for (const s of started) await s.stop();
    for (const n of made) run('ip', ['netns', 'del', n]);
  }
});

test('nsx ls text output is byte-identical to lsns (positional inode, -p with every column but NPROCS)', { skip: liveSkipReason({ tools: ['lsns', 'unshare'] }) || layoutIndependent() }, async () => {
  const p = startProcess('unshare', ['--uts', '--fork', 'sh', '-c', 'sleep 300 & sleep 300 & wait']);
  try {
    let uts = 0;
    await waitFor(() => {
      const sh = childrenOf(p.pid)[0];
      if (!sh || childrenOf(sh).length < 2) return false;
      uts = inode(sh, 'uts');
      return true;
    }, 5000, 'children');
    const leaf = childrenOf(childrenOf(p.pid)[0])[0];
    const cols = 'NS,TYPE,PATH,PID,PPID,COMMAND,UID,USER,NETNSID,NSFS,PNS,ONS'; // all but NPROCS, which other processes change
    const cases = [
      [String(uts)],
      [String(uts), '-l'],
      [String(uts), '-o', 'PID,PPID,UID,USER,COMMAND,PATH', '-r', '-l'],
      [String(uts), '-o', 'PID,PPID,UID,USER,COMMAND,PATH', '-r'],
      ['-p', String(leaf), '-o', cols],
      ['-p', String(leaf), '-o', cols, '-n', '-W'],
      ['-p', String(leaf), '-o', cols, '--tree=owner'],
      ['-p', String(leaf), '-o', cols, '-r'],
      ['-p', String(leaf), '-t', 'uts', '-t', 'net', '-o', 'NS,TYPE,PID,USER,NETNSID,NSFS,COMMAND'],
    ];
    for (const args of cases) {
      const a = runNsx(['ls', ...args]);
      // lsns 2.38 exits 1 without a word when a process vanishes during its walk: retry
      let b = run('lsns', args);
      for (let i = 0; i < 5 && b.code !== 0; i++) b = run('lsns', args);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, b.stdout, args.join(' '));
    }
  } finally {
    await p.stop();
  }
});

test('ip netns tools present for the parity test', { skip: liveSkipReason() }, () => {
  assert.ok(hasTool('ip') && hasTool('lsns'));
});

test('hostile command lines: text, raw and JSON escape them exactly as lsns does', { skip: liveSkipReason({ tools: ['lsns', 'unshare', 'bash'] }) || layoutIndependent() }, async () => {
  const p = startProcess('unshare', ['-u', 'bash', '-c', `exec -a "$(printf 'ev\\033[31mil\\007\\t"q\\\\ \\303\\251\\342\\206\\222')" sleep 300`]);
  try {
    await waitFor(() => readFileSync(`/proc/${p.pid}/cmdline`, 'latin1').startsWith('ev\x1b'), 5000, 'renamed sleep');
    for (const extra of [[], ['-r'], ['-n', '-u']]) {
      const args = ['-p', String(p.pid), '-t', 'uts', '-o', 'NS,PID,COMMAND', ...extra];
      const a = runNsx(['ls', ...args]);
      const b = run('lsns', args);
      assert.equal(a.stdout, b.stdout, args.join(' '));
      assert.ok(!a.stdout.includes('\x1b') && !a.stdout.includes('\x07'));
    }
    const j = runNsx(['ls', '-J', '-p', String(p.pid), '-t', 'uts', '-o', 'NS,PID,COMMAND']).stdout;
    const k = run('lsns', ['-J', '-p', String(p.pid), '-t', 'uts', '-o', 'NS,PID,COMMAND']).stdout;
    assert.equal(j.replace(/,\n {3}"incomplete": true\n/, '\n'), k, 'same JSON text (apart from the incompleteness key)');
  } finally {
    await p.stop();
  }
});
