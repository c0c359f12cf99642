/**
 * `npm run bench -- exporter`: the cost of `nsx exporter` as a DaemonSet pays it, in two scenarios side by side in
 * one run (issue 18, point 4):
 *   A  1,000 cgroups nested two deep (40 parents × 24 children), target: within the DaemonSet's request, 20m CPU and
 *      128 MiB of its memory cgroup;
 *   B  10,000 cgroups nested two deep (400 × 24), target: ≤ 100 millicores, ≤ 250 MB of its memory cgroup, p99
 *      scrape latency ≤ 2 s;
 * both in the v1 cpu, cpuacct, memory, pids and blkio hierarchies (nsx-test-bench-exp-*, idle and empty, removed
 * afterwards), scraped on 127.0.0.1 like Prometheus does (GET /metrics, Accept as Prometheus 2.x sends, gzip) every
 * 15 s (and A also every 1 s). `--cgroups=N` runs one scenario of N cgroups instead.
 *
 * The exporter runs with exactly the command line of the image and the DaemonSet: `node <the Dockerfile
 * ENTRYPOINT's Node flags> bin/nsx exporter …`, and the image's environment (no NODE_EXTRA_CA_CERTS: this
 * machine sets it, the image does not; it costs Node ≈ 50 ms of CPU and megabytes at start-up), in a memory cgroup
 * of its own, as a container runs.
 *
 * Whole process first, as the user pays it: the CPU from the exporter's start to the end of its first scrape
 * (start-up, first listing, first sample). Then each phase is a steady window: it starts after warm-up scrapes (JIT,
 * runtime metadata, the first namespace read), lasts a whole number of scrape intervals — by default 2 minutes, two
 * periods of the exporter's 60-second housekeeping (limits, namespaces) — and includes the idle time between
 * scrapes (timers and garbage collection of an idle Node count too). Reported per interval:
 *   CPU     the exporter process's own accounting (/proc/PID/stat utime + stime) over the window, in millicores
 *           (ms of CPU per s of wall time) and per scrape;
 *   RSS     VmRSS sampled every second over the window: median (steady) and max;
 *   memory  of the exporter's own memory cgroup (what a container's limit counts), sampled likewise: median and
 *           max of memory.usage_in_bytes, and at the end its parts: anonymous memory (total_rss), kernel memory
 *           (memory.kmem.usage_in_bytes) of which the open cgroup files pin what the exporter reports
 *           (nsx_exporter_open_files_kernel_bytes; the rest is mostly the dentries and inodes of the cgroup files
 *           it looked up, which the kernel reclaims under a limit);
 *   latency of each scrape as the scraper sees it (request to last byte): p50, p99, max;
 * and the number of series. With --runs=N the phases are repeated N times (a new exporter each run) and the
 * median and spread (min–max) of each figure printed. `--limit`: the exporter's memory cgroup gets the
 * scenario's memory target as its limit (memory.limit_in_bytes), and the OOM kills and limit hits are reported.
 *
 * The incumbent, cAdvisor, is not packaged for this machine (Debian has no cadvisor, and no registry is
 * reachable): its DaemonSet requests 150m CPU and 200Mi, and cAdvisor users report > 500% CPU at 2,000 containers
 * (google/cadvisor#2533). The exporter selects the benchmark's cgroups (--include) so that other cgroups on a
 * shared machine do not change the scenario; --all reads every cgroup of the host instead. Other processes still
 * count: the namespace series read every process's namespaces (the process count is printed).
 * Options: --cgroups=N, --fast=SECONDS and --slow=SECONDS (window lengths, default 30 and 120; 0 skips the
 * phase), --runs=N (default 1), --all, --limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { hostPaths } from '../src/host/paths.js';
import { NSX, median } from './lib.js';
import { nodeFlagsOf, readDockerfile } from '../test/exporter/dockerfile.js';

const CG = join(hostPaths().sys, 'fs/cgroup');
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';
const TICK_MS = 10; // USER_HZ = 100
/**
 * The Node flags of the image's ENTRYPOINT (Dockerfile; the DaemonSet's command is the same, test/exporter/deploy.test.ts):
 * the exporter runs with exactly the command line users get (override with NSX_BENCH_NODE_FLAGS='' to measure
 * Node's defaults).
 */
