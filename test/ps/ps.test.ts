/** `nsx ps` on the k8s-node fixture host: table, filters, sorting, detail, JSON, hostile names; and its pure parts. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, fixtureHost } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { fuzzParser } from '../helpers/fuzz.js';
import { collectProcesses, filterProcesses, overlayLayers, primaryCgroupPath, readProcessDetail, rootMountOf, ProcessCollector } from '../../src/services/ps.js';
import { PS_FIELDS, PS_DEFAULT, formatPsDetail, sortProcesses, cgroupStatsSummary, renderPsTable, ellipsize, fitWidths, parsePsSort, psNeedsStat, sortProcessesBy, type PsField, type PsFieldCtx } from '../../src/fields/ps.js';
import { formatCell, headerOf, selectFields } from '../../src/fields/registry.js';
import { escapeControl } from '../../src/output/escape.js';
import { renderTable } from '../../src/output/table.js';
import type { PsProcess } from '../../src/model/process.js';
import { cpuPercentSinceStart } from '../../src/model/process.js';
import { displayWidth } from '../../src/output/table.js';
import { parseIdMap, isIdentityMap } from '../../src/parse/id-map.js';
import { parseMountinfo } from '../../src/parse/mountinfo.js';
import { netnsNamesOf, parseDockerConfigName, readDockerName } from '../../src/readers/names/names.js';

const C1 = '1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496';
const D1 = '2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f';

/** One unpacked host for the whole file (it is only read). */
const h = fixtureHost('k8s-node.manifest');
after(() => h.cleanup());

test('ps service: the process table of the fixture host', () => {
  {
    const t = collectProcesses({ paths: h.paths });
    assert.deepEqual(t.procs.map((p) => p.pid), [1, 2, 17, 512, 640, 700, 720, 801, 1100, 1101, 1200, 1210, 1250, 1251, 1300, 1310, 1350, 2000, 2001, 2100]);
    assert.equal(t.reference.pid, 1);
    const nginx = t.procs.find((p) => p.pid === 1251)!;
    assert.equal(nginx.container?.runtime, 'containerd');
    assert.equal(nginx.container?.id, C1);
    assert.equal(nginx.container?.podUid, '7a96c459-d529-44ae-9f99-90d3798d6426');
    assert.deepEqual(nginx.nspid, [1251, 29]);
    assert.equal(nginx.ns.net, 4026532301);
    assert.equal(nginx.command, 'nginx: worker process');
    assert.equal(nginx.rssBytes, 14336 * 1024);
    const kthread = t.procs.find((p) => p.pid === 2)!;
    assert.equal(kthread.kernelThread, true);
    assert.equal(kthread.command, '[kthreadd]');
    const pg = t.procs.find((p) => p.pid === 2000)!;
    assert.equal(pg.containerName, 'billing-db', 'Docker name from config.v2.json');
    assert.equal(pg.user, undefined, 'uid 100070 has no passwd entry');
    assert.equal(t.procs.find((p) => p.pid === 1101)!.comm, '\x1b[31mevil\x07', 'raw in the model; escaped only when printed');
  }
});

test('ps service: filters by container, cgroup and namespace', () => {
  {
    const t = collectProcesses({ paths: h.paths });
    const pids = (f: Parameters<typeof filterProcesses>[1]) => filterProcesses(t.procs, f).map((p) => p.pid);
    assert.deepEqual(pids({ container: '1d3d308a' }), [1250, 1251]);
    assert.deepEqual(pids({ container: 'containerd:1d3d308a7d48' }), [1250, 1251]);
    assert.deepEqual(pids({ container: 'billing-db' }), [2000, 2001]);
    assert.deepEqual(pids({ container: '7a96c459-d529-44ae-9f99-90d3798d6426' }), [1210, 1250, 1251], 'a pod UID selects all its containers');
    assert.deepEqual(pids({ cgroup: '/kubepods.slice/kubepods-besteffort.slice' }), [1310, 1350]);
    assert.deepEqual(pids({ cgroup: '/system.slice/containerd.service' }), [640, 1200, 1300]);
    assert.deepEqual(pids({ ns: 4026532301 }), [1210, 1250, 1251], 'the pod network namespace');
    assert.deepEqual(pids({ ns: 4026532301, container: 'containerd:1d3d' }), [1250, 1251]);
    assert.deepEqual(pids({ ns: 1 }), []);
    assert.deepEqual(pids({ cgroup: '/' }).length, t.procs.length);
  }
});

