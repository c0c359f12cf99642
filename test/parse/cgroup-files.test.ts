import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ParseError } from '../../src/errors.js';
import {
  parseBlkio, parseCgroupFile, parseCpuList, parseCpuMax, parseFlatKeyed, parseIoMax, parseIoStat, parseLimit, parseNestedKeyed,
  parsePidList, parsePressure, parseProcCgroups, parseSingleInt, parseTable, parseWordList, cpuListCount,
} from '../../src/parse/cgroup-files.js';
import { parseProcCgroup } from '../../src/parse/proc-cgroup.js';
import { fixtureHost } from '../helpers/host.js';
import { fuzzParser } from '../helpers/fuzz.js';

test('parseLimit: max, -1, the page-rounded 2^63, plain numbers, missing newline, trailing space', () => {
  const cases: [string, number | 'max'][] = [
    ['max\n', 'max'],
    ['-1\n', 'max'],
    ['9223372036854771712\n', 'max'], // 4 KiB pages
    ['9223372036854710272\n', 'max'], // 64 KiB pages (arm64)
    ['67108864\n', 67108864],
    ['50', 50],
    ['20000 \n', 20000],
    ['0\n', 0],
  ];
  for (const [text, want] of cases) assert.equal(parseLimit(text, 'f'), want, JSON.stringify(text));
  assert.throws(() => parseLimit('', 'memory.max'), (e: unknown) => e instanceof ParseError && /memory\.max:1: empty file/.test(e.message));
  assert.throws(() => parseLimit('garbage\n', 'x'), ParseError);
  assert.throws(() => parseLimit('1 2\n', 'x'), ParseError);
});

test('parseCpuMax: quota/period, max, lone quota, invalid forms', () => {
  assert.deepEqual(parseCpuMax('20000 100000\n'), { max_usec: 20000, period_usec: 100000 });
  assert.deepEqual(parseCpuMax('max 100000\n'), { max_usec: 'max', period_usec: 100000 });
  assert.deepEqual(parseCpuMax('max'), { max_usec: 'max' });
  for (const bad of ['', '1 2 3', 'a 100000', '100 0', '-5 100000']) assert.throws(() => parseCpuMax(bad, 'cpu.max'), ParseError, bad);
});

test('parseSingleInt and parsePidList', () => {
  assert.equal(parseSingleInt('123456789\n'), 123456789);
  assert.equal(parseSingleInt('42'), 42);
  assert.throws(() => parseSingleInt('\n', 'pids.current'), /pids\.current:1: empty file/);
  assert.deepEqual(parsePidList('1\n22\n333\n'), [1, 22, 333]);
  assert.deepEqual(parsePidList(''), []);
  assert.throws(() => parsePidList('1\nx\n', 'cgroup.procs'), /cgroup\.procs:2/);
});

test('parseFlatKeyed: cpu.stat with and without throttling keys, negative and huge values', () => {
  assert.deepEqual(parseFlatKeyed('usage_usec 100\nuser_usec 60\nsystem_usec 40\n'), { usage_usec: 100, user_usec: 60, system_usec: 40 });
  assert.deepEqual(parseFlatKeyed('nr_periods 3\nnr_throttled 1\nthrottled_time 5000'), { nr_periods: 3, nr_throttled: 1, throttled_time: 5000 });
  assert.deepEqual(parseFlatKeyed('dirty -307200\n'), { dirty: -307200 });
  assert.deepEqual(parseFlatKeyed(''), {});
  assert.throws(() => parseFlatKeyed('a 1\nb\n', 'memory.stat'), /memory\.stat:2/);
});

