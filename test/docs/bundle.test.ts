/**
 * The product's one module graph (dist/bundle/, scripts/build.mjs): `nsx ls` loads the CLI core only (no Ink,
 * React or TUI chunk), every command and every TUI entry is reachable through its lazy boundary, and the
 * error classes are one (the TUI's NsxError is the CLI's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { REPO } from '../helpers/host.js';
import { commandNames } from '../../src/cli/main.js';

const BUNDLE = join(REPO, 'dist', 'bundle');
const files = readdirSync(BUNDLE).filter((f) => f.endsWith('.js'));
const one = (prefix: string) => {
  const f = files.filter((x) => x.startsWith(prefix));
  assert.equal(f.length, 1, `one ${prefix}* chunk`);
  return join(BUNDLE, f[0]);
};

/** Files a module statically imports, transitively, within the bundle. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(BUNDLE, file), 'utf8');
  for (const m of text.matchAll(/(?:^|[;\s])(?:import|export)\s*(?:[^'"()]*?from\s*)?["']\.\/([\w-]+\.js)["']/g)) staticClosure(m[1], seen);
  return seen;
}

test('the CLI core loads without the TUI: no Ink, React or TUI chunk in the static closure of nsx.js and the commands', () => {
  const core = staticClosure('nsx.js');
  const commands = staticClosure(one('nsx_commands-').split('/').pop()!);
  assert.ok(core.size + commands.size <= 10, `nsx ls loads ${new Set([...core, ...commands]).size} files`);
  const tui = one('nsx_tui-').split('/').pop()!;
  for (const f of new Set([...core, ...commands])) {
    assert.notEqual(f, tui);
    const text = readFileSync(join(BUNDLE, f), 'utf8');
    assert.doesNotMatch(text, /from\s*["'](ink|react|react\/jsx-runtime)["']/, `${f} imports Ink or React statically`);
  }
});

test('every command and every TUI entry is behind its one lazy boundary', async () => {
  const cmds = (await import(pathToFileURL(one('nsx_commands-')).href)) as Record<string, { command?: { name: string; run: unknown } }>;
  const names = Object.values(cmds).map((m) => m.command?.name);
  for (const n of commandNames()) assert.ok(names.includes(n === 'cgroups' ? 'cg' : n), `command ${n} in the commands chunk`);
  const tui = (await import(pathToFileURL(one('nsx_tui-')).href)) as Record<string, Record<string, unknown>>;
  const entries = Object.values(tui).flatMap((m) => Object.keys(m));
  for (const fn of ['runTopTui', 'runDashboardTui']) assert.ok(entries.includes(fn), `${fn} in the TUI chunk`);
});

/** `require(…)` and `import(…)` of packages and built-ins in a CommonJS bundle. */
function externals(text: string): Set<string> {
  return new Set([...text.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)/g)].map((m) => m[1]));
}

test('the short commands are one CommonJS file each that loads only Node built-ins (and koffi on demand)', () => {
  assert.equal(readFileSync(join(BUNDLE, 'cli-cgroups.alias'), 'utf8').trim(), 'cg');
  for (const word of ['ls', 'enter', 'cg']) {
    const f = join(BUNDLE, `cli-${word}.cjs`);
    const text = readFileSync(f, 'utf8');
    for (const x of externals(text)) assert.match(x, /^(node:[a-z_/]+|koffi)$/, `cli-${word}.cjs loads ${x}`);
    assert.doesNotMatch(text, /\.\/(chunk|nsx_)[\w-]*\.js/, `cli-${word}.cjs loads an ES chunk`);
  }
});