test('ps fields: sorting, and namespace cells blank where shared with PID 1', () => {
  {
    const t = collectProcesses({ paths: h.paths });
    const ctx = { reference: t.reference.ns };
    const rss = PS_FIELDS.find((f) => f.id === 'RSS')!;
    const sorted = sortProcesses(t.procs, rss, ctx, true);
    assert.equal(sorted[0].pid, 700, 'kubelet has the largest RSS');
    assert.deepEqual(sorted.slice(-2).map((p) => p.pid), [2, 17], 'kernel threads (no RSS) last');
    const netns = PS_FIELDS.find((f) => f.id === 'NETNS')!;
    const p1 = t.procs.find((p) => p.pid === 1)!;
    const pod = t.procs.find((p) => p.pid === 1250)!;
    assert.equal(netns.format!(netns.get(p1, ctx), p1, ctx), '');
    assert.equal(netns.format!(netns.get(pod, ctx), pod, ctx), '4026532301');
  }
});

test('ps detail: namespaces with holder counts, NSpid, maps, cgroups with limits, root overlay', () => {
  {
    const d = readProcessDetail(h.paths, 2000);
    assert.deepEqual(d.nspid, [2000, 1]);
    const user = d.namespaces.find((n) => n.type === 'user')!;
    assert.deepEqual(user, { type: 'user', inode: 4026532500, shared_with_init: false, nprocs: 2, nsfs: [] });
    assert.equal(d.namespaces.find((n) => n.type === 'time')!.shared_with_init, true);
    assert.deepEqual(d.uid_map, [{ inside: 0, outside: 100000, count: 65536 }]);
    assert.equal(d.container?.name, 'billing-db');
    assert.equal(d.root_mount?.fstype, 'overlay');
    assert.deepEqual(d.root_mount?.lowerdir, ['/var/lib/docker/overlay2/l/GQ2KJ7P6ZBF4HT2Y6UB4Y7ZK3C', '/var/lib/docker/overlay2/l/NW3KVB2ZEVM7HK3PUAN6YLXQ4T']);
    assert.equal(d.root_mount?.upperdir, '/var/lib/docker/overlay2/7d1e0f4c/diff');
    const cpu = d.cgroups.find((c) => c.controllers.includes('cpu'))!;
    assert.equal(cpu.path, `/system.slice/docker-${D1}.scope`);
    assert.equal(cpu.stats?.cpu?.max_usec, 200000);
    const mem = d.cgroups.find((c) => c.controllers.includes('memory'))!;
    assert.equal(mem.stats?.memory?.max_bytes, 1073741824);
    const pids = d.cgroups.find((c) => c.controllers.includes('pids'))!;
    assert.equal(pids.stats?.pids?.max, 512);
    const blue = readProcessDetail(h.paths, 2100).namespaces.find((n) => n.type === 'net')!;
    assert.deepEqual(blue.names, ['blue']);
    assert.deepEqual(blue.nsfs, ['/run/netns/blue']);
    const text = formatPsDetail(d);
    assert.match(text, /nspid\s+2000 → 1/);
    assert.match(text, /uid_map\s+0 100000 65536/);
    assert.match(text, /billing-db/);
    assert.match(text, /quota 2\.00 CPU/);
  }
});

test('ps detail: a missing PID is a NotFoundError', () => {
  {
    assert.throws(() => readProcessDetail(h.paths, 99999), (e: Error & { kind?: string }) => e.kind === 'not-found');
  }
});

