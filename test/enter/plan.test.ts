/** `nsx enter` without the kernel: target parsing, option parsing as nsenter does it, the plan, the helper argv. */
import { test } from 'node:test';
import { constants } from 'node:os';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { ENTER_DEFAULTS, parseTarget, planEnter, validateOptions, describePlan, requestedTypes, type EnterOptions, type EnterFacts } from '../../src/enter/plan.js';
import { enterOptionsFrom, command } from '../../src/cli/commands/enter.js';
import { enterPlanArgv, exitStatusOf } from '../../src/enter/run.js';
import type { PreparedEnter } from '../../src/enter/prepare.js';
import { getopt } from '../../src/cli/getopt.js';
import { UsageError } from '../../src/errors.js';
import { runNsx } from '../helpers/cli.js';

const BASE: EnterOptions = ENTER_DEFAULTS;
const opts = (o: Partial<EnterOptions>): EnterOptions => ({ ...BASE, target: { kind: 'pid', pid: 42 }, ...o });
const ALL = ['user', 'cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt', 'time'] as const;
const SELF = { user: 1, cgroup: 2, ipc: 3, uts: 4, net: 5, pid: 6, mnt: 7, time: 8 };
const facts = (inodes: EnterFacts['inodes']): EnterFacts => ({ pid: 42, supported: [...ALL], self: SELF, inodes, proc: '/proc' });

/** Parse an `nsx enter` argv the way the command does (getopt with the command's specs). */
function parse(argv: string[]): EnterOptions {
  const specs = [
    { name: 'all', short: 'a', arg: 'none' },
    { name: 'target', short: 't', arg: 'required' },
    { name: 'mount', short: 'm', arg: 'optional' },
    { name: 'uts', short: 'u', arg: 'optional' },
    { name: 'ipc', short: 'i', arg: 'optional' },
    { name: 'net', short: 'n', arg: 'optional' },
    { name: 'pid', short: 'p', arg: 'optional' },
    { name: 'cgroup', short: 'C', arg: 'optional' },
    { name: 'user', short: 'U', arg: 'optional' },
    { name: 'time', short: 'T', arg: 'optional' },
    { name: 'setuid', short: 'S', arg: 'required' },
    { name: 'setgid', short: 'G', arg: 'required' },
    { name: 'root', short: 'r', arg: 'optional' },
    { name: 'wd', short: 'w', arg: 'optional' },
    { name: 'wdns', short: 'W', arg: 'required' },
    { name: 'no-fork', short: 'F', arg: 'none' },
    { name: 'net-socket', short: 'N', arg: 'required' },
    { name: 'user-parent', arg: 'none' },
    { name: 'keep-caps', arg: 'none' },
    { name: 'follow-context', short: 'Z', arg: 'none' },
  ] as const;
  const a = getopt(argv, specs, { prog: 'nsx enter', stopAtPositional: true });
  return enterOptionsFrom(a.opts, a.positionals);
}

test('parseTarget: PIDs, cgroup paths and container prefixes', () => {
  assert.deepEqual(parseTarget('1234'), { kind: 'pid', pid: 1234 });
  assert.deepEqual(parseTarget('cgroup:/system.slice/foo.service'), { kind: 'cgroup', path: '/system.slice/foo.service' });
  assert.deepEqual(parseTarget('cgroup:/a/b/'), { kind: 'cgroup', path: '/a/b' });
  assert.deepEqual(parseTarget('cgroup:/'), { kind: 'cgroup', path: '/' });
  assert.deepEqual(parseTarget('container:3F2A'), { kind: 'container', prefix: '3f2a' });
  for (const bad of ['0', '-5', 'abc', '', '12a', '1.5', '+3', 'cgroup:relative', 'cgroup:/a/../b', 'container:', 'container:-x', '99999999999999999999']) {
    assert.throws(() => parseTarget(bad), (e: unknown) => e instanceof UsageError && !e.message.includes('\n'), bad);
  }
});

