/**
 * `npm run bench -- record`: the cost of `nsx record` against atop (the incumbent that records processes every
 * interval; it records no cgroups), side by side in one run, on the benchmark host of bench/record-world.ts:
 * 1,000 cgroups two deep in the five v1 hierarchies cpu, cpuacct, memory, pids, blkio, and 5,000 sleeping
 * processes, in a cgroup, mount and PID namespace of their own (nothing else of the machine is seen).
 *
 *   A. idle: the 5,000 processes sleep; B. churning: 100 processes started and exited per second besides.
 *   Both recorders run at once for --minutes (default 11): `nsx record --interval 5s` with the V8 flags and the
 *   malloc settings of the systemd unit and the DaemonSet, and `atop -w FILE 5`. CPU = each process's own utime + stime
 *   (/proc/PID/stat) over the steady window (from minute 1 to the end: start-up and the first, full sample left
 *   out; the whole run beside it), in millicores; RSS = VmRSS every 5 s (median and max of the steady window);
 *   disk = the bytes written over the steady window (a window of ≥ 10 minutes holds one of nsx's keyframes, one
 *   per 10 minutes) extrapolated to a day.
 *   C. opening: a 24-hour recording synthesised from B's real samples with a simulated clock (B's frames
 *   repeated with their times, monotonic clock and uptime shifted, re-encoded by the store as the recorder does),
 *   then `nsx top --at T -b` (the whole process, as a user runs it: start-up, reading the segment, decoding from
 *   the keyframe before T, the table) at 15 random minutes of the day: wall and CPU, median and max.
 *   D. a real minute: a busy loop under a 0.2-CPU quota for 60 s while recording (5 s), then `nsx why --since`
 *   names the quota and the throttled minute.
 * Targets (issue 20): ≤ 10 millicores and ≤ 60 MB RSS; ≤ 50 MB a day; any minute of a day opens in ≤ 200 ms.
 * Options: --minutes=N (default 11), --scenario=A|B|C|D (default all), --procs=N (default 5000).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { NSX, median, cpuOnce } from './lib.js';
import { makeWorld, sweepWorlds, CONTROLLERS } from './record-world.js';
import { openRecording } from '../src/record/recording.js';
import { StoreWriter } from '../src/record/store.js';
import { InputEncoder, type RecordInput } from '../src/record/state.js';

/** The V8 flags of deploy/systemd/nsx-record.service and the DaemonSet (test/record/deploy.test.ts checks them). */
export const NODE_FLAGS = ['--single-threaded', '--optimize-for-size', '--max-semi-space-size=1', '--max-old-space-size=96'];

/**
 * The malloc settings of the unit and the DaemonSet (glibc): one arena (the process scanner's second thread
 * allocates from the main one instead of a 64 MB arena of its own) and a fixed trim threshold (freed memory at
 * the top of the heap — deflate's ~300 KB state per frame — goes back to the system instead of the dynamic
 * threshold keeping it): ≈ 1.7 MB less RSS, the same CPU (measured side by side, churning scenario).
 */
export const MALLOC_ENV = ['MALLOC_ARENA_MAX=1', 'MALLOC_TRIM_THRESHOLD_=65536'];

function arg(args: string[], name: string, dflt: string): string {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
}