test('nsx ps CLI: table, JSON, detail JSON, escaping, usage errors', () => {
  const root = h.dir;
  const t = runNsx(['--root', root, 'ps']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout.split('\n')[0], /^\s*PID USER\s+CONTAINER\s+CGROUP\s+NS\s+COMMAND$/, 'compact default: NS, not eight inode columns');
  assert.ok(t.stdout.includes('./\\x1b[2Jevil --flag'), 'control characters escaped');
  assert.ok(!t.stdout.includes('\x1b'), 'no raw escape reaches the terminal');
  const j = JSON.parse(runNsx(['--root', root, 'ps', '--json', '--container', 'billing-db']).stdout);
  assert.deepEqual(j.processes.map((p: { pid: number }) => p.pid), [2000, 2001]);
  assert.equal(j.processes[0].container, 'billing-db');
  assert.equal(j.processes[0].user_ns, 4026532500);
  assert.equal(j.processes[0].mnt_ns, 4026532504);
  const d = JSON.parse(runNsx(['--root', root, 'ps', '-J', '1251']).stdout);
  assert.equal(d.processes[0].pid, 1251);
  assert.equal(d.processes[0].container.runtime, 'containerd');
  assert.equal(d.processes[0].namespaces.length, 8);
  const s = runNsx(['--root', root, 'ps', '-o', 'PID,RSS', '--sort=-RSS', '-n', '-r']);
  assert.equal(s.stdout.split('\n')[0], '700 100663296', 'raw: exact bytes');
  assert.equal(runNsx(['--root', root, 'ps', '--ns', 'abc']).code, 2);
  assert.equal(runNsx(['--root', root, 'ps', '-o', 'NOPE']).code, 2);
  assert.equal(runNsx(['--root', root, 'ps', '--ns', '4026532301', '1']).code, 2);
  const missing = runNsx(['--root', root, 'ps', '99999']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /99999: no such process/);
});

test('ProcessCollector re-reads slow parts only every N collections, and drops vanished PIDs', () => {
  {
    const c = new ProcessCollector({ paths: h.paths, refreshEvery: 5 });
    const a = c.collect();
    const b = c.collect();
    assert.equal(a.procs.length, b.procs.length);
    assert.equal(a.procs[12].ns, b.procs[12].ns, 'cached namespace record reused');
    assert.ok(b.mono_ms >= a.mono_ms);
  }
});

test('primaryCgroupPath: identity path, else name=systemd, but not / when a controller places it deeper', () => {
  const e = (hierarchyId: number, controllers: string[], path: string, name?: string) => ({ hierarchyId, controllers, path, ...(name ? { name } : {}) });
  assert.equal(primaryCgroupPath([e(1, [], '/user.slice', 'systemd'), e(2, ['cpu'], '/x')]), '/user.slice');
  assert.equal(primaryCgroupPath([e(1, [], '/', 'systemd'), e(3, ['memory'], '/m'), e(2, ['cpu'], '/nsx-test-1')]), '/nsx-test-1');
  assert.equal(primaryCgroupPath([e(0, [], '/')]), '/');
  assert.equal(primaryCgroupPath([]), undefined);
});

test('parseIdMap: real forms, empty, malformed; fuzz', () => {
  assert.deepEqual(parseIdMap('         0          0 4294967295\n'), [{ inside: 0, outside: 0, count: 4294967295 }]);
  assert.ok(isIdentityMap(parseIdMap('0 0 4294967295')));
  assert.deepEqual(parseIdMap('0 100000 65536\n65536 1000 1\n'), [{ inside: 0, outside: 100000, count: 65536 }, { inside: 65536, outside: 1000, count: 1 }]);
  assert.deepEqual(parseIdMap(''), []);
  assert.throws(() => parseIdMap('0 1\n', 'uid_map'), /uid_map:1: expected/);
  fuzzParser(parseIdMap, ['0 0 4294967295\n', '0 100000 65536\n1 2 3\n']);
});

test('root mount and overlay layers from mountinfo (escaped separators, stacked /)', () => {
  const mi = parseMountinfo(
    '1 0 8:1 / / rw - ext4 /dev/sda1 rw\n' +
      '2 1 0:50 / / rw - overlay overlay rw,lowerdir=/l/a\\:b:/l/c,upperdir=/u,workdir=/w,xino=off\n',
  );
  const r = rootMountOf(mi)!;
  assert.equal(r.fstype, 'overlay');
  assert.deepEqual(r.lowerdir, ['/l/a:b', '/l/c']);
  assert.equal(r.upperdir, '/u');
  assert.equal(r.workdir, '/w');
  assert.deepEqual(overlayLayers('rw'), {});
  assert.equal(rootMountOf([]), null);
});