test('parseTarget on random input: a TargetSpec or a one-line UsageError, nothing else', () => {
  const check = (s: string) => {
    try {
      const t = parseTarget(s);
      assert.ok(t.kind === 'pid' ? Number.isSafeInteger(t.pid) && t.pid >= 1 : t.kind === 'cgroup' ? t.path.startsWith('/') : t.kind === 'pod' ? t.name.length > 0 : t.prefix.length > 0);
    } catch (e) {
      assert.ok(e instanceof UsageError && !e.message.includes('\n'), String(e));
    }
  };
  fc.assert(fc.property(fc.string({ maxLength: 60 }), check), { numRuns: 500 });
  fc.assert(fc.property(fc.constantFrom('cgroup:', 'container:', '', '-', '0'), fc.string({ maxLength: 40 }), (a, b) => check(a + b)), { numRuns: 500 });
});

test('options combine as in nsenter: -nu, -t1234, -n=FILE, --net=FILE, program after options', () => {
  const o = parse(['-nu', '-t1234', 'ip', '-o', 'addr']);
  assert.deepEqual(o.namespaces, { net: true, uts: true });
  assert.deepEqual(o.target, { kind: 'pid', pid: 1234 });
  assert.deepEqual(o.program, ['ip', '-o', 'addr']);
  assert.deepEqual(parse(['-n=/run/netns/x', '-t', '5']).namespaces, { net: '/run/netns/x' });
  assert.deepEqual(parse(['--net=/run/netns/x']).namespaces, { net: '/run/netns/x' });
  assert.deepEqual(parse(['-n/run/netns/x']).namespaces, { net: '/run/netns/x' });
  assert.deepEqual(parse(['-t', '5', '-a', '--', '-weird-prog']).program, ['-weird-prog']);
  assert.deepEqual(parse(['-t', '5', '-a', 'sh', '-c', 'x']).program, ['sh', '-c', 'x']);
  const c = parse(['-t', '5', '-U', '-S', '1000', '-G', '100', '-r', '-w/tmp', '-F']);
  assert.equal(c.setuid, 1000);
  assert.equal(c.setgid, 100);
  assert.equal(c.root, true);
  assert.equal(c.wd, '/tmp');
  assert.equal(c.noFork, true);
  assert.throws(() => parse(['-S', 'root']), UsageError);
  assert.throws(() => parse(['-G', '-1']), UsageError);
});

test('validateOptions: one-line usage errors', () => {
  const bad: Partial<EnterOptions>[] = [
    { target: undefined, namespaces: { net: true } }, // -n needs a target
    { namespaces: {} }, // no namespace
    { all: true, wd: true, wdns: '/x' },
    { all: true, mountProc: true, noFork: true },
    { namespaces: { net: true }, mountProc: true }, // --mount-proc without -p
    { all: true, json: true }, // --json without --dry-run
    { target: undefined, namespaces: { net: '/run/netns/x' }, env: true },
  ];
  for (const b of bad) assert.throws(() => validateOptions(opts(b)), (e: unknown) => e instanceof UsageError && !e.message.includes('\n'), JSON.stringify(b));
  validateOptions(opts({ target: undefined, namespaces: { net: '/run/netns/x' } }));
  validateOptions(opts({ all: true, mountProc: true }));
});

