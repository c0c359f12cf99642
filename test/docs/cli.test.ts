/** The CLI's rough edges a new user meets: help, version, colour, misplaced options, hostile messages, JSON. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { NSX_BIN, runNsx, stripAnsi } from '../helpers/cli.js';
import { fixture } from '../helpers/host.js';
import { resolveColor } from '../../src/cli/context.js';
import { escapeMessage, reportError, USAGE, commandNames } from '../../src/cli/main.js';
import { IoError, NsxError, UsageError, fromFsError, isNsxError, errnoSentence } from '../../src/errors.js';
import { formatJson, formatNdjson } from '../../src/output/json.js';
import { Writable } from 'node:stream';

const HOST = fixture('hybrid-systemd.manifest');

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(c, _e, cb) {
      w.text += String(c);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

test('nsx --help lists every command, dashboard and help included; nsx help CMD is CMD --help', () => {
  const r = runNsx(['--help']);
  assert.equal(r.code, 0);
  for (const n of [...commandNames(), 'dashboard', 'help']) assert.match(r.stdout, new RegExp(`^  ${n} `, 'm'), n);
  assert.equal(r.stdout, USAGE);
  const h = runNsx(['help', 'ls']);
  assert.equal(h.code, 0);
  assert.equal(h.stdout, runNsx(['ls', '--help']).stdout);
  assert.equal(runNsx(['help']).stdout, USAGE);
  const bad = runNsx(['help', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^nsx: unknown command 'nope'\nTry 'nsx --help'/);
});

test('nsx --version: version and commit first, then node, the enter helper, the exec addon and koffi', () => {
  const r = runNsx(['--version']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^nsx \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{7,40}(-dirty)?|unknown)\)$/);
  for (const k of ['node', 'enter helper', 'exec addon', 'koffi']) assert.ok(lines.some((l) => l.startsWith(`${k}: `)), k);
  // a command's --version (and -V) is the first line only
  assert.equal(runNsx(['ls', '--version']).stdout, lines[0] + '\n');
  assert.equal(runNsx(['-V', 'ls']).stdout, lines[0] + '\n');
});

test('--color=auto|always|never and NO_COLOR', () => {
  assert.equal(resolveColor('auto', true, {}), true);
  assert.equal(resolveColor('auto', false, {}), false);
  assert.equal(resolveColor('auto', true, { NO_COLOR: '1' }), false);
  assert.equal(resolveColor('auto', true, { NO_COLOR: '' }), true, 'NO_COLOR set but empty does not count');
  assert.equal(resolveColor('auto', true, { TERM: 'dumb' }), false);
  assert.equal(resolveColor('always', false, { NO_COLOR: '1' }), true, 'an explicit --color=always wins');
  assert.equal(resolveColor('never', true, {}), false);
  assert.equal(runNsx(['--root', HOST, '--color=never', 'ls']).code, 0);
  assert.equal(runNsx(['--root', HOST, 'ls', '--color=always']).code, 0);
  assert.equal(runNsx(['--root', HOST, 'ls', '--no-color']).code, 0);
  const bad = runNsx(['--color=sometimes', 'ls']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid argument 'sometimes' for '--color' \(auto, always or never\)/);
});

test('nsx --summary and nsx --json (the host summary) are accepted', () => {
  const s = runNsx(['--root', HOST, '--summary']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /^cgroups: +hybrid/m);
  // --summary: the summary alone (on a terminal too: the same path), 4 lines, no usage after it
  assert.equal(s.stdout.trimEnd().split('\n').length, 4, s.stdout);
  assert.doesNotMatch(s.stdout, /Usage:/);
  // without --summary and without a terminal: the summary, then the usage
  const bare = runNsx(['--root', HOST]);
  assert.equal(bare.code, 0, bare.stderr);
  assert.ok(bare.stdout.endsWith(USAGE), 'the usage after the summary');
  const j = runNsx(['--root', HOST, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const o = JSON.parse(j.stdout);
  assert.equal(o.layout, 'hybrid');
  assert.equal(typeof o.processes, 'number');
  assert.equal(runNsx(['--root', HOST, '--json', '--summary']).code, 2);
});

test('nsx --summary on a terminal: the summary alone, no usage after it (node-pty)', async (t) => {
  type Pty = { onData(f: (d: string) => void): void; onExit(f: (e: { exitCode: number }) => void): void };
  let pty: { spawn(f: string, a: string[], o: object): Pty };
  try {
    pty = createRequire(import.meta.url)('node-pty');
  } catch (e) {
    t.skip(`node-pty cannot load: ${(e as Error).message}`);
    return;
  }
  const p = pty.spawn(process.execPath, [NSX_BIN, '--root', HOST, '--summary'], { name: 'xterm-256color', cols: 100, rows: 30, cwd: process.cwd(), env: { ...process.env, CI: 'true' } });
  let out = '';
  p.onData((d) => (out += d));
  const { exitCode } = await new Promise<{ exitCode: number }>((res) => p.onExit(res));
  assert.equal(exitCode, 0, out);
  const lines = stripAnsi(out).replace(/\r/g, '').trimEnd().split('\n');
  assert.match(lines[0], /^cgroups: +hybrid/, out);
  assert.equal(lines.length, 4, out);
  assert.doesNotMatch(out, /Usage:/);
});

test('nsx dashboard --help is the dashboard\'s help alone, not followed by the whole usage', () => {
  const h = runNsx(['dashboard', '--help']);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /^Usage: nsx \[--root DIR\]/);
  assert.doesNotMatch(h.stdout, /^Commands:/m);
  assert.ok(h.stdout.split('\n').length < 25, `${h.stdout.split('\n').length} lines`);
  assert.match(h.stdout, /250 to 60000/);
});

test('global options after enter: a hint to put them before the command, not about -r', () => {
  const d = runNsx(['enter', '--no-color', '-t', '1', 'true']);
  assert.equal(d.code, 1); // nsenter's status for a usage error
  assert.match(d.stderr, /^nsx enter: '--no-color' is a global option: put it before 'enter' \(nsx --no-color enter …\)$/m);
  const r = runNsx(['enter', '--root', HOST, '-t', '1', 'true']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /put the global option first: nsx --root .* enter/);
  assert.doesNotMatch(r.stderr, /temp|nsx-host-/);
});

test('--root FILE that is not a manifest says so, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), `nsx-test-docs-${process.pid}-`));
  try {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'just some text\n');
    const r = runNsx(['--root', f, 'ls']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `nsx: --root: ${f}: not a host manifest (a manifest starts with '@@ f|d|l|x PATH' lines; see docs/development.md) and not a directory\n`);
    const missing = runNsx(['--root', join(dir, 'nope'), 'ls']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--root: .*nope: no such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('error messages escape every control character, newline included: one line per error', () => {
  const r = runNsx(['--root', HOST, 'cg', 'show', '/a\nb\x1b[31m']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n').length, 2, JSON.stringify(r.stderr));
  assert.match(r.stderr, /\/a\\x0ab\\x1b\[31m/);
  assert.equal(escapeMessage("nsx: bad\nname\nTry 'nsx --help' for more information."), "nsx: bad\\x0aname\nTry 'nsx --help' for more information.");
  // the handler names the command once: nsx CMD: SUBJECT: what is wrong
  assert.equal(escapeMessage('/x: no such cgroup', 'nsx cg'), 'nsx cg: /x: no such cgroup');
  assert.equal(escapeMessage('ls: process 9 not found', 'nsx ls'), 'nsx ls: process 9 not found');
  assert.equal(escapeMessage('nsx ps: 9: no such process', 'nsx ps'), 'nsx ps: 9: no such process');
  assert.equal(escapeMessage('9: no such process'), 'nsx: 9: no such process');
  const w = sink();
  assert.equal(reportError(new UsageError('x\ry'), false, w), 2);
  assert.equal(w.text, 'nsx: x\\x0dy\n');
});

test('errno errors are plain sentences, not internal errors', () => {
  const long = '/tmp/' + 'a'.repeat(300);
  const r = runNsx(['--root', long, 'ls']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `nsx ls: ${long}: file name too long\n`);
  const w = sink();
  const e = Object.assign(new Error('ENAMETOOLONG: name too long, open'), { code: 'ENAMETOOLONG', path: '/x' });
  assert.equal(reportError(e, false, w), 1);
  assert.equal(w.text, 'nsx: /x: file name too long\n');
  assert.equal(fromFsError(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }), '/sys/x').message, '/sys/x: input/output error');
  assert.equal(errnoSentence('ELOOP'), 'too many levels of symbolic links');
  const w2 = sink();
  reportError(new TypeError('boom'), false, w2);
  assert.match(w2.text, /^nsx: internal error: boom \(run with --debug for details\)\n$/);
});

test('errors are recognised by class (one module graph), not by shape', () => {
  assert.ok(isNsxError(new IoError('x')));
  assert.ok(new UsageError('u') instanceof NsxError);
  const lookalike = Object.assign(new Error('m'), { kind: 'io', exitCode: 1 });
  assert.equal(isNsxError(lookalike), false);
});

test('JSON keeps integers above 2^53 exact (bigint), never rounded or quoted', () => {
  const v = { hierarchical_memory_limit: 9223372036854771712n, max: 18446744073709551615n, neg: -5n, s: 'x', n: 1.5, nested: [1n, null] };
  const t = formatJson(v);
  assert.match(t, /"hierarchical_memory_limit": 9223372036854771712,/);
  assert.match(t, /"max": 18446744073709551615,/);
  assert.match(t, /"neg": -5,/);
  assert.equal(formatNdjson({ a: 2n ** 64n }), '{"a":18446744073709551616}\n');
  // a string that looks like the internal marker stays a string
  assert.equal(formatNdjson({ s: '\u0000nsx-bigint-x:1' }), JSON.stringify({ s: '\u0000nsx-bigint-x:1' }) + '\n');
  assert.deepEqual(JSON.parse(formatJson({ a: 1, b: [2, 'c'] })), { a: 1, b: [2, 'c'] });
  // without a bigint, JSON.stringify's own text (the fast path); a bigint deep inside still takes the exact one
  const plain = { a: 1, b: [2, 'c', { d: null, e: 1.25, f: '"\u0000' }], g: new Date(0) };
  assert.equal(formatJson(plain), JSON.stringify(plain, null, 3) + '\n');
  assert.equal(formatNdjson(plain), JSON.stringify(plain) + '\n');
  assert.equal(formatNdjson({ ...plain, h: [{ i: 1n }] }), JSON.stringify(plain).slice(0, -1) + ',"h":[{"i":1}]}\n');
});
