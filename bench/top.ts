/**
 * `npm run bench -- top`: CPU time per refresh and steady RSS of `nsx top -b --json -d 1 -n 30` against
 * `systemd-cgtop -b -d 1 -n 30` on a host with 1,000 extra v1 cgroups (nsx-test-bench-*, created in the cpu,
 * cpuacct, memory, pids and blkio hierarchies and removed afterwards). CPU time = user + system of the
 * process (GNU time), divided by the number of refreshes; both run at the same time; RSS polled from /proc/PID/status every 0.5 s
 * (steady = median after the first 3 s). Options: --cgroups=N (default 1000), --iterations=N (default 30).
 * First, TUI responsiveness on synthetic frames: --tui-cgroups=N (default 2000).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../src/host/paths.js';
import { NSX, median } from './lib.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];

interface Measured {
  readonly label: string;
  readonly cpuMs: number;
  readonly perRefreshMs: number;
  readonly steadyRssMb: number;
  readonly maxRssMb: number;
  readonly exit: number | null;
}

function childOf(pid: number): number | undefined {
  try {
    const c = readFileSync(join(hostPaths().proc, String(pid), 'task', String(pid), 'children'), 'utf8').trim().split(/\s+/)[0];
    return c ? Number(c) : undefined;
  } catch {
    return undefined;
  }
}

function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(join(hostPaths().proc, String(pid), 'status'), 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Run argv under GNU time; CPU from time's %U %S, RSS by polling the measured process. */
function measure(label: string, argv: readonly string[], refreshes: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', '@@TIME %U %S %M', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const t0 = Date.now();
    const rss: number[] = [];
    const poll = setInterval(() => {
      const c = childOf(p.pid!);
      const r = c !== undefined ? rssKb(c) : undefined;
      if (r !== undefined && Date.now() - t0 > 3000) rss.push(r);
    }, 500);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearInterval(poll);
      const m = /@@TIME ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (!m) return reject(new Error(`${label}: no timing (exit ${code}): ${err.slice(-500)}`));
      const cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
      resolve({ label, cpuMs, perRefreshMs: cpuMs / refreshes, steadyRssMb: rss.length ? median(rss) / 1024 : NaN, maxRssMb: Number(m[3]) / 1024, exit: code });
    });
  });
}

/** A synthetic snapshot of `n` cgroups (a two-level tree) at time `t` s, counters growing with t. */
function syntheticSnapshot(n: number, t: number): import('../src/model/cgroup-sample.js').CgroupSnapshot {
  const cgroups: import('../src/model/cgroup-sample.js').CgroupSample[] = [{ path: '/', inodes: {}, cpu: { usage_usec: t * 1e6 } }];
  for (let i = 0; i < n; i++) {
    const path = i % 20 === 0 ? `/slice-${i / 20}` : `/slice-${Math.floor(i / 20)}/unit-${i}.service`;
    cgroups.push({
      path,
      inode: 0,
      inodes: { '': 0 },
      cpu: { usage_usec: t * 1000 * (i % 50), max_usec: i % 9 === 0 ? 10000 : 'max', period_usec: 100000, nr_periods: t * 10, nr_throttled: i % 9 === 0 ? t * 5 : 0 },
      memory: { current_bytes: 1e6 * (i % 300), max_bytes: 'max' },
      pids: { current: i % 7 },
    });
  }
  return { mono_ms: t * 1000, timestamp: new Date(t * 1000).toISOString(), cgroups };
}

/**
 * TUI responsiveness with `n` cgroups (no root needed): the time from a sample to its frame, and from a key
 * (sort by memory) to the redrawn frame, in <TopApp> rendered by ink-testing-library (the terminal I/O is
 * not included).
 */