test('plan: -a takes every supported type and skips those identical to ours; user is always skipped when identical', () => {
  const o = opts({ all: true });
  assert.deepEqual(requestedTypes(o, ['net', 'mnt', 'user']), ['user', 'net', 'mnt']);
  const p = planEnter(o, facts({ user: 1, cgroup: 20, ipc: 30, uts: 4, net: 50, pid: 60, mnt: 70, time: 8 }));
  assert.deepEqual(p.namespaces.map((n) => `${n.type}:${n.action}`), ['user:skip', 'cgroup:join', 'ipc:join', 'uts:skip', 'net:join', 'pid:join', 'mnt:join', 'time:skip']);
  assert.equal(p.fork, true);
  assert.deepEqual(p.credentials, { dropGroups: false }); // user not joined: credentials untouched
  assert.equal(p.namespaces[4].path, '/proc/42/ns/net');
  assert.equal(p.method, 'pidfd, else one at a time');
  // explicitly requested namespaces are joined even when identical (nsenter semantics), except user
  const e = planEnter(opts({ namespaces: { net: true, user: true } }), facts({ net: 5, user: 1 }));
  assert.deepEqual(e.namespaces.map((n) => n.action), ['skip', 'join']);
});

test('plan: -a on a target that shares every namespace re-enters the mount namespace (as nsenter: cwd becomes /)', () => {
  const p = planEnter(opts({ all: true, program: ['pwd'] }), facts(SELF));
  assert.deepEqual(p.namespaces.map((n) => `${n.type}:${n.action}`), ['user:skip', 'cgroup:skip', 'ipc:skip', 'uts:skip', 'net:skip', 'pid:skip', 'mnt:join', 'time:skip']);
  assert.equal(p.method, 'pidfd, else one at a time');
  assert.equal(p.fork, false, 'the pid namespace is not joined: no fork');
  assert.deepEqual(p.credentials, { dropGroups: false });
  assert.equal(p.namespaces.find((n) => n.type === 'user')!.reason, "already in it; the kernel refuses to re-enter one's own user namespace");
  assert.equal(p.namespaces.find((n) => n.type === 'net')!.reason, 'already in it');
});

test('the rules come from one table (src/enter/tables.ts): join order, option letters, what joining implies', async () => {
  const { NS_RULES } = await import('../../src/enter/tables.js');
  const { JOIN_ORDER, NS_OPTION } = await import('../../src/enter/plan.js');
  assert.deepEqual(JOIN_ORDER, ['user', 'cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt', 'time']);
  assert.deepEqual(NS_OPTION, { user: 'U', cgroup: 'C', ipc: 'i', uts: 'u', net: 'n', pid: 'p', mnt: 'm', time: 'T' });
  assert.deepEqual(NS_RULES.filter((r) => r.implies).map((r) => `${r.type}:${r.implies}`), ['user:credentials', 'pid:fork']);
  assert.deepEqual(NS_RULES.map((r) => `${r.type}:${r.whenSame}`), ['user:skip', 'cgroup:skip-with-all', 'ipc:skip-with-all', 'uts:skip-with-all', 'net:skip-with-all', 'pid:skip-with-all', 'mnt:join', 'time:skip-with-all']);
  // the flags are the kernel's: what NS_GET_NSTYPE returns for our own namespace files (native-bindings/nsfs.ts)
  const { CLONE_TYPES } = await import('../../native-bindings/nsfs.js');
  assert.deepEqual(Object.fromEntries(NS_RULES.map((r) => [r.flag, r.type])), CLONE_TYPES);
});

test('plan: credentials as nsenter (uid/gid 0 in a joined user namespace unless preserved; -S/-G override)', () => {
  const inodes = { user: 100, net: 500 };
  assert.deepEqual(planEnter(opts({ namespaces: { user: true, net: true } }), facts(inodes)).credentials, { uid: 0, gid: 0, dropGroups: true });
  assert.deepEqual(planEnter(opts({ namespaces: { user: true }, setuid: 1000 }), facts(inodes)).credentials, { uid: 1000, gid: 0, dropGroups: true });
  assert.deepEqual(planEnter(opts({ namespaces: { user: true }, preserveCredentials: true }), facts(inodes)).credentials, { dropGroups: false });
  assert.deepEqual(planEnter(opts({ namespaces: { net: true }, setgid: 7 }), facts(inodes)).credentials, { gid: 7, dropGroups: false });
});

