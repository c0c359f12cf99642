/**
 * The C fast path of `nsx enter` (bin/nsx's sh line runs `nsx-enter --cli` for `enter`, before Node starts):
 * for the plain form it must leave the program in exactly the state the Node path does, and every other form
 * must fall back to Node (same stdout, stderr and exit status). Each command runs both ways through bin/nsx's
 * launcher: as is (the fast path) and with NSX_ENTER_NO_FAST=1 (the Node path). Whether Node ran is seen through
 * NODE_OPTIONS=--require of a file that appends a line to a log (set the same way for both runs).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveSkipReason, startProcess, waitFor, childrenOf, type Started } from '../helpers/live.js';
import { NSX_BIN } from '../helpers/cli.js';
import { helperPath } from '../../native-bindings/enter.js';
import { fastForms, nodeForms, signalForms, unprivilegedForms } from './fast-path-forms.js';

const skip = liveSkipReason({ tools: ['unshare', 'setpriv'] }) || (helperPath() ? false : 'the helper is not built (node native-bindings/build.mjs)');

/** What the program sees: namespaces, directories, credentials, descriptors, signals, limits, environment. */
const PROBE = [
  'for f in /proc/self/ns/*; do echo "$f $(readlink $f)"; done',
  'pwd',
  'id',
  'readlink /proc/self/root',
  'ls /proc/self/fd',
  // the PID itself differs from run to run; the depth of pid namespaces does not
  'grep -E "^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|SigBlk|SigIgn)" /proc/self/status; awk \'/^NSpid/ { print "pid namespace levels", NF - 1 }\' /proc/self/status',
  // (not `ulimit -n`: Node raises its soft limit to the hard one at start and the Node path hands that on; the
  // fast path keeps the caller's, as nsenter does: tested on its own below)
  'umask',
  'env | sort',
].join('; ');

interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Node started */
  readonly node: boolean;
}

