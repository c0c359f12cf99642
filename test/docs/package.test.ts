/**
 * Installation: `npm pack` ships what is needed and nothing else; `npm install -g` of the packed tarball
 * gives a working `nsx` (the C helper compiled on install, the man pages linked) found on sudo's PATH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';

const npm = (args: string[], opts: { cwd?: string; timeout?: number } = {}) =>
  spawnSync('npm', args, { cwd: opts.cwd ?? REPO, encoding: 'utf8', timeout: opts.timeout ?? 300_000, env: { ...process.env, npm_config_loglevel: 'error' } });

/** The file list `npm pack` would ship (the tree is built already: no lifecycle scripts run). */
function packList(): string[] {
  const r = npm(['pack', '--dry-run', '--json', '--ignore-scripts']);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout)[0].files as Array<{ path: string }>).map((f) => f.path).sort();
}

test('npm pack ships the bundle, man pages, completions, docs, the C sources and their build script, and nothing else', () => {
  const files = packList();
  const allowed = [
    /^LICENSE$/,
    /^README\.md$/,
    /^package\.json$/,
    /^bin\/nsx$/,
    /^bin\/package\.json$/,
    /^dist\/bundle\/[\w-]+\.js$/,
    // the short commands: one CommonJS file each, its V8 code cache, an alias's target (scripts/build.mjs)
    /^dist\/bundle\/cli-[a-z]+\.(cjs|cjs\.cache|alias)$/,
    /^dist\/man\/nsx(-[a-z]+)?\.1$/,
    /^dist\/completions\/(nsx\.bash|_nsx|nsx\.fish)$/,
    /^native-bindings\/[\w.-]+\.[ch]$/,
    /^native-bindings\/build\.mjs$/,
    // the reference pages and JSON schemas that --help, the man pages and errors point to
    /^docs\/[\w-]+\.md$/,
    /^docs\/schemas\/[\w-]+\.json$/,
  ];
  const stray = files.filter((f) => !allowed.some((re) => re.test(f)));
  assert.deepEqual(stray, [], 'files that do not belong in the package');
  for (const need of ['bin/nsx', 'dist/bundle/nsx.js', 'dist/man/nsx.1', 'native-bindings/nsx-enter.c', 'native-bindings/napi-min.h', 'native-bindings/build.mjs', 'LICENSE', 'README.md'])
    assert.ok(files.includes(need), `${need} is shipped`);
  // every chunk of the bundle, every man page and completion the build made
  for (const dir of ['dist/bundle', 'dist/man', 'dist/completions'])
    for (const f of readdirSync(join(REPO, dir))) assert.ok(files.includes(`${dir}/${f}`), `${dir}/${f} is shipped`);
  // no compiled helper: it is built on install, for the installing machine
  assert.ok(!files.some((f) => f.startsWith('native-bindings/build/')));
});