// Node itself, then the flags, then bin/nsx as Node's script (NSX runs bin/nsx through its sh launcher, which
// would take the flags as nsx's own options)
const NODE_EXEC = process.execPath;
export const NODE_FLAGS = process.env.NSX_BENCH_NODE_FLAGS !== undefined ? process.env.NSX_BENCH_NODE_FLAGS.split(' ').filter(Boolean) : nodeFlagsOf(readDockerfile().entrypoint);

function arg(args: string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
}

function cpuMs(pid: number): number {
  const st = readFileSync(join(hostPaths().proc, String(pid), 'stat'), 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(join(hostPaths().proc, String(pid), 'status'), 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function scrape(port: number): Promise<{ ms: number; bytes: number; series: number; pinned: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', headers: { Accept: ACCEPT, 'Accept-Encoding': 'gzip' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) return reject(new Error(`scrape: HTTP ${res.statusCode} ${lastWords()}`));
        const body = Buffer.concat(chunks);
        const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString() : body.toString();
        let series = 0;
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (text.charCodeAt(i + 1) !== 35 /* # */ && i + 1 < text.length) series++;
        const pinned = Number(/^nsx_exporter_open_files_kernel_bytes (\S+)$/m.exec(text)?.[1] ?? 0);
        resolve({ ms, bytes: body.length, series, pinned });
      });
      // cut mid-body (the exporter died): no 'end'; say why once its exit is known
      res.on('close', () => {
        if (!res.complete) setTimeout(() => reject(new Error(`scrape: connection closed mid-response; ${lastWords()}`)), 200);
      });
    });
    req.on('error', (e) => setTimeout(() => reject(new Error(`scrape: ${e.message}; ${lastWords()}`)), 200));
    req.end();
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, Math.max(0, ms)));

interface PhaseResult {
  /** latencies of the scrapes before the window (at its interval), ms */
  readonly warmLat: number[];
  /** the memory cgroup's working set (usage − total_inactive_file), max over the window, MB */
  readonly wsMax: number;
  /** times the memory cgroup hit its limit during the window (memory.failcnt: the kernel reclaimed) */
  readonly failcnt: number;
  readonly millicores: number;
  /** memory cgroup parts at the end of the window (MB): anonymous, kernel, pinned by the open files */
  readonly anon: number;
  readonly kmem: number;
  readonly pinned: number;
  readonly cpuPerScrape: number;
  readonly rssMedian: number;
  readonly rssMax: number;
  /** memory.usage_in_bytes of the exporter's own memory cgroup (what a container's memory limit counts), MB */
  readonly cgMedian: number;
  readonly cgMax: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly scrapes: number;
  readonly series: number;
  readonly kib: number;
}

/** The memory cgroup's working set (usage − total_inactive_file, as the kubelet and cAdvisor count it), MB. */
function workingSetMb(memCg: string): number {
  const usage = Number(readFileSync(join(memCg, 'memory.usage_in_bytes'), 'utf8'));
  const inactive = Number(/^total_inactive_file (\d+)$/m.exec(readFileSync(join(memCg, 'memory.stat'), 'utf8'))?.[1] ?? 0);
  return Math.max(0, usage - inactive) / 1048576;
}

/**
 * One steady window of `seconds` (a whole number of intervals), scraping every `intervalMs` from scrape start to
 * scrape start, after `warm` scrapes at that interval (as a scraper does from its start: the exporter times its
 * samples by the interval between scrapes, `--sample-interval auto`; their latency is reported apart).
 */