export async function tuiLatency(n: number): Promise<void> {
  const React = (await import('react')).default;
  const { render } = await import('ink-testing-library');
  const { TopApp } = await import('../src/tui/top/TopApp.js');
  const { initialUiState } = await import('../src/tui/top/state.js');
  const { Sampler } = await import('../src/sampler/sampler.js');
  let t = 0;
  const sampler = new Sampler({ collect: () => syntheticSnapshot(n, ++t), intervalMs: 1000, scheduler: { setTimeout: () => 0, clearTimeout: () => {} } });
  const app = render(React.createElement(TopApp, { sampler, root: '/', initial: initialUiState({ intervalMs: 1000 }), size: { columns: 160, rows: 50 } }));
  const settle = async (pred: () => boolean) => {
    const t0 = performance.now();
    while (!pred()) await new Promise((r) => setImmediate(r));
    return performance.now() - t0;
  };
  try {
    await settle(() => true);
    const sampleMs: number[] = [];
    const keyMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const frames = app.frames.length;
      const t0 = performance.now();
      sampler.sampleNow();
      await settle(() => app.frames.length > frames);
      sampleMs.push(performance.now() - t0);
    }
    for (let i = 0; i < 10; i++) {
      const want = i % 2 ? 'sort: cpu' : 'sort: memory';
      const t0 = performance.now();
      app.stdin.write(i % 2 ? 'c' : 'm');
      await settle(() => (app.lastFrame() ?? '').includes(want));
      keyMs.push(performance.now() - t0);
    }
    console.log(`  TUI with ${n} cgroups (160x50, ink-testing-library): sample → frame median ${median(sampleMs).toFixed(1)} ms, key → frame median ${median(keyMs).toFixed(1)} ms`);
  } finally {
    app.unmount();
  }
}

function arg(args: string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
}

export async function run(args: string[]): Promise<void> {
  await tuiLatency(arg(args, 'tui-cgroups', 2000));
  const n = arg(args, 'cgroups', 1000);
  const iters = arg(args, 'iterations', 30);
  const controllers = CONTROLLERS.filter((c) => existsSync(join(CG, c)));
  if (!controllers.includes('cpu')) {
    console.log('bench top: no v1 cpu hierarchy here: skipped');
    return;
  }
  const base = `nsx-test-bench-${process.pid}`;
  const names = Array.from({ length: n }, (_, i) => `${base}-${String(i).padStart(4, '0')}`);
  console.log(`\n== top: ${n} extra cgroups in ${controllers.join(', ')}; ${iters} refreshes at 1 s`);
  try {
    for (const c of controllers) for (const x of names) mkdirSync(join(CG, c, x), { recursive: true });
    // side by side: both at once, so that both see the same host (and the same background load)
    const [cgtop, nsx] = await Promise.all([
      measure('systemd-cgtop -b -d 1 -n ' + iters, ['systemd-cgtop', '-b', '-d', '1', '-n', String(iters)], iters),
      measure(`nsx top -b --json -d 1 -n ${iters}`, [...NSX, 'top', '-b', '--json', '-d', '1', '-n', String(iters)], iters),
    ]);
    for (const m of [cgtop, nsx]) {
      console.log(`  ${m.label.padEnd(36)} CPU ${m.cpuMs.toFixed(0).padStart(6)} ms total, ${m.perRefreshMs.toFixed(1).padStart(6)} ms/refresh, RSS steady ${m.steadyRssMb.toFixed(1)} MB (max ${m.maxRssMb.toFixed(1)} MB)${m.exit ? `  exit ${m.exit}` : ''}`);
    }
    const ratio = nsx.perRefreshMs / cgtop.perRefreshMs;
    console.log(`  ratio nsx/systemd-cgtop CPU per refresh: ${ratio.toFixed(2)} (target ≤ 1.0)  steady RSS ${nsx.steadyRssMb.toFixed(1)} MB (target < 120 MB)`);
  } finally {
    for (const c of controllers) {
      for (const x of names) {
        const d = join(CG, c, x);
        if (!existsSync(d)) continue;
        try {
          rmdirSync(d);
        } catch (e) {
          console.error(`bench top: could not remove ${d}: ${(e as Error).message}`);
        }
      }
    }
  }
}
