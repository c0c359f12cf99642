/** `nsx top` batch/NDJSON rendering from captured snapshots, ordering, columns, and flag errors. */
import test from 'node:test';
import { sampleOf } from '../top/sample-of.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { buildFrame } from '../../src/sampler/frame.js';
import { frameJson, frameTable, orderedRows } from '../../src/services/top.js';
import { TOP_FIELDS, TOP_DEFAULT_COLUMNS, humanBytes } from '../../src/fields/top.js';
import { selectFields } from '../../src/fields/registry.js';
import { parseDelay } from '../../src/cli/commands/top.js';
import type { TopSnapshot } from '../../src/model/rates.js';

const SNAPS: TopSnapshot[] = JSON.parse(readFileSync(fixture('top', 'v1-throttle.snapshots.json'), 'utf8'));

test('NDJSON object: the issue keys, null for the first sample, rates after', () => {
  const first = frameJson(buildFrame(undefined, SNAPS[0], '/shop.slice'), 'cpu');
  assert.deepEqual(Object.keys(first), ['timestamp', 'interval_s', 'layout', 'cgroups']);
  assert.equal(first.interval_s, null);
  const cg = (first.cgroups as Record<string, unknown>[])[0];
  for (const k of ['path', 'cpu_percent', 'cpu_user_percent', 'cpu_system_percent', 'memory_current_bytes', 'memory_max_bytes', 'pids_current', 'io_read_bps', 'io_write_bps', 'cpu_nr_periods', 'cpu_nr_throttled', 'cpu_throttled_usec', 'cpu_throttled_percent', 'cpu_throttled_by', 'psi']) assert.ok(k in cg, k);
  for (const c of first.cgroups as Record<string, unknown>[]) assert.equal(c.cpu_percent, null);
  const second = frameJson(buildFrame(SNAPS[0], SNAPS[1], '/shop.slice'), 'path');
  assert.ok((second.interval_s as number) > 0.9 && (second.interval_s as number) < 1.5);
  const rows = second.cgroups as Record<string, unknown>[];
  const by = (p: string) => rows.find((r) => r.path === p)!;
  assert.equal(by('/shop.slice/web/worker').cpu_throttled_by, '/shop.slice/web');
  assert.equal(by('/shop.slice/web/worker').cpu_throttled_by_cpus, 0.2);
  assert.equal(by('/shop.slice/web').pids_percent, 2);
  assert.equal(by('/shop.slice/db').cpu_throttled_by, '/shop.slice/db');
  assert.equal(by('/shop.slice/db').memory_max_bytes, 256 * 1024 * 1024);
  assert.equal(by('/shop.slice/web').pids_max, 100);
  assert.ok(!rows.some((r) => r.path === '/'), 'ancestors are sampled for attribution, not shown');
});

test('batch table: text units, "-" for absent, order by memory and by path', () => {
  const f = buildFrame(SNAPS[0], SNAPS[1], '/shop.slice');
  const out = frameTable(f, selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, undefined), { order: 'memory' });
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0], /^CGROUP\s+TASKS TASKSMAX\s+CPU%\s+CPUMAX\s+MEM MEMMAX\s+IOR\/S\s+IOW\/S\s+THR% THROTTLED-BY$/);
  assert.match(lines[1], /^\/shop\.slice\s/);
  assert.match(lines[2], /^\/shop\.slice\/db\s+7\s+max\s+\d+\.\d\s+0\.50\s+\d+\.\dM\s+256M\s+-\s+-\s+\d+\.\d \/shop\.slice\/db$/);
  assert.deepEqual(orderedRows(f, 'path').map((r) => r.name), ['/shop.slice', 'db', 'idle', 'web', 'cache', 'worker'].map((n) => (n === '/shop.slice' ? 'shop.slice' : n)));
  assert.equal(humanBytes(1536), '1.5K');
  assert.equal(humanBytes(100), '100B');
});

