/**
 * `npm run bench -- cg [--runs=N] [--variants=cg2k,cg10k]`: `nsx cg tree` against `systemd-cgls` on the scale host
 * (test/helpers/scale.ts), whole process (start-up and the whole tree, output to /dev/null), runs interleaved.
 *
 * For each variant (default: 2,000 and 10,000 extra cgroups, two deep, 50 per slice, in every mounted hierarchy,
 * a process in one of every 100; the machine's own processes and cgroups as they are):
 * 1. The target: `nsx cg tree -c cpu` against `systemd-cgls --no-pager cpu:/` — the same hierarchy, the same
 *    output (every process of the hierarchy under its cgroup, empty cgroups hidden as systemd-cgls hides them
 *    without --all; nsx finds the members from /proc/PID/cgroup or each cgroup.procs, whichever is fewer
 *    reads; systemd-cgls from each cgroup.procs). Wall time and CPU time (user + system of the process), medians
 *    and their ratio (issue 18's target at 10,000 cgroups and issue 21's at 2,000: ≤ 1.0).
 * 2. The scale host's subtree in the default view (name=systemd on hybrid, cgroup2 on v2): `nsx cg tree PATH
 *    --json` against `systemd-cgls --no-pager DIR`, both also with --all (every cgroup), plus nsx's in-process time.
 * The machine's load average is printed: it is shared. Environment: NODE_EXTRA_CA_CERTS unset (bench/main.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { NSX, compare, compareCpu, report, ratio, median } from './lib.js';
import { hostPaths } from '../src/host/paths.js';
import { cgTree } from '../src/services/cg.js';
import { formatJson } from '../src/output/json.js';
import { loadAverage, scaleUp, VARIANTS, type ScaleHost } from '../test/helpers/scale.js';

function opt(args: string[], name: string, def: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : def;
}

const visibleProcesses = () => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;

/** The cpu hierarchy's cgroups on the whole machine (/proc/cgroups num_cgroups; other users' count too). */
const cpuCgroups = () => readFileSync('/proc/cgroups', 'latin1').split('\n').find((l) => l.startsWith('cpu\t'))?.split('\t')[2] ?? '?';

/** `nsx cg tree -c cpu` against `systemd-cgls --no-pager cpu:/`: the whole hierarchy, as a user types it. */
function cpuTree(host: ScaleHost, runs: number): void {
  const scene = `${host.spec.cgroups} extra cgroups (two deep) with ${host.spec.cgroupProcs} processes in them; ${cpuCgroups()} cgroups in the cpu hierarchy and ${visibleProcesses()} processes on the machine in all`;
  const cmds = [
    { label: 'nsx cg tree -c cpu', argv: [...NSX, 'cg', 'tree', '-c', 'cpu'] },
    { label: 'systemd-cgls --no-pager cpu:/', argv: ['systemd-cgls', '--no-pager', 'cpu:/'] },
    { label: 'node -e 0 (Node start-up floor)', argv: [process.execPath, '-e', '0'] },
  ];
  const wall = compare(cmds, runs);
  report(`cg tree -c cpu, scale host '${host.variant}': ${scene}; wall time, interleaved runs; load average ${loadAverage()}`, wall);
  console.log(`  ratio nsx cg tree -c cpu / systemd-cgls cpu:/ (wall) = ${ratio(wall[0], wall[1]).toFixed(2)}× (target ≤ 1.0)`);
  // the machine is shared: CPU time (each process's own user + system) is the fairer measure under load
  const cpu = compareCpu(cmds.map((c) => ({ ...c, label: `${c.label} (CPU)` })), runs);
  report(`cg tree -c cpu, '${host.variant}', same tree: CPU time (user + system) per run; load average ${loadAverage()}`, cpu);
  console.log(`  ratio nsx cg tree -c cpu / systemd-cgls cpu:/ (CPU) = ${ratio(cpu[0], cpu[1]).toFixed(2)}× (target ≤ 1.0)`);
}

/** The scale host's own subtree in the default view, empty cgroups hidden and --all. */
function subtree(host: ScaleHost, runs: number): void {
  const paths = hostPaths();
  const view = cgTree({ paths, path: host.top, depth: 0 });
  const mount = view.mount;
  if (!mount) {
    console.log(`bench cg: skipped the subtree comparison (no mount for the default view, ${view.hierarchy})`);
    return;
  }
  const dir = mount + host.top;
  const timed = compare(
    [
      { label: `nsx cg tree TOP --json`, argv: [...NSX, 'cg', 'tree', host.top, '--json'] },
      { label: `systemd-cgls --no-pager DIR`, argv: ['systemd-cgls', '--no-pager', dir] },
      { label: `nsx cg tree TOP --json --all`, argv: [...NSX, 'cg', 'tree', host.top, '--json', '--all'] },
      { label: `systemd-cgls --no-pager --all DIR`, argv: ['systemd-cgls', '--no-pager', '--all', dir] },
      { label: 'node -e 0 (Node start-up floor)', argv: [process.execPath, '-e', '0'] },
    ],
    runs,
  );
  report(`cg tree of the scale host's ${host.cgroups.length} cgroups (TOP = ${host.top}, ${view.hierarchy} view, DIR = ${dir}); load average ${loadAverage()}`, timed);
  console.log(`  ratio nsx/systemd-cgls (default):  ${ratio(timed[0], timed[1]).toFixed(2)}×`);
  console.log(`  ratio nsx/systemd-cgls (--all):    ${ratio(timed[2], timed[3]).toFixed(2)}×`);
  // where nsx's time goes: the same work in this process (no Node start-up, modules already loaded)
  for (const all of [false, true]) {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      formatJson(cgTree({ paths, path: host.top, all }));
      ms.push(performance.now() - t0);
    }
    console.log(`  in-process cgTree${all ? ' --all' : ''} + JSON: median ${median(ms).toFixed(1)} ms (the rest is Node start-up and module loading)`);
  }
}

export async function run(args: string[]): Promise<void> {
  const runs = opt(args, 'runs', 15);
  const variants = (args.find((a) => a.startsWith('--variants='))?.split('=')[1] ?? 'cg2k,cg10k').split(',');
  for (const v of variants) {
    if (!VARIANTS[v]) throw new Error(`bench cg: unknown variant ${v}`);
    const host = await scaleUp(v);
    console.log(`\nbench cg: scale host '${v}' up in ${host.upSeconds.toFixed(1)} s (${host.cgroups.length} cgroups in each of ${host.hierarchies.length} hierarchies)`);
    try {
      cpuTree(host, runs);
      if (!args.includes('--cpu-only')) subtree(host, Math.max(5, Math.ceil(runs / 2)));
    } finally {
      await host.down();
    }
  }
}
