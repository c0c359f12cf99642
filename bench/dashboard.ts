/**
 * `npm run bench -- dashboard`: the interactive dashboard side by side with htop, on a host with 5,000 extra
 * processes and 2,000 extra cgroups, both refreshing every second.
 *
 * Scenario: 2,000 v1 cgroups (nsx-test-bench-dash-*, two deep, in the cpu, cpuacct, memory, pids and blkio
 * hierarchies) and 5,000 `sleep` processes (one shell loop, its own process group) spread over the cpu cgroups.
 * `htop -d 10` and `nsx` (the dashboard, --interval 1000) run at once, each in its own tmux session (200×50) on a
 * private tmux socket, both started afresh for each view: the Cgroups view (the default), the Processes view and
 * the Namespaces view (its key pressed at the dashboard's first frame). CPU is read from each process's own
 * accounting (/proc/PID/stat utime + stime) from --from=S seconds (5) after start (issue 21), over --windows=N
 * windows of --window=S seconds (5): the ratio nsx/htop over all of them (the figure), and per window, with
 * nsx's RSS (VmRSS) at the end of each window (median, max) and the
 * processes and cgroups the dashboard counts on the host (other work may add to the scenario). Then, in this process, what one refresh costs by part (process table, the Cgroups view's cgroup sample
 * (src/services/dashboard-cgroups.ts), model: namespaces, sort, frame, tree rows), and one-shot
 * tables against procps ps and lsns. Everything created is removed at the end.
 * Options: --procs=N (5000), --cgroups=N (2000), --windows=N (6), --window=S (5), --from=S (5), --ticks=N (10),
 * --side-by-side-only (skip the in-process parts and one-shot tables).
 * Targets (issue 11, issue 21): CPU ≤ 0.5× htop's in every view from 5 s after start, RSS ≤ 150 MB.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../src/host/paths.js';
import { ProcessCollector } from '../src/services/ps.js';
import { processCpuPercent } from '../src/model/process.js';
import { makeDashboardCollector } from '../src/services/dashboard-cgroups.js';
import { buildFrame } from '../src/sampler/frame.js';
import { groupNamespaces } from '../src/model/namespace.js';
import { PS_FIELDS, sortProcesses } from '../src/fields/ps.js';
import { namespaceLines } from '../src/tui/dashboard/model.js';
import { visibleRows } from '../src/tui/top/state.js';
import { NSX, compare, killAndRemove, median, report, ratio } from './lib.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];

function arg(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
}

/** CPU milliseconds (this process's own accounting, user + system) of each of n calls. */
function timeIt(fn: () => void, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    out.push((d.user + d.system) / 1000);
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

    await sideBySide(args, { nProcs: kids.length, nCg, ctrls });
    if (args.includes('--side-by-side-only')) return;

    const paths = hostPaths();
    const cold = timeIt(() => new ProcessCollector({ paths }).collect(), 3);
    const pc = new ProcessCollector({ paths, refreshEvery: 10, keepOpen: true });
    let prev = pc.collect();
    const procTicks: number[] = [];
    const modelTicks: number[] = [];
    // the Cgroups view's collector: CPU and memory usage of every cgroup, the rest for the rows in focus (three
    // pages of the CPU-sorted tree, as on a 50-line terminal)
    const top = makeDashboardCollector({ paths });
    let topPrev = top();
    top.setFocus(visibleRows(buildFrame(undefined, topPrev), { order: 'cpu', reverse: false, filter: '', collapsed: new Set(), depth: undefined }).slice(0, 135).map((r) => r.row.path));
    const topTicks: number[] = [];
    const cpuMs = (c: NodeJS.CpuUsage) => {
      const d = process.cpuUsage(c);
      return (d.user + d.system) / 1000;
    };
    for (let i = 0; i < ticks; i++) {
      let t = process.cpuUsage();
      const next = pc.collect();
      procTicks.push(cpuMs(t));
      t = process.cpuUsage();
      const snap = top();
      topTicks.push(cpuMs(t));
      t = process.cpuUsage();
      const cpu = processCpuPercent(prev, next, 1);
      const nss = groupNamespaces(next.procs);
      namespaceLines(nss, new Map(next.procs.map((p) => [p.pid, p] as const)));
      sortProcesses(next.procs, PS_FIELDS.find((f) => f.id === 'CPU%')!, { reference: next.reference.ns, cpuPercent: cpu }, true);
      const frame = buildFrame(topPrev, snap);
      visibleRows(frame, { order: 'cpu', reverse: false, filter: '', collapsed: new Set(), depth: undefined });
      modelTicks.push(cpuMs(t));
      prev = next;
      topPrev = snap;
    }
    const procs = prev.procs.length;
    const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms CPU (max ${Math.max(...xs).toFixed(0)})`;
    console.log(`\n== one refresh by part, in this process (CPU time)`);
    console.log(`  process table, cold full read of ${procs} processes: ${fmt(cold)}`);
    console.log(`  process table per tick (steady, slow parts every 10 ticks): ${fmt(procTicks)}`);
    console.log(`  cgroup sample per tick (${topPrev.cgroups.length} cgroups, 135 in focus): ${fmt(topTicks)}`);
    console.log(`  model per tick (namespaces, trees, sort): ${fmt(modelTicks)}`);
    // the Cgroups view samples cgroups every tick and the process table every 5th; the other views the reverse
    const cg = median(topTicks) + median(procTicks) / 5 + median(modelTicks);
    pc.close();
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
    await killAndRemove(loop.pid!, dirs, 20);
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

/** utime + stime of a process in seconds (its own accounting), or undefined when it is gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw e;
  }
}

function statusKb(pid: number, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

/** The process a tmux pane runs (the pane's shell execs a single command; else its only child). */
function panePid(sock: string, session: string): number {
  const r = spawnSync('tmux', ['-L', sock, 'list-panes', '-t', session, '-F', '#{pane_pid}'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim());
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  if (comm !== 'sh' && comm !== 'bash') return pid;
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return kids[0] ?? pid;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * htop and the nsx dashboard at once, each in tmux, started afresh for each view (issue 21: "measured from 5 s
 * after start"): the view's key is pressed as soon as the dashboard has drawn, and CPU is counted from --from=S (5)
 * seconds after both started, start-up and first samples after that included; CPU ratio per window, RSS per view.
 */
async function sideBySide(args: string[], sc: { nProcs: number; nCg: number; ctrls: string[] }): Promise<void> {
  const windows = arg(args, 'windows', 6);
  const windowS = arg(args, 'window', 5);
  const fromS = arg(args, 'from', 5);
  const htopOk = spawnSync('htop', ['--version']).status === 0;
  const tmuxOk = spawnSync('tmux', ['-V']).status === 0;
  console.log(
    `\n== dashboard vs htop, side by side: ${sc.nProcs} extra processes, ${sc.nCg} extra cgroups in ${sc.ctrls.join(',')} (v1), both at a 1 s refresh, 200x50 terminals (tmux); ` +
      `both started afresh for each view (its key pressed at the first frame), CPU counted from ${fromS} s after start over ${windows} windows of ${windowS} s (whole process: start-up, first samples and V8's compiles after ${fromS} s count)`,
  );
  if (!htopOk || !tmuxOk) {
    console.log(`  skipped: ${!htopOk ? 'htop' : 'tmux'} is not installed (apt-get install htop tmux)`);
    return;
  }
  const sock = `nsx-bench-dash-${process.pid}`;
  const tmux = (...a: string[]) => spawnSync('tmux', ['-L', sock, ...a], { encoding: 'utf8' });
  const views: Array<[string, string | undefined]> = [
    ['Cgroups view (default)', undefined],
    ['Processes view', '3'],
    ['Namespaces view', '2'],
  ];
  try {
    for (const [name, key] of views) {
      const start = performance.now();
      tmux('new-session', '-d', '-s', 'htop', '-x', '200', '-y', '50', 'htop -d 10');
      tmux('new-session', '-d', '-s', 'nsx', '-x', '200', '-y', '50', `${NSX.map((x) => `'${x}'`).join(' ')} dashboard --interval 1000`);
      // the first frame: the header line the dashboard draws (its process and cgroup counts)
      while (!/processes:\s+\d+/.test(tmux('capture-pane', '-p', '-t', 'nsx').stdout) && performance.now() - start < fromS * 1000) await sleep(50);
      const firstFrameS = (performance.now() - start) / 1000;
      if (key) tmux('send-keys', '-t', 'nsx', key);
      const htop = panePid(sock, 'htop');
      const nsx = panePid(sock, 'nsx');
      await sleep(Math.max(0, fromS * 1000 - (performance.now() - start)));
      const ratios: number[] = [];
      const nsxCpu: number[] = [];
      const htopCpu: number[] = [];
      const rssW: number[] = [];
      const a00 = cpuSeconds(nsx);
      const b00 = cpuSeconds(htop);
      const t00 = performance.now();
      for (let w = 0; w < windows; w++) {
        const a0 = cpuSeconds(nsx);
        const b0 = cpuSeconds(htop);
        const t0 = performance.now();
        await sleep(windowS * 1000);
        const dt = (performance.now() - t0) / 1000;
        const a1 = cpuSeconds(nsx);
        const b1 = cpuSeconds(htop);
        if (a0 === undefined || a1 === undefined || b0 === undefined || b1 === undefined) throw new Error('nsx or htop exited during the benchmark');
        nsxCpu.push((a1 - a0) / dt);
        htopCpu.push((b1 - b0) / dt);
        ratios.push((a1 - a0) / (b1 - b0));
        rssW.push(statusKb(nsx, 'VmRSS')! / 1024);
      }
      const a11 = cpuSeconds(nsx)!;
      const b11 = cpuSeconds(htop)!;
      const whole = (a11 - a00!) / (b11 - b00!);
      const dtAll = (performance.now() - t00) / 1000;
      const hwm = statusKb(nsx, 'VmHWM')! / 1024;
      const htopRss = statusKb(htop, 'VmRSS')! / 1024;
      // what the dashboard itself counts on this host (other work may have added processes or cgroups)
      const head = tmux('capture-pane', '-p', '-t', 'nsx').stdout;
      const seen = (what: string) => new RegExp(`${what}:\\s+(\\d+)`).exec(head)?.[1] ?? '?';
      console.log(
        `  ${name.padEnd(24)} CPU-s/s nsx ${((a11 - a00!) / dtAll).toFixed(3)}  htop ${((b11 - b00!) / dtAll).toFixed(3)}  ratio over the ${(windows * windowS).toFixed(0)} s from ${fromS} s: ${whole.toFixed(2)}×; per window ${ratios.map((r) => r.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)}×)\n` +
          `  ${''.padEnd(24)} first frame after ${firstFrameS.toFixed(1)} s; RSS nsx median ${median(rssW).toFixed(0)} MB (max ${Math.max(...rssW).toFixed(0)}, peak since start ${hwm.toFixed(0)})  htop ${htopRss.toFixed(0)} MB;  host: ${seen('processes')} processes, ${seen('cgroups')} cgroups;  load average ${loadavg()}`,
      );
      tmux('kill-session', '-t', 'nsx');
      tmux('kill-session', '-t', 'htop');
      await sleep(500);
    }
    console.log(`  targets: CPU ≤ 0.50× htop in every view (issue 21: from 5 s after start), RSS ≤ 150 MB`);
  } finally {
    tmux('kill-server');
  }
}

function loadavg(): string {
  return readFileSync(join(hostPaths().proc, 'loadavg'), 'utf8').split(' ').slice(0, 3).join(' ');
}
