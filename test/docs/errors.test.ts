/**
 * One error style, checked over the error catalogue: each command run with a table of bad inputs on fixture
 * hosts (and a few on the live host), and every message checked for its shape —
 *
 *     nsx CMD: SUBJECT: what is wrong[; try FIX]
 *
 * one line (a usage error may add "Try 'nsx CMD --help' for more information."), the prefix naming the command
 * that ran (`nsx` for the dashboard and the global options), the SUBJECT naming the bad input. Option-parsing
 * errors keep util-linux's wording, which quotes its subject (`nsx ls: unrecognized option '--bogus'`, `nsx ps:
 * invalid PID argument: 'abc'`, `nsx ps: unknown column: NOPE`), as lsns and nsenter print them.
 */
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { NSX_BIN } from '../helpers/cli.js';
import { fixture } from '../helpers/host.js';

interface Case {
  readonly argv: readonly string[];
  /** the fixture host (`--root`), or none: the live host */
  readonly host?: string;
  readonly code: 1 | 2;
  /** the bad input the message must name as its subject; undefined: a usage error without one (missing operand) */
  readonly subject?: string;
  /** text the message must hold too (a range, a hint) */
  readonly has?: string;
  /** why this case is expected to fail today (another change of this round rewrites it) */
  readonly todo?: string;
  /** the prefix expected instead of the command's: `nsx` for a global option given before the command */
  readonly prefix?: 'nsx';
}

const K8S = 'k8s-node.manifest';
const V1 = 'docker-v1.manifest';

export const CATALOGUE: readonly Case[] = [
  // ps
  { host: K8S, argv: ['ps', '999999'], code: 1, subject: '999999' },
  { host: K8S, argv: ['ps', '-c', 'nope'], code: 1, subject: 'nope' },
  { host: K8S, argv: ['ps', '-c', 'billing'], code: 1, subject: 'billing' },
  { host: K8S, argv: ['ps', '-g', '/nope'], code: 1, subject: '/nope' },
  { host: K8S, argv: ['ps', '--ns', '1'], code: 1, subject: '1' },
  { host: K8S, argv: ['ps', '-o', 'NOPE'], code: 2, subject: 'NOPE' },
  { host: K8S, argv: ['ps', '-s', 'NOPE'], code: 2, subject: 'NOPE' },
  { host: K8S, argv: ['ps', 'abc'], code: 2, subject: 'abc' },
  { host: K8S, argv: ['ps', '-N', 'abc'], code: 2, subject: 'abc' },
  { host: K8S, argv: ['ps', '-c', 'billing-db', '2000'], code: 2 },
  { host: K8S, argv: ['ps', '--bogus'], code: 2, subject: '--bogus' },
  // cg
  { host: K8S, argv: ['cg', 'show', '/nope'], code: 1, subject: '/nope' },
  { host: K8S, argv: ['cg', 'show', 'pid:999999'], code: 1, subject: '999999' },
  { host: K8S, argv: ['cg', 'show', 'container:nope'], code: 1, subject: 'container:nope' },
  { host: K8S, argv: ['cg', 'show', 'pod:a/b'], code: 1, subject: 'pod:a/b' },
  { host: K8S, argv: ['cg', 'ps', '999999'], code: 1, subject: '999999' },
  { host: K8S, argv: ['cg', 'ps', 'abc'], code: 2, subject: 'abc' },
  { host: K8S, argv: ['cg', 'tree', '/nope'], code: 1, subject: '/nope' },
  { host: V1, argv: ['cg', 'tree', '/group_1'], code: 1, subject: '/group_1', has: 'only in memory; try nsx cg tree -c memory /group_1' },
  { host: K8S, argv: ['cg', 'tree', '-c', 'nope'], code: 1, subject: 'nope' },
  { host: K8S, argv: ['cg', 'tree', '--depth', 'x'], code: 2, subject: 'x' },
  { host: K8S, argv: ['cg', '--depth', '1'], code: 2, subject: '--depth' },
  { host: K8S, argv: ['cg', 'bogus'], code: 2, subject: 'bogus' },
  { host: K8S, argv: ['cg', 'show'], code: 2 },
  // top
  { host: K8S, argv: ['top', '-b', '-n', '1', '/nope'], code: 1, subject: '/nope' },
  { host: K8S, argv: ['top', '-b', '-n', '1', 'container:nope'], code: 1, subject: 'container:nope' },
  { host: K8S, argv: ['top', '-d', '0'], code: 2, subject: '0', has: '10 ms to 1 day' },
  { host: K8S, argv: ['top', '-n', 'x'], code: 2, subject: 'x' },
  { host: K8S, argv: ['top', '-n', '0'], code: 2, subject: '0', has: 'at least 1' },
  { host: K8S, argv: ['top', '--order', 'bogus'], code: 2, subject: 'bogus', has: 'cpu, memory' },
  { host: K8S, argv: ['top', '-b', '-n', '1', '-o', 'NOPE'], code: 2, subject: 'NOPE' },
  { host: K8S, argv: ['top', 'a', 'b'], code: 2 },
  // why
  { host: K8S, argv: ['why'], code: 2 },
  { host: K8S, argv: ['why', 'pid:999999'], code: 1, subject: '999999' },
  { host: K8S, argv: ['why', '/nope'], code: 1, subject: '/nope' },
  { host: K8S, argv: ['why', 'container:nope'], code: 1, subject: 'container:nope' },
  { host: K8S, argv: ['why', '--for', 'x', '/'], code: 2, subject: 'x' },
  // the dashboard and the global options
  { host: K8S, argv: ['-i', '100'], code: 2, subject: '100', has: '250 to 60000 ms' },
  { host: K8S, argv: ['dashboard', '-i', '100'], code: 2, subject: '100', has: '250 to 60000 ms' },
  { host: K8S, argv: ['-i', 'abc'], code: 2, subject: 'abc' },
  { host: K8S, argv: ['bogus'], code: 2, subject: 'bogus' },
  { host: K8S, argv: ['--json', '--summary'], code: 2, subject: '--summary' },
  { argv: ['--color=x', 'ls'], code: 2, subject: 'x', prefix: 'nsx' },
  { argv: ['--root', '/nonexistent/nsx-test-docs', 'ls'], code: 2, subject: '/nonexistent/nsx-test-docs', prefix: 'nsx' },
  { argv: ['help', 'nope'], code: 2, subject: 'nope' },
  { argv: ['help', 'ls', 'ps'], code: 2 },
  // exporter
  { host: K8S, argv: ['exporter', '--listen', 'bogus'], code: 2, subject: 'bogus' },
  { host: K8S, argv: ['exporter', '--bogus'], code: 2, subject: '--bogus' },
  // ls and enter: lsns's and nsenter's exit status (1, usage errors too) and, where they have one, their wording
  { host: K8S, argv: ['ls', '-t', 'bogus'], code: 1, subject: 'bogus', has: 'try mnt, net' },
  { host: K8S, argv: ['ls', '-o', 'NOPE'], code: 1, subject: 'NOPE' },
  { host: K8S, argv: ['ls', '-p', 'abc'], code: 1, subject: 'abc' },
  { host: K8S, argv: ['ls', '--bogus'], code: 1, subject: '--bogus' },
  { host: K8S, argv: ['ls', '-p', '999999'], code: 1, subject: '999999' },
  { host: K8S, argv: ['ls', '12345'], code: 1, subject: '12345' },
  { host: K8S, argv: ['ls', '-Q', 'NOPE == 1'], code: 1, subject: 'NOPE' },
  { argv: ['enter', '-t', 'abc', 'true'], code: 1, subject: 'abc' },
  { argv: ['enter', '--bogus'], code: 1, subject: '--bogus' },
  { argv: ['enter', '-t', '999999999', '-n', 'true'], code: 1, subject: '999999999' },
  { host: K8S, argv: ['enter', '-t', '1', '-n', 'true'], code: 1, subject: '--root' },
];

