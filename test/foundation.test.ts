import test from 'node:test';
import assert from 'node:assert/strict';
import { getopt } from '../src/cli/getopt.js';
import { parseManifest } from '../src/host/manifest.js';
import { renderTable } from '../src/output/table.js';
import { escapeControl } from '../src/output/escape.js';
import { selectFields, type Field } from '../src/fields/registry.js';
import { runNsx } from './helpers/cli.js';

test('getopt: combined shorts, attached args, optional args, stop at positional', () => {
  const specs = [
    { name: 'target', short: 't', arg: 'required' },
    { name: 'net', short: 'n', arg: 'optional' },
    { name: 'uts', short: 'u', arg: 'none' },
    { name: 'tree', short: 'T', arg: 'optional' },
  ] as const;
  const r = getopt(['-nu', '-t1234', '--tree=owner', 'ip', '-o', 'addr'], specs, { prog: 'x', stopAtPositional: true });
  assert.equal(r.opts.net, true);
  assert.equal(r.opts.uts, true);
  assert.equal(r.opts.target, '1234');
  assert.equal(r.opts.tree, 'owner');
  assert.deepEqual(r.positionals, ['ip', '-o', 'addr']);
  assert.equal(getopt(['-n=/etc/passwd'], specs, { prog: 'x' }).opts.net, '/etc/passwd');
  assert.equal(getopt(['--net=/run/netns/a'], specs, { prog: 'x' }).opts.net, '/run/netns/a');
  assert.throws(() => getopt(['-x'], specs, { prog: 'x' }), /invalid option -- 'x'/);
  assert.throws(() => getopt(['-t'], specs, { prog: 'x' }), /requires an argument/);
  assert.throws(() => getopt(['--bogus'], specs, { prog: 'x' }), /unrecognized option/);
  assert.equal(getopt(['--tar', '5'], specs, { prog: 'x' }).opts.target, '5');
});

test('manifest: files, noeol, empty, symlinks, escapes', () => {
  const m = parseManifest('# c\n@@ f a/b\nx\ny\n@@ f c noeol\nz\n@@ f e empty\n@@ l n net:[1]\n@@ x cmd a\\0b\\0\n@@ d dir\n');
  assert.deepEqual(
    m.map((e) => [e.kind, e.path, e.kind === 'file' ? e.content.toString('latin1') : e.kind === 'symlink' ? e.target : '']),
    [['file', 'a/b', 'x\ny\n'], ['file', 'c', 'z'], ['file', 'e', ''], ['symlink', 'n', 'net:[1]'], ['file', 'cmd', 'a\0b\0'], ['dir', 'dir', '']],
  );
});

test('table: alignment, tree, raw, escaping', () => {
  const cols = [{ header: 'NS', align: 'right' as const }, { header: 'COMMAND', tree: true }];
  const out = renderTable(cols, [{ cells: ['1', 'a'], children: [{ cells: ['22', 'b\x1b[31m'] }, { cells: ['3', 'c d'] }] }]);
  assert.equal(out, 'NS COMMAND\n 1 a\n22 ├─b\\x1b[31m\n 3 └─c d\n');
  assert.equal(renderTable(cols, [{ cells: ['1', 'c d'] }], { raw: true, noHeadings: true }), '1 c\\x20d\n');
  assert.equal(escapeControl('a\tb\x7f'), 'a\\x09b\\x7f');
});

test('fields: -o LIST and +LIST', () => {
  const reg: Field<{ a: number }>[] = [
    { id: 'A', type: 'number', help: 'a', get: (r) => r.a },
    { id: 'B', type: 'string', help: 'b', get: () => 'b' },
  ];
  assert.deepEqual(selectFields(reg, ['A'], '+b').map((f) => f.id), ['A', 'B']);
  assert.deepEqual(selectFields(reg, ['A'], 'B').map((f) => f.id), ['B']);
  assert.throws(() => selectFields(reg, ['A'], 'C'), /unknown column: C/);
});

test('cli: usage errors exit 2 with one line, no stack', () => {
  const r = runNsx(['--bogus']);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stderr, /at .*\.js/);
  assert.equal(runNsx(['nope']).code, 2);
  assert.match(runNsx(['--version']).stdout, /^nsx \d/);
});
