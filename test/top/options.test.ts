/** Issue 14's rough edges of `nsx top` and `nsx cg ps`: column and order names, empty lists, empty cells. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { parseOrder } from '../../src/cli/commands/top.js';
import { selectFields } from '../../src/fields/registry.js';
import { TOP_DEFAULT_COLUMNS, TOP_FIELDS } from '../../src/fields/top.js';
import { UsageError } from '../../src/errors.js';

const K8S = fixture('k8s-v2-node.manifest');
const top = (...a: string[]) => runNsx(['top', '-b', '-n', '1', '--root', K8S, ...a]);

test('top -o: columns are named by id or by their header, case-insensitively', () => {
  const r = top('-o', 'cgroup,Tasks,throttled-by');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0], /^CGROUP\s+TASKS\s+THROTTLED-BY$/);
  assert.deepEqual(selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, 'CGROUP', { dedupe: true }).map((f) => f.id), ['PATH']);
});

test('top -o +BY does not print THROTTLED-BY twice; +NEW appends once', () => {
  const h = top('-o', '+BY').stdout.split('\n')[0];
  assert.equal(h.match(/THROTTLED-BY/g)?.length, 1, h);
  const r = top('-o', '+BY,WSET');
  assert.equal(r.stdout.split('\n')[0].match(/THROTTLED-BY/g)?.length, 1);
  assert.match(r.stdout.split('\n')[0], /WSET$/);
});

test("an empty -o '' (or '+') is refused, as lsns does", () => {
  for (const o of ['', '+', ' , ']) {
    const r = top('-o', o);
    assert.equal(r.code, 2, `-o '${o}'`);
    assert.match(r.stderr, /nsx top: no output columns/);
  }
  assert.throws(() => selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, ''), UsageError);
});

test('--order is case-insensitive and takes the column it sorts by', () => {
  assert.equal(parseOrder('CPU'), 'cpu');
  assert.equal(parseOrder('Memory'), 'memory');
  assert.equal(parseOrder('cpu%'), 'cpu');
  assert.equal(parseOrder('MEM'), 'memory');
  assert.equal(parseOrder('cgroup'), 'path');
  assert.equal(parseOrder('THR%'), 'throttle');
  assert.throws(() => parseOrder('nope'), UsageError);
  assert.throws(() => parseOrder('WSET'), UsageError); // a column, but no order sorts by it
  assert.equal(top('--order', 'MEMORY').code, 0);
  const bad = top('--order', 'sideways');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^nsx top: invalid --order argument: 'sideways' \(cpu, memory, io, tasks, throttle, pressure, path, or the column it sorts by\)\n/);
});

test('cg ps: absent cells are empty in tables (as nsx ls leaves them), null in JSON', () => {
  const r = runNsx(['cg', 'ps', '1', '--root', fixture('docker-v1.manifest')]);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').slice(1);
  assert.ok(rows.length > 3);
  for (const row of rows) assert.doesNotMatch(row, /\s-(\s|$)/, row);
  const j = JSON.parse(runNsx(['cg', 'ps', '1', '--json', '--root', fixture('docker-v1.manifest')]).stdout);
  assert.ok(j.cgroups.some((c: { container: string | null }) => c.container === null));
});