test('parseIoStat: normal lines, the run-together bug, empty device lines, cost.* keys', () => {
  const broken = '7:7 7:6 7:5 7:4 rbytes=556032 wbytes=0 rios=78 wios=0 dbytes=0 dios=0\n7:3 rbytes=21017600 wbytes=0 rios=629 wios=0 dbytes=0 dios=0\n7:0 \n';
  assert.deepEqual(parseIoStat(broken), [
    { major: 7, minor: 4, fields: { rbytes: 556032, wbytes: 0, rios: 78, wios: 0, dbytes: 0, dios: 0 } },
    { major: 7, minor: 3, fields: { rbytes: 21017600, wbytes: 0, rios: 629, wios: 0, dbytes: 0, dios: 0 } },
  ]);
  const cost = parseIoStat('13:0 rbytes=135 wbytes=162379 rios=61 wios=81 dbytes=0 dios=0 cost.usage=25 cost.wait=38');
  assert.equal(cost[0].fields['cost.usage'], 25);
  assert.deepEqual(parseIoStat(''), []);
  assert.throws(() => parseIoStat('rbytes=1', 'io.stat'), /io\.stat:1/);
});

test('parseIoMax, parseBlkio, parsePressure, parseNestedKeyed, lists, tables', () => {
  assert.deepEqual(parseIoMax(''), []);
  assert.deepEqual(parseIoMax('8:16 rbps=2097152 wbps=max riops=max wiops=120\n'), [
    { major: 8, minor: 16, rbps: 2097152, wbps: 'max', riops: 'max', wiops: 120 },
  ]);
  const b = parseBlkio('259:0 Read 3448832\n259:0 Write 25203200\n259:0 Total 28652032\nTotal 28652032\n');
  assert.deepEqual(b, { devices: [{ major: 259, minor: 0, ops: { Read: 3448832, Write: 25203200, Total: 28652032 } }], total: 28652032 });
  assert.deepEqual(parseBlkio('Total 0\n'), { devices: [], total: 0 });
  assert.deepEqual(parsePressure('some avg10=0.00 avg60=0.08 avg300=0.06 total=293391454\n'), {
    some: { avg10: 0, avg60: 0.08, avg300: 0.06, total_usec: 293391454 },
  });
  assert.equal(parsePressure('some avg10=1.5 avg60=0 avg300=0 total=1\nfull avg10=0.5 avg60=0 avg300=0 total=9').full?.total_usec, 9);
  assert.throws(() => parsePressure('other avg10=1\n', 'cpu.pressure'), /cpu\.pressure/);
  assert.deepEqual(parseNestedKeyed('anon N0=1 N1=2\n'), [{ key: 'anon', fields: { N0: 1, N1: 2 } }]);
  assert.deepEqual(parseWordList('cpuset cpu io\n'), ['cpuset', 'cpu', 'io']);
  assert.deepEqual(parseWordList(''), []);
  assert.equal(parseCpuList('0-3,8\n'), '0-3,8');
  assert.equal(cpuListCount('0-3,8,10-11'), 7);
  assert.equal(parseCpuList(''), '');
  assert.throws(() => parseCpuList('0-a', 'cpuset.cpus'), ParseError);
  assert.deepEqual(parseTable('cpu user system\n0 1 2\n1 3 4\n'), { header: ['cpu', 'user', 'system'], rows: [[0, 1, 2], [1, 3, 4]] });
});

test('parseProcCgroups: tabs, spaces, no final newline', () => {
  const rows = parseProcCgroups('#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t5\t47\t1\nrdma 4 1 1');
  assert.deepEqual(rows, [
    { name: 'cpuset', hierarchy: 5, numCgroups: 47, enabled: true },
    { name: 'rdma', hierarchy: 4, numCgroups: 1, enabled: true },
  ]);
  assert.throws(() => parseProcCgroups('cpu 1 2\n', '/proc/cgroups'), /\/proc\/cgroups:1/);
});

test('parseCgroupFile dispatches by name', () => {
  assert.deepEqual(parseCgroupFile('cpu.max', 'max 100000\n'), { max_usec: 'max', period_usec: 100000 });
  assert.equal(parseCgroupFile('memory.limit_in_bytes', '9223372036854771712\n'), 'max');
  assert.equal(parseCgroupFile('cpu.cfs_quota_us', '-1\n'), 'max');
  assert.equal(parseCgroupFile('memory.current', '1234\n'), 1234);
  assert.deepEqual(parseCgroupFile('cgroup.subtree_control', ''), []);
  assert.deepEqual(parseCgroupFile('io.max', ''), []);
  assert.equal(parseCgroupFile('release_agent', '/sbin/agent\n'), '/sbin/agent');
});