test('the commands chunk that top, ps and the dashboard load does not load the exporter (prom-client, http, zlib)', () => {
  for (const f of staticClosure(one('nsx_commands-').split('/').pop()!)) {
    const text = readFileSync(join(BUNDLE, f), 'utf8');
    assert.doesNotMatch(text, /from\s*["'](prom-client|node:http|node:zlib)["']/, `${f} imports the exporter's packages statically`);
  }
});

test('bin/nsx runs the short bundle (with its code cache) for a short command, after global options too, nsx.js otherwise', async () => {
  const bin = join(REPO, 'bin', 'nsx');
  const loaded = (args: string[]) => {
    // bin/nsx required in a process whose argv looks like `node bin/nsx ARGS`; what it loaded is printed at exit
    // (the short bundles are compiled with vm.Script, not require(): bin/nsx's loader is watched instead)
    const code = `process.argv.splice(1, 0, ${JSON.stringify(bin)}); const vm = require('node:vm'); const seen = []; const S = vm.Script; vm.Script = function (src, o) { seen.push(o.filename.split('/').pop()); return new S(src, o); }; process.on('exit', () => process.stderr.write('@@' + Object.keys(require.cache).map((f) => f.split('/').pop()).concat(seen).join(' ') + '\\n')); require(${JSON.stringify(bin)}).main()`;
    const r = spawnSync(process.execPath, ['-e', code, '--', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return { out: r.stdout, files: /@@(.*)/.exec(r.stderr)![1].split(' ') };
  };
  const short = loaded(['cg', '--help']);
  assert.match(short.out, /nsx cg tree/);
  assert.ok(short.files.includes('cli-cg.cjs'), short.files.join(' '));
  const viaAlias = loaded(['cgroups', '--help']);
  assert.ok(viaAlias.files.includes('cli-cg.cjs'), viaAlias.files.join(' '));
  const globalsFirst = loaded(['--no-color', '--root', '/', 'cg', '--help']);
  assert.equal(globalsFirst.out, short.out);
  assert.ok(globalsFirst.files.includes('cli-cg.cjs'), globalsFirst.files.join(' '));
  const general = loaded(['exporter', '--help']);
  assert.match(general.out, /nsx exporter/);
  // nsx top off a terminal (tables, JSON) is a short command too; on a terminal the TUI runs through nsx.js
  const top = loaded(['top', '--help']);
  assert.match(top.out, /nsx top/);
  assert.ok(top.files.includes('cli-top.cjs'), top.files.join(' '));
  // the code cache is accepted (made for this Node by the build): V8 does not compile the bundle again
  const vm = await import('node:vm');
  const file = join(BUNDLE, 'cli-cg.cjs');
  const { wrapped } = createRequire(import.meta.url)(bin) as { wrapped: (f: string) => string };
  const script = new vm.Script(wrapped(file), { filename: file, cachedData: readFileSync(`${file}.cache`) });
  assert.equal(script.cachedDataRejected, false, 'the code cache of cli-cg.cjs is rejected');
  assert.ok(!general.files.some((f) => f.startsWith('cli-')), general.files.join(' '));
});

test("each short file's code cache is accepted by a Node started with the V8 flags bin/nsx gives its command", () => {
  const bin = join(REPO, 'bin', 'nsx');
  const line = readFileSync(bin, 'utf8').split('\n')[1];
  for (const f of readdirSync(BUNDLE).filter((x) => /^cli-[a-z]+\.cjs$/.test(x))) {
    const word = f.slice(4, -4);
    const flags = new RegExp(`(?:^|[ ;(])${word}\\) exec node ((?:--[a-z0-9-]+(?:=[^\\s"]+)? )*)"\\$0"`).exec(line)?.[1].trim().split(/\s+/).filter(Boolean) ?? [];
    const file = join(BUNDLE, f);
    const code = `const vm = require('node:vm'); const { wrapped } = require(${JSON.stringify(bin)}); const f = ${JSON.stringify(file)}; process.stdout.write(String(new vm.Script(wrapped(f), { filename: f, cachedData: require('node:fs').readFileSync(f + '.cache') }).cachedDataRejected))`;
    const r = spawnSync(process.execPath, [...flags, '-e', code], { encoding: 'utf8' });
    assert.equal(r.stdout, 'false', `the code cache of ${f} is rejected under node ${flags.join(' ')} (${r.stderr})`);
  }
});

test('the short file of nsx top holds neither the TUI nor Ink: their imports throw, and a terminal sends the TUI to nsx.js', async () => {
  const text = readFileSync(join(BUNDLE, 'cli-top.cjs'), 'utf8');
  for (const x of externals(text)) assert.match(x, /^(node:[a-z_/]+|koffi)$/, `cli-top.cjs loads ${x}`);
  assert.ok(!/function runTopTui\b|\bTopApp\b/.test(text), 'cli-top.cjs holds the TUI');
  assert.ok(text.includes('nsx: ink is not in this short command'), 'the stub of ink');
  const { topWantsTui } = await import('../../src/cli/commands/top.js');
  assert.equal(topWantsTui([]), true);
  assert.equal(topWantsTui(['-d', '2', '/x']), true);
  for (const a of [['-b'], ['-bn1'], ['--json', '-n', '1'], ['-J'], ['--batch'], ['-h'], ['--root', '/', '-b']]) assert.equal(topWantsTui(a), false, a.join(' '));
  assert.equal(topWantsTui(['-o', '-b']), true, '-b as the argument of -o');
  assert.equal(topWantsTui(['--bogus']), undefined);
});

test('run as a program, bin/nsx starts Node without NODE_EXTRA_CA_CERTS (Node would read that file at start-up)', () => {
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: `/nonexistent/nsx-test-${process.pid}.pem` };
  // the probe: Node warns when it cannot read the file it was given
  const node = spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env });
  assert.match(node.stderr, /extra certs/);
  const nsx = spawnSync(join(REPO, 'bin', 'nsx'), ['ls', '--help'], { encoding: 'utf8', env });
  assert.equal(nsx.status, 0, nsx.stderr);
  assert.doesNotMatch(nsx.stderr, /extra certs/);
  assert.match(nsx.stdout, /nsx ls/);
});
