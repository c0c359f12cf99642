/**
 * Examples are tests: every `nsx …` command line of README.md and docs/*.md runs — on the fixture host it names,
 * or on the live host in a scenario made here — and prints what the page shows; or it says why it cannot run
 * (`# … (needs a terminal)`). The rules are in test/docs/examples.ts and docs/development.md.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allExamples, compareOutput, examplesOf, kindOf, nsxBinDir, outputLines, runExample, splitComment, type Example } from './examples.js';
import { REPO } from '../helpers/host.js';

const examples = allExamples();
const where = (e: Example) => `${e.file}:${e.line}: ${e.command}`;
const bin = nsxBinDir();
after(() => bin.cleanup());

/** `nsx exporter …` (but `--once`) and `nsx record` (not its `info`/`export` subcommands): they run until stopped. */
const LONG_RUNNING = /\bnsx\s+(?:--?\S+(?:\s+[^-\s]\S*)?\s+)*(?:exporter\b|record(?!\s+(?:info|export)\b)\b)/;

/** What went wrong with an example that ran, or undefined. */
function check(e: Example, env?: Record<string, string>, cwd?: string): string | undefined {
  // not run at all on the live host: a server or a recorder would run until the timeout, as root, writing
  // its files (nsx record's /var/lib/nsx) or listening; the page must say why it is not run
  if (kindOf(e) === 'live' && LONG_RUNNING.test(e.command) && !/\s(?:-h|--help|-V|--version|--once)\b/.test(e.command))
    return 'serves or records until stopped: not run here; mark it on the page, e.g. (not run: serves until stopped), or run it on a fixture host';
  // a live host may be big and busy: more time than a fixture needs
  const timeoutMs = kindOf(e) === 'live' ? 180_000 : 60_000;
  const r = runExample(e, { bin: bin.dir, env, cwd, timeoutMs });
  if (r.timedOut) return `still running after ${timeoutMs / 1000} s: a command that does not end needs a marker, e.g. (not run: serves until stopped)`;
  if (e.output && e.output.lines.length) {
    const diff = compareOutput(e.output.lines, outputLines(r.output));
    return diff === undefined ? undefined : `${diff}\n(npm run docs -- --examples rewrites outputs shown in full)`;
  }
  return r.code === 0 ? undefined : `exit status ${r.code}: ${r.output.trim().split('\n').slice(-3).join(' / ')}`;
}

test('servers and recorders are never run as live examples', () => {
  for (const c of ['sudo nsx exporter --listen 127.0.0.1:9587', 'nsx record', 'sudo nsx record --interval 10s --dir /srv/nsx', 'nsx --debug record'])
    assert.match(c, LONG_RUNNING, c);
  for (const c of ['nsx record info', 'nsx record export --openmetrics --since 1h', 'nsx top --from -1h', 'nsx ls', 'nsx why container:recorder'])
    assert.doesNotMatch(c, LONG_RUNNING, c);
});

test('the example reader: prompts, output, comments, markers, continuations, fixtures', () => {
  const page = [
    '```console',
    '$ nsx --root fixtures/k8s-node.manifest ls -t net   # the net namespaces',
    'NS TYPE',
    '…',
    '',
    '$ sudo nsx top   # interactive (needs a terminal)',
    '```',
    '```sh',
    "nsx ps -o PID \\",
    "  --sort=-RSS   # '#' inside quotes is not a comment",
    'echo nsx   # not an example',
    "nsx why 'pid:#1'",
    '```',
  ].join('\n');
  const ex = examplesOf('x.md', page);
  assert.equal(ex.length, 4);
  assert.deepEqual([ex[0].line, ex[0].fixture, ex[0].comment, ex[0].output?.lines], [2, 'fixtures/k8s-node.manifest', 'the net namespaces', ['NS TYPE', '…']]);
  assert.equal(kindOf(ex[0]), 'fixture');
  assert.deepEqual([ex[1].needs, kindOf(ex[1]), ex[1].output?.lines], ['needs a terminal', 'marked', []]);
  assert.deepEqual([ex[2].command, ex[2].prompt, kindOf(ex[2])], ['nsx ps -o PID  --sort=-RSS', false, 'live']);
  assert.equal(ex[3].command, "nsx why 'pid:#1'");
  assert.deepEqual(splitComment('nsx a "b # c" # d'), { command: 'nsx a "b # c"', comment: 'd' });
  assert.equal(compareOutput(['a', '…', 'd'], ['a', 'b', 'c', 'd']), undefined);
  assert.equal(compareOutput(['a', '…'], ['a']), undefined);
  assert.equal(compareOutput(['abc…', 'd'], ['abcdef', 'd']), undefined, 'a cut line matches by its start');
  assert.match(compareOutput(['abx…'], ['abcdef']) ?? '', /line 1/);
  assert.match(compareOutput(['a', 'x'], ['a', 'b']) ?? '', /line 2 .*\n.*"x"[^]*"b"/);
  assert.match(compareOutput(['a'], ['a', 'b']) ?? '', /1 more/);
});