async function phase(pid: number, port: number, intervalMs: number, seconds: number, memCg: string, warm = 2): Promise<PhaseResult> {
  let pinnedBytes = 0;
  const n = Math.max(1, Math.round((seconds * 1000) / intervalMs));
  const lat: number[] = [];
  const rss: number[] = [];
  const cgm: number[] = [];
  const ws: number[] = [];
  let series = 0;
  let bytes = 0;
  const warmLat: number[] = [];
  for (let i = 0, w0 = performance.now(); i < warm; i++) {
    await sleep(w0 + i * intervalMs - performance.now());
    warmLat.push((await scrape(port)).ms);
  }
  if (warm) await sleep(intervalMs - warmLat.at(-1)!);
  const fail0 = Number(readFileSync(join(memCg, 'memory.failcnt'), 'utf8'));
  const sampler = setInterval(() => {
    rss.push(rssMb(pid));
    cgm.push(Number(readFileSync(join(memCg, 'memory.usage_in_bytes'), 'utf8')) / 1048576);
    ws.push(workingSetMb(memCg));
  }, 1000);
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const start = t0 + i * intervalMs;
      await sleep(start - performance.now());
      const r = await scrape(port);
      lat.push(r.ms);
      series = r.series;
      bytes = r.bytes;
      pinnedBytes = r.pinned;
    }
    // the window ends one interval after the last scrape started: the idle time after it counts too
    await sleep(t0 + n * intervalMs - performance.now());
  } finally {
    clearInterval(sampler);
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs(pid) - c0;
  const stat = readFileSync(join(memCg, 'memory.stat'), 'utf8');
  return {
    warmLat,
    wsMax: Math.max(...ws),
    failcnt: Number(readFileSync(join(memCg, 'memory.failcnt'), 'utf8')) - fail0,
    anon: Number(/^total_rss (\d+)$/m.exec(stat)?.[1] ?? NaN) / 1048576,
    kmem: Number(readFileSync(join(memCg, 'memory.kmem.usage_in_bytes'), 'utf8')) / 1048576,
    pinned: pinnedBytes / 1048576,
    millicores: (cpu / wall) * 1000,
    cpuPerScrape: cpu / n,
    rssMedian: median(rss),
    rssMax: Math.max(...rss),
    cgMedian: median(cgm),
    cgMax: Math.max(...cgm),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: Math.max(...lat),
    scrapes: n,
    series,
    kib: bytes / 1024,
  };
}

