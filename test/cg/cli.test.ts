/** `nsx cg` through the CLI on fixture hosts: options, errors and exit codes, escaping of hostile names. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const on = (host: string, ...args: string[]) => runNsx(['--root', fixture(`${host}.manifest`), 'cg', ...args]);

test('cg tree (text): systemd-cgls-like tree, hostile command lines escaped, kernel threads hidden by default', () => {
  const r = on('docker-v1', 'tree');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('\x1b'), 'raw ESC reached the terminal');
  assert.match(r.stdout, /201 sh -c echo \\x1b\]0;pwned\\x07/);
  assert.match(r.stdout, /b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f \(docker:b43d92bf1e5c\)/);
  assert.ok(!r.stdout.includes('kthreadd'));
  const k = on('docker-v1', 'tree', '-k', '--all');
  assert.equal(k.code, 0, k.stderr);
  assert.match(k.stdout, /2 \[kthreadd\]/);
});

test('cg tree: --depth, PATH, --controller', () => {
  const d0 = JSON.parse(on('k8s-v2-node', 'tree', '--depth', '0', '--json').stdout);
  assert.deepEqual(d0.tree.children, []);
  const sub = JSON.parse(on('k8s-v2-node', 'tree', '/kubepods.slice', '--json').stdout);
  assert.equal(sub.tree.path, '/kubepods.slice');
  assert.equal(sub.tree.children.length, 2);
  const mem = JSON.parse(on('docker-v1', 'tree', '-c', 'memory', '--json').stdout);
  assert.equal(mem.hierarchy, 'memory');
  const merged = JSON.parse(on('docker-v1', 'tree', '-c', 'merged', '--json').stdout);
  assert.equal(merged.hierarchy, 'merged');
  const r = on('docker-v1', 'tree', '-c', 'rdma');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /rdma: no mounted hierarchy has this controller/);
});

test('cg show (text): grouped by controller, human units', () => {
  const r = on('k8s-v2-node', 'show', 'pid:2001');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^cpu \(v2\)$/m);
  assert.match(r.stdout, /limit\s+48\.00 CPU \(4800000\/100000 µs\)/);
  assert.match(r.stdout, /^memory \(v2\)$/m);
  assert.match(r.stdout, /high\s+max/);
  assert.match(r.stdout, /max\s+96\.0G/);
  const raw = on('k8s-v2-node', 'show', 'pid:2001', '--raw');
  assert.match(raw.stdout, /max\s+103079215104/);
});

test('cg ps (text and JSON)', () => {
  const r = on('hybrid-systemd', 'ps', '3757');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ID VERSION CONTROLLERS\s+PATH\s+CONTAINER$/m);
  assert.match(r.stdout, /name=systemd\s+\/system\.slice\/networkd-dispatcher\.service/);
  const j = JSON.parse(on('k8s-v2-node', 'ps', '2101', '--json').stdout);
  assert.equal(j.cgroups.length, 1);
  assert.match(j.cgroups[0].container, /^containerd:73051af27110$/);
});

test('cg errors: one clear line and the right exit code', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['k8s-v2-node', ['show', '/no/such/cgroup'], 1, /\/no\/such\/cgroup: no such cgroup/],
    ['k8s-v2-node', ['show', '/../../etc'], 1, /no such cgroup/],
    ['k8s-v2-node', ['show'], 2, /expected one cgroup PATH/],
    ['k8s-v2-node', ['ps', '4242'], 1, /4242: no such process/],
    ['k8s-v2-node', ['ps', 'abc'], 2, /invalid PID/],
    ['k8s-v2-node', ['bogus'], 2, /unknown subcommand 'bogus'/],
    ['k8s-v2-node', ['--depth', '2'], 2, /applies to 'nsx cg tree' only/],
    ['k8s-v2-node', ['tree', '--depth', '-1'], 2, /invalid depth/],
    ['k8s-v2-node', ['tree', '/nope'], 1, /\/nope: no such cgroup/],
  ];
  for (const [host, args, code, re] of cases) {
    const r = on(host, ...args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  }
});

test('cg --help and the cgroups alias', () => {
  const h = runNsx(['cg', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /nsx cg tree \[PATH\]/);
  const a = runNsx(['--root', fixture('k8s-v2-node.manifest'), 'cgroups']);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /^layout: unified$/m);
});

test('cg on a host without any cgroup filesystem: layout none, tree is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-cg-none-'));
  try {
    mkdirSync(join(dir, 'proc', 'self'), { recursive: true });
    writeFileSync(join(dir, 'proc', 'self', 'mountinfo'), '22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n');
    const r = runNsx(['--root', dir, 'cg', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).layout, 'none');
    const t = runNsx(['--root', dir, 'cg', 'tree']);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /no cgroup hierarchy is mounted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