test('friendly names: netns from nsfs mounts, Docker config.v2.json', () => {
  const m = netnsNamesOf([
    { type: 'net', inode: 5, mountPoint: '/run/netns/blue' },
    { type: 'net', inode: 5, mountPoint: '/var/run/netns/blue' },
    { type: 'net', inode: 6, mountPoint: '/run/docker/netns/abc' },
    { type: 'uts', inode: 7, mountPoint: '/run/netns/x' },
  ]);
  assert.deepEqual([...m], [[5, ['blue']]]);
  assert.equal(parseDockerConfigName('{"Name":"/web"}'), 'web');
  assert.equal(parseDockerConfigName('{"Name":""}'), undefined);
  assert.equal(parseDockerConfigName('not json'), undefined);
  {
    assert.equal(readDockerName(h.paths, D1), 'billing-db');
    assert.equal(readDockerName(h.paths, C1), undefined);
    assert.equal(readDockerName(h.paths, '../../etc'), undefined, 'only real ids are looked up');
  }
});

test('cgroupStatsSummary: absent groups print nothing', () => {
  assert.equal(cgroupStatsSummary(null), '');
  assert.equal(cgroupStatsSummary({ path: '/', inodes: {} }), '');
  assert.equal(cgroupStatsSummary({ path: '/', inodes: {}, pids: { current: 3, max: 'max' } }), 'pids 3/max');
});

test('ps table JSON: NSPID is numbers, as in the PID detail; -g takes a path without a leading slash', () => {
  const j = JSON.parse(runNsx(['--root', fixture('k8s-node.manifest'), 'ps', '-J', '-o', 'PID,NSPID']).stdout);
  for (const p of j.processes) if (p.nspid) assert.ok(p.nspid.every((n: unknown) => typeof n === 'number'), JSON.stringify(p));
  const t = runNsx(['--root', fixture('k8s-node.manifest'), 'ps', '-g', 'system.slice/ssh.service', '-o', 'PID']);
  assert.deepEqual(t.stdout.trim().split('\n').map((l) => l.trim()), ['PID', '801']);
});

test('nsx ps at 80 columns: no line wraps, COMMAND stays readable, cut cells end in …', () => {
  const t = collectProcesses({ paths: h.paths });
  const fields = selectFields(PS_FIELDS, PS_DEFAULT, undefined);
  const text = renderPsTable(fields, t.procs, { reference: t.reference.ns }, { termWidth: 80 });
  const lines = text.trimEnd().split('\n');
  for (const l of lines) assert.ok(displayWidth(l) <= 80, `wider than 80: ${JSON.stringify(l)}`);
  assert.match(lines[0], /^\s*PID USER\s+CONTAINER\s+CGROUP\s+NS\s+COMMAND$/);
  const cmdAt = lines[0].indexOf('COMMAND');
  assert.ok(80 - cmdAt >= 20, `COMMAND gets ${80 - cmdAt} columns`);
  assert.ok(lines.some((l) => l.includes('…')), 'long cells are cut with …');
  assert.ok(!lines.some((l) => l.includes('\x1b')), 'escaped before cutting');
  const nginx = lines.find((l) => /^\s*1251 /.test(l))!;
  assert.match(nginx, / nginx: worker proc/);
  assert.match(nginx, / mnt,net,pid,uts,ipc,cg /, 'NS names the types that differ from PID 1');
  // without a terminal nothing is cut
  assert.ok(!renderPsTable(fields, t.procs, { reference: t.reference.ns }).includes('…'));
  assert.equal(ellipsize('abcdef', 4), 'abc…');
  assert.equal(ellipsize('abc', 4), 'abc');
});