const spread = (xs: number[], digits = 1) => {
  const m = median(xs).toFixed(digits);
  return xs.length > 1 ? `${m} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : m;
};

function report(label: string, rs: PhaseResult[]): string {
  const f = (k: Exclude<keyof PhaseResult, 'warmLat'>, d = 1) => spread(rs.map((r) => r[k]), d);
  return (
    `  ${label} (${rs[0].scrapes} scrapes × ${rs.length} run${rs.length > 1 ? 's' : ''}; median (min–max)):\n` +
    `    CPU ${f('millicores')} millicores, ${f('cpuPerScrape', 0)} ms per scrape; RSS steady ${f('rssMedian')} MB, max ${f('rssMax')} MB;\n` +
    `    memory cgroup (what a container limit counts) ${f('cgMedian')} MB, max ${f('cgMax')} MB; working set (usage − inactive file) max ${f('wsMax')} MB; ` +
    `limit hits in the window ${f('failcnt', 0)}; at the end: anonymous ${f('anon')} MB, kernel ${f('kmem')} MB ` +
    `(the open cgroup files pin ${f('pinned')} MB; the rest is mostly the dentries and inodes of the files looked up, reclaimable);\n` +
    `    latency p50 ${f('p50', 0)} ms, p99 ${f('p99', 0)} ms, max ${f('max', 0)} ms (the ${rs[0].warmLat.length} scrapes before the window, at its interval: ` +
    `${rs.map((r) => r.warmLat.map((x) => x.toFixed(0)).join(', ')).join('; ')} ms); ${rs[0].series} series, ${rs[0].kib.toFixed(0)} KiB gzipped`
  );
}

/** Why the exporter stopped: its exit status or signal, its memory cgroup's OOM kills, the end of its stderr. */
let lastWords = (): string => '';

/** Start the exporter in the memory cgroup `memCg` (its own: as a container's), with the image's command line. */
async function startExporter(select: string[], memCg: string): Promise<{ child: ChildProcess; port: number }> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS; // not set in the image (see the header)
  delete env.NODE_OPTIONS;
  // `sh` moves itself into the cgroup, then execs node (the same PID: its CPU is the exporter's)
  const argv = [NODE_EXEC, ...NODE_FLAGS, NSX[NSX.length - 1], 'exporter', '--listen', '127.0.0.1:0', '--max-age', '0', ...select];
  const child = spawn('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', memCg, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  child.stderr!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: string) => {
      err += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`exporter exited ${c}: ${err}`)));
  });
  let how = '';
  child.once('exit', (code, signal) => {
    const oom = existsSync(join(memCg, 'memory.oom_control')) ? /^oom_kill (\d+)$/m.exec(readFileSync(join(memCg, 'memory.oom_control'), 'utf8'))?.[1] : '?';
    // (without the native backtrace of a fatal V8 error: its message and GC trace are what tells)
    const words = err.split('\n').filter((l) => !/^\s*\d+: 0x/.test(l)).join('\n');
    how = `exporter exited (${signal ?? code}; OOM kills in its memory cgroup: ${oom}): ${words.slice(-1200)}`;
  });
  lastWords = () => how;
  return { child, port };
}

interface Scenario {
  readonly label: string;
  readonly cgroups: number;
  /** run the exporter's memory cgroup with the memory target as its limit (as a container's) */
  readonly limit?: boolean;
  /** the targets: millicores at 15 s, MB of the memory cgroup, p99 latency (ms) */
  readonly mc: number;
  readonly mb: number;
  readonly p99?: number;
  /** the 1 s window (informative; skipped where a scrape takes about a second) */
  readonly fast: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { label: 'A', cgroups: 1000, mc: 20, mb: 128 * 1.048576, fast: true },
  { label: 'B', cgroups: 10_000, mc: 100, mb: 250, p99: 2000, fast: false },
  // B in a container limited to its memory target: the kernel reclaims the dentries and inodes of the files
  // looked up (which an unlimited memory cgroup keeps counting) instead of killing it
  { label: 'B, limited', cgroups: 10_000, mc: 100, mb: 250, p99: 2000, fast: false, limit: true },
];

/** CPU (ms) from the exporter's start to the end of its first scrape, and that scrape's latency. */
interface StartUp {
  readonly cpuMs: number;
  readonly firstMs: number;
}

/** Sweep cgroups of a bench run that was killed (its PID gone). */
function sweep(controllers: readonly string[]): void {
  for (const c of controllers) {
    const root = join(CG, c);
    for (const d of readdirSync(root)) {
      const m = /^nsx-test-bench(?:mem)?-exp-(\d+)/.exec(d);
      if (!m || existsSync(join(hostPaths().proc, m[1]))) continue;
      const rm = (p: string) => {
        for (const e of readdirSync(p, { withFileTypes: true })) if (e.isDirectory()) rm(join(p, e.name));
        rmdirSync(p);
      };
      try {
        rm(join(root, d));
      } catch (e) {
        console.error(`bench exporter: could not remove a leftover ${join(root, d)}: ${(e as Error).message}`);
      }
    }
  }
}

async function runScenario(sc: Scenario, args: string[], controllers: readonly string[]): Promise<void> {
  const n = sc.cgroups;
  const fastS = sc.fast ? arg(args, 'fast', 30) : 0;
  const slowS = arg(args, 'slow', 120);
  const runs = Math.max(1, arg(args, 'runs', 1));
  const limit = args.includes('--limit') || !!sc.limit;
  const base = `nsx-test-bench-exp-${process.pid}`;
  const parents = Math.max(1, Math.round(n / 25));
  const perParent = Math.ceil((n - parents) / parents);
  const dirs: string[] = [];
  for (let p = 0; p < parents; p++) {
    dirs.push(`${base}-${p}`);
    for (let c = 0; c < perParent && dirs.length < n; c++) dirs.push(`${base}-${p}/c${c}`);
  }
  const others = Number(/^cpu\s+\d+\s+(\d+)/m.exec(readFileSync(join(hostPaths().proc, 'cgroups'), 'utf8'))?.[1] ?? 0);
  const procs = readdirSync(hostPaths().proc).filter((x) => /^\d+$/.test(x)).length;
  const load = readFileSync(join(hostPaths().proc, 'loadavg'), 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `\n== exporter, scenario ${sc.label}: ${dirs.length} cgroups nested two deep (${parents} parents) in ${controllers.join(', ')}, idle and empty; ` +
      `scraped on 127.0.0.1 like Prometheus (OpenMetrics, gzip); host: ${others} cgroups in the cpu hierarchy before, ${procs} processes, load ${load}\n` +
      `   exporter: node ${NODE_FLAGS.join(' ') || '(default flags)'} bin/nsx exporter --max-age 0 ${args.includes('--all') ? '' : '--include <the bench cgroups> '}` +
      `(the image's ENTRYPOINT flags; NODE_EXTRA_CA_CERTS unset as in the image), in a memory cgroup of its own${limit ? ` limited to ${sc.mb.toFixed(0)} MB` : ''}; ` +
      `windows: ${fastS ? `every 1 s for ${fastS} s, ` : ''}every 15 s for ${slowS} s, after warm-up`,
  );
  const fast: PhaseResult[] = [];
  const slow: PhaseResult[] = [];
  const starts: StartUp[] = [];
  let child: ChildProcess | undefined;
  // the exporter's own memory cgroup, as a container's (v1 memory hierarchy): its usage counts the kernel memory
  // of the files the sampler keeps open (about a page each) and of the files it looked up, which RSS does not show
  const memCg = join(CG, 'memory', `nsx-test-benchmem-exp-${process.pid}`);
  let oomKills = 0;
  let limitHits = 0;
  try {
    for (const c of controllers) for (const d of dirs) mkdirSync(join(CG, c, d), { recursive: true });
    // the benchmark's cgroups only (other cgroups on a shared machine would change the scenario); --all: every cgroup
    const select = args.includes('--all') ? [] : ['--include', `/${base}-*`, '--include', `/${base}-*/**`];
    for (let r = 0; r < runs; r++) {
      mkdirSync(memCg, { recursive: true });
      if (limit) writeFileSync(join(memCg, 'memory.limit_in_bytes'), String(Math.round(sc.mb * 1e6)));
      const ex = await startExporter(select, memCg);
      child = ex.child;
      // the whole process as the user pays it: start-up, the first listing and sample, the first scrape
      const first = await scrape(ex.port);
      starts.push({ cpuMs: cpuMs(child.pid!), firstMs: first.ms });
      // warm-up: JIT, runtime metadata, the first namespace read
      for (let i = 0; i < 2; i++) await scrape(ex.port);
      if (fastS > 0) fast.push(await phase(child.pid!, ex.port, 1000, fastS, memCg));
      if (slowS > 0) slow.push(await phase(child.pid!, ex.port, 15_000, slowS, memCg));
      oomKills += Number(/^oom_kill (\d+)$/m.exec(readFileSync(join(memCg, 'memory.oom_control'), 'utf8'))?.[1] ?? 0);
      limitHits += Number(readFileSync(join(memCg, 'memory.failcnt'), 'utf8'));
      child.kill('SIGTERM');
      await new Promise((res) => child!.once('exit', res));
      child = undefined;
      await removeMemCg(memCg);
      if (runs > 1) console.log(`  run ${r + 1}: ${fast.length ? `1 s ${fast.at(-1)!.millicores.toFixed(1)} mc ${fast.at(-1)!.rssMedian.toFixed(1)} MB; ` : ''}${slow.length ? `15 s ${slow.at(-1)!.millicores.toFixed(1)} mc ${slow.at(-1)!.rssMedian.toFixed(1)} MB` : ''}`);
    }
    console.log(`  start-up to the end of the first scrape (whole process): CPU ${spread(starts.map((s) => s.cpuMs), 0)} ms, first scrape ${spread(starts.map((s) => s.firstMs), 0)} ms`);
    if (fast.length) console.log(report('every  1 s', fast));
    if (slow.length) console.log(report('every 15 s', slow));
    if (limit) console.log(`  under the limit: ${oomKills} OOM kills, ${limitHits} times at the limit (the kernel reclaimed instead)`);
    const s15 = slow.length ? { mc: median(slow.map((x) => x.millicores)), mb: median(slow.map((x) => x.cgMax)), p99: median(slow.map((x) => x.p99)) } : undefined;
    if (s15) {
      const verdict = (ok: boolean) => (ok ? 'holds' : 'DOES NOT hold');
      console.log(
        `  targets: ≤ ${sc.mc} millicores at 15 s: ${s15.mc.toFixed(1)} (${verdict(s15.mc <= sc.mc)}); ≤ ${sc.mb.toFixed(0)} MB of its memory cgroup: max ${s15.mb.toFixed(1)} ` +
          // under the limit the kernel keeps usage at or below it by reclaiming (the dentries and inodes): what holds
          // or not is whether the exporter runs there (no OOM kill) at the CPU above, which includes the reclaim
          (limit ? `under a ${sc.mb.toFixed(0)} MB limit, ${oomKills} OOM kills (${verdict(oomKills === 0 && s15.mb <= sc.mb)})` : `(${verdict(s15.mb <= sc.mb)})`) +
          (sc.p99 ? `; p99 latency ≤ ${sc.p99} ms: ${s15.p99.toFixed(0)} (${verdict(s15.p99 <= sc.p99)})` : ''),
      );
    }
  } finally {
    child?.kill('SIGTERM');
    if (child) await new Promise((res) => child!.once('exit', res));
    await removeMemCg(memCg);
    for (const c of controllers) {
      for (const d of [...dirs].reverse()) {
        const p = join(CG, c, d);
        if (!existsSync(p)) continue;
        try {
          rmdirSync(p);
        } catch (e) {
          console.error(`bench exporter: could not remove ${p}: ${(e as Error).message}`);
        }
      }
    }
  }
}

