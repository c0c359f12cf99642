/**
 * The dashboard on a recorded host (`nsx --root fixtures/k8s-node.manifest`), wired as the command wires it
 * (src/tui/dashboard/run.ts makeDashboardSession: one sample, no timers), drawn by ink-testing-library: the
 * Cgroups view shows the tasks and limits that `nsx top -b -n 1` shows on the same host, not `-`.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render } from 'ink-testing-library';
import { DashboardApp } from '../../../src/tui/dashboard/DashboardApp.js';
import { makeDashboardSession } from '../../../src/tui/dashboard/run.js';
import type { Scheduler } from '../../../src/sampler/sampler.js';
import { runNsx, stripAnsi } from '../../helpers/cli.js';
import { settle } from '../../helpers/ink.js';
import { fixture, fixtureHost } from '../../helpers/host.js';

const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => {} };
const host = fixtureHost('k8s-node.manifest');
after(() => host.cleanup());

/** The cells of a table under `header` (columns found by the header's right-aligned titles). */
function cells(lines: readonly string[], headerAt: number, names: readonly string[]): string[][] {
  const header = lines[headerAt];
  const ends = names.map((n) => {
    const i = header.search(new RegExp(`(?<=\\s|^)${n.replace(/[%/]/g, '\\$&')}(?=\\s|$)`));
    assert.ok(i >= 0, `column ${n} in ${header}`);
    return i + n.length;
  });
  const out: string[][] = [];
  for (const l of lines.slice(headerAt + 1)) {
    if (!/\S/.test(l) || l.startsWith('Tab/')) break;
    out.push(ends.map((e) => (/(\S+)$/.exec(l.slice(0, e)) ?? ['', ''])[1]));
  }
  return out;
}

test('dashboard on a recorded host: TASKS, CPUMAX and MEMMAX as nsx top -b -n 1 shows them', async () => {
  const session = makeDashboardSession({ paths: host.paths, intervalMs: 1000, scheduler: manual, color: false });
  const app = render(<DashboardApp {...session.props} size={{ columns: 200, rows: 40 }} />);
  try {
    await settle(app);
    session.start();
    await settle(app);
    const lines = stripAnsi(app.lastFrame() ?? '').split('\n');
    const at = lines.findIndex((l) => /^CGROUP\s/.test(l));
    assert.ok(at >= 0, lines.join('\n'));
    const dash = cells(lines, at, ['TASKS', 'CPUMAX', 'MEMMAX']);
    const top = runNsx(['--root', fixture('k8s-node.manifest'), 'top', '-b', '-n', '1', '-o', 'CGROUP,TASKS,CPUMAX,MEMMAX']);
    assert.equal(top.code, 0, top.stderr);
    const topLines = top.stdout.trimEnd().split('\n');
    const want = cells(topLines, 0, ['TASKS', 'CPUMAX', 'MEMMAX']);
    const key = (r: string[]) => r.join(' ');
    assert.equal(dash.length, want.length, 'one row per cgroup');
    assert.deepEqual(dash.map(key).sort(), want.map(key).sort());
    // what the issue saw: 84 tasks at the root, the pod's and containers' limits
    assert.equal(dash[0][0], '84');
    for (const v of ['1.00', '0.50', '2.00']) assert.ok(dash.some((r) => r[1] === v), `CPUMAX ${v}`);
    for (const v of ['512M', '256M', '1.0G']) assert.ok(dash.some((r) => r[2] === v), `MEMMAX ${v}`);
    // one sample: rates stay absent
    assert.doesNotMatch(lines.slice(at + 1, at + 3).join('\n'), /\b0\.0\b/);
  } finally {
    app.unmount();
    session.close();
  }
});
