/**
 * `nsx why` on fixture hosts captured from real situations (fixtures/why/capture.sh on the v1 test host and in
 * the pure-v2 VM): the binding cgroup of each situation, and golden verdicts (text) and diagnoses (JSON).
 * A recorded host is read once: counters since creation. Regenerate the goldens after an intended change with
 * `NSX_UPDATE_GOLDEN=1 node --test dist/test/why/fixtures.test.js` and review the diff.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { expectGolden } from '../helpers/golden.js';
import { fixture, fixtureHost } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { formatJson } from '../../src/output/json.js';
import { why, type WhyResult } from '../../src/services/why.js';
import { formatWhyText } from '../../src/cli/commands/why.js';

const golden = (file: string, text: string): void => expectGolden(file, text);

interface Situation {
  /** target below the capture's root */
  readonly rel: string;
  /** the finding expected first, and the cgroup it names (relative to the capture's root); null = clean */
  readonly expect: { readonly id: string; readonly cgroup: string } | null;
  /** more checks */
  readonly also?: (r: WhyResult, root: string) => void;
}

const CPU: Situation[] = [
  { rel: 'own', expect: { id: 'cpu.throttled', cgroup: 'own' } },
  {
    rel: 'parent/child',
    expect: { id: 'cpu.throttled', cgroup: 'parent' },
    also: (r) => assert.ok(r.findings[0].causes.some((c) => c.includes('an ancestor'))),
  },
  {
    rel: 'shared/victim',
    expect: { id: 'cpu.throttled', cgroup: 'shared' },
    also: (r, root) => assert.ok(r.findings[0].causes.some((c) => c.includes(`${root}/shared/hog`))),
  },
];
const REST: Situation[] = [
  {
    rel: 'mem/alloc',
    expect: { id: 'memory.oom-kill', cgroup: 'mem' },
    also: (r) => assert.match(r.verdict[0], /^ERROR: 1 process OOM-killed since it was created by the memory limit of \S+\/mem \(limit 32 MiB/),
  },
  { rel: 'pids/forker', expect: { id: 'pids.max', cgroup: 'pids' } },
  { rel: 'clean', expect: null, also: (r) => assert.equal(r.verdict.length, 1) },
];

const HOSTS: { manifest: string; situations: Situation[] }[] = [
  { manifest: 'why/v1-hybrid.manifest', situations: [...CPU, { rel: 'burst', expect: { id: 'cpu.throttled', cgroup: 'burst' } }, ...REST] },
  { manifest: 'why/v2.manifest', situations: [...CPU, ...REST] },
];

/** The capture's root cgroup (`/nsx-why-PID`), read from the manifest. */
function captureRoot(manifest: string): string {
  const m = /sys\/fs\/cgroup\/(?:[a-z]+\/)?(nsx-why-\d+)\//.exec(readFileSync(fixture(manifest), 'utf8'));
  assert.ok(m, `no capture root in ${manifest}`);
  return `/${m[1]}`;
}

for (const h of HOSTS) {
  const name = h.manifest.replace(/^why\/|\.manifest$/g, '');
  test(`fixture ${name}: each situation names its binding cgroup; golden verdicts and JSON`, { skip: existsSync(fixture(h.manifest)) ? false : `${h.manifest} not captured` }, async () => {
    const host = fixtureHost(h.manifest);
    const root = captureRoot(h.manifest);
    try {
      for (const s of h.situations) {
        const target = `${root}/${s.rel}`;
        const r = await why({ paths: host.paths, target, durationMs: 5000 });
        assert.equal(r.mode, 'cumulative', 'a recorded host is read once');
        if (s.expect === null) {
          assert.equal(r.clean, true, `${target}: ${r.verdict.join(' | ')}`);
          assert.match(r.verdict[0], /^clean: /);
        } else {
          assert.equal(r.clean, false, target);
          assert.equal(r.findings[0].id, s.expect.id, `${target}: ${r.verdict.join(' | ')}`);
          assert.equal(r.findings[0].cgroup, `${root}/${s.expect.cgroup}`, `${target}: ${r.verdict.join(' | ')}`);
        }
        s.also?.(r, root);
        const file = s.rel.replace(/\//g, '-');
        golden(fixture('golden', 'why', name, `${file}.txt`), formatWhyText(r, true));
        golden(fixture('golden', 'why', name, `${file}.json`), formatJson(r).split(host.dir).join('<root>'));
      }
    } finally {
      host.cleanup();
    }
  });
}

test('nsx why --root MANIFEST: the CLI reads a recorded host; a clean cgroup is one line', { skip: existsSync(fixture('why/v1-hybrid.manifest')) ? false : 'not captured' }, () => {
  const root = captureRoot('why/v1-hybrid.manifest');
  const r = runNsx(['why', '--root', fixture('why/v1-hybrid.manifest'), `${root}/clean`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 1, r.stdout);
  assert.match(r.stdout, /: clean: .* since creation \(cpu quota 0.5 CPU/);
  const j = runNsx(['why', '--root', fixture('why/v1-hybrid.manifest'), `${root}/parent/child`, '--json']);
  assert.equal(j.code, 0, j.stderr);
  assert.equal((JSON.parse(j.stdout) as WhyResult).findings[0].cgroup, `${root}/parent`);
});

test('nsx why: usage errors and unknown targets', () => {
  const host = fixture('why/v1-hybrid.manifest');
  const noArg = runNsx(['why']);
  assert.equal(noArg.code, 2);
  assert.match(noArg.stderr, /expected one TARGET/);
  const badFor = runNsx(['why', '/x', '--for', 'soon']);
  assert.equal(badFor.code, 2);
  assert.match(badFor.stderr, /invalid duration/);
  const badKind = runNsx(['why', 'bogus:1']);
  assert.equal(badKind.code, 2);
  if (existsSync(host)) {
    const missing = runNsx(['why', '--root', host, '/no/such/cgroup']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such cgroup/);
    const hostile = runNsx(['why', '--root', host, '/a\x1b[31mb']);
    assert.equal(hostile.code, 1);
    assert.ok(!hostile.stderr.includes('\x1b'), 'control characters are escaped');
  }
});
