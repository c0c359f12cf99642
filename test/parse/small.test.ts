import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCmdline, cmdlineToString } from '../../src/parse/cmdline.js';
import { parsePasswd, passwdUserMap } from '../../src/parse/passwd.js';
import { parseNsLink, parseNsLinkStrict, isNsType } from '../../src/parse/nsid-link.js';
import { parseNsRelations } from '../../src/parse/ns-relations.js';
import { ParseError } from '../../src/errors.js';

test('parseCmdline / cmdlineToString', () => {
  assert.deepEqual(parseCmdline('a\0b c\0\0\0'), ['a', 'b c']);
  assert.deepEqual(parseCmdline(''), []);
  assert.equal(cmdlineToString('sleep\0infinity\0'), 'sleep infinity');
  assert.equal(cmdlineToString('nginx: worker process     '), 'nginx: worker process', 'setproctitle padding');
  assert.equal(cmdlineToString('\0\0'), undefined);
  assert.equal(cmdlineToString(''), undefined);
});

test('parsePasswd: first entry per uid wins; comments, NIS and junk are skipped', () => {
  const e = parsePasswd('# c\nroot:x:0:0:root:/root:/bin/bash\n+nis::::::\ntoor:x:0:0::/:/bin/sh\nbad:x:y:0::/:/bin/sh\nshort:x\nnobody:x:65534:65534::/:\r\n');
  assert.deepEqual(e.map((x) => x.name), ['root', 'toor', 'nobody']);
  const m = passwdUserMap(e);
  assert.equal(m.get(0), 'root');
  assert.equal(m.get(65534), 'nobody');
});

test('parseNsLink', () => {
  assert.deepEqual(parseNsLink('net:[4026531840]'), { type: 'net', inode: 4026531840 });
  assert.deepEqual(parseNsLink('time:[4026531834]\n'), { type: 'time', inode: 4026531834 });
  assert.equal(parseNsLink('pid_for_children:[1]'), undefined);
  assert.equal(parseNsLink('net:[x]'), undefined);
  assert.equal(parseNsLink('/dev/sda1'), undefined);
  assert.ok(isNsType('cgroup') && !isNsType('proc'));
  assert.throws(() => parseNsLinkStrict('zzz', 'L'), (e) => e instanceof ParseError && e.message.startsWith('L: '));
});

test('parseNsRelations', () => {
  const bad: ParseError[] = [];
  const m = parseNsRelations('# x\n1 parent=0 owner=2 owner_uid=1000 netnsid=unassigned\n3 netnsid=7 junk zz=1\nabc owner=1\n', 'R', (e) => bad.push(e));
  assert.deepEqual(m.get(1), { parent: 0, owner: 2, ownerUid: 1000, netnsid: -1 });
  assert.deepEqual(m.get(3), { netnsid: 7 });
  assert.equal(bad.length, 1);
  assert.equal(bad[0].line, 4);
});
