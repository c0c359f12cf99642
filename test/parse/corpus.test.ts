/** Every parser survives every file of the copied conformance corpus and a property-based fuzz run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fixture } from '../helpers/host.js';
import { fuzzParser } from '../helpers/fuzz.js';
import { ParseError } from '../../src/errors.js';
import { parseMountinfo, parseMountinfoStrict } from '../../src/parse/mountinfo.js';
import { parseStatus } from '../../src/parse/status.js';
import { parseStat } from '../../src/parse/stat.js';
import { parseCmdline } from '../../src/parse/cmdline.js';
import { parsePasswd } from '../../src/parse/passwd.js';
import { parseNsLinkStrict } from '../../src/parse/nsid-link.js';
import { parseNsRelations } from '../../src/parse/ns-relations.js';

const DIR = fixture('procfs-corpus');
const files = readdirSync(DIR).sort();
const text = (f: string) => readFileSync(fixture('procfs-corpus', f), 'latin1');
const ofKind = (k: string) => files.filter((f) => f.startsWith(k + '--'));

const PARSERS: Record<string, (t: string, s?: string) => unknown> = {
  mountinfo: parseMountinfoStrict,
  status: parseStatus,
  stat: parseStat,
  cmdline: parseCmdline,
  passwd: parsePasswd,
  nslink: parseNsLinkStrict,
  relations: parseNsRelations,
};

test('the corpus is there', () => {
  assert.ok(ofKind('mountinfo').length >= 30 && ofKind('status').length >= 7 && ofKind('stat').length >= 12);
});

test('every parser survives every corpus file (errors are ParseErrors naming the file)', () => {
  for (const f of files) {
    for (const [name, parse] of Object.entries(PARSERS)) {
      try {
        parse(text(f), f);
      } catch (e) {
        assert.ok(e instanceof ParseError, `${name} on ${f}: ${(e as Error).stack}`);
        assert.ok((e as ParseError).message.includes(f), `${name} on ${f}: error does not name the file`);
      }
    }
  }
});

test('mountinfo captures parse fully (only the deliberately invalid one has bad lines)', () => {
  for (const f of ofKind('mountinfo')) {
    const bad: ParseError[] = [];
    const es = parseMountinfo(text(f), f, (e) => bad.push(e));
    assert.ok(es.length > 0, f);
    if (!f.includes('invalid')) assert.deepEqual(bad.map((e) => e.message), [], f);
    // elastic rewrote the mount points of its captures to relative testdata paths
    for (const e of es) assert.ok(e.mountPoint.startsWith('/') || f.includes('elastic'), `${f}: ${e.mountPoint}`);
  }
  const nsfs = parseMountinfo(text(ofKind('mountinfo').find((f) => f.includes('TestCrio_Host_Proc1'))!)).filter((e) => e.fsType === 'nsfs');
  assert.ok(nsfs.length >= 3 && nsfs.every((e) => /^[a-z]+:\[\d+\]$/.test(e.root)));
});

test('status and stat captures give their core fields', () => {
  for (const f of ofKind('status')) {
    const s = parseStatus(text(f), f);
    assert.ok(s.name !== undefined && s.pid !== undefined && s.uid !== undefined, f);
  }
  for (const f of ofKind('stat')) {
    const s = parseStat(text(f), f);
    assert.ok(s.pid > 0 && s.comm.length > 0 && s.state.length === 1, f);
  }
  const k = parseStatus(text('status--prometheus-procfs_proc_26235_status'));
  assert.deepEqual(k.nspid, [26235, 1]);
  assert.equal(parseStat(text('stat--prometheus-procfs_proc_584_stat')).comm, '(a b ) ( c d) ');
});

for (const [name, parse] of Object.entries(PARSERS)) {
  test(`fuzz: ${name}`, () => {
    const seeds = files.filter((f) => f.startsWith(name + '--')).map(text);
    fuzzParser(parse, seeds.length ? seeds : files.slice(0, 8).map(text), 200);
  });
}

/** The whole shared corpus (every file, whatever its kind), when ../shared is beside the clone. */
const SHARED = fixture('..', '..', 'shared', 'conformance');

function walk(dir: string, out: string[] = []): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${d.name}`;
    if (d.isDirectory()) walk(p, out);
    else if (d.isFile()) out.push(p);
  }
  return out;
}

test('every parser survives every file of ../shared/conformance', { skip: existsSync(SHARED) ? false : 'no ../shared/conformance beside this clone (the copied subset above still runs)' }, () => {
  const all = walk(SHARED);
  assert.ok(all.length > 100);
  for (const f of all) {
    const t = readFileSync(f, 'latin1');
    for (const [name, parse] of Object.entries(PARSERS)) {
      try {
        parse(t, f);
      } catch (e) {
        assert.ok(e instanceof ParseError && e.message.includes(f), `${name} on ${f}: ${(e as Error).stack}`);
      }
    }
  }
});
