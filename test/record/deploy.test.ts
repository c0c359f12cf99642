/**
 * deploy/ for the recorder: the DaemonSet validated offline against the Kubernetes API schema (kubernetes-models, as
 * test/exporter/deploy.test.ts does), with what the recorder needs of it — the node's /var/lib/nsx writable, every
 * other mount read-only and under `--root /host`, the kernel log device, the capabilities the comments name, the
 * image's node and the benchmark's V8 flags; a broken manifest refused. The systemd unit: `systemd-analyze
 * verify` (on a copy whose ExecStart names this checkout), and the hardening that still lets it read /proc, /sys
 * and /dev/kmsg: ProtectSystem=strict with the store in ReadWritePaths=, no setting that hides the kernel log or
 * other users' processes or forbids V8's code.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { loadManifest, type Obj } from '../exporter/manifests.js';
import { readDockerfile } from '../exporter/dockerfile.js';
import { REPO } from '../helpers/host.js';
import { hasTool } from '../helpers/live.js';
import { MALLOC_ENV, NODE_FLAGS } from '../../bench/record.js';

test('deploy/kubernetes/record-daemonset.yaml: validates, records the node into its /var/lib/nsx, reads the rest read-only', () => {
  const docs = loadManifest('record-daemonset.yaml');
  assert.equal(docs.length, 1);
  const [ds] = docs;
  assert.equal(`${ds.apiVersion}/${ds.kind}`, 'apps/v1/DaemonSet');
  new DaemonSet(ds as never).validate();
  const pod = ds.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(pod.hostPID, true);
  const cmd: string[] = c.command;
  assert.equal(cmd[0], 'node');
  assert.deepEqual(cmd.slice(-4), ['/app/bin/nsx', '--root', '/host', 'record']);
  // the V8 flags the benchmark measured (bench/record.ts), as the systemd unit has them
  assert.deepEqual(cmd.slice(1, 1 + NODE_FLAGS.length), NODE_FLAGS);
  // and its malloc settings
  assert.deepEqual((c.env as { name: string; value: string }[]).map((e) => `${e.name}=${e.value}`), MALLOC_ENV);
  const args: string[] = c.args;
  const dir = args[args.indexOf('--dir') + 1];
  assert.equal(dir, '/var/lib/nsx');
  assert.ok(args.includes('--retain') || args.includes('--max-size'), 'the store is bounded');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'], add: ['DAC_READ_SEARCH', 'SYS_PTRACE', 'SYSLOG'] });
  const vols = new Map<string, Obj>(pod.volumes.map((v: Obj) => [v.name, v.hostPath]));
  for (const m of c.volumeMounts) {
    const hp = vols.get(m.name)!;
    if (m.mountPath === dir) {
      assert.equal(m.readOnly, undefined, 'the store is writable');
      assert.equal(hp.path, '/var/lib/nsx');
      assert.equal(hp.type, 'DirectoryOrCreate');
      continue;
    }
    assert.equal(m.readOnly, true, `${m.name} read-only`);
    assert.equal(m.mountPath, join('/host', hp.path), `${m.name}: the host path under --root /host`);
  }
  assert.equal(vols.get('kmsg')?.path, '/dev/kmsg');
  assert.equal(vols.get('kmsg')?.type, 'CharDevice');
  assert.ok(vols.get('proc')?.path === '/proc' && vols.get('sys')?.path === '/sys');
  // the image is the exporter's: its ENTRYPOINT runs the same node and launcher
  const entry = readDockerfile().entrypoint;
  assert.equal(entry[0], cmd[0]);
  assert.ok(entry.includes('/app/bin/nsx'));
  // a broken manifest is refused
  const bad = structuredClone(ds);
  bad.spec.template.spec.volumes[0].hostPath.type = 'NoSuchType';
  assert.throws(() => new DaemonSet(bad as never).validate());
});

const UNIT = join(REPO, 'deploy', 'systemd', 'nsx-record.service');

/** The unit's settings: key → values (a key may repeat), continuation lines joined. */
function unit(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const text = readFileSync(UNIT, 'utf8').replace(/\\\n\s*/g, ' ');
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

test('deploy/systemd/nsx-record.service: hardened, the store writable, /proc /sys /dev/kmsg readable', () => {
  const u = unit();
  const one = (k: string) => u.get(k)?.[u.get(k)!.length - 1];
  assert.equal(one('ProtectSystem'), 'strict');
  const exec = one('ExecStart')!;
  const dir = /--dir (\S+)/.exec(exec)?.[1];
  assert.equal(dir, '/var/lib/nsx');
  assert.ok((one('ReadWritePaths') ?? '').split(/\s+/).includes(dir!), 'ReadWritePaths= has the store');
  assert.equal(one('StateDirectory'), 'nsx');
  assert.match(exec, /--retain \S+|--max-size \S+/);
  assert.equal(one('KillSignal'), 'SIGTERM');
  assert.deepEqual(exec.split(/\s+/).slice(1, 1 + NODE_FLAGS.length), NODE_FLAGS, 'the benchmark\'s V8 flags');
  assert.deepEqual((one('Environment') ?? '').split(/\s+/), MALLOC_ENV, 'the benchmark\'s malloc settings');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.deepEqual(one('CapabilityBoundingSet')!.split(/\s+/).sort(), ['CAP_DAC_READ_SEARCH', 'CAP_SYSLOG', 'CAP_SYS_PTRACE']);
  assert.equal(one('DevicePolicy'), 'closed');
  assert.equal(one('DeviceAllow'), '/dev/kmsg r');
  // what would take away what it reads, or V8's JIT
  for (const k of ['ProtectKernelLogs', 'PrivateDevices', 'MemoryDenyWriteExecute', 'PrivateNetwork', 'ProcSubset']) assert.equal(u.get(k), undefined, `${k}= must not be set`);
  assert.notEqual(one('ProtectProc'), 'invisible');
  assert.match(one('RestrictAddressFamilies') ?? '', /AF_NETLINK/);
  assert.ok(Number(one('LimitNOFILE')) >= 16384);
});

test('deploy/systemd/nsx-record.service: systemd-analyze verify', { skip: !hasTool('systemd-analyze') && 'systemd-analyze is not installed' }, () => {
  const d = mkdtempSync(join(tmpdir(), 'nsx-test-record-unit-'));
  try {
    const text = readFileSync(UNIT, 'utf8').replace(/\/usr\/bin\/node /, `${process.execPath} `).replaceAll('/usr/local/lib/node_modules/nsx/bin/nsx', join(REPO, 'bin', 'nsx'));
    const f = join(d, 'nsx-record.service');
    writeFileSync(f, text);
    assert.match(text, new RegExp(`\\s${join(REPO, 'bin', 'nsx')} record `), 'ExecStart names this checkout');
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim(), '', r.stderr);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
