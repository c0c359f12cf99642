/** `nsx ls` on the fake host fixtures/ns-nested.manifest: golden outputs (NSX_UPDATE_GOLDEN=1 rewrites them). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectGolden } from '../helpers/golden.js';
import { fixture } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';

const HOST = fixture('ns-nested.manifest');
const CASES: Record<string, string[]> = {
  'default': [],
  'list-json': ['-J', '-l'],
  'tree-json': ['-J'],
  'output-all': ['--output-all', '-l'],
  'all-columns-json': ['-J', '-l', '-o', 'NS,TYPE,PATH,NPROCS,PID,PPID,COMMAND,UID,USER,NETNSID,NSFS,PNS,ONS'],
  'tree-owner': ['-T', '-o', '+PNS,ONS'],
  'tree-owner-json': ['--tree=owner', '-J'],
  'tree-parent': ['--tree=parent'],
  'tree-parent-json': ['-Tparent', '-J', '-o', 'NS,TYPE,PNS,ONS'],
  'type-net': ['-t', 'net'],
  'type-net-nowrap': ['-t', 'net', '-W'],
  'type-net-json': ['-t', 'net', '-J'],
  'types-user-pid': ['-t', 'user', '--type', 'pid', '-l'],
  'task': ['-p', '201'],
  'namespace': ['4026532201'],
  'namespace-list-json': ['4026531840', '-l', '-J'],
  'persistent': ['-P'],
  'persistent-json': ['--persistent', '-J', '-o', 'NS,TYPE,NPROCS,PID,USER,NSFS'],
  'raw': ['-r', '-o', '+NSFS,PATH'],
  'noheadings-extra-columns': ['-n', '-l', '-o', 'NS,TYPE,PID,CGROUP,CONTAINER'],
  'no-tree-column': ['-J', '-o', 'NS,TYPE'],
};

for (const [name, args] of Object.entries(CASES)) {
  test(`nsx ls ${args.join(' ')} (golden ${name})`, () => {
    const r = runNsx(['--root', HOST, 'ls', ...args]);
    assert.equal(r.stderr, '', 'no warning: the vanished process 500 is not an incompleteness');
    assert.equal(r.code, 0);
    expectGolden(fixture('golden', 'ls', `${name}.txt`), r.stdout);
  });
}

test('JSON: numbers are numbers, absent cells null, netnsid a string, nsfs newline-separated', () => {
  const r = runNsx(['--root', HOST, 'ls', '-J', '-l', '--output-all']);
  const j = JSON.parse(r.stdout) as { namespaces: Array<Record<string, unknown>> };
  assert.deepEqual(Object.keys(j), ['namespaces']);
  const blue = j.namespaces.find((n) => n.ns === 4026532400)!;
  assert.deepEqual(blue, {
    ns: 4026532400, type: 'net', path: null, nprocs: 0, pid: null, ppid: null, command: null, uid: 0, user: 'root',
    netnsid: '1', nsfs: '/run/netns/blue', pns: 0, ons: 4026531837,
  });
  const red = j.namespaces.find((n) => n.ns === 4026532300)!;
  assert.equal(red.nsfs, '/run/netns/red\n/var/run/netns/red');
  assert.equal(red.command, 'evil\x1b[31mred --color\x07', 'JSON carries the real string (escaped by JSON)');
  const init = j.namespaces.find((n) => n.ns === 4026531992)!;
  assert.equal(init.netnsid, 'unassigned');
  assert.equal(j.namespaces.find((n) => n.ns === 4026531840)!.netnsid, null);
});

test('text output escapes control characters in command lines', () => {
  const r = runNsx(['--root', HOST, 'ls', '-t', 'net']);
  assert.ok(!r.stdout.includes('\x1b') && !r.stdout.includes('\x07'));
  assert.match(r.stdout, /evil\\x1b\[31mred --color\\x07/);
});

// lsns's exit statuses: 1 for usage errors too (lsns 2.38 here exits 1 for each of these)
const ERRORS: Array<[string[], number, RegExp]> = [
  [['--bogus'], 1, /^nsx ls: unrecognized option '--bogus'\nTry 'nsx ls --help' for more information\.\n$/],
  [['-t', 'foo'], 1, /^nsx ls: -t foo: unknown namespace type; try mnt, net, pid, uts, ipc, user, cgroup or time\n$/],
  [['-o', 'NS,FOO'], 1, /^nsx ls: unknown column: FOO\n$/],
  [['-o', ''], 1, /^nsx ls: no output columns\n/],
  [['--tree=xx'], 1, /^nsx ls: --tree=xx: unknown tree type; try owner, parent or process\n$/],
  [['-J', '-r'], 1, /^nsx ls: --json and --raw: mutually exclusive options\n$/],
  [['-P', '-p', '1'], 1, /^nsx ls: --persistent and --task: mutually exclusive options\n$/],
  [['-p', 'abc'], 1, /^nsx ls: invalid PID argument: 'abc'\n$/],
  [['-p', '1', '4026531840'], 1, /^nsx ls: --task and <namespace>: mutually exclusive options\n$/],
  [['parent'], 1, /^nsx ls: namespace 'parent': not an inode number; try one from the NS column \(nsx ls -o NS\)\n$/],
  [['1', '2'], 1, /^nsx ls: 2: too many arguments \(one namespace at most\)\nTry 'nsx ls --help' for more information\.\n$/],
  [['-p', '999999'], 1, /^nsx ls: PID 999999: no such process\n$/],
  [['12345'], 1, /^nsx ls: namespace 12345: not found \(no process, mount or descriptor holds it\); try nsx ls -o NS\n$/],
];
for (const [args, code, re] of ERRORS) {
  test(`nsx ls ${args.join(' ')} → exit ${code}, one clear line, no stack`, () => {
    const r = runNsx(['--root', HOST, 'ls', ...args]);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, re);
    assert.ok(!/\bat .*\.js:\d+/.test(r.stderr), 'no stack trace');
  });
}

test('--help lists every option and column; -H lists columns', () => {
  const h = runNsx(['ls', '--help']);
  assert.equal(h.code, 0);
  for (const o of ['--json', '--list', '--noheadings', '--output', '--output-all', '--persistent', '--task', '--raw', '--notruncate', '--nowrap', '--type', '--tree'])
    assert.ok(h.stdout.includes(o), o);
  for (const c of ['NS', 'TYPE', 'PATH', 'NPROCS', 'PID', 'PPID', 'COMMAND', 'UID', 'USER', 'NETNSID', 'NSFS', 'PNS', 'ONS', 'CGROUP', 'CONTAINER'])
    assert.match(h.stdout, new RegExp(`^ +${c}  `, 'm'), c);
  assert.match(runNsx(['ls', '-H']).stdout, /^ +NETNSID <string> +namespace ID as used by network subsystem$/m);
});

test('-H honours --json (lsns 2.41 shape: holder, type, description) and --raw', () => {
  const j = runNsx(['ls', '-H', '--json']);
  assert.equal(j.code, 0);
  const doc = JSON.parse(j.stdout) as { 'lsns-columns': Array<{ holder: string; type: string; description: string }> };
  assert.deepEqual(doc['lsns-columns'][0], { holder: 'NS', type: '<integer>', description: 'namespace identifier (inode number)' });
  assert.deepEqual(doc['lsns-columns'][1], { holder: 'TYPE', type: '<string>', description: 'kind of namespace' });
  assert.ok(doc['lsns-columns'].some((c) => c.holder === 'HOLDERS'));
  const r = runNsx(['ls', '-H', '-r']);
  assert.match(r.stdout, /^NS <integer> namespace\\x20identifier\\x20\(inode\\x20number\)$/m);
  assert.match(r.stdout, /^NPROCS <integer> number\\x20of\\x20processes\\x20in\\x20the\\x20namespace$/m);
});
