/**
 * `npm run bench -- top`: CPU time per refresh and steady RSS of `nsx top -b` against `systemd-cgtop -b`, side by
 * side (both run at the same time, same host, same refresh interval), in two scenarios:
 *   A. 1,000 extra cgroups nested two deep (40 parents × 24 children) in each of the v1 cpu, cpuacct, memory,
 *      pids and blkio hierarchies;
 *   B. the same 1,000 in a single hierarchy (memory: one both tools walk; systemd-cgtop takes CPU from cpuacct
 *      on v1 and would not even list cgroups of the cpu hierarchy alone).
 * CPU = utime + stime of the process itself (/proc/PID/stat), read as each refresh's output appears. The figure
 * is the steady state of a monitor left running: per refresh = (CPU at the last refresh − CPU at refresh W) /
 * (N − W), W = --warmup (default 10), alike for both tools. What is left out: start-up, the first sample (opening
 * every file) and, for nsx, V8 optimising its hot code during the first refreshes (compiler threads: ~200 ms of
 * CPU once, 5–10 ms per refresh over a 20-refresh run, nothing afterwards); the whole-run figure (refresh 1 to N,
 * that compile time included) is printed beside it. Output goes to a pipe (tables, as a user would read them).
 * RSS polled from /proc/PID/status every 0.5 s (steady = median after the first 2 s). Several rounds; the
 * median of the per-round ratios is the figure. Cgroups are named nsx-test-bench-<pid>-* and removed afterwards.
 * Options: --cgroups=N (default 1000), --iterations=N (default 40), --warmup=W (default 10), --delay=S (default 0.5), --rounds=N (default 3),
 * --scenario=A|B (default both), --tui-cgroups=N (default 2000; 0 skips the TUI latency part), --parts=tui,whole,steady
 * (default all: whole = the whole-process runs, see wholeProcess), --whole-rounds=N (default 3).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostPaths } from '../src/host/paths.js';
import { wrap } from '../src/host/tolerance.js';
import { NSX, median } from './lib.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];

interface Measured {
  readonly label: string;
  readonly cpuMs: number;
  readonly perRefreshMs: number;
  /** from the first refresh on (V8's optimising compile of the first refreshes included) */
  readonly perRefreshAllMs: number;
  readonly steadyRssMb: number;
  readonly maxRssMb: number;
  readonly exit: number | null;
}

function rssKb(pid: number): number | undefined {
  const p = join(hostPaths().proc, String(pid), 'status');
  const t = wrap(undefined, p, () => readFileSync(p, 'utf8')); // undefined once the process is gone
  const m = t === undefined ? null : /VmRSS:\s+(\d+)/.exec(t);
  return m ? Number(m[1]) : undefined;
}

/** utime + stime of a live process in ms (/proc/PID/stat, clock ticks of 10 ms), or undefined once it is gone. */
function cpuMsOf(pid: number): number | undefined {
  const p = join(hostPaths().proc, String(pid), 'stat');
  const t = wrap(undefined, p, () => readFileSync(p, 'utf8'));
  if (t === undefined) return undefined;
  const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * Run argv; its CPU (the process's own accounting, /proc/PID/stat utime+stime) is read when each refresh's
 * header line (`header`) appears on its stdout: CPU per refresh = (CPU at the last header − CPU at the first)
 * / (refreshes − 1), which leaves start-up and the first sample out, alike for both tools. RSS polled.
 */
function measure(label: string, argv: readonly string[], refreshes: number, header: RegExp, warmup: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    const at: number[] = [];
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (header.test(l)) at.push(cpuMsOf(p.pid!) ?? NaN);
    });
    const t0 = Date.now();
    const rss: number[] = [];
    let maxRss = 0;
    const poll = setInterval(() => {
      const r = rssKb(p.pid!);
      if (r !== undefined) maxRss = Math.max(maxRss, r);
      if (r !== undefined && Date.now() - t0 > 2000) rss.push(r);
    }, 500);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearInterval(poll);
      const n = at.length;
      if (n < 2) return reject(new Error(`${label}: ${n} refreshes seen (exit ${code})`));
      const w = Math.min(warmup, n - 2);
      const cpuMs = at[n - 1] - at[w];
      resolve({ label, cpuMs, perRefreshMs: cpuMs / (n - 1 - w), perRefreshAllMs: (at[n - 1] - at[0]) / (n - 1), steadyRssMb: rss.length ? median(rss) / 1024 : NaN, maxRssMb: maxRss / 1024, exit: code });
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

/** Whole-process wall and CPU (user + system, threads included, from wait4 as bash's `time` reports it) and max RSS of one run of argv, output discarded. */
function timeWhole(argv: readonly string[]): Promise<{ wall: number; cpu: number; rssMb: number }> {
  return new Promise((resolve, reject) => {
    const script = 'TIMEFORMAT="@@CPU %3U %3S"; { time "$@" >/dev/null 2>/dev/null </dev/null; } 2>&1';
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-f', '@@RSS %M', 'bash', '-c', script, 'bash', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      const m = /@@CPU ([\d.]+) ([\d.]+)/.exec(out);
      const r = /@@RSS (\d+)/.exec(out);
      if (code !== 0 || !m) return reject(new Error(`bench top: ${argv.join(' ')} exited ${code}: ${out.slice(-300)}`));
      // (the RSS of /usr/bin/time is the largest of its children: bash's or the command's, the command's here)
      resolve({ wall, cpu: (Number(m[1]) + Number(m[2])) * 1000, rssMb: r ? Number(r[1]) / 1024 : NaN });
    });
  });
}