test('renderPsTable lays a table out as the generic flat table does, at any width, with hostile and wide cells', () => {
  // the generic layout: every cell escaped, fitted by fitWidths and cut with …, then src/output/table.ts
  const generic = (fields: readonly PsField[], rows: readonly PsProcess[], ctx: PsFieldCtx, o: { termWidth?: number; noHeadings?: boolean; noTruncate?: boolean }) => {
    const cols = fields.map((f) => ({ header: headerOf(f), align: f.align, trunc: f.trunc, width: f.width }));
    let cells = rows.map((p) => fields.map((f) => formatCell(f, p, ctx)));
    const fit = o.termWidth !== undefined && !o.noTruncate;
    if (fit) {
      cells = cells.map((r) => r.map(escapeControl));
      const natural = fields.map((f, i) => cells.reduce((w, r) => Math.max(w, displayWidth(r[i])), o.noHeadings ? 0 : headerOf(f).length));
      const widths = fitWidths(fields, natural, o.termWidth!);
      cells = cells.map((r) => r.map((c, i) => (widths[i] < natural[i] ? ellipsize(c, widths[i]) : c)));
    }
    return renderTable(cols, cells.map((c) => ({ cells: c })), { noHeadings: o.noHeadings, noTruncate: o.noTruncate || fit, termWidth: o.termWidth });
  };
  for (const m of ['k8s-node.manifest', 'ns-nested.manifest']) {
    const host = m === 'k8s-node.manifest' ? h : fixtureHost(m);
    try {
      const t = collectProcesses({ paths: host.paths });
      // a wide (CJK) command and one with a control character, beside the host's own (ns-nested: hostile names)
      const extra: PsProcess[] = [
        { ...t.procs[0], pid: 99998, command: '漢字のコマンド 漢字のコマンド 漢字のコマンド 漢字', argv: ['漢字'] },
        { ...t.procs[0], pid: 99999, command: 'evil\x1b[31m red \u202e', argv: ['evil'] },
      ];
      const rows = [...t.procs, ...extra];
      const ctx: PsFieldCtx = { reference: t.reference.ns, cpuPercent: cpuPercentSinceStart(rows, t.uptime_s ?? 1000) };
      for (const cols of [PS_DEFAULT, ['PID', 'COMMAND', 'USER'], ['CGROUP', 'CONTAINER', 'CPU%', 'RSS', 'NS'], PS_FIELDS.map((f) => f.id)]) {
        const fields = selectFields(PS_FIELDS, cols, undefined);
        for (const termWidth of [undefined, 20, 40, 60, 80, 100, 132, 200, 400]) {
          for (const noHeadings of [false, true]) {
            for (const noTruncate of [false, true]) {
              const o = { termWidth, noHeadings, noTruncate };
              assert.equal(renderPsTable(fields, rows, ctx, o), generic(fields, rows, ctx, o), `${m} ${cols.join(',')} ${JSON.stringify(o)}`);
            }
          }
        }
      }
    } finally {
      if (host !== h) host.cleanup();
    }
  }
});

test('ps without /proc/PID/stat (the comm file instead): every column psNeedsStat clears shows what it shows with stat', () => {
  for (const m of ['k8s-node.manifest', 'ns-nested.manifest', 'docker-v1.manifest', 'k8s-v2-node.manifest']) {
    const host = m === 'k8s-node.manifest' ? h : fixtureHost(m);
    try {
      const full = collectProcesses({ paths: host.paths });
      const lean = collectProcesses({ paths: host.paths, stat: false });
      assert.deepEqual(lean.procs.map((p) => p.pid), full.procs.map((p) => p.pid), m);
      for (const [i, p] of lean.procs.entries()) {
        const q = full.procs[i];
        for (const k of ['comm', 'argv', 'command', 'ns', 'nspid', 'uid', 'user', 'cgroups', 'cgroup', 'container', 'containerName'] as const) assert.deepEqual(p[k], q[k], `${m} ${p.pid} ${k}`);
        for (const k of ['ppid', 'state', 'threads', 'utimeTicks', 'stimeTicks', 'starttimeTicks', 'rssBytes'] as const) assert.equal(p[k], undefined, `${m} ${p.pid} ${k}: not read`);
      }
      const ctx = (t: typeof full): PsFieldCtx => ({ reference: t.reference.ns, cpuPercent: cpuPercentSinceStart(t.procs, t.uptime_s ?? 1000) });
      let needing = 0;
      for (const f of PS_FIELDS) {
        if (psNeedsStat([f])) {
          needing++;
          continue;
        }
        assert.deepEqual(lean.procs.map((p) => formatCell(f, p, ctx(lean))), full.procs.map((p) => formatCell(f, p, ctx(full))), `${m} ${f.id}`);
      }
      assert.equal(needing, 6, 'PPID STATE THREADS CPU% RSS TIME');
      const fields = selectFields(PS_FIELDS, PS_DEFAULT, undefined);
      assert.ok(!psNeedsStat(fields), 'the default columns need no stat');
      assert.equal(renderPsTable(fields, lean.procs, ctx(lean)), renderPsTable(fields, full.procs, ctx(full)), m);
    } finally {
      if (host !== h) host.cleanup();
    }
  }
});

