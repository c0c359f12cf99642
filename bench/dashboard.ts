/**
 * `npm run bench -- dashboard`: can the dashboard keep a 1 s refresh with 5,000 processes and 2,000 cgroups?
 * Creates 2,000 v1 cgroups (nsx-test-bench-dash-*, in the cpu, cpuacct, memory, pids and blkio hierarchies)
 * and starts 5,000 `sleep` processes (one shell loop, its own process group), spread over the cgroups; then
 * times, in this process, what one dashboard refresh does: the process table (ProcessCollector, steady state
 * with the slow parts re-read every 5 ticks, and a cold full read), the `nsx top` cgroup sample, and the pure
 * model work (namespaces grouped, the Namespaces tree, the sorted process list, the cgroup tree rows).
 * Side by side: `nsx ps` against `ps -e -o pid,user,rss,cgroup,args` (procps) and `nsx` summary against lsns.
 * Everything created is removed at the end. Options: --procs=N (5000), --cgroups=N (2000), --ticks=N (10).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../src/host/paths.js';
import { ProcessCollector } from '../src/services/ps.js';
import { makeCollector } from '../src/sampler/collect.js';
import { buildFrame } from '../src/sampler/frame.js';
import { groupNamespaces } from '../src/model/namespace.js';
import { PS_FIELDS, sortProcesses } from '../src/fields/ps.js';
import { namespaceLines, processCpuPercent } from '../src/tui/dashboard/model.js';
import { visibleRows } from '../src/tui/top/state.js';
import { NSX, compare, median, report, ratio } from './lib.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];

function arg(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
}

function timeIt(fn: () => void, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

export async function run(args: string[]): Promise<void> {
  const nProcs = arg(args, 'procs', 5000);
  const nCg = arg(args, 'cgroups', 2000);
  const ticks = arg(args, 'ticks', 10);
  const tag = `nsx-test-bench-dash-${process.pid}`;
  const dirs: string[] = [];
  const ctrls = CONTROLLERS.filter((c) => existsSync(join(CG, c, 'cgroup.procs')));
  console.log(`dashboard bench: ${nProcs} extra processes, ${nCg} extra cgroups in ${ctrls.join(',')} (v1)`);
  const loop = spawn('sh', ['-c', `i=0; while [ $i -lt ${nProcs} ]; do sleep 3600 & i=$((i+1)); done; wait`], { detached: true, stdio: 'ignore' });
  try {
    for (let i = 0; i < nCg; i++) {
      for (const c of ctrls) {
        const d = join(CG, c, `${tag}-${Math.floor(i / 50)}`, `c${i}`);
        mkdirSync(d, { recursive: true });
        dirs.push(d);
      }
    }
    // wait for the sleeps, then spread them over the cgroups (cpu hierarchy)
    const childrenFile = join(hostPaths().proc, String(loop.pid), 'task', String(loop.pid), 'children');
    const children = () => readFileSync(childrenFile, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    const t0 = Date.now();
    while (children().length < nProcs && Date.now() - t0 < 120000) await new Promise((r) => setTimeout(r, 200));
    const kids = children();
    kids.forEach((pid, i) => {
      try {
        writeFileSync(join(CG, 'cpu', `${tag}-${Math.floor((i % nCg) / 50)}`, `c${i % nCg}`, 'cgroup.procs'), String(pid));
      } catch {
        // a cgroup of another hierarchy layout: leave the process where it is
      }
    });
    console.log(`  ${kids.length} sleeps started`);

    const paths = hostPaths();
    const cold = timeIt(() => new ProcessCollector({ paths }).collect(), 3);
    const pc = new ProcessCollector({ paths, refreshEvery: 5 });
    let prev = pc.collect();
    const procTicks: number[] = [];
    const modelTicks: number[] = [];
    const top = makeCollector({ paths });
    let topPrev = top();
    const topTicks: number[] = [];
    for (let i = 0; i < ticks; i++) {
      let t = performance.now();
      const next = pc.collect();
      procTicks.push(performance.now() - t);
      t = performance.now();
      const snap = top();
      topTicks.push(performance.now() - t);
      t = performance.now();
      const cpu = processCpuPercent(prev, next, 1);
      const nss = groupNamespaces(next.procs);
      namespaceLines(nss, new Map(next.procs.map((p) => [p.pid, p] as const)));
      sortProcesses(next.procs, PS_FIELDS.find((f) => f.id === 'CPU%')!, { reference: next.reference.ns, cpuPercent: cpu }, true);
      const frame = buildFrame(topPrev, snap);
      visibleRows(frame, { order: 'cpu', reverse: false, filter: '', collapsed: new Set(), depth: undefined });
      modelTicks.push(performance.now() - t);
      prev = next;
      topPrev = snap;
    }
    const procs = prev.procs.length;
    const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (max ${Math.max(...xs).toFixed(0)})`;
    console.log(`  process table, cold full read of ${procs} processes: ${fmt(cold)}`);
    console.log(`  process table per tick (steady, slow parts every 5 ticks): ${fmt(procTicks)}`);
    console.log(`  cgroup sample per tick (${topPrev.cgroups.length} cgroups): ${fmt(topTicks)}`);
    console.log(`  model per tick (namespaces, trees, sort): ${fmt(modelTicks)}`);
    // the Cgroups view samples cgroups every tick and the process table every 5th; the other views the reverse
    const cg = median(topTicks) + median(procTicks) / 5 + median(modelTicks);
    const pr = median(procTicks) + median(modelTicks);
    console.log(`  => Cgroups view: ≈ ${cg.toFixed(0)} ms per 1 s refresh (${((cg / 1000) * 100).toFixed(0)}% of one CPU)`);
    console.log(`  => Processes / Namespaces views: ≈ ${pr.toFixed(0)} ms per 1 s refresh (${((pr / 1000) * 100).toFixed(0)}% of one CPU)`);

    const t = compare(
      [
        { label: 'nsx ps', argv: [...NSX, 'ps', '-o', 'PID,USER,RSS,CGROUP,COMMAND'] },
        { label: 'ps -e -o pid,user,rss,cgroup,args', argv: ['ps', '-e', '-o', 'pid,user,rss,cgroup,args'] },
        { label: 'nsx (summary)', argv: [...NSX, 'dashboard', '--summary'] },
        { label: 'lsns', argv: ['lsns'] },
      ],
      5,
      1,
    );
    report('one-shot tables at this size', t);
    console.log(`  nsx ps / procps ps: ${ratio(t[0], t[1]).toFixed(2)}×;  nsx summary / lsns: ${ratio(t[2], t[3]).toFixed(2)}×`);
  } finally {
    try {
      process.kill(-loop.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const d of dirs.reverse()) {
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    for (const c of ctrls) {
      for (let g = 0; g <= Math.floor((nCg - 1) / 50); g++) {
        try {
          rmdirSync(join(CG, c, `${tag}-${g}`));
        } catch {
          // not empty or gone
        }
      }
    }
  }
}