/**
 * As a user pays it (issue 21): whole processes, start-up included. `nsx top -b -d 1 -n 10 --json`, the same with
 * text, and `systemd-cgtop -b -d 1 -n 10`, all three at once in each round; then the first frame alone
 * (`-n 1`: start, the first sample, one screen, exit) of each, interleaved. CPU from wait4 (threads included).
 */
async function wholeProcess(scenario: string, rounds: number): Promise<void> {
  const loadBefore = readFileSync(join(hostPaths().proc, 'loadavg'), 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`  whole process, start-up included (CPU = user + system of the process and its threads, from wait4; ${rounds} rounds, the three -n 10 runs at once in each; medians):`);
  const cmds = [
    { label: 'nsx top -b -d 1 -n 10 --json', argv: [...NSX, 'top', '-b', '-d', '1', '-n', '10', '--json'] },
    { label: 'nsx top -b -d 1 -n 10', argv: [...NSX, 'top', '-b', '-d', '1', '-n', '10'] },
    { label: 'systemd-cgtop -b -d 1 -n 10', argv: ['systemd-cgtop', '-b', '-d', '1', '-n', '10'] },
  ];
  const res = cmds.map(() => [] as { wall: number; cpu: number; rssMb: number }[]);
  for (let r = 0, tries = 0; r < rounds; r++) {
    try {
      (await Promise.all(cmds.map((c) => timeWhole(c.argv)))).forEach((x, i) => res[i].push(x));
    } catch (e) {
      // systemd-cgtop exits 1 when a cgroup it listed is removed before it reads it (another program's cgroups)
      if (++tries > 20) throw e;
      console.log(`    (round repeated: ${(e as Error).message.split('\n')[0]})`);
      r--;
    }
  }
  const cpu = res.map((xs) => median(xs.map((x) => x.cpu)));
  cmds.forEach((c, i) => console.log(`    ${c.label.padEnd(32)} CPU median ${cpu[i].toFixed(0).padStart(5)} ms [${res[i].map((x) => x.cpu.toFixed(0)).join(', ')}]   max RSS median ${median(res[i].map((x) => x.rssMb)).toFixed(1)} MB`));
  for (const i of [0, 1]) console.log(`    ${cmds[i].label} / systemd-cgtop: CPU ${(cpu[i] / cpu[2]).toFixed(2)}× (target ≤ 0.5: ${cpu[i] / cpu[2] <= 0.5 ? 'met' : 'NOT met'}), RSS ${median(res[i].map((x) => x.rssMb)) <= 80 ? '≤' : '>'} 80 MB`);
  const first = [
    { label: 'nsx top -b -n 1', argv: [...NSX, 'top', '-b', '-n', '1'] },
    { label: 'systemd-cgtop -b -n 1', argv: ['systemd-cgtop', '-b', '-n', '1'] },
  ];
  const fr = first.map(() => [] as number[]);
  for (let r = 0; r < 2 + rounds * 2; r++) {
    for (let i = 0; i < first.length; i++) {
      const t = await timeWhole(first[i].argv).catch(() => undefined); // (as above: a run that failed is left out)
      if (r >= 2 && t) fr[i].push(t.cpu);
    }
  }
  const f = fr.map(median);
  console.log(`    first frame (start, first sample, one screen, exit; ${rounds * 2} interleaved runs after 2 warm-up): nsx ${f[0].toFixed(0)} ms, systemd-cgtop ${f[1].toFixed(0)} ms CPU: ${(f[0] / f[1]).toFixed(2)}× (target ≤ 1.5: ${f[0] / f[1] <= 1.5 ? 'met' : 'NOT met'})`);
  const count = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? 1 + count(join(d, e.name)) : 0), 0);
  console.log(`    cgroups on the machine at the end (other programs' too): ${['cpu', 'memory'].map((c) => `${c} ${existsSync(join(CG, c)) ? count(join(CG, c)) : '-'}`).join(', ')}`);
  console.log(`    scenario ${scenario}; load average before / after: ${loadBefore} / ${readFileSync(join(hostPaths().proc, 'loadavg'), 'utf8').split(' ').slice(0, 3).join(' ')}`);
}

function arg(args: string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
}

function rmTree(dirs: readonly string[]): void {
  for (const d of [...dirs].reverse()) {
    if (!existsSync(d)) continue;
    try {
      rmdirSync(d);
    } catch (e) {
      console.error(`bench top: could not remove ${d}: ${(e as Error).message}`);
    }
  }
}

