/**
 * Live tests of `nsx enter` (root), with util-linux nsenter as the oracle: a target made with
 * `unshare --fork --pid --mount-proc --net --uts --ipc --cgroup --time --mount`, a rootless target
 * (`unshare -Urn` as nobody), exit statuses, bad input, PID reuse, and the options beyond nsenter.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { liveSkipReason, startProcess, testName, waitFor, childrenOf, type Started } from '../helpers/live.js';
import { runNsx, run, NSX_BIN, type RunResult } from '../helpers/cli.js';
// the test hooks exist only in a test build of the helper (test/enter/hooked-helper.ts)
import { withTestHooks } from '../enter/hooked-helper.js';

const skip = liveSkipReason({ tools: ['unshare', 'nsenter', 'ip', 'setpriv'] });
const TYPES = { m: 'mnt', u: 'uts', i: 'ipc', n: 'net', p: 'pid', C: 'cgroup', T: 'time' } as const;
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

const link = (pid: number | 'self', type: string) => readlinkSync(`/proc/${pid}/ns/${type}`);
const nsx = (args: string[], env?: NodeJS.ProcessEnv) => runNsx(['enter', ...args], env ? { env: { ...process.env, ...env } } : {});
const nsenter = (args: string[]) => run('nsenter', args);
const sameAs = (a: RunResult, b: RunResult, what: string) => {
  assert.equal(a.stdout, b.stdout, `${what}: stdout differs from nsenter (nsx stderr: ${a.stderr})`);
  assert.equal(a.code, b.code, `${what}: exit status differs from nsenter (nsx stderr: ${a.stderr}; nsenter: ${b.stderr})`);
};
const oneLine = (r: RunResult, code: number, re: RegExp, what: string) => {
  assert.equal(r.code, code, `${what}: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line expected: ${r.stderr}`);
  assert.match(r.stderr, re, what);
  assert.doesNotMatch(r.stderr, /\s+at .*\.js/, `${what}: stack trace`);
};

/** Start `unshare … sh -c SCRIPT` and return the PID of the process inside (unshare's child when forking). */
async function startTarget(unshareArgs: string[], script: string, ready: (pid: number) => boolean, env?: NodeJS.ProcessEnv): Promise<{ proc: Started; pid: number }> {
  const proc = startProcess('unshare', [...unshareArgs, 'sh', '-c', script], env ? { env } : {});
  let pid = 0;
  try {
    await waitFor(() => {
      const kids = unshareArgs.includes('--fork') ? childrenOf(proc.pid) : [proc.pid];
      pid = kids[0] ?? 0;
      return pid > 0 && ready(pid);
    }, 10_000, 'the target to be ready');
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { proc, pid };
}

describe('nsx enter (live, nsenter as the oracle)', { skip }, () => {
  const name = testName('enter');
  let target: { proc: Started; pid: number };
  before(async () => {
    const script = `hostname ${name}; ip link set lo up; ip addr add 10.213.7.1/24 dev lo; mount -t tmpfs nsx-test /mnt; echo ${name} > /mnt/nsx-probe; exec sleep 600`;
    target = await startTarget(
      ['--fork', '--pid', '--mount-proc', '--net', '--uts', '--ipc', '--cgroup', '--time', '--mount'],
      script,
      (pid) => existsSync(`/proc/${pid}/root/mnt/nsx-probe`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep',
      { ...process.env, NSX_TEST_MARK: name },
    );
  });
  after(async () => target?.proc.stop());

  test('acceptance 1: each of -m -u -i -n -p -C -T prints the target\'s namespace, as nsenter does', () => {
    const T = String(target.pid);
    for (const [flag, type] of Object.entries(TYPES)) {
      // /proc inside the target's mount namespace only shows its pid namespace: -m needs -p to resolve /proc/self
      const flags = flag === 'm' ? ['-m', '-p'] : [`-${flag}`];
      const args = ['-t', T, ...flags, 'readlink', `/proc/self/ns/${type}`];
      const a = nsx(args);
      assert.equal(a.stdout.trim(), link(target.pid, type), `-${flag}: ${a.stderr}`);
      assert.notEqual(a.stdout.trim(), link('self', type), `-${flag}: the target's namespace is not ours`);
      sameAs(a, nsenter(args), `-${flag}`);
      sameAs(nsx(['-t', T, `-${flag}`, 'true']), nsenter(['-t', T, `-${flag}`, 'true']), `-${flag} true`);
    }
  });

  test('acceptance 1: -a joins every namespace; probes print what nsenter prints', () => {
    const T = String(target.pid);
    const types = Object.values(TYPES);
    const a = nsx(['-t', T, '-a', 'sh', '-c', `for t in ${types.join(' ')}; do readlink /proc/self/ns/$t; done`]);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(a.stdout.trim().split('\n'), types.map((t) => link(target.pid, t)));
    // the same one namespace at a time in nsenter's order (as on kernels without setns(pidfd, mask))
    const one = nsx(['-t', T, '-a', 'sh', '-c', `for t in ${types.join(' ')}; do readlink /proc/self/ns/$t; done`], withTestHooks({ NSX_ENTER_TEST_NO_PIDFD: '1' }));
    assert.equal(one.stdout, a.stdout, one.stderr);
    const probes: string[][] = [
      ['-n', 'ip', '-o', 'addr'],
      ['-u', 'hostname'],
      ['-m', 'cat', '/mnt/nsx-probe'],
      ['-a', 'cat', '/etc/hostname', '/mnt/nsx-probe'],
      ['-a', 'ps', '-e', '-o', 'comm='],
    ];
    for (const p of probes) sameAs(nsx(['-t', T, ...p]), nsenter(['-t', T, ...p]), p.join(' '));
    // `-nu` combines (nsenter 2.38 would open a file named "u" instead)
    const probe = ['sh', '-c', 'hostname; ip -o -4 addr show dev lo'];
    sameAs(nsx(['-t', T, '-nu', ...probe]), nsenter(['-t', T, '-n', '-u', ...probe]), '-nu');
    assert.match(nsx(['-t', T, '-n', 'ip', '-o', 'addr']).stdout, /10\.213\.7\.1\/24/);
    assert.equal(nsx([`-t${T}`, '-u', 'hostname']).stdout.trim(), name);
    assert.equal(nsx(['-t', T, '-m', 'cat', '/mnt/nsx-probe']).stdout.trim(), name);
  });

  test('namespace files (-n=FILE), -e, -w, -r as nsenter', () => {
    const T = String(target.pid);
    const file = `/proc/${T}/ns/net`;
    const a = nsx([`-n=${file}`, 'readlink', '/proc/self/ns/net']);
    assert.equal(a.stdout.trim(), link(target.pid, 'net'), a.stderr);
    sameAs(a, nsenter([`--net=${file}`, 'readlink', '/proc/self/ns/net']), '-n=FILE');
    // a bind-mounted namespace (ip netns add), no target process at all
    const netns = `${name}-ns`;
    assert.equal(run('ip', ['netns', 'add', netns]).code, 0);
    try {
      const args = [`--net=/run/netns/${netns}`, 'ip', '-o', 'link'];
      const b = nsx(args);
      assert.match(b.stdout, /^1: lo: /, b.stderr);
      assert.equal(b.stdout.trim().split('\n').length, 1);
      sameAs(b, nsenter(args), '--net=/run/netns/NAME');
    } finally {
      run('ip', ['netns', 'del', netns]);
    }
    // -e (nsenter 2.38 has no -e): exactly the target's environment
    const env = nsx(['-t', T, '-e', '-n', 'env', '-0']);
    assert.equal(env.code, 0, env.stderr);
    const sorted = (t: string) => t.split('\0').filter(Boolean).sort();
    assert.deepEqual(sorted(env.stdout), sorted(readFileSync(`/proc/${T}/environ`, 'latin1')));
    assert.equal(nsx(['-t', T, '-e', '-n', 'sh', '-c', 'echo "$NSX_TEST_MARK"']).stdout.trim(), name);
    sameAs(nsx(['-t', T, '-n', '-w', 'pwd']), nsenter(['-t', T, '-n', '-w', 'pwd']), '-w');
    sameAs(nsx(['-t', T, '-m', '-p', '-r', '-w', 'cat', '/mnt/nsx-probe']), nsenter(['-t', T, '-m', '-p', '-r', '-w', 'cat', '/mnt/nsx-probe']), '-r -w');
    const w = ['-t', T, '-m', '-p', '-W', '/mnt', 'cat', 'nsx-probe'];
    assert.equal(nsx(w).stdout.trim(), name);
    sameAs(nsx(w), nsenter(w), '-W (in-namespace working directory)');
  });

  test('acceptance 3: exit statuses are passed on (42, the signal for SIGTERM/SIGKILL, 127 missing, 126 not executable)', () => {
    const T = String(target.pid);
    assert.equal(nsx(['-t', T, '-n', 'sh', '-c', 'exit 42']).code, 42);
    // a program killed by a signal: nsx dies by the same signal after the fork (as nsenter), or is replaced by
    // the program without it (-n: no fork), so the caller's waitpid sees WIFSIGNALED either way
    const k = nsx(['-t', T, '-p', 'sh', '-c', 'kill -TERM $$']);
    assert.equal(k.signal, 'SIGTERM', `${k.code} ${k.stderr}`);
    assert.equal(k.signal, nsenter(['-t', T, '-p', 'sh', '-c', 'kill -TERM $$']).signal, 'as nsenter');
    assert.equal(nsx(['-t', T, '-a', 'sh', '-c', 'kill -KILL $$']).signal, 'SIGKILL');
    oneLine(nsx(['-t', T, '-n', 'nsx-test-no-such-program']), 127, /^nsx enter: failed to execute nsx-test-no-such-program: No such file or directory/, 'missing program');
    oneLine(nsx(['-t', T, '-p', 'nsx-test-no-such-program']), 127, /No such file or directory/, 'missing program after the fork');
    oneLine(nsx(['-t', T, '-n', '/etc/passwd']), 126, /failed to execute \/etc\/passwd: Permission denied/, 'not executable');
    // -F: no fork, so the program itself stays in our pid namespace (only its children would not)
    const f = ['-t', T, '-p', '-F', 'readlink', '/proc/self/ns/pid'];
    assert.equal(nsx(f).stdout.trim(), link('self', 'pid'));
    sameAs(nsx(f), nsenter(f), '-p -F');
  });

  test('acceptance 5: bad input gives one line and the right exit code', async () => {
    const T = String(target.pid);
    oneLine(nsx(['-t', '0', '-n', 'true']), 1, /^nsx enter: -t '0': not a target; try a PID ≥ 1/, '-t 0');
    oneLine(nsx(['-t', '-5', '-n', 'true']), 1, /^nsx enter: -t '-5': not a target/, '-t -5');
    oneLine(nsx(['-t', 'abc', '-n', 'true']), 1, /^nsx enter: -t 'abc': not a target/, '-t abc');
    oneLine(nsx(['-t', '999999999', '-n', 'true']), 1, /target PID 999999999: no such process/, '-t 999999999');
    oneLine(nsx(['-t', T, '-n=/etc/passwd', 'true']), 1, /-n=\/etc\/passwd: not a namespace file/, '-n=/etc/passwd');
    oneLine(nsx(['-t', T, `-n=/proc/${T}/ns/uts`, 'true']), 1, /a uts namespace file, not net/, 'wrong type');
    oneLine(nsx(['-t', T, '-n=/nonexistent/nsx-test', 'true']), 1, /net namespace: \/nonexistent\/nsx-test: no such file/, 'missing file');
    oneLine(nsx(['-t', 'cgroup:/nsx-test-none', '-n', 'true']), 1, /no such cgroup/, 'missing cgroup');
    oneLine(nsx(['-t', 'container:ffffffffff0', '-n', 'true']), 1, /no running container/, 'missing container');
    // the message names the helper actually tried; an empty NSX_ENTER_HELPER means unset (issue 14)
    oneLine(nsx(['-t', T, '-n', 'true'], { NSX_ENTER_HELPER: '/nonexistent/nsx-enter' }), 1, /^nsx enter: NSX_ENTER_HELPER=\/nonexistent\/nsx-enter: missing or not executable$/m, 'helper missing');
    assert.equal(nsx(['-t', T, '-n', 'true'], { NSX_ENTER_HELPER: '' }).code, 0, 'NSX_ENTER_HELPER= is unset');
    // a zombie (exited, not yet reaped: its parent never waits) is refused like an exited target
    const z = startProcess('sh', ['-c', 'sleep 0.05 & exec sleep 600']);
    try {
      let zombie = 0;
      await waitFor(() => {
        zombie = childrenOf(z.pid).find((p) => /\) Z /.test(readFileSync(`/proc/${p}/stat`, 'latin1'))) ?? 0;
        return zombie > 0;
      }, 10_000, 'a zombie');
      oneLine(nsx(['-t', String(zombie), '-n', 'true']), 1, new RegExp(`target PID ${zombie}: exited before its namespaces were joined`), 'zombie');
    } finally {
      await z.stop();
    }
  });

  test('enterAndWait (the dashboard\'s variant) runs the helper as a child and resolves with the status', () => {
    const svc = new URL('../../src/services/enter.js', import.meta.url).href;
    const paths = new URL('../../src/host/paths.js', import.meta.url).href;
    const plan = new URL('../../src/enter/plan.js', import.meta.url).href;
    const script = `
      const { enterAndWait } = await import(${JSON.stringify(svc)});
      const { hostPaths } = await import(${JSON.stringify(paths)});
      const { ENTER_DEFAULTS } = await import(${JSON.stringify(plan)});
      const code = await enterAndWait({ ...ENTER_DEFAULTS, target: { kind: 'pid', pid: ${target.pid} }, namespaces: { uts: true, pid: true },
        program: ['sh', '-c', 'hostname; exit 5'], paths: hostPaths(), stdout: process.stdout, stderr: process.stderr });
      console.log('status=' + code);`;
    const r = run(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(r.stdout, `${name}\nstatus=5\n`, r.stderr);
    assert.equal(r.code, 0);
  });

  test('--dry-run --json prints the plan with the target\'s inodes and runs nothing', () => {
    const T = String(target.pid);
    const r = nsx(['-t', T, '-a', '--dry-run', '--json', 'touch', `/tmp/${name}-ran`]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.equal(plan.target.pid, target.pid);
    for (const n of plan.namespaces) {
      assert.equal(`${n.type}:[${n.inode}]`, link(target.pid, n.type));
      assert.equal(n.action, link(target.pid, n.type) === link('self', n.type) ? 'skip' : 'join', n.type);
    }
    assert.deepEqual(plan.program, ['touch', `/tmp/${name}-ran`]);
    assert.equal(existsSync(`/tmp/${name}-ran`), false);
    assert.match(nsx(['-t', T, '-n', '--dry-run']).stdout, /join net/);
  });

  test('signals sent to nsx with kill reach the program (TERM, HUP, INT)', async () => {
    for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
      const script = `trap 'echo got-${sig}; exit 7' ${sig.slice(3)}; echo ready; while :; do sleep 0.05; done`;
      const child = spawn(process.execPath, [NSX_BIN, 'enter', '-t', String(target.pid), '-p', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const done = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      try {
        await waitFor(() => out.includes('ready'), 10_000, 'the program to start');
        process.kill(child.pid!, sig);
        assert.equal(await done, 7, `${sig}: ${out}`);
        assert.match(out, new RegExp(`got-${sig}`));
      } finally {
        child.kill('SIGKILL');
      }
    }
  });

  test('-t cgroup:/PATH and -t container:PREFIX resolve to the lowest PID; -c joins its cgroups (v1 hierarchies too)', async () => {
    const T = target.pid;
    const hex = randomBytes(32).toString('hex');
    const pidsDir = `/sys/fs/cgroup/pids/${name}`;
    const sysDir = `/sys/fs/cgroup/systemd/${name}`;
    const scope = `${sysDir}/docker-${hex}.scope`;
    const made: string[] = [];
    try {
      for (const d of [pidsDir, sysDir, scope]) {
        mkdirSync(d);
        made.unshift(d);
      }
      writeFileSync(`${pidsDir}/cgroup.procs`, String(T));
      writeFileSync(`${scope}/cgroup.procs`, String(T));
      const c = nsx(['-t', `cgroup:/${name}`, '--verbose', '-n', 'readlink', '/proc/self/ns/net']);
      assert.equal(c.stdout.trim(), link(T, 'net'), c.stderr);
      assert.match(c.stderr, new RegExp(`target PID ${T} \\(from cgroup:/${name}\\)`));
      const k = nsx(['-t', `container:${hex.slice(0, 10)}`, '--verbose', '-u', 'hostname']);
      assert.equal(k.stdout.trim(), name, k.stderr);
      assert.match(k.stderr, new RegExp(`target PID ${T} \\(from container:`));
      const j = nsx(['-t', String(T), '-n', '-c', 'cat', '/proc/self/cgroup']);
      assert.equal(j.code, 0, j.stderr);
      assert.match(j.stdout, new RegExp(`:pids:/${name}\\n`));
      assert.match(j.stdout, new RegExp(`:name=systemd:/${name}/docker-${hex}\\.scope\\n`));
    } finally {
      // give the target back to the root cgroups, then remove ours
      for (const root of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/systemd']) {
        try {
          writeFileSync(`${root}/cgroup.procs`, String(T));
        } catch {}
      }
      for (const d of made) {
        try {
          rmdirSync(d);
        } catch {}
      }
    }
  });
});

describe('nsx enter --mount-proc (live)', { skip }, () => {
  test('a fresh /proc for the target pid namespace, in a private mount namespace copy', async () => {
    // no --mount / --mount-proc: the target shares our mount namespace and /proc
    const t = await startTarget(['--fork', '--pid'], 'exec sleep 600', (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep');
    try {
      // proc mounts in our (shared) mount namespace; other tests running meanwhile may add other mounts
      const procMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - proc /.test(l)).join('\n');
      const before = procMounts();
      const r = nsx(['-t', String(t.pid), '-p', '-m', '--mount-proc', 'ps', '-e', '-o', 'pid=,comm=']);
      assert.equal(r.code, 0, r.stderr);
      const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
      assert.deepEqual(rows[0], ['1', 'sleep'], r.stdout);
      assert.ok(rows.length <= 3, `only the container's processes: ${r.stdout}`);
      const without = nsx(['-t', String(t.pid), '-p', '-m', 'ps', '-e', '-o', 'pid=']);
      assert.ok(without.stdout.trim().split('\n').length > rows.length, 'without --mount-proc ps shows the host');
      assert.equal(procMounts(), before, 'no /proc was mounted in the shared mount namespace');
    } finally {
      await t.proc.stop();
    }
  });
});

describe('nsx enter: rootless target (live)', { skip }, () => {
  test('acceptance 2: -U -n id -u prints 0 as root and as nobody', async () => {
    const proc = startProcess('setpriv', [...NOBODY, 'unshare', '-Urn', 'sleep', '600']);
    try {
      await waitFor(() => {
        try {
          return readFileSync(`/proc/${proc.pid}/comm`, 'utf8').trim() === 'sleep' && link(proc.pid, 'user') !== link('self', 'user');
        } catch {
          return false;
        }
      }, 10_000, 'the rootless target');
      const args = ['-t', String(proc.pid), '-U', '-n', 'id', '-u'];
      const root = nsx(args);
      assert.equal(root.stdout.trim(), '0', root.stderr);
      sameAs(root, nsenter(args), 'as root');
      const nobody = run('setpriv', [...NOBODY, process.execPath, NSX_BIN, 'enter', ...args]);
      assert.equal(nobody.stdout.trim(), '0', nobody.stderr);
      assert.equal(nobody.code, 0);
      // one namespace at a time: unprivileged, the user namespace must go first (nsenter's second pass)
      const env = { env: { ...process.env, ...withTestHooks({ NSX_ENTER_TEST_NO_PIDFD: '1' }) } };
      const first = run('setpriv', [...NOBODY, process.execPath, NSX_BIN, 'enter', ...args], env);
      assert.equal(first.stdout.trim(), '0', first.stderr);
      const rootFallback = nsx(args, withTestHooks({ NSX_ENTER_TEST_NO_PIDFD: '1' }));
      assert.equal(rootFallback.stdout.trim(), '0', rootFallback.stderr);
      // nobody without -U: not allowed into a namespace owned by the target's user namespace
      const denied = run('setpriv', [...NOBODY, process.execPath, NSX_BIN, 'enter', '-t', String(proc.pid), '-n', 'true']);
      oneLine(denied, 1, /net namespace: permission denied \(needs root, or a user owning the target's user namespace/, 'nobody -n');
      // credentials as nsenter: -S/-G inside, --preserve-credentials keeps ours (root is unmapped there: overflow id)
      for (const extra of [['-S', '0', '-G', '0'], ['--preserve-credentials']]) {
        const a2 = ['-t', String(proc.pid), '-U', ...extra, 'sh', '-c', 'id -u; id -g'];
        const r2 = nsx(a2);
        assert.match(r2.stdout, /^\d+\n\d+\n$/, r2.stderr);
        sameAs(r2, nsenter(a2), extra.join(' '));
      }
      assert.equal(nsx(['-t', String(proc.pid), '-U', '--preserve-credentials', 'id', '-u']).stdout.trim(), '65534');
      // -a as root: the user namespace is joined (uid 0 inside), the rest are ours and skipped
      const sameUser = nsx(['-t', String(proc.pid), '-a', 'id', '-u']);
      assert.equal(sameUser.stdout.trim(), '0', sameUser.stderr);
    } finally {
      await proc.stop();
    }
  });
});

describe('nsx enter: PID reuse (live)', { skip }, () => {
  test('acceptance 4: a target that exits (and whose PID is reused) before joining is refused', async () => {
    const a = startProcess('unshare', ['-n', 'sleep', '600']);
    let b: Started | undefined;
    try {
      await waitFor(() => {
        try {
          return link(a.pid, 'net') !== link('self', 'net');
        } catch {
          return false;
        }
      }, 10_000, 'the target');
      const targetPid = a.pid;
      const child = spawn(process.execPath, [NSX_BIN, 'enter', '-t', String(targetPid), '-n', 'readlink', '/proc/self/ns/net'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...withTestHooks({ NSX_ENTER_TEST_DELAY_MS: '2000' }) },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const done = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      // the helper has the target pinned by its /proc directory and is sleeping before pidfd_open
      await waitFor(() => {
        try {
          return readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'nsx-enter';
        } catch {
          return false;
        }
      }, 10_000, 'the helper');
      await a.stop();
      // try to hand the PID to another process (in our own net namespace)
      for (let i = 0; i < 30 && b?.pid !== targetPid; i++) {
        await b?.stop();
        try {
          writeFileSync('/proc/sys/kernel/ns_last_pid', String(targetPid - 1));
        } catch {}
        b = startProcess('sleep', ['600']);
      }
      const code = await done;
      assert.equal(code, 1, `nsx must refuse: ${out} ${err}`);
      assert.match(err, new RegExp(`target PID ${targetPid}: exited before its namespaces were joined`));
      assert.equal(out, '', 'nothing ran');
      if (b?.pid === targetPid) assert.notEqual(out.trim(), link(targetPid, 'net'));
    } finally {
      await a.stop();
      await b?.stop();
    }
  });
});

test('the program gets NODE_EXTRA_CA_CERTS back although the nsx launcher started Node without it', { skip }, () => {
  const ca = `/nonexistent/nsx-test-${process.pid}.pem`;
  // bin/nsx run as a program (its sh launcher), as users run it
  const r = run(NSX_BIN, ['enter', '-t', String(process.pid), '-a', 'sh', '-c', 'printf "%s|%s" "$NODE_EXTRA_CA_CERTS" "${NSX_SAVED_NODE_EXTRA_CA_CERTS-unset}"'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${ca}|unset`);
  assert.doesNotMatch(r.stderr, /extra certs/);
});