test('package.json: licence file, man pages, bin, engines, install script', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.equal(pkg.license, 'Apache-2.0');
  assert.match(readFileSync(join(REPO, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  assert.deepEqual(pkg.bin, { nsx: 'bin/nsx' });
  assert.equal(pkg.engines.node, '>=20.19');
  assert.match(pkg.scripts.install, /native-bindings\/build\.mjs/);
  const pages = readdirSync(join(REPO, 'dist', 'man')).map((f) => `./dist/man/${f}`).sort();
  assert.deepEqual([...pkg.man].sort(), pages, 'package.json "man" lists every generated man page');
  for (const dep of ['ink', 'react', 'koffi']) assert.ok(pkg.dependencies[dep], `${dep} is a runtime dependency`);
});

/** Does a package's `engines.node` range admit this version? (`>=X`, `^X`, `X || Y`, `>= X.Y.Z`) */
export function admits(range: string, version: string): boolean {
  const v = version.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  return range.split('||').some((alt) =>
    alt.trim().split(/\s+(?=[<>=^~])/).every((c) => {
      const m = /^(>=|>|<=|<|\^|~|=)?\s*v?(\d+(?:\.\d+){0,2})/.exec(c.trim());
      if (!m) return false;
      const w = m[2].split('.').map(Number);
      const d = cmp(v, w);
      switch (m[1]) {
        case '>=': return d >= 0;
        case '>': return d > 0;
        case '<=': return d <= 0;
        case '<': return d < 0;
        case '^': return d >= 0 && v[0] === w[0];
        case '~': return d >= 0 && v[0] === w[0] && v[1] === (w[1] ?? v[1]);
        // a bare version is an X-range: `20` is any 20.x.y, `20.19` any 20.19.y
        default: return w.every((n, i) => v[i] === n);
      }
    }),
  );
}

test('every package npm installs (dev dependencies included) supports Node 20.19, the README\'s minimum: no EBADENGINE on npm install', () => {
  assert.ok(admits('>=18', '20.0.0') && !admits('>=22', '20.19.0') && admits('^12.20.0 || ^14.13.1 || >=16.0.0', '20.0.0') && admits('>= 14.6', '20.0.0') && !admits('^18', '20.0.0') && admits('18 || 20 || >=22', '20.19.0') && !admits('18 || >=22', '20.19.0'));
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
  const bad = Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[] }>)
    .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node && !admits(p.engines.node, '20.19.0'))
    .map(([k, p]) => `${k} needs node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(bad, [], 'packages that need a newer Node than the README promises (20.19)');
});

/** sudo's PATH: secure_path from /etc/sudoers (and sudoers.d), else Debian's default. */
function securePath(): string[] {
  const files = ['/etc/sudoers', ...(existsSync('/etc/sudoers.d') ? readdirSync('/etc/sudoers.d').map((f) => join('/etc/sudoers.d', f)) : [])];
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue; // unreadable: keep looking
    }
    const m = /^\s*Defaults\s+secure_path\s*=\s*"?([^"\n]+)"?/m.exec(text);
    if (m) return m[1].split(':');
  }
  return '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'.split(':');
}

test('npm install -g of the packed tarball works, and nsx is on sudo\'s PATH', { timeout: 600_000 }, (t) => {
  const globalBin = join(npm(['prefix', '-g']).stdout.trim(), 'bin');
  assert.ok(securePath().includes(globalBin), `npm's global bin directory ${globalBin} is in sudo's secure_path (${securePath().join(':')})`);
  const dir = mkdtempSync(join(tmpdir(), `nsx-test-pack-${process.pid}-`));
  try {
    const p = npm(['pack', '--ignore-scripts', '--pack-destination', dir]);
    assert.equal(p.status, 0, p.stderr);
    const tgz = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
    const prefix = join(dir, 'prefix');
    // offline: the dependencies come from npm's cache, filled by the `npm install` of this checkout
    const i = npm(['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tgz], { cwd: dir });
    if (i.status !== 0 && /ENOTCACHED|only-if-cached/.test(i.stderr)) {
      t.skip('the dependencies are not in the npm cache (this checkout was not installed with npm install): offline install impossible');
      return;
    }
    assert.equal(i.status, 0, i.stderr);
    const bin = join(prefix, 'bin', 'nsx');
    assert.ok(existsSync(bin), 'bin/nsx linked');
    assert.ok(existsSync(join(prefix, 'share', 'man', 'man1', 'nsx-ls.1')), 'man pages linked');
    assert.ok(existsSync(join(prefix, 'lib', 'node_modules', 'nsx', 'native-bindings', 'build', 'nsx-enter')), 'the enter helper was compiled on install');
    // as sudo runs it: a clean environment and secure_path, with this prefix's bin in place of npm's global one
    const path = [join(prefix, 'bin'), ...securePath()].join(':');
    const v = spawnSync('nsx', ['--version'], { encoding: 'utf8', env: { PATH: path }, cwd: '/' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^nsx \d+\.\d+\.\d+/);
    assert.match(v.stdout, /^enter helper: .*\(ready\)$/m);
    const ls = spawnSync('nsx', ['ls', '-J', '-t', 'mnt'], { encoding: 'utf8', env: { PATH: path }, cwd: '/' });
    assert.equal(ls.status, 0, ls.stderr);
    assert.ok(Array.isArray(JSON.parse(ls.stdout).namespaces));
    // --debug: stack frames name the installed files, not the directory the package was built in
    const pkgDir = join(prefix, 'lib', 'node_modules', 'nsx');
    for (const cmd of [['ps', '999999'], ['top', '-b', '-n', '1', '/no-such-cgroup']]) {
      const d = spawnSync('nsx', ['--debug', '--root', join(REPO, 'fixtures', 'k8s-node.manifest'), ...cmd], { encoding: 'utf8', env: { PATH: path }, cwd: '/' });
      assert.equal(d.status, 1, d.stderr);
      const frames = d.stderr.split('\n').filter((l) => /^\s+at /.test(l) && /\//.test(l));
      assert.ok(frames.length > 0, d.stderr);
      for (const f of frames) assert.ok(f.includes(pkgDir) && !f.includes(join(REPO, 'dist')), `nsx ${cmd.join(' ')} --debug: ${f}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
