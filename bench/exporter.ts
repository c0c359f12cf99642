/**
 * `npm run bench -- exporter`: the cost of `nsx exporter` on a host with 1,000 extra cgroups nested two deep
 * (40 parents × 24 children, nsx-test-bench-exp-*, in the v1 cpu, cpuacct, memory, pids and blkio hierarchies,
 * removed afterwards), scraped on 127.0.0.1 like Prometheus does (GET /metrics, Accept as Prometheus 2.x sends,
 * gzip): every 1 s (30 scrapes) and every 15 s (8 scrapes). Reported per interval: CPU of the exporter process from
 * its own accounting (/proc/PID/stat utime + stime) as millicores over the wall time and per scrape, steady RSS
 * (VmRSS median after warm-up), scrape latency p50/p99 as the scraper sees it, and the number of series.
 * Targets (issue 12): ≤ 15 millicores at 15 s, RSS ≤ 80 MB. The incumbent, cAdvisor, is not packaged for this
 * machine (Debian has no cadvisor, and no registry is reachable): its DaemonSet requests 150m CPU and 200Mi —
 * the reference the targets are a tenth of. The exporter selects the benchmark's cgroups (--include) so that other
 * cgroups on a shared machine do not change the scenario; --all reads every cgroup of the host instead.
 * Options: --cgroups=N (default 1000), --fast=N, --slow=N scrape counts, --all.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
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
const NODE_EXEC = NSX[0];
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

function scrape(port: number): Promise<{ ms: number; bytes: number; series: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', headers: { Accept: ACCEPT, 'Accept-Encoding': 'gzip' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) return reject(new Error(`scrape: HTTP ${res.statusCode}`));
        const body = Buffer.concat(chunks);
        const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString() : body.toString();
        let series = 0;
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (text.charCodeAt(i + 1) !== 35 /* # */ && i + 1 < text.length) series++;
        resolve({ ms, bytes: body.length, series });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function phase(pid: number, port: number, intervalMs: number, scrapes: number): Promise<string> {
  const lat: number[] = [];
  const rss: number[] = [];
  let series = 0;
  let bytes = 0;
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  for (let i = 0; i < scrapes; i++) {
    const start = performance.now();
    const r = await scrape(port);
    lat.push(r.ms);
    series = r.series;
    bytes = r.bytes;
    rss.push(rssMb(pid));
    // the interval runs from scrape start to scrape start, as Prometheus schedules them
    await new Promise((res) => setTimeout(res, Math.max(0, start + intervalMs - performance.now())));
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs(pid) - c0;
  const mc = (cpu / wall) * 1000;
  return (
    `  every ${String(intervalMs / 1000).padStart(2)} s × ${String(scrapes).padStart(2)}: ${mc.toFixed(1).padStart(5)} millicores, ${(cpu / scrapes).toFixed(0).padStart(4)} ms CPU/scrape, ` +
    `RSS steady ${median(rss.slice(Math.min(2, rss.length - 1))).toFixed(1)} MB (max ${Math.max(...rss).toFixed(1)}), latency p50 ${pct(lat, 50).toFixed(0)} ms p99 ${pct(lat, 99).toFixed(0)} ms, ` +
    `${series} series, ${(bytes / 1024).toFixed(0)} KiB gzipped`
  );
}

export async function run(args: string[]): Promise<void> {
  const n = arg(args, 'cgroups', 1000);
  const fast = arg(args, 'fast', 30);
  const slow = arg(args, 'slow', 8);
  const controllers = CONTROLLERS.filter((c) => existsSync(join(CG, c)));
  if (!controllers.includes('cpu')) {
    console.log('bench exporter: no v1 cpu hierarchy here: skipped');
    return;
  }
  const base = `nsx-test-bench-exp-${process.pid}`;
  const parents = Math.max(1, Math.round(n / 25));
  const perParent = Math.ceil((n - parents) / parents);
  const dirs: string[] = [];
  for (let p = 0; p < parents; p++) {
    dirs.push(`${base}-${p}`);
    for (let c = 0; c < perParent && dirs.length < n; c++) dirs.push(`${base}-${p}/c${c}`);
  }
  const others = Number(/^cpu\s+\d+\s+(\d+)/m.exec(readFileSync(join(hostPaths().proc, 'cgroups'), 'utf8'))?.[1] ?? 0);
  console.log(`\n== exporter: ${dirs.length} extra cgroups nested two deep (${parents} parents) in ${controllers.join(', ')}; scraped on 127.0.0.1 like Prometheus (OpenMetrics, gzip); ${others} cgroups in the cpu hierarchy before; node ${NODE_FLAGS.join(' ') || '(default heap)'}`);
  let child: ReturnType<typeof spawn> | undefined;
  try {
    for (const c of controllers) for (const d of dirs) mkdirSync(join(CG, c, d), { recursive: true });
    // the V8 heap settings of the image (Dockerfile, DaemonSet): a small young generation and old space keep RSS low
    // the benchmark's cgroups only (other cgroups on a shared machine would change the scenario); --all: every cgroup
    const select = args.includes('--all') ? [] : ['--include', `/${base}-*`, '--include', `/${base}-*/**`];
    child = spawn(NODE_EXEC, [...NODE_FLAGS, ...NSX.slice(1), 'exporter', '--listen', '127.0.0.1:0', '--max-age', '0', ...select], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8');
    const port = await new Promise<number>((resolve, reject) => {
      child!.stderr!.on('data', (d: string) => {
        err += d;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child!.once('exit', (c) => reject(new Error(`exporter exited ${c}: ${err}`)));
    });
    await scrape(port); // warm-up: JIT, first walk, runtime metadata
    await scrape(port);
    if (fast > 0) console.log(await phase(child.pid!, port, 1000, fast));
    if (slow > 0) console.log(await phase(child.pid!, port, 15_000, slow));
    console.log(`  targets: ≤ 15 millicores at 15 s, RSS ≤ 80 MB (cAdvisor's DaemonSet requests 150m and 200Mi)`);
  } finally {
    child?.kill('SIGTERM');
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
