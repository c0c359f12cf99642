/** The dashboard's pure parts: CPU% between tables, the namespace tree, focus across views, the reducer, the summary. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureHost } from '../../helpers/host.js';
import { collectProcesses, type ProcessTable, type PsProcess } from '../../../src/services/ps.js';
import { groupNamespaces } from '../../../src/model/namespace.js';
import { focusKeyIn, hostCounts, namespaceLines, processCpuPercent, processMatches, processesInCgroup } from '../../../src/tui/dashboard/model.js';
import { dashReducer, focusOf, initialDashState, levelKey } from '../../../src/tui/dashboard/state.js';
import { formatSummary, hostSummary } from '../../../src/services/dashboard.js';

const host = fixtureHost('k8s-node.manifest');
after(() => host.cleanup());

function proc(pid: number, o: Partial<PsProcess> = {}): PsProcess {
  return { pid, comm: 'x', argv: [], command: 'x', kernelThread: false, ns: {}, cgroups: [], ...o };
}
function table(procs: PsProcess[], mono_ms = 0): ProcessTable {
  return { mono_ms, procs, reference: { pid: 1, ns: {} }, incomplete: false, skipped: { gone: 0, denied: [] } };
}

test('processCpuPercent: Δticks / USER_HZ / Δt; null first, on PID reuse and on counters going back', () => {
  const a = table([proc(1, { utimeTicks: 100, stimeTicks: 50, starttimeTicks: 7 }), proc(2, { utimeTicks: 10, stimeTicks: 0, starttimeTicks: 9 }), proc(3, { utimeTicks: 5, stimeTicks: 5, starttimeTicks: 1 })]);
  const b = table([proc(1, { utimeTicks: 150, stimeTicks: 100, starttimeTicks: 7 }), proc(2, { utimeTicks: 1, stimeTicks: 0, starttimeTicks: 99 }), proc(3, { utimeTicks: 4, stimeTicks: 5, starttimeTicks: 1 }), proc(4, { utimeTicks: 1, stimeTicks: 1 })]);
  const cpu = processCpuPercent(a, b, 2);
  assert.equal(cpu.get(1), 50); // 100 ticks = 1 s of CPU in 2 s
  assert.equal(cpu.get(2), null);
  assert.equal(cpu.get(3), null);
  assert.equal(cpu.get(4), null);
  assert.equal(processCpuPercent(undefined, b, null).get(1), null);
});

test('namespaceLines: flat by type without relations; search helpers', () => {
  const t = collectProcesses({ paths: host.paths });
  const nss = groupNamespaces(t.procs);
  const lines = namespaceLines(nss, new Map(t.procs.map((p) => [p.pid, p] as const)));
  assert.equal(lines.length, nss.length);
  assert.deepEqual([...new Set(lines.map((l) => l.ns.type))], ['mnt', 'net', 'pid', 'uts', 'ipc', 'user', 'cgroup', 'time']);
  assert.ok(lines.every((l) => l.prefix === ''));
  const nginx = t.procs.find((p) => p.pid === 1251)!;
  for (const q of ['1251', 'NGINX', 'containerd:1d3d', '7a96c459-d529', 'kubepods-burstable', '4026532301']) assert.ok(processMatches(nginx, q), q);
  assert.ok(!processMatches(nginx, 'redis'));
  assert.deepEqual(processesInCgroup(t.procs, '/kubepods.slice').map((p) => p.pid), []);
  assert.deepEqual(processesInCgroup(t.procs, '/kubepods.slice', true).map((p) => p.pid), [1210, 1250, 1251, 1310, 1350]);
  const c = hostCounts(t, nss);
  assert.deepEqual([c.processes, c.containers, c.pods], [20, 5, 2]);
});

test('focusKeyIn: a process maps to its cgroup, its first namespace of its own, itself', () => {
  const t = collectProcesses({ paths: host.paths });
  const paths = new Set(['/', '/system.slice', '/system.slice/docker-2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f.scope']);
  const f = { kind: 'process', pid: 2000 } as const;
  assert.equal(focusKeyIn('cgroups', f, t.procs, t.reference.ns, paths), '/system.slice/docker-2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f.scope');
  assert.equal(focusKeyIn('namespaces', f, t.procs, t.reference.ns, paths), '4026532504');
  assert.equal(focusKeyIn('processes', { kind: 'ns', inode: 4026532301 }, t.procs, t.reference.ns, paths), '1210');
  assert.equal(focusKeyIn('processes', { kind: 'cgroup', path: '/system.slice' }, t.procs, t.reference.ns, paths), '512');
  assert.equal(focusKeyIn('namespaces', { kind: 'process', pid: 1 }, t.procs, t.reference.ns, paths), '4026531837', 'PID 1: its user namespace');
  assert.equal(focusKeyIn('cgroups', undefined, t.procs, t.reference.ns, paths), undefined);
});

test('dashReducer: drill-down keeps each level\'s selection; back pops; views reset the stack; search', () => {
  let st = initialDashState();
  st = dashReducer(st, { type: 'nav', nav: { kind: 'move', by: 2 }, keys: ['/', '/a', '/b'] });
  assert.equal(st.selected[levelKey('cgroups', [])], '/b');
  st = dashReducer(st, { type: 'push', level: { kind: 'cgroup-procs', path: '/b' } });
  st = dashReducer(st, { type: 'nav', nav: { kind: 'end' }, keys: ['10', '11'] });
  st = dashReducer(st, { type: 'push', level: { kind: 'process', pid: 11 } });
  assert.deepEqual(focusOf(st, undefined), { kind: 'process', pid: 11 });
  st = dashReducer(st, { type: 'push', level: { kind: 'process-ns', pid: 11 } });
  assert.deepEqual(focusOf(st, '4026532301'), { kind: 'ns', inode: 4026532301 });
  st = dashReducer(st, { type: 'back' });
  st = dashReducer(st, { type: 'back' });
  assert.equal(st.selected[levelKey('cgroups', st.stack)], '11', 'the selection of a level survives going back');
  st = dashReducer(st, { type: 'search-start' });
  st = dashReducer(st, { type: 'search-input', text: 'ng' });
  assert.equal(st.selected[levelKey('cgroups', st.stack)], undefined, 'a new search selects its first match');
  st = dashReducer(st, { type: 'back' });
  assert.equal(st.search, '');
  assert.equal(st.stack.length, 1, 'Esc first clears the search');
  st = dashReducer(st, { type: 'cycle-view', by: -1, select: (v) => (v === 'processes' ? '11' : undefined) });
  assert.equal(st.view, 'processes');
  assert.deepEqual(st.stack, []);
  assert.equal(st.selected[levelKey('processes', [])], '11');
  st = dashReducer(st, { type: 'help' });
  st = dashReducer(st, { type: 'back' });
  assert.equal(st.help, false);
});

test('summary: layout, cgroups, namespaces by type, containers by runtime, pods', () => {
  const s = hostSummary(host.paths);
  assert.equal(s.layout, 'hybrid');
  assert.equal(s.cgroups, 23);
  assert.equal(s.processes, 20);
  assert.deepEqual(s.containers, { containerd: 4, docker: 1 });
  assert.equal(s.pods, 2);
  assert.equal(s.namespaces.net, 5, 'host, two pods, the docker container, blue');
  const text = formatSummary(s);
  assert.match(text, /^cgroups: +hybrid \(cpu,cpuacct .* cgroup2\), 23 cgroups$/m);
  assert.match(text, /^namespaces: +33 \(mnt 6, net 5, pid 6, uts 4, ipc 4, user 2, cgroup 5, time 1\)$/m);
  assert.match(text, /^containers: +5 \(containerd 4, docker 1\), in 2 pods$/m);
});