test('plan: fork only for a joined pid namespace and not with -F; files keep their path; no target = one at a time', () => {
  assert.equal(planEnter(opts({ namespaces: { pid: true } }), facts({ pid: 60 })).fork, true);
  assert.equal(planEnter(opts({ namespaces: { pid: true }, noFork: true }), facts({ pid: 60 })).fork, false);
  assert.equal(planEnter(opts({ namespaces: { net: true } }), facts({ net: 50 })).fork, false);
  const f = planEnter({ ...BASE, namespaces: { net: '/run/netns/x' } }, { supported: [...ALL], self: SELF, inodes: { net: 50 }, proc: '/proc' });
  assert.deepEqual(f.namespaces, [{ type: 'net', source: 'file', path: '/run/netns/x', inode: 50, action: 'join' }]);
  assert.equal(f.method, 'one at a time');
  assert.equal(f.target, undefined);
  assert.equal(f.program, null);
  const r = planEnter(opts({ namespaces: { mnt: true }, root: true, wd: '/srv', program: ['ls'] }), facts({ mnt: 70 }));
  assert.equal(r.root, '/proc/42/root');
  assert.equal(r.wd, '/srv');
  assert.deepEqual(r.program, ['ls']);
  assert.ok(describePlan(r).some((l) => l.startsWith('join mnt')));
});

test('enterPlanArgv: descriptors, order, credentials and the program after --', () => {
  const plan = planEnter(opts({ all: true, program: ['sh', '-c', 'exit 3'] }), facts({ user: 100, cgroup: 2, ipc: 30, uts: 40, net: 50, pid: 60, mnt: 70, time: 8 }));
  const prep: PreparedEnter = {
    plan,
    pid: 42,
    procFd: 20,
    nsFds: { user: 21, ipc: 22, uts: 23, net: 24, pid: 25, mnt: 26 },
    cgroupFds: [27],
    envFd: 28,
    fds: [20, 21, 22, 23, 24, 25, 26, 27, 28],
    close() {},
  };
  const argv = enterPlanArgv(prep);
  assert.deepEqual(argv.slice(0, 4), ['--pid', '42', '--procfd', '20']);
  const ns = argv.flatMap((a, i) => (argv[i - 1] === '--ns' ? [a] : []));
  assert.deepEqual(ns, ['user:21:/proc/42/ns/user', 'ipc:22:/proc/42/ns/ipc', 'uts:23:/proc/42/ns/uts', 'net:24:/proc/42/ns/net', 'pid:25:/proc/42/ns/pid', 'mnt:26:/proc/42/ns/mnt']);
  for (const f of ['--fork', '--drop-groups']) assert.ok(argv.includes(f), f);
  assert.deepEqual(argv.slice(argv.indexOf('--')), ['--', 'sh', '-c', 'exit 3']);
  // spawn mode: descriptors renumbered from 3
  const remapped = enterPlanArgv(prep, (fd) => 3 + prep.fds.indexOf(fd));
  assert.deepEqual(remapped.slice(0, 4), ['--pid', '42', '--procfd', '3']);
  assert.ok(remapped.includes('--env-fd') && remapped[remapped.indexOf('--env-fd') + 1] === '11');
});

test('exitStatusOf: code, else 128+signal', () => {
  assert.equal(exitStatusOf(42, null, constants.signals), 42);
  assert.equal(exitStatusOf(null, 'SIGTERM', constants.signals), 143);
  assert.equal(exitStatusOf(null, 'SIGKILL', constants.signals), 137);
});

