/**
 * Live exporter tests: v1/hybrid test cgroups (nsx-test-*, in every hierarchy the exporter reads), the exporter
 * started as the real CLI on 127.0.0.1 (random port), a scrape helper, and a real Prometheus on 127.0.0.1.
 * Only loopback addresses are used.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { get as httpGet } from 'node:http';
import { hostPaths } from '../../src/host/paths.js';
import { liveSkipReason, startProcess, type Started } from '../helpers/live.js';
import { NSX_BIN } from '../helpers/cli.js';

export const CG = join(hostPaths().sys, 'fs/cgroup');
export const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];

/** Skip reason for tests that need root and the v1 cpu hierarchy (this VM is hybrid). */
export function v1Skip(tools: string[] = []): string | false {
  const r = liveSkipReason({ tools });
  if (r) return r;
  return existsSync(join(CG, 'cpu', 'cpu.cfs_quota_us')) ? false : 'live test: needs the v1 cpu hierarchy (cgroup v2 is covered by fixtures)';
}

export function makeCgroup(rel: string): void {
  for (const c of CONTROLLERS) if (existsSync(join(CG, c))) mkdirSync(join(CG, c, rel), { recursive: true });
}

/** rmdir the cgroup (children first) in every hierarchy, retrying while its processes are reaped. */
export function removeCgroup(rel: string, children: string[] = []): void {
  for (const sub of [...children.map((c) => `${rel}/${c}`), rel]) {
    for (const c of CONTROLLERS) {
      const d = join(CG, c, sub);
      if (!existsSync(d)) continue;
      for (let i = 0; i < 100; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          spawnSync('sleep', ['0.05']);
        }
      }
    }
  }
}

/** A shell that moves itself into `rel` in every hierarchy, then execs `cmd`. */
export function startIn(rel: string, cmd: string): Started {
  const moves = CONTROLLERS.filter((c) => existsSync(join(CG, c))).map((c) => `echo $$ > ${join(CG, c, rel, 'cgroup.procs')}`).join('; ');
  return startProcess('sh', ['-c', `${moves}; exec ${cmd}`]);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface Exporter {
  readonly port: number;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Start `nsx exporter --listen 127.0.0.1:0 ARGS…` and wait for its listening line. */
export async function startExporter(args: string[], cmd: string[] = [process.execPath, NSX_BIN]): Promise<Exporter> {
  const child = spawn(cmd[0], [...cmd.slice(1), 'exporter', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  let exited: number | null | undefined;
  const exitP = new Promise<number | null>((r) => child.once('exit', (c) => ((exited = c), r(c))));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`exporter did not start: ${err}`)), 30_000);
    const onData = () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stderr!.on('data', onData);
    void exitP.then((c) => reject(new Error(`exporter exited ${c}: ${err}`)));
  });
  return {
    port,
    child,
    stderr: () => err,
    async stop() {
      if (exited === undefined) child.kill('SIGTERM');
      return exitP;
    },
  };
}

/** GET a URL on 127.0.0.1; resolves with status and body. */
export function httpText(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout GET ${path}`)));
    req.on('error', reject);
  });
}

export interface ParsedSeries { readonly name: string; readonly labels: Record<string, string>; readonly key: string; readonly value: number }

/** Parse a Prometheus text exposition into samples and the TYPE of each family (test helper, not product code). */
export function parseExposition(text: string): { samples: ParsedSeries[]; types: Map<string, string> } {
  const samples: ParsedSeries[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , n, t] = line.split(' ');
      types.set(n, t);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (let l = re.exec(m[2] ?? ''); l; l = re.exec(m[2] ?? '')) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    samples.push({ name: m[1], labels, key: m[1] + (m[2] ?? ''), value: Number(m[3]) });
  }
  return { samples, types };
}

export interface Prometheus {
  readonly port: number;
  query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

/**
 * Start the Debian `prometheus` on 127.0.0.1 (free port, temp storage) scraping 127.0.0.1:target every second;
 * `o.config` replaces that configuration, `o.files` are copied beside it (rule files).
 */
export async function startPrometheus(target: number, o: { config?: string; files?: readonly string[] } = {}): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-prom-'));
  const port = await freePort();
  for (const f of o.files ?? []) copyFileSync(f, join(dir, basename(f)));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    o.config ??
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: nsx\n    static_configs:\n      - targets: ['127.0.0.1:${target}']\n`,
  );
  const p = startProcess('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await httpText(port, '/-/ready', {}, 2000)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      await p.stop();
      throw new Error('prometheus did not become ready');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    async query(q) {
      const r = await httpText(port, `/api/v1/query?query=${encodeURIComponent(q)}`);
      const j = JSON.parse(r.body) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
      if (j.status !== 'success') throw new Error(`query ${q}: ${j.error}`);
      return j.data.result;
    },
    async stop() {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
