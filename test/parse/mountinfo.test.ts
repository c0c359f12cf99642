import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo, parseMountinfoLine, parseMountinfoStrict, unescapeOctal } from '../../src/parse/mountinfo.js';
import { ParseError } from '../../src/errors.js';

test('parseMountinfo: the proc(5) example line', () => {
  const [e] = parseMountinfo('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n');
  assert.deepEqual(e, {
    mountId: 36, parentId: 35, major: 98, minor: 0, root: '/mnt1', mountPoint: '/mnt2', options: 'rw,noatime',
    optionalFields: ['master:1'], fsType: 'ext3', source: '/dev/root', superOptions: 'rw,errors=continue',
  });
});

const table: Array<[string, string, Partial<ReturnType<typeof parseMountinfoLine>>]> = [
  ['no optional fields', '25 1 0:4 / /x rw - tmpfs none rw', { optionalFields: [], fsType: 'tmpfs', source: 'none' }],
  ['several optional fields', '25 1 0:4 / /x rw shared:2 master:7 - tmpfs none rw', { optionalFields: ['shared:2', 'master:7'] }],
  ['escapes', '1 0 8:1 /a\\040b /tmp/n\\012t\\011s\\040b\\134q rw - ext4 /dev/x\\040y rw', { root: '/a b', mountPoint: '/tmp/n\nt\ts b\\q', source: '/dev/x y' }],
  ['nsfs root', '452 28 0:4 net:[4026532664] /run/docker/netns/de54128c08f8 rw shared:202 - nsfs nsfs rw', { root: 'net:[4026532664]', fsType: 'nsfs' }],
  ['two spaces before the mount point', '1 1 0:5 /  /root rw,nosuid shared:8 - rootfs rootfs rw', { root: '/', mountPoint: '/root' }],
  ['unescaped spaces in cifs super options', '31 21 0:23 / /DATA rw - cifs //foo/BLA\\040B/ rw,unc=\\\\foo\\BLA BLA BLA,username=x', { source: '//foo/BLA B/', superOptions: 'rw,unc=\\\\foo\\BLA BLA BLA,username=x' }],
  ['no super options', '1 0 8:1 / / rw,noatime shared:1 - ext4 /dev/sda1', { source: '/dev/sda1', superOptions: '' }],
  ['a separator-looking optional field', '1 0 8:1 / / rw - - - rw', { fsType: '-', source: '-', superOptions: 'rw' }],
];
for (const [name, line, want] of table) {
  test(`parseMountinfoLine: ${name}`, () => {
    const got = parseMountinfoLine(line);
    for (const [k, v] of Object.entries(want)) assert.deepEqual((got as unknown as Record<string, unknown>)[k], v, k);
  });
}

test('parseMountinfo: no final newline, blank lines, CRLF', () => {
  const es = parseMountinfo('1 0 8:1 / / rw - ext4 /dev/a rw\n\n2 1 0:3 / /proc rw - proc proc rw\r');
  assert.equal(es.length, 2);
  assert.equal(es[1].superOptions, 'rw');
});

test('parseMountinfo: malformed lines are skipped and reported with the source and line', () => {
  const bad: ParseError[] = [];
  const es = parseMountinfo('garbage\n1 0 8:1 / / rw - ext4 /dev/a rw\nx y 8:1 / / rw - ext4 a b\n1 0 81 / / rw - ext4 a b\n1 0 8:1 / rw - ext4 a b\n', 'mi', (e) => bad.push(e));
  assert.equal(es.length, 1);
  assert.deepEqual(bad.map((e) => e.line), [1, 3, 4, 5]);
  assert.ok(bad.every((e) => e instanceof ParseError && e.message.startsWith('mi:')));
  assert.throws(() => parseMountinfoStrict('garbage', 'file.txt'), (e) => e instanceof ParseError && /^file\.txt:1: /.test(e.message));
});

test('unescapeOctal leaves other backslashes alone', () => {
  assert.equal(unescapeOctal('a\\x\\040\\9'), 'a\\x \\9');
});