test('help and usage errors from the CLI: one line, exit 1 as nsenter, no stack', () => {
  assert.match(command.help, /--mount-proc/);
  const h = runNsx(['enter', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--preserve-credentials/);
  for (const args of [['-t', 'abc', '-n', 'true'], ['-t', '0', '-n'], ['-t', '1', '-t', '2', '-n'], ['--bogus'], ['-n', 'true'], ['-t', '1', '--json', '-a'], ['-w', '-W', '/', 'true']]) {
    const r = runNsx(['enter', ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^nsx enter: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  // a fake host cannot be entered
  const f = runNsx(['--root', '/tmp', 'enter', '-t', '1', '-n', 'true']);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /live host only/);
});

test('validateOptions: nothing to do is a usage error; -r/-w/-S alone are work, as in nsenter', () => {
  assert.throws(() => validateOptions(opts({})), /no namespace specified/);
  assert.doesNotThrow(() => validateOptions(opts({ root: true, wd: true })));
  assert.doesNotThrow(() => validateOptions(opts({ setuid: 0 })));
});

test('enterOptionsForNamespace: a member process, else a bind mount, else a descriptor, else a socket (dashboard e)', async () => {
  const { enterOptionsForNamespace } = await import('../../src/enter/plan.js');
  const base = { type: 'net' as const, pids: [] as number[], nsfs: [] as string[] };
  assert.deepEqual(enterOptionsForNamespace({ ...base, pids: [5, 9] }, '/proc')?.target, { kind: 'pid', pid: 5 });
  const mount = enterOptionsForNamespace({ ...base, nsfs: ['/run/netns/red'] }, '/proc')!;
  assert.equal(mount.target, undefined);
  assert.deepEqual(mount.namespaces, { net: '/run/netns/red' });
  validateOptions(mount); // entering through the file needs no target
  assert.deepEqual(enterOptionsForNamespace({ ...base, fds: [{ pid: 7, fd: 4 }] }, '/proc')!.namespaces, { net: '/proc/7/fd/4' });
  const sock = enterOptionsForNamespace({ ...base, sockets: [{ pid: 8, fd: 3 }] }, '/proc')!;
  assert.deepEqual([sock.target, sock.netSocket], [{ kind: 'pid', pid: 8 }, 3]);
  assert.equal(enterOptionsForNamespace(base, '/proc'), undefined);
});

test('new nsenter options: -N, -S/-G follow, --user-parent, --keep-caps, -Z, PID:INODE', () => {
  const o = parse(['-t', '5:77', '-N', '3', '-S', 'follow', '-G', 'follow', '--keep-caps', '-Z', 'true']);
  assert.deepEqual(o.target, { kind: 'pid', pid: 5, inode: 77 });
  assert.equal(o.netSocket, 3);
  assert.equal(o.setuid, 'follow');
  assert.equal(o.setgid, 'follow');
  assert.equal(o.keepCaps, true);
  assert.equal(o.followContext, true);
  assert.deepEqual(requestedTypes(o, ['net', 'user']), ['net']);
  assert.throws(() => validateOptions({ ...o, namespaces: { net: true } }), /nsx enter: --net and --net-socket: mutually exclusive options$/);
  assert.throws(() => validateOptions({ ...ENTER_DEFAULTS, netSocket: 3 }), /nsx enter: -N: needs a target; try -t PID$/);
  assert.throws(() => validateOptions({ ...ENTER_DEFAULTS, setuid: 'follow', namespaces: { uts: '/x' } }), /nsx enter: -S follow: needs a target; try -t PID$/);
  const up = parse(['-t', '5', '--user-parent', 'true']);
  assert.deepEqual(requestedTypes(up, ['user', 'net']), ['user']);
  assert.throws(() => parseTarget('5:x'), /nsx enter: -t '5:x': not a target/);
});

test('--dry-run --json uses snake_case keys (issue 14)', async () => {
  const { snakeKeys } = await import('../../src/services/enter.js');
  assert.deepEqual(snakeKeys({ joinCgroup: true, mountProc: false, credentials: { dropGroups: true, keepCaps: true }, namespaces: [{ type: 'net' }] }), {
    join_cgroup: true,
    mount_proc: false,
    credentials: { drop_groups: true, keep_caps: true },
    namespaces: [{ type: 'net' }],
  });
});