describe('nsx enter: the C fast path matches the Node path', { skip }, () => {
  let dir = '';
  let log = '';
  const started: Started[] = [];
  let full = 0; // unshare with pid, mnt, net, uts, ipc, cgroup, time namespaces (the process inside)
  let rootless = 0; // user, net and mount namespaces made by nobody (unshare -Urnm)
  let plain = 0; // a process sharing all our namespaces

  /** Run bin/nsx through its sh line; `node: true` forces the Node path. */
  const nsx = (args: string[], o: { node?: boolean; env?: NodeJS.ProcessEnv; bin?: string; nobody?: boolean } = {}): Ran => {
    rmSync(log, { force: true });
    const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env), NODE_OPTIONS: `--require ${join(dir, 'mark.cjs')}`, PATH: '/usr/local/bin:/usr/bin:/bin' };
    delete env.NSX_ENTER_NO_FAST;
    if (o.node) env.NSX_ENTER_NO_FAST = '1';
    const argv = [o.bin ?? NSX_BIN, 'enter', ...args];
    if (o.nobody) argv.unshift('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups');
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, node: existsSync(log) };
  };
  const same = (fast: Ran, node: Ran, what: string) => {
    assert.equal(fast.stderr, node.stderr, `${what}: stderr`);
    assert.equal(fast.stdout, node.stdout, `${what}: stdout`);
    assert.equal(fast.code, node.code, `${what}: exit status`);
    assert.equal(fast.signal, node.signal, `${what}: signal`);
    assert.ok(node.node, `${what}: the Node path ran Node`);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `nsx-test-fast-${process.pid}-`));
    chmodSync(dir, 0o1777); // the unprivileged runs load mark.cjs and write the log too
    log = join(dir, 'node-ran');
    writeFileSync(join(dir, 'mark.cjs'), `require('node:fs').appendFileSync(${JSON.stringify(log)}, process.argv.join(' ') + '\\n');\n`);
    const env = { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin' };
    const u = startProcess('unshare', ['--fork', '--pid', '--mount-proc', '--net', '--uts', '--ipc', '--cgroup', '--time', '--mount', 'sh', '-c', 'cd /tmp; exec sleep 600'], { env });
    started.push(u);
    await waitFor(() => {
      full = childrenOf(u.pid)[0] ?? 0;
      return full > 0 && readFileSync(`/proc/${full}/comm`, 'utf8').trim() === 'sleep';
    }, 10_000, 'the unshare target');
    const r = startProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-Urnm', 'sleep', '600'], { env, cwd: '/' });
    started.push(r);
    rootless = r.pid;
    await waitFor(() => readFileSync(`/proc/${rootless}/comm`, 'utf8').trim() === 'sleep', 10_000, 'the rootless target');
    const p = startProcess('sleep', ['600'], { env });
    started.push(p);
    plain = p.pid;
  });
  after(async () => {
    for (const s of started) await s.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the plain forms: same namespaces, directories, credentials, descriptors, environment and exit', () => {
    const forms = (T: string): string[][] => fastForms(T, ['sh', '-c', PROBE]);
    for (const [name, pid] of [['unshare', full], ['rootless', rootless], ['plain', plain]] as const) {
      for (const args of forms(String(pid))) {
        const what = `${name}: nsx enter ${args.join(' ').slice(0, 60)}`;
        const fast = nsx(args);
        const node = nsx(args, { node: true });
        assert.equal(fast.node, false, `${what}: the fast path started Node (${fast.stderr})`);
        same(fast, node, what);
      }
    }
    // the probe did see the target (not a silent no-op on both sides)
    const seen = nsx(['-t', String(full), '-a', 'sh', '-c', PROBE]).stdout;
    for (const t of ['net', 'uts', 'mnt', 'pid', 'time']) assert.ok(seen.includes(`/proc/self/ns/${t} ${readlinkSync(`/proc/${full}/ns/${t}`)}\n`), `${t}: ${seen}`);
  });

  test('unprivileged (nobody): its own user namespace entered the same way; refusals in the same words', () => {
    for (const args of unprivilegedForms(String(rootless), ['sh', '-c', PROBE])) {
      const fast = nsx(args, { nobody: true });
      assert.equal(fast.node, false, `${args.join(' ')}: ${fast.stderr}`);
      assert.equal(fast.code, 0, fast.stderr);
      same(fast, nsx(args, { nobody: true, node: true }), `nobody: ${args.slice(0, 4).join(' ')}`);
    }
    // refused when opening (Node's message), or by the kernel (the helper's): -n without -U (nobody has no
    // capability over the rootless net namespace outside its user namespace: adding -U is the fix), -i with -U
    // (the ipc namespace is ours, owned by the initial user namespace: -U was given, so no -U hint)
    for (const [args, hintU] of [
      [['-t', String(full), '-a', 'true'], false],
      [['-t', String(plain), '-n', 'true'], true],
      [['-t', String(plain), '-U', '-n', 'true'], false],
      [['-t', String(rootless), '-n', 'true'], true],
      [['-t', String(rootless), '-i', '-U', 'true'], false],
    ] as const) {
      const fast = nsx([...args], { nobody: true });
      same(fast, nsx([...args], { nobody: true, node: true }), `nobody: ${args.join(' ')}`);
      assert.equal(fast.code, 1, `nobody: ${args.join(' ')}: ${fast.stderr}`);
      assert.match(fast.stderr, /^nsx enter: .*\n$/);
      assert.equal(/try adding -U/.test(fast.stderr), hintU, `nobody: ${args.join(' ')}: ${fast.stderr}`);
    }
  });

  test('the program\'s signal and status: -p forks (the helper re-raises the signal), no fork exec()s directly', () => {
    for (const [args, sig] of [...signalForms(String(full)).slice(0, 3), ...signalForms(String(plain)).slice(3)]) {
      const fast = nsx([...args]);
      const node = nsx([...args], { node: true });
      assert.equal(fast.node, false);
      assert.equal(fast.signal, sig, `${args.join(' ')}: ${fast.stderr}`);
      same(fast, node, args.join(' '));
    }
  });

  test('every other form falls back to Node: the same output, errors and exit status', () => {
    const T = String(full);
    const cases = nodeForms(T);
    for (const args of cases) {
      const what = `nsx enter ${args.join(' ')}`;
      const fast = nsx(args);
      assert.ok(fast.node, `${what}: Node did not run`);
      same(fast, nsx(args, { node: true }), what);
    }
    // a variable of nsx's own (the helper, test hooks, the saved CA file) is Node's business
    for (const env of [{ NSX_ENTER_HELPER: '/nonexistent/nsx-test-helper' }, { NSX_ENTER_TEST_NO_PIDFD: '1' }, { NSX_SAVED_NODE_EXTRA_CA_CERTS: '/nsx-test-ca' }]) {
      const args = ['-t', T, '-a', 'sh', '-c', 'env | sort'];
      const fast = nsx(args, { env: { ...process.env, ...env } });
      assert.ok(fast.node, `${JSON.stringify(env)}: Node did not run`);
      same(fast, nsx(args, { node: true, env: { ...process.env, ...env } }), JSON.stringify(env));
    }
    // a variable of nsx's name that nsx enter does not read changes nothing
    const other = nsx(['-t', T, '-a', 'true'], { env: { ...process.env, NSX_TEST_UNRELATED: '1' } });
    assert.equal(other.node, false, other.stderr);
    assert.equal(other.code, 0);
  });

  test('through a symlink (npm\'s global bin): the helper is found next to the real file; fallbacks still reach Node', () => {
    const T = String(full);
    const link = join(dir, 'nsx');
    symlinkSync(NSX_BIN, link);
    const viaLink = nsx(['-t', T, '-a', 'sh', '-c', PROBE], { bin: link });
    assert.equal(viaLink.node, false, viaLink.stderr);
    same(viaLink, nsx(['-t', T, '-a', 'sh', '-c', PROBE], { node: true }), 'through a symlink');
    for (const args of [['-t', T, '-a', '-r', 'sh', '-c', PROBE], ['--help']]) {
      const fb = nsx(args, { bin: link });
      assert.ok(fb.node, `${args.join(' ')}: Node did not run`);
      same(fb, nsx(args, { node: true, bin: link }), `through a symlink: ${args.join(' ')}`);
    }
  });

  test('the program sees the environment it was given (NODE_EXTRA_CA_CERTS kept, no marker)', () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', NSX_TEST_UNUSED: undefined, ODD_VAR: 'a b\tc' };
    delete env.NSX_TEST_UNUSED;
    const args = ['-t', String(full), '-a', 'sh', '-c', 'env -0'];
    const fast = nsx(args, { env });
    const node = nsx(args, { env, node: true });
    assert.equal(fast.node, false);
    // the Node path puts NODE_EXTRA_CA_CERTS back at the end of the list: the same variables, in another order
    const sorted = (r: Ran): Ran => ({ ...r, stdout: r.stdout.split('\0').sort().join('\0') });
    same(sorted(fast), sorted(node), 'env -0');
    const got = new Map(fast.stdout.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(got.get('NODE_EXTRA_CA_CERTS'), '/etc/ssl/certs/ca-certificates.crt');
    assert.equal(got.get('ODD_VAR'), 'a b\tc');
    assert.equal(got.has('NSX_ENTER_NO_FAST'), false);
    assert.equal(got.has('NSX_SAVED_NODE_EXTRA_CA_CERTS'), false);
  });

  test('the open-files limit: the fast path keeps the caller\'s soft limit, as nsenter does', () => {
    const args = ['-t', String(full), '-a', 'sh', '-c', 'ulimit -Sn'];
    const limited = (cmd: string, a: string[]) =>
      spawnSync('prlimit', ['--nofile=256:', cmd, ...a], { encoding: 'utf8', env: { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin' } });
    const fast = limited(NSX_BIN, ['enter', ...args]);
    assert.equal(fast.status, 0, fast.stderr);
    assert.equal(fast.stdout, '256\n');
    assert.equal(fast.stdout, limited('nsenter', args).stdout);
  });

  test('the helper refuses a malformed --cli call', () => {
    const r = spawnSync(helperPath()!, ['--cli', NSX_BIN, 'ls'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^nsx enter: internal: /);
  });
});