function cpuMs(pid: number): number {
  const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function rssMb(pid: number, field = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function bytesIn(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (st.isFile()) return st.size;
  return readdirSync(path).reduce((n, f) => n + bytesIn(join(path, f)), 0);
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cost {
  readonly label: string;
  readonly steadyMillicores: number;
  readonly wholeMillicores: number;
  readonly rssMedianMb: number;
  readonly rssMaxMb: number;
  /** of the RSS: anonymous memory (the heap, malloc) and file pages (the node binary and libraries), medians */
  readonly anonMb: number;
  readonly fileMb: number;
  readonly bytesPerDay: number;
  readonly bytes: number;
}

/** A and B: both recorders over the world for `minutes`. */
async function costs(procs: number, churn: boolean, minutes: number): Promise<{ costs: Cost[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-bench-record-'));
  const atopFile = join(dir, 'atop.raw');
  const store = join(dir, 'store');
  const script = `${MALLOC_ENV.join(' ')} node ${NODE_FLAGS.join(' ')} ${NSX[0]} record --dir ${store} --interval 5s 2>${join(dir, 'nsx.log')} & atop -w ${atopFile} 5 >/dev/null 2>&1 & wait`;
  const w = await makeWorld({ procs, churn, command: ['sh', '-c', script] });
  try {
    let nsx: number | undefined;
    let atop: number | undefined;
    for (let i = 0; i < 200 && (nsx === undefined || atop === undefined); i++) {
      nsx ??= w.find(store, 'node');
      atop ??= w.find(atopFile, 'atop');
      await sleep(100);
    }
    if (nsx === undefined || atop === undefined) throw new Error('bench record: the recorders did not start');
    const pids = { nsx, atop };
    const start = { nsx: cpuMs(nsx), atop: cpuMs(atop) };
    const rss: Record<string, number[]> = { nsx: [], atop: [] };
    const anon: Record<string, number[]> = { nsx: [], atop: [] };
    const file: Record<string, number[]> = { nsx: [], atop: [] };
    const t0 = Date.now();
    let steady: { t: number; cpu: Record<string, number>; bytes: Record<string, number> } | undefined;
    const end = t0 + minutes * 60_000;
    while (Date.now() < end) {
      await sleep(5000);
      if (!steady && Date.now() - t0 >= 60_000) steady = { t: Date.now(), cpu: { nsx: cpuMs(nsx), atop: cpuMs(atop) }, bytes: { nsx: bytesIn(store), atop: bytesIn(atopFile) } };
      if (steady) {
        for (const k of ['nsx', 'atop'] as const) {
          rss[k].push(rssMb(pids[k]));
          anon[k].push(rssMb(pids[k], 'RssAnon'));
          file[k].push(rssMb(pids[k], 'RssFile'));
        }
      }
    }
    const t1 = Date.now();
    const out: Cost[] = [];
    for (const k of ['nsx', 'atop'] as const) {
      const cpu = cpuMs(pids[k]);
      const bytes = k === 'nsx' ? bytesIn(store) : bytesIn(atopFile);
      const s = steady!;
      out.push({
        label: k === 'nsx' ? 'nsx record (5 s)' : 'atop -w (5 s)',
        steadyMillicores: (cpu - s.cpu[k]) / ((t1 - s.t) / 1000),
        wholeMillicores: (cpu - start[k]) / ((t1 - t0) / 1000),
        rssMedianMb: median(rss[k]),
        rssMaxMb: Math.max(...rss[k]),
        anonMb: median(anon[k]),
        fileMb: median(file[k]),
        bytesPerDay: ((bytes - s.bytes[k]) / ((t1 - s.t) / 1000)) * 86400,
        bytes,
      });
    }
    return { costs: out, dir };
  } finally {
    await w.destroy();
  }
}

function report(title: string, cs: Cost[]): void {
  console.log(`\n== ${title}`);
  console.log(`  ${'recorder'.padEnd(20)} ${'CPU steady'.padStart(12)} ${'(whole run)'.padStart(12)} ${'RSS median'.padStart(11)} ${'(max)'.padStart(8)} ${'disk per day'.padStart(13)}`);
  for (const c of cs) {
    console.log(
      `  ${c.label.padEnd(20)} ${`${c.steadyMillicores.toFixed(1)} mc`.padStart(12)} ${`(${c.wholeMillicores.toFixed(1)} mc)`.padStart(12)} ${`${c.rssMedianMb.toFixed(1)} MB`.padStart(11)} ${`(${c.rssMaxMb.toFixed(1)})`.padStart(8)} ${`${(c.bytesPerDay / 1e6).toFixed(1)} MB`.padStart(13)}`,
    );
  }
  console.log(`  RSS of which anonymous / file pages (medians): ${cs.map((c) => `${c.label} ${c.anonMb.toFixed(1)} / ${c.fileMb.toFixed(1)} MB`).join('; ')}`);
  const [n, a] = cs;
  console.log(`  ratio nsx/atop: CPU ${(n.steadyMillicores / a.steadyMillicores).toFixed(2)}×, RSS ${(n.rssMedianMb / a.rssMedianMb).toFixed(2)}×, disk ${(n.bytesPerDay / a.bytesPerDay).toFixed(2)}× (atop records no cgroup)`);
  console.log(`  targets: ≤ 10 millicores ${n.steadyMillicores <= 10 ? 'met' : 'NOT met'}, ≤ 60 MB RSS ${n.rssMedianMb <= 60 ? 'met' : 'NOT met'}, ≤ 50 MB a day ${n.bytesPerDay <= 50e6 ? 'met' : 'NOT met'}; load average ${load()}`);
}

/** C: a day made of `src`'s frames repeated with a shifted clock, into `out`. Returns its start and end. */
function synthesiseDay(src: string, out: string): { start: number; end: number; frames: number } {
  const rec = openRecording(src, 'bench');
  const frames = [...rec.range(rec.start_ms, rec.end_ms)];
  const span = rec.end_ms - rec.start_ms + 5000;
  const copies = Math.ceil(86_400_000 / span);
  const start = rec.start_ms - 86_400_000 - 3_600_000;
  const w = new StoreWriter(out, { sync: false, now: () => start + 86_400_000 });
  const ie = new InputEncoder();
  let n = 0;
  for (let k = 0; k < copies; k++) {
    const shift = start - rec.start_ms + k * span;
    for (const st of frames) {
      const t = st.time_ms + shift;
      if (t > start + 86_400_000) break;
      const input: RecordInput = {
        time_ms: t,
        host: { ...st.host, mono_us: st.host.mono_us + shift * 1000, ...(st.host.uptime_s !== undefined ? { uptime_s: st.host.uptime_s + shift / 1000 } : {}) },
        cgroups: st.cgroups,
        identities: st.identities,
        processes: st.processes,
        namespaces: st.namespaces,
        events: st.events.map((e) => ({ ...e, time_ms: e.time_ms + shift })),
      };
      w.append(t, (enc) => ie.encode(enc, input));
      n++;
    }
  }
  w.close();
  return { start, end: start + 86_400_000, frames: n };
}

async function opening(src: string): Promise<void> {
  const day = mkdtempSync(join(tmpdir(), 'nsx-bench-record-day-'));
  try {
    const t0 = Date.now();
    const d = synthesiseDay(src, day);
    const size = bytesIn(day);
    console.log(`\n== C. any minute of a 24-hour recording in nsx top --at (synthesised: the churning scenario's real samples repeated with a simulated clock; ${d.frames} frames, ${(size / 1e6).toFixed(1)} MB, made in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < 15; i++) {
      const at = new Date(d.start + 60_000 + Math.random() * (d.end - d.start - 120_000)).toISOString();
      const argv = [...NSX, 'top', '--at', at, '--dir', day, '-b', '--depth', '1'];
      const w0 = process.hrtime.bigint();
      const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      wall.push(Number(process.hrtime.bigint() - w0) / 1e6);
      if (r.status !== 0) throw new Error(`nsx top --at ${at}: ${r.stderr}`);
      cpu.push(cpuOnce(argv));
    }
    console.log(`  nsx top --at T -b (whole process, 15 random minutes): wall median ${median(wall).toFixed(0)} ms (max ${Math.max(...wall).toFixed(0)}), CPU median ${median(cpu).toFixed(0)} ms (max ${Math.max(...cpu).toFixed(0)}); target ≤ 200 ms ${median(wall) <= 200 ? 'met' : 'NOT met'}; load average ${load()}`);
    console.log('  (atop -r opens only its own raw files: no 24-hour atop file can be made from these samples, so no side-by-side figure here)');
  } finally {
    rmSync(day, { recursive: true, force: true });
  }
}

async function realMinute(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-bench-record-min-'));
  const store = join(dir, 'store');
  // inside the world: /p00/c00 gets a 0.2-CPU quota and a busy loop for 60 s, recorded every 5 s
  const script = `echo 20000 > /sys/fs/cgroup/cpu/p00/c00/cpu.cfs_quota_us; node ${NODE_FLAGS.join(' ')} ${NSX[0]} record --dir ${store} --interval 5s 2>/dev/null & R=$!; sleep 12; ( for c in ${CONTROLLERS.join(' ')}; do echo $BASHPID > /sys/fs/cgroup/$c/p00/c00/cgroup.procs; done; exec timeout 60 sh -c 'while :; do :; done' ); sleep 12; kill -TERM $R; wait $R`;
  const w = await makeWorld({ procs: 10, churn: false, command: ['bash', '-c', script] });
  try {
    await new Promise((r) => w.child.once('exit', r));
    const r = spawnSync(NSX[0], [...NSX.slice(1), 'why', '/p00/c00', '-J', '--since', '10m', '--dir', store], { encoding: 'utf8' });
    const j = JSON.parse(r.stdout) as { episodes: { id: string; cgroup: string; from: string; to: string; cpu?: { max_cpus?: number | null } }[] };
    const e = j.episodes.filter((x) => x.id === 'cpu.throttled');
    console.log(`\n== D. a real minute: a busy loop under a 0.2-CPU quota for 60 s, recorded every 5 s, then nsx why /p00/c00 --since 10m`);
    for (const x of e) console.log(`  episode ${x.from} to ${x.to} (${((Date.parse(x.to) - Date.parse(x.from)) / 1000).toFixed(0)} s): throttled by ${x.cgroup}, quota ${x.cpu?.max_cpus} CPUs`);
    if (!e.length) console.log(`  NO throttling episode found: ${r.stdout.slice(0, 500)} ${r.stderr}`);
  } finally {
    await w.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v atop'], { stdio: 'ignore' }).status !== 0) {
    console.log('bench record: atop is not installed (apt-get install atop): the incumbent is needed side by side');
    return;
  }
  sweepWorlds();
  const minutes = Number(arg(args, 'minutes', '11'));
  const procs = Number(arg(args, 'procs', '5000'));
  const only = arg(args, 'scenario', 'ABCD');
  console.log(
    `\n== record: ${procs} sleeping processes, 1,000 cgroups two deep (40 × 24) in ${CONTROLLERS.join(', ')}, in their own cgroup/mount/PID namespaces; nsx record --interval 5s (${MALLOC_ENV.join(' ')} node ${NODE_FLAGS.join(' ')}) and atop -w FILE 5 side by side for ${minutes} minutes; steady = from minute 1; load average at start ${load()}`,
  );
  let churnDir: string | undefined;
  try {
    if (only.includes('A')) {
      const a = await costs(procs, false, minutes);
      report('A. idle', a.costs);
      rmSync(a.dir, { recursive: true, force: true });
    }
    if (only.includes('B') || only.includes('C')) {
      const b = await costs(procs, true, minutes);
      churnDir = b.dir;
      report('B. churning: 100 processes started and exited per second', b.costs);
    }
    if (only.includes('C') && churnDir) await opening(join(churnDir, 'store'));
    if (only.includes('D')) await realMinute();
  } finally {
    if (churnDir) rmSync(churnDir, { recursive: true, force: true });
  }
}