/** `n` cgroups two deep under `base` in each of `controllers`; returns the directories, parents first. */
function makeTree(controllers: readonly string[], base: string, n: number): string[] {
  const perParent = 24;
  const parents = Math.ceil(n / (perParent + 1));
  const dirs: string[] = [];
  for (const c of controllers) {
    let made = 0;
    for (let p = 0; p < parents && made < n; p++) {
      const pd = join(CG, c, `${base}-${p}`);
      mkdirSync(pd);
      dirs.push(pd);
      made++;
      for (let k = 0; k < perParent && made < n; k++) {
        const cd = join(pd, `u${k}`);
        mkdirSync(cd);
        dirs.push(cd);
        made++;
      }
    }
  }
  return dirs;
}

export async function run(args: string[]): Promise<void> {
  const parts = (args.find((x) => x.startsWith('--parts='))?.split('=')[1] ?? 'tui,whole,steady').split(',');
  const tuiN = parts.includes('tui') ? arg(args, 'tui-cgroups', 2000) : 0;
  if (tuiN > 0) await tuiLatency(tuiN);
  const n = arg(args, 'cgroups', 1000);
  const iters = arg(args, 'iterations', 40);
  const warmup = arg(args, 'warmup', 10);
  const rounds = arg(args, 'rounds', 3);
  const delay = String(arg(args, 'delay', 0.5));
  const only = args.find((x) => x.startsWith('--scenario='))?.split('=')[1];
  const controllers = CONTROLLERS.filter((c) => existsSync(join(CG, c, 'cgroup.procs')));
  if (!controllers.includes('cpu')) {
    console.log('bench top: no v1 cpu hierarchy here: skipped');
    return;
  }
  const scenarios = [
    { id: 'A', label: `${n} cgroups nested two deep in each of the v1 ${controllers.join(', ')} hierarchies`, controllers },
    // a hierarchy both tools walk: systemd-cgtop reads CPU from cpuacct on v1 and never lists cgroups that exist in
    // the cpu hierarchy alone, so "cpu only" would compare nsx reading 1,000 cgroups with cgtop reading none
    { id: 'B', label: `${n} cgroups nested two deep in a single hierarchy (v1 memory)`, controllers: ['memory'] },
  ].filter((s) => !only || s.id === only);
  for (const sc of scenarios) {
    const base = `nsx-test-bench-${process.pid}-${sc.id}`;
    let dirs: string[] = [];
    console.log(`\n== top, scenario ${sc.id}: ${sc.label}; \`nsx top -b -p\` vs \`systemd-cgtop -b -p\`, ${iters} refreshes every ${delay} s, ${rounds} rounds, both tools at once; CPU per refresh in the steady state (refreshes ${warmup + 1}–${iters}), the whole run (2–${iters}) in brackets`);
    try {
      dirs = makeTree(sc.controllers, base, n);
      if (parts.includes('whole')) await wholeProcess(`${sc.id}: ${sc.label}`, arg(args, 'whole-rounds', 3));
      if (!parts.includes('steady')) continue;
      const cgtopArgv = (k: number) => ['systemd-cgtop', '-b', '-p', '-d', delay, '-n', String(k)];
      const nsxArgv = (k: number) => [...NSX, 'top', '-b', '-p', '-d', delay, '-n', String(k)];
      const ratios: number[] = [];
      const ratiosAll: number[] = [];
      const rss: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const [c, x] = await Promise.all([
          measure('systemd-cgtop', cgtopArgv(iters), iters, /^\/\s/, warmup),
          measure('nsx top', nsxArgv(iters), iters, /^CGROUP\s/, warmup),
        ]);
        ratios.push(x.perRefreshMs / c.perRefreshMs);
        ratiosAll.push(x.perRefreshAllMs / c.perRefreshAllMs);
        rss.push(x.steadyRssMb);
        console.log(
          `  round ${r + 1}: systemd-cgtop ${c.perRefreshMs.toFixed(1).padStart(6)} ms/refresh (${c.perRefreshAllMs.toFixed(1)})   nsx top ${x.perRefreshMs.toFixed(1).padStart(6)} ms/refresh (${x.perRefreshAllMs.toFixed(1)})   ratio ${(x.perRefreshMs / c.perRefreshMs).toFixed(2)} (${(x.perRefreshAllMs / c.perRefreshAllMs).toFixed(2)})   nsx RSS steady ${x.steadyRssMb.toFixed(1)} MB (max ${x.maxRssMb.toFixed(1)} MB)${x.exit || c.exit ? `  exit nsx ${x.exit} cgtop ${c.exit}` : ''}`,
        );
      }
      console.log(`  scenario ${sc.id}: median ratio nsx top / systemd-cgtop CPU per refresh, steady state = ${median(ratios).toFixed(2)} (target ≤ 0.5; whole run, V8's warm-up included: ${median(ratiosAll).toFixed(2)}); nsx steady RSS median ${median(rss).toFixed(1)} MB (target ≤ 80 MB)`);
    } finally {
      rmTree(dirs);
    }
  }
}
