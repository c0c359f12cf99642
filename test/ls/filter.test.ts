/** libsmartcols filter expressions (`nsx ls -Q`): grammar, precedence, types, errors; and the fake-host filter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, evalNode, FilterSyntaxError, type HolderLookup } from '../../src/fields/scols-filter.js';
import { renderTable } from '../../src/output/table.js';
import { holdersText, namespaceHolders, pidRanges, type NamespaceRecord } from '../../src/model/namespace.js';
import { lsnsCommandLine, cmdlineArgv } from '../../src/parse/lsns-cmdline.js';
import { fixture } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';

const row: Record<string, { type: 'number' | 'string'; value: string | number | null }> = {
  NS: { type: 'number', value: 4026531840 },
  NPROCS: { type: 'number', value: 3 },
  USER: { type: 'string', value: 'nobody' },
  TYPE: { type: 'string', value: 'net' },
  PID: { type: 'number', value: null },
  NETNSID: { type: 'string', value: '12' },
};
const look: HolderLookup = (n) => row[n.toUpperCase()] ?? { type: 'string', value: null };
const ev = (s: string) => evalNode(parseFilter(s)!, look);

test('operators, aliases and any-case column names', () => {
  assert.equal(ev('NS == 4026531840'), true);
  assert.equal(ev('ns eq 4026531840'), true);
  assert.equal(ev('NPROCS > 1 && USER != "root"'), true);
  assert.equal(ev("USER != 'nobody' or NPROCS >= 4"), false);
  assert.equal(ev('NPROCS < 3 || NPROCS <= 3'), true);
  assert.equal(ev('NPROCS lt 3 OR NPROCS GT 2'), true);
  assert.equal(ev('TYPE =~ "^n.t$"'), true);
  assert.equal(ev('TYPE !~ "^n"'), false);
  assert.equal(ev('not TYPE == "net"'), false, '(not TYPE) == "net"');
  assert.equal(ev('!(TYPE == "mnt")'), true);
  assert.equal(ev('NETNSID == \'12\''), true);
  assert.equal(ev('PID'), false, 'an empty cell is false');
  assert.equal(ev('PID > 0'), false, 'an empty cell is neither greater nor less');
  assert.equal(ev('USER'), true);
  assert.equal(ev('NPROCS == 3.0'), true, 'number with float compares as float');
  assert.equal(ev('NS > 1K'), true, 'size suffixes');
  assert.equal(ev('true and (false or TYPE == "net")'), true);
});

test('and/or share one level, left to right (as bison resolves libsmartcols\'s grammar)', () => {
  // (true or false) and false = false; with C precedence it would be true
  assert.equal(ev('true or false and false'), false);
});

test('syntax errors carry the position', () => {
  const pos = (s: string) => {
    try {
      parseFilter(s);
    } catch (e) {
      assert.ok(e instanceof FilterSyntaxError);
      return e.position;
    }
    return -1;
  };
  assert.equal(pos('NS == and'), 7);
  assert.equal(pos('NS == (1'), 9);
  assert.equal(pos('NS 1'), 4);
  assert.equal(pos('NS == "abc'), 7);
  assert.equal(pos('NS # 1'), 4);
  assert.equal(pos('TYPE =~ 1'), 6);
  assert.equal(parseFilter('   '), null, 'an empty expression is no filter');
});

test('nsx ls -Q on a fake host; an unknown column and a syntax error are usage errors (exit 1, as lsns)', () => {
  const host = fixture('ns-nested.manifest');
  const r = runNsx(['--root', host, 'ls', '-l', '-n', '-r', '-o', 'NS,TYPE', '-Q', 'type == "net" and nprocs == 0']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '4026532400 net\n');
  assert.equal(runNsx(['--root', host, 'ls', '-Q', 'NOPE == 1']).code, 1);
  const e = runNsx(['--root', host, 'ls', '-Q', 'NS ==']);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /at position 6/);
});

test('a multi-line cell keeps the tree guide on the continuation line (libsmartcols print_empty_cell)', () => {
  const cols = [{ header: 'A', wrap: true }, { header: 'T', tree: true }];
  const out = renderTable(cols, [{ cells: ['a', 'root'], children: [{ cells: ['x\ny', 'kid'], children: [{ cells: ['z', 'leaf'] }] }, { cells: ['w', 'last'] }] }], { scols: true });
  assert.equal(out, 'A T\na root\nx ├─kid\ny │ │ \nz │ └─leaf\nw └─last\n');
});

test('COMMAND as lsns joins argv; ARGV keeps the vector', () => {
  assert.equal(lsnsCommandLine('init\0\0\0\0\0\0\0'), 'init      ');
  assert.equal(lsnsCommandLine('x\0\0\0'), 'x  ');
  assert.equal(lsnsCommandLine('a \0b\n\0'), 'a  b\n');
  assert.equal(lsnsCommandLine(''), undefined);
  assert.deepEqual(cmdlineArgv('x\0\0\0'), ['x', '', '']);
});

test('holders: processes, fds, sockets, mounts with the ip netns name, pinning children', () => {
  const user: NamespaceRecord = { inode: 1, type: 'user', pids: [1, 2, 3, 7], nsfs: [] };
  const net: NamespaceRecord = { inode: 2, type: 'net', pids: [], nsfs: ['/run/netns/red'], fds: [{ pid: 9, fd: 4 }], sockets: [{ pid: 8, fd: 3 }], owner: 1 };
  assert.deepEqual(namespaceHolders(net), [
    { kind: 'fd', pid: 9, fd: 4 },
    { kind: 'socket', pid: 8, fd: 3 },
    { kind: 'mount', path: '/run/netns/red', netns: 'red' },
  ]);
  assert.equal(holdersText(namespaceHolders(net)), 'fd 9:4\nsocket 8:3\nmount /run/netns/red (ip netns red)');
  assert.equal(holdersText(namespaceHolders(user, [user, net])), 'pid 1-3,7\nowns net:2');
  assert.deepEqual(pidRanges([1, 2, 3, 5, 7, 8]), ['1-3', '5', '7-8']);
});