/** util-linux's wordings of option-parsing errors: each quotes its subject (or ends with it). */
const UTIL_LINUX: readonly RegExp[] = [
  /^unrecognized option '(?<s>[^']+)'$/,
  /^invalid option -- '(?<s>.)'$/,
  /^option '(?<s>[^']+)' requires an argument$/,
  /^option requires an argument -- '(?<s>.)'$/,
  /^option '(?<s>[^']+)' doesn't allow an argument$/,
  /^option '(?<s>[^']+)' is ambiguous.*$/,
  /^invalid [\w .-]+?(?: argument)?:? '(?<s>[^']*)'(?: .*)?$/,
  /^invalid argument '(?<s>[^']*)' for '[^']+'.*$/,
  /^unknown column(?: in filter)?: (?<s>\S+)$/,
  /^unknown (?:namespace|tree) type: (?<s>\S+)$/,
  /^unknown (?:sub)?command '(?<s>[^']+)'.*$/,
  /^mutually exclusive arguments: .*$/,
];

/** What is wrong with the shape of an error, or undefined. */
export function shapeError(c: Pick<Case, 'argv' | 'subject' | 'has' | 'prefix'>, stderr: string): string | undefined {
  if (!stderr.endsWith('\n')) return 'does not end with a newline';
  const lines = stderr.slice(0, -1).split('\n');
  const word = c.argv.find((a, i) => !a.startsWith('-') && !(i > 0 && ['--root', '-i', '--interval'].includes(c.argv[i - 1])));
  const cmd = c.prefix === 'nsx' ? undefined : word && ['ls', 'cg', 'cgroups', 'enter', 'top', 'ps', 'why', 'exporter', 'record'].includes(word) ? word : undefined;
  if (lines.length > 2) return `${lines.length} lines`;
  if (lines.length === 2 && !/^Try 'nsx(?: [a-z]+)? --help' for more information\.$/.test(lines[1])) return `a second line that is not the Try hint: ${lines[1]}`;
  const m = /^nsx(?: ([a-z]+)(?: ([a-z]+))?)?: (.+)$/.exec(lines[0]);
  if (!m) return 'does not start with "nsx CMD: "';
  if (cmd && m[1] !== cmd && !(cmd === 'cgroups' && m[1] === 'cg')) return `names ${m[1] ? `'nsx ${m[1]}'` : "'nsx'"}, not the command that ran ('nsx ${cmd}')`;
  if (!cmd && m[1] !== undefined && m[1] !== 'help') return `names 'nsx ${m[1]}' for a global error`;
  if (m[2] !== undefined && !['tree', 'show', 'ps'].includes(m[2])) return `an unknown sub-command in the prefix: ${m[2]}`;
  const body = m[3];
  if (/\binternal error\b|^Error\b|\bat .*:\d+:\d+/.test(body)) return 'an internal error or a stack trace';
  if (/\.$/.test(body) && !/\.\.\.$/.test(body)) return 'ends with a full stop';
  if (c.has && !body.includes(c.has)) return `does not say ${JSON.stringify(c.has)}`;
  if (c.subject === undefined) return undefined;
  const util = UTIL_LINUX.map((re) => re.exec(body)).find(Boolean);
  if (util) return util.groups?.s === undefined || util.groups.s.includes(c.subject) || body.includes(c.subject) ? undefined : `does not name ${c.subject}`;
  // SUBJECT: what is wrong — the subject in the first or second segment, something after it
  const [main] = body.split('; try ');
  const parts = main.split(': ');
  const at = parts.findIndex((p) => p.includes(c.subject!));
  if (at < 0) return `does not name ${c.subject}`;
  if (at > 1 || at === parts.length - 1) return `the subject ${c.subject} is not where it belongs: "nsx CMD: SUBJECT: what is wrong"`;
  if (!/^[a-z(0-9'"]/.test(parts[at + 1])) return `"what is wrong" should start in lower case: ${parts[at + 1]}`;
  return undefined;
}

test('the shape checker: accepts the style, refuses the shapes the issue found', () => {
  const ok = (argv: string[], subject: string | undefined, err: string) => assert.equal(shapeError({ argv, subject }, err), undefined, err);
  const bad = (argv: string[], subject: string | undefined, err: string) => assert.notEqual(shapeError({ argv, subject }, err), undefined, err);
  ok(['ps', '999999'], '999999', 'nsx ps: 999999: no such process\n');
  ok(['cg', 'tree', '/x'], '/x', 'nsx cg: /x: no such cgroup in the name=systemd hierarchy, only in memory; try nsx cg tree -c memory /x\n');
  ok(['ls', '--bogus'], '--bogus', "nsx ls: unrecognized option '--bogus'\nTry 'nsx ls --help' for more information.\n");
  ok(['ps', 'abc'], 'abc', "nsx ps: invalid PID argument: 'abc'\n");
  ok(['-i', '100'], '100', "nsx: invalid interval argument: '100' (250 to 60000 ms)\n");
  bad(['ps', '999999'], '999999', 'nsx: 999999: no such process\n');
  bad(['ls', '-p', '999999'], '999999', 'nsx: ls: process 999999 not found\n');
  bad(['ls', '12345'], '12345', 'nsx: ls: not found namespace: 12345\n');
  bad(['ps', '999999'], '999999', 'nsx ps: no such process: 999999\n');
  bad(['ps', '999999'], '999999', 'nsx ps: 999999: No such process.\n');
  bad(['ps', '999999'], '999999', 'nsx ps: 999999: no such process\nat x (/a.js:1:2)\n');
});

/** Run nsx without blocking the event loop (the cases run a few at a time). */
function nsx(argv: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [NSX_BIN, ...argv], { encoding: 'utf8', timeout: 120_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr });
    });
  });
}

