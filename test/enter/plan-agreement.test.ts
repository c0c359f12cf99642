/**
 * One plan, two implementations: the C helper's CLI fast path (native-bindings/nsx-enter.c, `--cli --plan-only`)
 * and the TypeScript plan (`nsx enter --dry-run --json`) must print the same plan, byte for byte, for every form the
 * fast path takes (test/enter/fast-path-forms.ts), and the helper must decline every form it leaves to Node. Both
 * read their tables from src/enter/tables.ts (the C through the generated nsx-enter-tables.h). No root needed: the
 * targets are this user's own processes — one sharing all our namespaces and, where unprivileged user namespaces
 * work, one in new user, pid, mount, net, uts, ipc and cgroup namespaces.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { NSX_BIN } from '../helpers/cli.js';
import { childrenOf, hasTool, startProcess, waitFor, type Started } from '../helpers/live.js';
import { helperPath } from '../../native-bindings/enter.js';
import { fastForms, nodeForms, signalForms, unprivilegedForms } from './fast-path-forms.js';

const helper = helperPath();
const skip = process.platform !== 'linux' ? 'not Linux' : helper ? false : 'the helper is not built (node native-bindings/build.mjs)';

/** The environment of both runs: nothing of nsx's own (an NSX_ENTER_* variable sends the fast path to Node). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin' };
  for (const k of Object.keys(env)) if (k.startsWith('NSX_')) delete env[k];
  return env;
}

const PROBE = ['sh', '-c', 'echo "a\\"b\\\\c\tTAB"; pwd'];

describe('nsx enter: the C fast path plans what the TypeScript plans', { skip }, () => {
  const started: Started[] = [];
  const targets: Array<[string, number]> = [];

  /** The helper's plan (`--cli --plan-only`): stdout, stderr and status. */
  const cPlan = (args: string[]) => spawnSync(helper!, ['--cli', '--plan-only', NSX_BIN, 'enter', ...args], { encoding: 'utf8', env: cleanEnv() });
  /** Node's plan (`nsx enter --dry-run --json`, the options before the program). */
  const nodePlan = (args: string[]) => spawnSync(process.execPath, [NSX_BIN, 'enter', '--dry-run', '--json', ...args], { encoding: 'utf8', env: cleanEnv() });

  before(async () => {
    const plain = startProcess('sleep', ['600'], { env: cleanEnv(), cwd: '/' });
    started.push(plain);
    targets.push(['sharing all our namespaces', plain.pid]);
    // new namespaces of our own (unprivileged user namespaces, or root); skipped where the kernel refuses them
    if (hasTool('unshare')) {
      const probe = spawnSync('unshare', ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--net', '--uts', '--ipc', '--cgroup', 'true'], { stdio: 'ignore' });
      if (probe.status === 0) {
        const u = startProcess('unshare', ['--user', '--map-root-user', '--pid', '--fork', '--mount', '--net', '--uts', '--ipc', '--cgroup', 'sleep', '600'], { env: cleanEnv() });
        started.push(u);
        let leaf = 0;
        await waitFor(() => ((leaf = childrenOf(u.pid)[0] ?? 0), leaf !== 0 && readFileSync(`/proc/${leaf}/comm`, 'utf8').trim() === 'sleep'), 10_000, 'the unshare target');
        targets.push(['in new user, pid, mount, net, uts, ipc and cgroup namespaces', leaf]);
      }
    }
  });
  after(async () => {
    for (const s of started) await s.stop();
  });

  test('every fast-path form: the same plan, byte for byte', () => {
    let compared = 0;
    for (const [name, pid] of targets) {
      const T = String(pid);
      const forms = [...fastForms(T, PROBE), ...signalForms(T).map(([a]) => a), ...unprivilegedForms(T, PROBE)];
      for (const args of forms) {
        const what = `${name}: nsx enter ${args.join(' ')}`;
        const c = cPlan(args);
        const n = nodePlan(args);
        assert.equal(n.status, 0, `${what}: Node: ${n.stderr}`);
        assert.equal(c.status, 0, `${what}: the helper declined: ${c.stderr}`);
        assert.equal(c.stderr, '', what);
        assert.equal(c.stdout, n.stdout, what);
        compared++;
      }
    }
    assert.ok(compared >= 19, `${compared} forms compared`);
    // the plans do differ between the targets (not one constant answer): all shared → only mnt joined
    const p = JSON.parse(cPlan(['-t', String(targets[0][1]), '-a', 'true']).stdout) as { namespaces: Array<{ type: string; action: string }> };
    assert.deepEqual(p.namespaces.filter((x) => x.action === 'join').map((x) => x.type), ['mnt']);
    if (targets.length > 1) {
      const q = JSON.parse(cPlan(['-t', String(targets[1][1]), '-a', 'true']).stdout) as { namespaces: Array<{ action: string }>; fork: boolean; credentials: object };
      assert.ok(q.namespaces.filter((x) => x.action === 'join').length >= 7, JSON.stringify(q));
      assert.equal(q.fork, true);
      assert.deepEqual(q.credentials, { uid: 0, gid: 0, drop_groups: true });
    }
  });

  test('every other form: the helper declines it (Node plans it), printing nothing on stdout', () => {
    for (const args of nodeForms(String(targets[0][1]))) {
      const c = cPlan(args);
      assert.equal(c.status, 3, `nsx enter ${args.join(' ')}: ${c.stdout}${c.stderr}`);
      assert.equal(c.stdout, '');
      assert.equal(c.stderr, 'nsx enter: not a fast-path form: Node would plan it\n');
    }
    // a variable of nsx's own is Node's business too
    const env = { ...cleanEnv(), NSX_ENTER_HELPER: '/nonexistent' };
    assert.equal(spawnSync(helper!, ['--cli', '--plan-only', NSX_BIN, 'enter', '-t', String(targets[0][1]), '-a', 'true'], { env }).status, 3);
  });
});