async function removeMemCg(memCg: string): Promise<void> {
  for (let i = 0; i < 50 && existsSync(memCg); i++) {
    try {
      rmdirSync(memCg);
    } catch {
      await sleep(100); // until the exporter's exit has been accounted
    }
  }
}

export async function run(args: string[]): Promise<void> {
  const controllers = CONTROLLERS.filter((c) => existsSync(join(CG, c)));
  if (!controllers.includes('cpu')) {
    console.log('bench exporter: no v1 cpu hierarchy here: skipped');
    return;
  }
  sweep(controllers);
  // a run left waiting on an exporter that is gone would otherwise end Node with status 0 and no figures
  const pending = () => {
    console.error(`bench exporter: the run stopped with work pending (no figures); ${lastWords() || 'the exporter is still running'}`);
    process.exitCode = 1;
  };
  process.once('beforeExit', pending);
  const n = args.find((a) => a.startsWith('--cgroups='));
  const scenarios = n ? [{ label: 'N', cgroups: arg(args, 'cgroups', 1000), mc: 100, mb: 250, fast: arg(args, 'cgroups', 1000) <= 2000 }] : SCENARIOS;
  console.log(`\n== exporter: ${scenarios.map((s) => `${s.label} = ${s.cgroups} cgroups`).join(', ')}, one after the other in this run (cAdvisor, the incumbent, is not installable here: its DaemonSet requests 150m and 200Mi)`);
  for (const sc of scenarios) await runScenario(sc, args, controllers);
  process.off('beforeExit', pending);
}