test('README.md and every docs page have examples, and every one is run or marked', () => {
  assert.ok(examples.length >= 60, `${examples.length} examples`);
  for (const f of ['README.md', 'docs/ls.md', 'docs/ps.md', 'docs/cg.md', 'docs/top.md', 'docs/why.md', 'docs/dashboard.md']) {
    assert.ok(examples.some((e) => e.file === f && kindOf(e) !== 'marked'), `${f} has an example that runs`);
  }
  const kinds = { marked: 0, fixture: 0, live: 0 };
  for (const e of examples) kinds[kindOf(e)]++;
  console.log(`# examples: ${kinds.fixture} on fixture hosts, ${kinds.live} on the live host, ${kinds.marked} marked as not runnable`);
  // a marked example says why in words, and shows no output it could not have checked
  for (const e of examples.filter((x) => kindOf(x) === 'marked')) {
    assert.ok(e.needs!.split(/\s+/).length >= 2, `${where(e)}: the marker should say why it cannot run`);
    assert.ok(!e.output || e.output.lines.length === 0, `${where(e)}: a marked example shows output nobody checks`);
  }
  // a live example shows no output: a live host's output differs from any page (run it on a fixture instead)
  for (const e of examples.filter((x) => kindOf(x) === 'live')) assert.ok(!e.output || e.output.lines.length === 0, `${where(e)}: live output shown; run it on a fixture host (--root fixtures/…) or elide it`);
});

test('examples on fixture hosts print what the pages show', () => {
  const bad: string[] = [];
  for (const e of examples.filter((x) => kindOf(x) === 'fixture')) {
    const why = check(e);
    if (why) bad.push(`${where(e)}\n${why}`);
  }
  assert.deepEqual(bad, [], bad.join('\n\n'));
});

/** The live scenario: `$PID`, a sleep in new pid, net, uts, ipc and mount namespaces (ended by PID). */
let scenario: { child: ChildProcess; pid: number; cwd: string } | undefined;
const liveSkip = process.getuid?.() !== 0 ? 'not root: the live examples need root' : undefined;

async function startScenario(): Promise<{ child: ChildProcess; pid: number; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), `nsx-test-docs-live-${process.pid}-`));
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--net', '--uts', '--ipc', 'sleep', '600'], { stdio: 'ignore' });
  // the sleep is the child of unshare: wait until it is there
  const end = Date.now() + 10_000;
  for (;;) {
    let kids = '';
    try {
      kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    } catch {
      kids = ''; // unshare not started yet (or gone: the deadline reports it)
    }
    const pid = Number(kids.split(/\s+/)[0]);
    if (pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') return { child, pid, cwd };
    if (Date.now() > end) throw new Error('the live scenario (unshare … sleep) did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  if (!liveSkip) scenario = await startScenario();
});
after(() => {
  if (!scenario) return;
  // by PID: the sleep, then unshare
  for (const pid of [scenario.pid, scenario.child.pid!]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(scenario.cwd, { recursive: true, force: true });
});

test('live examples run on this host ($PID: a process in its own namespaces)', { skip: liveSkip, timeout: 1_800_000 }, () => {
  const bad: string[] = [];
  const live = examples.filter((x) => kindOf(x) === 'live');
  for (const e of live) {
    const tool = /\|\s*(jq|curl)\b/.exec(e.command)?.[1] ?? /\bnsx enter .* (ip) /.exec(e.command)?.[1];
    if (tool && runExample({ ...e, command: `command -v ${tool}` }, { bin: bin.dir }).code !== 0) {
      console.log(`# ${where(e)}: not run (${tool} is not installed)`);
      continue;
    }
    const why = check(e, { PID: String(scenario!.pid) }, scenario!.cwd);
    if (why) bad.push(`${where(e)}\n${why}`);
  }
  assert.deepEqual(bad, [], bad.join('\n\n'));
});

test('the pages show what the program prints: the README names no PID or container a fixture lacks', () => {
  // every example that names a PID, a pid: or container: target runs on a fixture or on $PID (checked above);
  // here, the forms that cannot work: a literal PID without --root
  for (const e of examples.filter((x) => kindOf(x) === 'live')) {
    assert.doesNotMatch(e.command, /(?:-t|--target|pid:|\bps|\bcg ps)\s*\d{3,}|container:[0-9a-f]{6,}/, `${where(e)}: a PID or container id of a recorded host, without --root`);
  }
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  assert.doesNotMatch(readme, /container:redis/, 'no fixture has a container named redis');
});