test('nsx ps: filters that match nothing exit 1 with a message; empty filters and columns are refused', () => {
  const root = h.dir;
  for (const args of [['-c', 'no-such-container'], ['-g', '/no/such/cgroup'], ['--ns', '1']]) {
    const r = runNsx(['--root', root, 'ps', ...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^nsx ps: (--cgroup \/no\/such\/cgroup: no process matches|--ns 1: no process matches|no-such-container: no running container, pod or unit matches)\n$/);
  }
  for (const args of [['-c', ''], ['-g', ''], ['--ns', ''], ['-o', ''], ['-o', '+'], ['-s', ''], ['-s', 'PID,'], ['--sort=-']]) {
    const r = runNsx(['--root', root, 'ps', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')} is refused: ${r.stderr}`);
  }
  assert.match(runNsx(['--root', root, 'ps', '-o', '']).stderr, /no output columns/);
});

test('nsx ps: case-insensitive names, several sort keys, command and argv in every JSON', () => {
  const root = h.dir;
  const r = runNsx(['--root', root, 'ps', '-o', 'pid,user,rss', '-s', 'user,-RSS', '-n', '-r']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => l.split(' '));
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    if (a[1] === b[1] && a[2] !== '-' && b[2] !== '-') assert.ok(Number(a[2]) >= Number(b[2]), `RSS descending within user ${a[1]}`);
  }
  const users = rows.map((x) => x[1]).filter((u) => u !== '');
  assert.deepEqual(users, [...users].sort((a, b) => a.localeCompare(b)), 'users ascending');
  const keys = parsePsSort('user,-Rss');
  assert.deepEqual(keys.map((k) => [k.field.id, k.descending]), [['USER', false], ['RSS', true]]);
  const t = collectProcesses({ paths: h.paths });
  assert.deepEqual(sortProcessesBy(t.procs, keys, { reference: {} }).length, t.procs.length);
  // command (string) and argv (array) in the table JSON and in the detail JSON
  const j = JSON.parse(runNsx(['--root', root, 'ps', '-J']).stdout).processes;
  const n = j.find((p: { pid: number }) => p.pid === 1251);
  assert.equal(n.command, 'nginx: worker process');
  assert.deepEqual(n.argv, ['nginx: worker process']);
  assert.equal(j.find((p: { pid: number }) => p.pid === 2).command, '[kthreadd]');
  assert.deepEqual(j.find((p: { pid: number }) => p.pid === 2).argv, []);
  const only = JSON.parse(runNsx(['--root', root, 'ps', '-J', '-o', 'pid,argv']).stdout).processes[0];
  assert.deepEqual(Object.keys(only), ['pid', 'command', 'argv']);
  const d = JSON.parse(runNsx(['--root', root, 'ps', '-J', '1251']).stdout).processes[0];
  assert.equal(d.command, 'nginx: worker process');
  assert.deepEqual(d.argv, ['nginx: worker process']);
});

test('ps CPU%: since the process started, as procps ps computes it', () => {
  const p = { pid: 7, utimeTicks: 300, stimeTicks: 100, starttimeTicks: 1000 } as Parameters<typeof cpuPercentSinceStart>[0][number];
  // started at 10 s after boot, now 30 s: 4 s of CPU in 20 s = 20 %
  assert.equal(cpuPercentSinceStart([p], 30).get(7), 20);
  assert.equal(cpuPercentSinceStart([p], 10).get(7), null, 'no elapsed time');
  assert.equal(cpuPercentSinceStart([{ ...p, utimeTicks: undefined }], 30).get(7), null);
  const withUptime = JSON.parse(runNsx(['--root', h.dir, 'ps', '-o', 'PID,CPU%', '-J']).stdout).processes[0];
  assert.equal(typeof withUptime.cpu_percent, 'number');
  // a fixture host without /proc/uptime: absent (null, printed '-'), not zero
  const d = fixtureHost('docker-v1.manifest');
  try {
    const r = runNsx(['--root', d.dir, 'ps', '-o', 'PID,CPU%', '-J']);
    assert.equal(JSON.parse(r.stdout).processes[0].cpu_percent, null);
    assert.match(runNsx(['--root', d.dir, 'ps', '-o', 'PID,CPU%', '-n']).stdout, /^\s*1\s+-$/m);
  } finally {
    d.cleanup();
  }
});