describe('the error catalogue', { concurrency: 4 }, () => {
for (const c of CATALOGUE) {
  const argv = c.host ? ['--root', fixture(c.host), ...c.argv] : [...c.argv];
  test(`nsx ${c.argv.join(' ')}${c.host ? ` (on ${c.host})` : ''}: exit ${c.code}, one line in the house style`, { todo: c.todo }, async () => {
    const r = await nsx(argv);
    assert.equal(r.code, c.code, r.stderr);
    assert.equal(r.stdout, '');
    const why = shapeError(c, r.stderr);
    assert.equal(why, undefined, `${JSON.stringify(r.stderr)}: ${why}`);
  });
}
});

test('counts agree with their nouns: countOf, and no "file(s)" in messages', async () => {
  const { countOf } = await import('../../src/output/words.js');
  assert.equal(countOf(1, 'file'), '1 file');
  assert.equal(countOf(3, 'file'), '3 files');
  assert.equal(countOf(0, 'process', 'processes'), '0 processes');
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { REPO } = await import('../helpers/host.js');
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
  for (const f of files(join(REPO, 'src'))) {
    for (const [i, line] of readFileSync(f, 'utf8').split('\n').entries()) {
      if (/^\s*(\/\/|\*)/.test(line)) continue;
      assert.doesNotMatch(line, /\} [a-z]+\(s\)|\$\{[^}]*length\} (files|paths|processes) /, `${f}:${i + 1}: a count that does not agree with its noun (use countOf)`);
    }
  }
});
