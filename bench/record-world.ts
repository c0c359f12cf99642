/**
 * The benchmark host of `npm run bench -- record`, made reproducible and apart from whatever else runs on the
 * machine: a new cgroup, mount and PID namespace whose cgroupfs shows only the benchmark's cgroups and whose /proc
 * only its processes.
 *
 *   - cgroups: `/p00/c00 … /p39/c23` (40 parents × 24 children + the 40 parents = 1,000) in each of the five v1
 *     hierarchies cpu, cpuacct, memory, pids and blkio, made under /nsx-test-bench-record-PID on the host and
 *     seen from inside as the root (the world's cgroup namespace starts there; the hierarchies are mounted again
 *     inside, which shows that subtree);
 *   - processes: `procs` sleeping processes spread over the leaf cgroups (the scenario: 5,000), and, for the
 *     churning scenario, a loop that starts 100 `sleep 1` a second (so that about 100 processes start and exit
 *     between two samples);
 *   - then `command` runs inside (the recorder, or a measuring script), its output to the bench's pipes.
 * The world is torn down by killing its PID 1 (everything in the PID namespace dies with it) and removing the
 * cgroups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio'];
const CG = '/sys/fs/cgroup';

export interface World {
  readonly child: ChildProcess;
  /** host path of the world's root cgroup (in each controller's hierarchy) */
  readonly base: string;
  /** host PID of a process inside whose command line contains `marker` (and whose program is `argv0`, when given) */
  find(marker: string, argv0?: string): number | undefined;
  destroy(): Promise<void>;
}

/** The shell script run inside the namespaces (see the module comment). */
function script(procs: number, churn: boolean, command: readonly string[]): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `set -e
mount -t tmpfs -o mode=755 tmpfs ${CG}
for c in ${CONTROLLERS.join(' ')}; do mkdir ${CG}/$c; mount -t cgroup -o $c cgroup ${CG}/$c; done
leaves=""
for p in $(seq -w 0 39); do for c in $(seq -w 0 23); do leaves="$leaves /p$p/c$c"; done; done
# the sleeping processes: each leaf gets its share, started from a shell moved into it first
n=${procs}; k=0; total=$(echo $leaves | wc -w); subs=
for l in $leaves; do
  share=$(( (n * (k + 1)) / total - (n * k) / total )); k=$((k + 1))
  [ $share -gt 0 ] || continue
  ( for c in ${CONTROLLERS.join(' ')}; do echo $BASHPID > ${CG}/$c$l/cgroup.procs; done
    for i in $(seq $share); do sleep 100000 & done ) &
  subs="$subs $!"
done
wait $subs
${churn ? `( for c in ${CONTROLLERS.join(' ')}; do echo $BASHPID > ${CG}/$c/p00/c00/cgroup.procs; done
  while :; do for i in $(seq 100); do sleep 1 & done; sleep 1; wait; done ) &` : ''}
# wait until every sleeper is there (the shells that started them have exited: the sleepers are init's)
while [ $(ps -e -o comm= | grep -c '^sleep$') -lt ${procs} ]; do sleep 0.2; done
echo world-ready
exec ${command.map(q).join(' ')}
`;
}

/** Make the cgroups on the host, then start the world with `command` inside. Resolves when the processes are all there. */
export async function makeWorld(o: { procs: number; churn: boolean; command: readonly string[]; env?: NodeJS.ProcessEnv }): Promise<World> {
  const base = `/nsx-test-bench-record-${process.pid}`;
  for (const c of CONTROLLERS) {
    mkdirSync(join(CG, c, base), { recursive: true });
    for (let p = 0; p < 40; p++) for (let k = 0; k < 24; k++) mkdirSync(join(CG, c, base, `p${String(p).padStart(2, '0')}`, `c${String(k).padStart(2, '0')}`), { recursive: true });
  }
  // a shell moved into the base cgroup of every hierarchy unshares: the new cgroup namespace is rooted there
  const outer = `for c in ${CONTROLLERS.join(' ')}; do echo $$ > ${CG}/$c${base}/cgroup.procs; done; exec unshare --cgroup --mount --pid --fork --mount-proc bash -c "$0"`;
  const child = spawn('sh', ['-c', outer, script(o.procs, o.churn, o.command)], { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env, detached: true });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('world-ready')) resolve();
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (c) => reject(new Error(`bench world exited ${c} before it was ready: ${err.slice(-500)}`)));
  });
  const find = (marker: string, argv0?: string): number | undefined => {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const c = readFileSync(`/proc/${d}/cmdline`, 'latin1');
        if (c.includes(marker) && (argv0 === undefined || c.split('\0')[0] === argv0)) return Number(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    }
    return undefined;
  };
  const destroy = async () => {
    // the PID namespace's init is the bash under unshare: killing the process group ends everything in it
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
    for (let i = 0; i < 100; i++) {
      const left = CONTROLLERS.some((c) => readFileSync(join(CG, c, base, 'cgroup.procs'), 'utf8').trim() !== '' || hasTasks(join(CG, c, base)));
      if (!left) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const c of CONTROLLERS) removeTree(join(CG, c, base));
  };
  return { child, base, find, destroy };
}

function hasTasks(dir: string): boolean {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    if (readFileSync(join(dir, e.name, 'cgroup.procs'), 'utf8').trim() !== '' || hasTasks(join(dir, e.name))) return true;
  }
  return false;
}

function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  rmdirSync(dir);
}

/** Remove what a killed earlier run left (cgroups named nsx-test-bench-record-*). */
export function sweepWorlds(): void {
  for (const c of CONTROLLERS) {
    const root = join(CG, c);
    if (!existsSync(root)) continue;
    for (const n of readdirSync(root)) if (n.startsWith('nsx-test-bench-record-')) {
      try {
        removeTree(join(root, n));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
      }
    }
  }
}

export function writeFile(path: string, text: string): void {
  writeFileSync(path, text);
}