/** Every cgroup file of the conformance corpus (copied into fixtures/cgroup-corpus.manifest). */
function corpusFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Files that are malformed on purpose upstream (telegraf `broken/`, automaxprocs' invalid cases). */
const BROKEN_ON_PURPOSE = [
  /telegraf\/cgroup-testdata\/broken\//,
  /automaxprocs\/testdata\/cgroups\/(invalid|empty|undefined-period)\//,
  /automaxprocs\/testdata\/cgroups\/v2\/(empty|invalid-max|invalid-period|too-few-fields|too-many-fields|zero-period)$/,
  /automaxprocs\/testdata\/cgroups\/zero-period\/cpu\.cfs_period_us/,
  /automaxprocs\/testdata\/proc\/invalid-cgroup\/cgroup$/,
  // telegraf's v1 memory dir is partly synthetic upstream: a three-line max_usage_in_bytes, `12-781` use_hierarchy
  /telegraf\/cgroup-testdata\/memory\/memory\.(max_usage_in_bytes|use_hierarchy)$/,
];

test('conformance corpus: every cgroup file parses, or fails with a ParseError naming its path; nothing else throws', () => {
  const h = fixtureHost('cgroup-corpus.manifest');
  try {
    const files = corpusFiles(h.dir);
    assert.ok(files.length > 700, `corpus has ${files.length} files`);
    const failed: string[] = [];
    for (const f of files) {
      const rel = relative(h.dir, f);
      const name = basename(f);
      const text = readFileSync(f, 'utf8');
      // automaxprocs keeps v2 cpu.max cases under descriptive names
      const as = /automaxprocs\/testdata\/cgroups\/v2\//.test(rel) ? 'cpu.max' : /\.cgroup$/.test(name) ? 'cgroup' : name;
      try {
        if (as === 'cgroup') parseProcCgroup(text, rel);
        else if (as === 'cgroups') parseProcCgroups(text, rel);
        else parseCgroupFile(as, text, rel);
      } catch (e) {
        assert.ok(e instanceof ParseError, `${rel}: threw ${(e as Error).stack}`);
        assert.ok((e as ParseError).message.includes(rel), `${rel}: error does not name the file: ${(e as ParseError).message}`);
        failed.push(rel);
      }
    }
    const unexpected = failed.filter((f) => !BROKEN_ON_PURPOSE.some((re) => re.test(f)));
    assert.deepEqual(unexpected, [], 'real files that did not parse');
    assert.ok(failed.length >= 5, `the deliberately broken files are reported (${failed.length})`);
    assert.ok(statSync(h.dir).isDirectory());
  } finally {
    h.cleanup();
  }
});

test('fuzz: cgroup file parsers throw only ParseError naming the source', () => {
  const seeds = [
    'usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 3\n',
    '7:7 7:6 rbytes=556032 wbytes=0 rios=78 wios=0\n7:0 \n',
    'some avg10=0.00 avg60=0.08 avg300=0.06 total=293391454\nfull avg10=0 avg60=0 avg300=0 total=1\n',
    '259:0 Read 3448832\n259:0 Write 2\nTotal 3\n',
    'max 100000\n',
    '9223372036854771712\n',
    '8:16 rbps=2097152 wbps=max riops=max wiops=120\n',
    '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t5\t47\t1\n',
  ];
  for (const p of [parseFlatKeyed, parseIoStat, parsePressure, parseBlkio, parseCpuMax, parseLimit, parseIoMax, parseProcCgroups, parseNestedKeyed, parsePidList, parseCpuList, parseTable]) {
    fuzzParser(p, seeds, 100);
  }
});