test('flags: bad order, delay, depth, column and extra arguments are usage errors (exit 2)', () => {
  for (const args of [['--order', 'bogus'], ['-d', 'x'], ['-d', '0'], ['--depth', '-1'], ['-o', 'NOPE'], ['a', 'b'], ['-n', '0']]) {
    const r = runNsx(['top', '-b', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /at .*\.js/);
  }
  assert.equal(parseDelay('0.5'), 500);
  assert.equal(parseDelay('2s'), 2000);
  const nf = runNsx(['top', '-b', '-n', '1', '/no/such/cgroup-nsx']);
  assert.equal(nf.code, 1);
  assert.match(nf.stderr, /^nsx top: \/no\/such\/cgroup-nsx: no such cgroup\n$/);
  assert.match(runNsx(['top', '--help']).stdout, /--order KEY/);
});

test('hostile cgroup names are escaped in batch tables and TUI lines; JSON keeps them exact', async () => {
  const { lineText } = await import('../../src/tui/components/Table.js');
  const evil = '/evil\x1b[2J\x07name\nx';
  const snap: TopSnapshot = { mono_ms: 1, timestamp: '2026-01-01T00:00:00.000Z', cgroups: [sampleOf({ path: '/' }), sampleOf({ path: evil, pids_current: 1 })] };
  const f = buildFrame(undefined, snap);
  const out = frameTable(f, selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, 'PATH,TASKS'), { order: 'path' });
  assert.doesNotMatch(out, /\x1b|\x07/);
  assert.match(out, /\/evil\\x1b\[2J\\x07name\\x0ax/); // a newline inside a name is data: escaped, not a line break
  const line = lineText([{ id: 'P', header: 'P', width: 40, cell: (r: typeof f.rows[number]) => r.path }], { key: evil, row: f.byPath.get(evil)! });
  assert.doesNotMatch(line, /\x1b|\x07|\n/);
  const j = frameJson(f, 'path');
  assert.equal((j.cgroups as { path: string }[])[1].path, evil);
});

test('fuzz: parseKeyedInts (with and without wanted keys) only ever throws ParseError naming its source', async () => {
  const { fuzzParser } = await import('../helpers/fuzz.js');
  const { parseKeyedInts } = await import('../../src/parse/cgroup-files.js');
  fuzzParser((t, s) => parseKeyedInts(t, s, ['total_inactive_file', 'inactive_file']), ['cache 1\ntotal_inactive_file 3\n', 'inactive_file 30\nactive_file 5']);
  fuzzParser((t, s) => parseKeyedInts(t, s), ['cache 1\ntotal_inactive_file 3\n', 'hierarchical_memory_limit 9223372036854771712\n']);
});

test('a low fd limit (ulimit -n 40) is lived with: fewer files kept open, nothing lost', async () => {
  const { run, NSX_BIN } = await import('../helpers/cli.js');
  const m = fixture('k8s-v2-node.manifest');
  const low = run('sh', ['-c', `ulimit -n 40 && exec "${process.execPath}" "${NSX_BIN}" top --json --root "${m}"`]);
  assert.equal(low.code, 0, low.stderr);
  const normal = runNsx(['top', '--json', '--root', m]);
  const strip = (o: string) => JSON.parse(o).cgroups;
  assert.deepEqual(strip(low.stdout), strip(normal.stdout));
});

test('batch tables read only the files and stat groups their columns need (CPU always: attribution)', async () => {
  const { groupsForFields, filesForFields } = await import('../../src/fields/top.js');
  const sel = (o: string) => selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, o);
  assert.deepEqual(groupsForFields(sel('PATH,CPU%')), ['cpu']);
  assert.deepEqual(groupsForFields(sel('PATH,TASKS%,MEMHIGH%,IOR/S,PSICPU')).sort(), ['cpu', 'io', 'memory', 'pids', 'psi']);
  for (const f of TOP_FIELDS) assert.ok(groupsForFields([f]).includes('cpu'), f.id);
  const files = filesForFields(sel('PATH,MEM'));
  assert.ok(files.includes('memory.usage_in_bytes') && files.includes('memory.current'));
  assert.ok(!files.includes('memory.stat'), 'MEM alone needs no memory.stat');
  assert.ok(filesForFields(sel('WSET')).includes('memory.stat'));
});

test('started without TurboFan (node --no-opt), top turns it on once, after OPTIMISE_AFTER samples; else never', async () => {
  const { optimiseLater, OPTIMISE_AFTER } = await import('../../src/services/top.js');
  const { Sampler } = await import('../../src/sampler/sampler.js');
  let t = 0;
  const run = (execArgv: string[]) => {
    const set: string[] = [];
    const s = new Sampler({ collect: () => ({ mono_ms: ++t }), intervalMs: 1000, scheduler: { setTimeout: () => 0, clearTimeout: () => {} } });
    optimiseLater(s, execArgv, (f) => set.push(f));
    const at: number[] = [];
    for (let i = 1; i <= OPTIMISE_AFTER + 5; i++) {
      s.sampleNow();
      at.push(set.length);
    }
    return at;
  };
  const on = run(['--max-semi-space-size=2', '--no-opt']);
  assert.equal(on[OPTIMISE_AFTER - 2], 0);
  assert.equal(on[OPTIMISE_AFTER - 1], 1);
  assert.equal(on.at(-1), 1);
  assert.equal(run(['--max-semi-space-size=2']).at(-1), 0);
});
