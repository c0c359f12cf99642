/**
 * Nothing from the environment changes what runs as root (issue 19, point 4):
 *   - the test hooks of the helper (NSX_ENTER_TEST_*) exist only in test builds: the package, built on install from
 *     what `npm pack` ships, ignores them, and nothing in its JavaScript mentions them;
 *   - NSX_ENTER_HELPER is honoured only for a file owned by root or the caller that nobody else can change (nor its
 *     directory), and never in a set-id process (AT_SECURE).
 * No root needed (the namespace-joining hook is checked as well when root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from '../helpers/host.js';
import { NSX_BIN, runNsx } from '../helpers/cli.js';
import { IS_ROOT } from '../helpers/live.js';
import { helperPath } from '../../native-bindings/enter.js';
import { atSecureOf, helperEnvRefusal, processIsSetId, type TrustFacts, type TrustStat } from '../../src/enter/helper-trust.js';
import { testHelper } from './hooked-helper.js';

const HOOKS = ['NSX_ENTER_TEST_NO_PIDFD', 'NSX_ENTER_TEST_DELAY_MS'];

/** Run a helper on its own: the delay hook (sleep before pinning) and, as root, the one-at-a-time hook. */
function probeHooks(helper: string): { delayed: boolean; noPidfd: boolean | undefined } {
  const env = { ...process.env, NSX_ENTER_TEST_DELAY_MS: '1500', NSX_ENTER_TEST_NO_PIDFD: '1' };
  const t0 = Date.now();
  // no target: nothing to pin or join, the program runs at once unless the hook sleeps
  const r = spawnSync(helper, ['--', 'true'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const delayed = Date.now() - t0 >= 1400;
  let noPidfd: boolean | undefined;
  if (IS_ROOT) {
    // join our own uts namespace (root may) through a target: --verbose says how it was joined
    const fd = openSync(`/proc/${process.pid}/ns/uts`, 'r');
    try {
      const v = spawnSync(helper, ['--verbose', '--pid', String(process.pid), '--ns', `uts:3:/proc/${process.pid}/ns/uts`, '--', 'true'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', fd] });
      assert.equal(v.status, 0, v.stderr);
      noPidfd = /not joining through the pidfd/.test(v.stderr);
      assert.equal(!noPidfd, /joined through the pidfd/.test(v.stderr), v.stderr);
    } finally {
      closeSync(fd);
    }
  }
  return { delayed, noPidfd };
}

test('the packaged helper, built on install from what npm pack ships, has no test hooks; the test build has them', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), `nsx-test-pack-hooks-${process.pid}-`));
  try {
    const p = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
    assert.equal(p.status, 0, p.stderr);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    assert.equal(spawnSync('tar', ['xzf', join(dir, tgz), '-C', dir]).status, 0);
    const pkg = join(dir, 'package');
    // the package's install script (package.json "install"), with only the shipped files: the generated header included
    assert.ok(existsSync(join(pkg, 'native-bindings', 'nsx-enter-tables.h')), 'the generated header is shipped');
    assert.ok(!existsSync(join(pkg, 'scripts')) && !existsSync(join(pkg, 'src')), 'no generator, no TypeScript in the package');
    const b = spawnSync(process.execPath, [join(pkg, 'native-bindings', 'build.mjs')], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    const helper = join(pkg, 'native-bindings', 'build', 'nsx-enter');
    assert.ok(existsSync(helper), `the helper was built on install: ${b.stdout}${b.stderr}`);
    assert.equal(readFileSync(join(pkg, 'native-bindings', 'nsx-enter-tables.h'), 'utf8'), readFileSync(join(REPO, 'native-bindings', 'nsx-enter-tables.h'), 'utf8'));
    // no hook names in the binary, nor anywhere in the shipped JavaScript
    const bytes = readFileSync(helper);
    for (const h of HOOKS) assert.equal(bytes.indexOf(h), -1, `${h} in the packaged helper`);
    const stack = [pkg];
    while (stack.length) {
      const d = stack.pop()!;
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const f = join(d, e.name);
        if (e.isDirectory()) stack.push(f);
        // a variable read by name: process.env.X_TEST_Y, env['X_TEST_Y'], or the name as a string
        else if (/\.(c?js|mjs)$/.test(e.name) || e.name === 'nsx')
          assert.doesNotMatch(readFileSync(f, 'latin1'), /env\.[A-Z0-9_]*_TEST_|['"`][A-Z0-9_]*_TEST_[A-Z0-9_]*['"`]/, `${f.slice(pkg.length + 1)} reads a test hook`);
      }
    }
    // and they do nothing: no sleep, the pidfd used
    const shipped = probeHooks(helper);
    assert.equal(shipped.delayed, false, 'NSX_ENTER_TEST_DELAY_MS made the packaged helper sleep');
    if (shipped.noPidfd !== undefined) assert.equal(shipped.noPidfd, false, 'NSX_ENTER_TEST_NO_PIDFD changed how the packaged helper joins');
    // the control: the test build (-DNSX_TEST_HOOKS) honours both, so the probe sees hooks where there are some
    const t = testHelper();
    if (t) {
      const test = probeHooks(t);
      assert.equal(test.delayed, true);
      if (test.noPidfd !== undefined) assert.equal(test.noPidfd, true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the helper built here (npm install) has no test hooks either', () => {
  const h = helperPath();
  if (!h) return;
  const bytes = readFileSync(h);
  for (const name of HOOKS) assert.equal(bytes.indexOf(name), -1, name);
});

/** A file system from a table: path → stat (links resolved by `real`). */
function facts(files: Record<string, TrustStat>, o: { euid?: number; setId?: boolean; real?: Record<string, string> } = {}): TrustFacts {
  return {
    euid: o.euid ?? 1000,
    setId: o.setId ?? false,
    stat: (p) => files[p],
    realpath: (p) => o.real?.[p] ?? p,
  };
}
const dir = (uid: number, mode: number): TrustStat => ({ uid, mode: 0o040000 | mode, kind: 'dir' });
const file = (uid: number, mode: number): TrustStat => ({ uid, mode: 0o100000 | mode, kind: 'file' });
const TREE = { '/': dir(0, 0o755), '/home': dir(0, 0o755), '/home/u': dir(1000, 0o755), '/home/u/bin': dir(1000, 0o755), '/tmp': dir(0, 0o1777) };

test('NSX_ENTER_HELPER: accepted for a file of root or the caller that nobody else can change', () => {
  assert.equal(helperEnvRefusal('/home/u/bin/h', facts({ ...TREE, '/home/u/bin/h': file(1000, 0o755) })), undefined);
  assert.equal(helperEnvRefusal('/home/u/bin/h', facts({ ...TREE, '/home/u/bin/h': file(0, 0o755) })), undefined);
  // its own directory in sticky /tmp (others cannot rename it there)
  assert.equal(helperEnvRefusal('/tmp/d/h', facts({ ...TREE, '/tmp/d': dir(1000, 0o700), '/tmp/d/h': file(1000, 0o700) })), undefined);
  // a missing file is not refused here: the caller says it is missing
  assert.equal(helperEnvRefusal('/home/u/bin/nope', facts(TREE)), undefined);
});

test('NSX_ENTER_HELPER: refused (one line, what and how to fix) for anything others could change', () => {
  const cases: Array<[string, TrustFacts, RegExp]> = [
    ['/home/u/bin/h', facts({ ...TREE, '/home/u/bin/h': file(1000, 0o775) }), /^nsx enter: NSX_ENTER_HELPER=\/home\/u\/bin\/h: \/home\/u\/bin\/h is writable by its group: refusing to run it \(others could change what nsx runs\); try chmod go-w \/home\/u\/bin\/h$/],
    ['/home/u/bin/h', facts({ ...TREE, '/home/u/bin/h': file(1000, 0o757) }), /is writable by everyone: refusing/],
    ['/home/u/bin/h', facts({ ...TREE, '/home/u/bin/h': file(1001, 0o755) }), /is owned by uid 1001, neither root nor you: refusing to run it; try/],
    ['/home/u/bin/h', facts({ ...TREE, '/home/u/bin': dir(1000, 0o775), '/home/u/bin/h': file(1000, 0o755) }), /the directory \/home\/u\/bin is writable by its group: refusing to run it \(others could replace the file\); try chmod go-w \/home\/u\/bin$/],
    ['/home/u/bin/h', facts({ ...TREE, '/home/u/bin': dir(1001, 0o755), '/home/u/bin/h': file(1000, 0o755) }), /the directory \/home\/u\/bin is owned by uid 1001/],
    ['/home/u/bin/h', facts({ ...TREE, '/home': dir(0, 0o777), '/home/u/bin/h': file(1000, 0o755) }), /the directory \/home is writable by its group and everyone/],
    // directly in sticky /tmp: others can create files there, the file's own directory must be ours alone
    ['/tmp/h', facts({ ...TREE, '/tmp/h': file(1000, 0o755) }), /the directory \/tmp is writable by its group and everyone/],
    // a link that resolves into a writable directory
    ['/home/u/bin/h', facts({ ...TREE, '/home/u/bin/h': { uid: 1000, mode: 0o120777, kind: 'link' }, '/srv': dir(0, 0o757), '/srv/h': file(1000, 0o755) }, { real: { '/home/u/bin/h': '/srv/h' } }), /the directory \/srv is writable by everyone/],
    ['bin/h', facts(TREE), /not an absolute path; try NSX_ENTER_HELPER=\/full\/path/],
    ['/home/u/bin/h', facts({ ...TREE, '/home/u/bin/h': file(1000, 0o755) }, { setId: true }), /ignored in a set-user-ID or set-group-ID process/],
  ];
  for (const [p, f, re] of cases) {
    const r = helperEnvRefusal(p, f);
    assert.match(r ?? '(accepted)', re, p);
    assert.ok(!r!.includes('\n'));
  }
});

test('AT_SECURE from an auxiliary vector; this process is not set-id', () => {
  const vec = (pairs: Array<[number, number]>, word: 4 | 8) => {
    const b = Buffer.alloc(pairs.length * 2 * word);
    pairs.forEach(([t, v], i) => {
      if (word === 8) (b.writeBigUInt64LE(BigInt(t), i * 16), b.writeBigUInt64LE(BigInt(v), i * 16 + 8));
      else (b.writeUInt32LE(t, i * 8), b.writeUInt32LE(v, i * 8 + 4));
    });
    return b;
  };
  assert.equal(atSecureOf(vec([[6, 4096], [23, 1], [0, 0]], 8), 8), true);
  assert.equal(atSecureOf(vec([[6, 4096], [23, 0], [0, 0]], 8), 8), false);
  assert.equal(atSecureOf(vec([[6, 4096], [0, 0], [23, 1]], 8), 8), false, 'after AT_NULL: not read');
  assert.equal(atSecureOf(vec([[23, 1], [0, 0]], 4), 4), true);
  assert.equal(atSecureOf(Buffer.alloc(0), 8), false);
  assert.equal(processIsSetId(), false);
});

test('NSX_ENTER_HELPER naming a group-writable file is refused with the message; fixed, it runs', () => {
  const built = helperPath();
  if (!built || process.env.NSX_ENTER_HELPER) return;
  const d = mkdtempSync(join(tmpdir(), `nsx-test-trust-${process.pid}-`));
  try {
    chmodSync(d, 0o755);
    const h = join(d, 'nsx-enter');
    copyFileSync(built, h);
    chmodSync(h, 0o775);
    // -w alone: work of its own (no namespace), so it runs unprivileged as well
    const args = ['enter', '-t', String(process.pid), '-w', 'true'];
    const env: NodeJS.ProcessEnv = { ...process.env, NSX_ENTER_HELPER: h };
    delete env.NSX_ENTER_NO_FAST;
    // through bin/nsx as a user runs it (the fast path leaves NSX_ENTER_* to Node)
    const r = spawnSync(NSX_BIN, args, { env, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `nsx enter: NSX_ENTER_HELPER=${h}: ${h} is writable by its group: refusing to run it (others could change what nsx runs); try chmod go-w ${h}\n`);
    assert.match(runNsx(['--version'], { env }).stdout, /^enter helper: refused: NSX_ENTER_HELPER=.* is writable by its group/m);
    // a link to it from a safe directory is refused the same way (the file it resolves to is checked)
    mkdirSync(join(d, 'safe'));
    symlinkSync(h, join(d, 'safe', 'nsx-enter'));
    const viaLink = spawnSync(NSX_BIN, args, { env: { ...env, NSX_ENTER_HELPER: join(d, 'safe', 'nsx-enter') }, encoding: 'utf8' });
    assert.equal(viaLink.status, 1);
    assert.match(viaLink.stderr, /is writable by its group: refusing to run it/);
    chmodSync(h, 0o755);
    const ok = spawnSync(NSX_BIN, args, { env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(statSync(h).mode & 0o022, 0);
    // a group-writable directory
    chmodSync(d, 0o775);
    const dirBad = spawnSync(NSX_BIN, args, { env, encoding: 'utf8' });
    assert.equal(dirBad.status, 1);
    assert.equal(dirBad.stderr, `nsx enter: NSX_ENTER_HELPER=${h}: the directory ${d} is writable by its group: refusing to run it (others could replace the file); try chmod go-w ${d}\n`);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('the generated C tables are those of src/enter/tables.ts (npm run build rewrites them)', async () => {
  const gen = join(REPO, 'scripts', 'gen-enter-header.mjs');
  if (!existsSync(gen)) return;
  const r = spawnSync(process.execPath, [gen, '--check'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { headerText } = (await import(pathToFileURL(gen).href)) as { headerText: (t: unknown) => string };
  const tables = await import('../../src/enter/tables.js');
  assert.equal(headerText(tables), readFileSync(join(REPO, 'native-bindings', 'nsx-enter-tables.h'), 'utf8'));
});
