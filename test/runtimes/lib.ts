/**
 * Support for the `runtimes` test group: real Docker, Podman, containerd (`ctr`) and LXC containers, started by
 * the tests (names `nsx-test-<what>-<pid>-<rand>`), always with no network, removed in `finally`/`after`.
 * The runtimes themselves come from `scripts/runtimes.sh up` (CI runs it before `npm test`); a runtime that is not
 * up skips its tests with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveSkipReason, startProcess, testName, waitFor } from '../helpers/live.js';

export const STATE = process.env.NSX_RUNTIMES_STATE ?? '/var/lib/nsx-runtimes';
export const IMAGE = 'nsx-busybox:latest';
export const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const HINT = 'run scripts/runtimes.sh up first';

export interface Out {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function sh(cmd: string, args: string[], timeout = 60_000): Out {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Run and require success; returns trimmed stdout. */
export function must(cmd: string, args: string[], timeout = 60_000): string {
  const r = sh(cmd, args, timeout);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Is systemd PID 1 here (`sd_booted()`: /run/systemd/system exists)? Then runtimes use its cgroup driver. */
export function systemdBooted(): boolean {
  return existsSync('/run/systemd/system');
}

/** Podman's global flags for this host (no systemd as PID 1 → cgroupfs manager, file events). */
export function podmanGlobals(): string[] {
  return systemdBooted() ? [] : ['--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
}

/** Docker's cgroup driver: `systemd` (containers in `docker-<id>.scope` units) or `cgroupfs` (`/docker/<id>`). */
export function dockerCgroupDriver(): string {
  return sh(DOCKER, ['info', '--format', '{{.CgroupDriver}}'], 15_000).stdout.trim();
}

export type RuntimeName = 'docker' | 'podman' | 'containerd' | 'lxc' | 'systemd';

/** Why the tests of a runtime cannot run here, or false. */
export function runtimeSkip(rt: RuntimeName): string | false {
  const live = liveSkipReason({ tools: ['nsenter', 'ip'] });
  if (live) return live;
  switch (rt) {
    case 'docker':
      if (sh(DOCKER, ['info', '--format', '{{.ID}}'], 15_000).code !== 0) return `runtimes: dockerd is not running (${HINT})`;
      if (sh(DOCKER, ['image', 'inspect', IMAGE], 15_000).code !== 0) return `runtimes: docker has no ${IMAGE} image (${HINT})`;
      return false;
    case 'podman':
      if (sh('sh', ['-c', 'command -v podman']).code !== 0) return `runtimes: podman is not installed (${HINT})`;
      if (sh('podman', [...podmanGlobals(), 'image', 'exists', `localhost/${IMAGE}`], 30_000).code !== 0) return `runtimes: podman has no ${IMAGE} image (${HINT})`;
      return false;
    case 'containerd':
      if (sh('ctr', ['--connect-timeout', '2s', 'version'], 15_000).code !== 0) return `runtimes: containerd is not running (${HINT})`;
      if (!sh('ctr', ['-n', 'default', 'images', 'ls', '-q'], 15_000).stdout.includes('nsx-busybox')) return `runtimes: containerd has no ${IMAGE} image (${HINT})`;
      return false;
    case 'lxc':
      if (sh('sh', ['-c', 'command -v lxc-start']).code !== 0) return `runtimes: lxc is not installed (${HINT})`;
      if (!existsSync(join(STATE, 'busybox.tar'))) return `runtimes: no busybox rootfs at ${STATE}/busybox.tar (${HINT})`;
      return false;
    case 'systemd':
      if (!systemdBooted()) return 'runtimes: systemd is not PID 1 on this host (the systemd + cgroup v2 VM runs these: npm run test:v2)';
      if (sh('sh', ['-c', 'command -v systemd-run && command -v systemctl']).code !== 0) return 'runtimes: systemd-run or systemctl is not installed';
      return false;
  }
}

/** A container the test started: its name, id, main PID, and how to remove it. */
export interface TestContainer {
  readonly runtime: RuntimeName;
  readonly name: string;
  readonly id: string;
  readonly pid: number;
  remove(): void;
}

const ids: TestContainer[] = [];
/** Every container started by this test process (for a last-resort cleanup). */
export function started(): readonly TestContainer[] {
  return ids;
}

function pidOf(readPid: () => number, what: string): Promise<number> {
  let pid = 0;
  return waitFor(() => (pid = readPid()) > 0, 30_000, `${what} to run`).then(() => pid);
}

/** `docker run -d --network none … sleep` (extra flags before the image; `cmd` replaces `sleep 600`). */
export async function startDocker(what: string, extra: string[] = [], cmd: string[] = ['sleep', '600']): Promise<TestContainer> {
  const name = testName(what);
  const id = must(DOCKER, ['run', '-d', '--name', name, '--network', 'none', ...extra, IMAGE, ...cmd]);
  const c: TestContainer = {
    runtime: 'docker',
    name,
    id,
    pid: 0,
    remove: () => void sh(DOCKER, ['rm', '-f', id]),
  };
  ids.push(c);
  const pid = await pidOf(() => Number(sh(DOCKER, ['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim()) || 0, name);
  return { ...c, pid };
}

export async function startPodman(what: string, extra: string[] = [], cmd: string[] = ['sleep', '600']): Promise<TestContainer> {
  const name = testName(what);
  const g = podmanGlobals();
  const id = must('podman', [...g, 'run', '-d', '--name', name, '--network', 'none', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', ...extra, `localhost/${IMAGE}`, ...cmd], 120_000)
    .split('\n')
    .pop()!;
  const c: TestContainer = { runtime: 'podman', name, id, pid: 0, remove: () => void sh('podman', [...g, 'rm', '-f', '-t', '0', id], 60_000) };
  ids.push(c);
  const pid = await pidOf(() => Number(sh('podman', [...g, 'inspect', '-f', '{{.State.Pid}}', id]).stdout.trim()) || 0, name);
  return { ...c, pid };
}

/** `ctr -n default run -d IMAGE ID …` (the id is the name). */
export async function startCtr(what: string, id = testName(what), cmd: string[] = ['sleep', '600']): Promise<TestContainer> {
  must('ctr', ['-n', 'default', 'run', '-d', `docker.io/library/${IMAGE}`, id, ...cmd]);
  const c: TestContainer = {
    runtime: 'containerd',
    name: id,
    id,
    pid: 0,
    remove: () => {
      sh('ctr', ['-n', 'default', 'tasks', 'kill', '-s', 'SIGKILL', id]);
      // the task is gone once its shim reaped it; then the container record can go
      for (let i = 0; i < 50 && sh('ctr', ['-n', 'default', 'tasks', 'rm', id]).code !== 0; i++) spawnSync('sleep', ['0.1']);
      sh('ctr', ['-n', 'default', 'containers', 'rm', id]);
    },
  };
  ids.push(c);
  const pid = await pidOf(() => {
    const line = sh('ctr', ['-n', 'default', 'tasks', 'ls']).stdout.split('\n').find((l) => l.startsWith(id + ' '));
    return line && /RUNNING/.test(line) ? Number(line.trim().split(/\s+/)[1]) : 0;
  }, id);
  return { ...c, pid };
}

/** An LXC container with its own copy of the busybox rootfs, no network, unconfined (see kernel-facts.md). */
export async function startLxc(what: string, name = testName(what), init = '/bin/sleep 600'): Promise<TestContainer> {
  const dir = join('/var/lib/lxc', name);
  mkdirSync(join(dir, 'rootfs'), { recursive: true });
  const remove = () => {
    sh('lxc-stop', ['-k', '-n', name], 30_000);
    // lxc-destroy removes the container's directory, rootfs included (its own copy)
    sh('lxc-destroy', ['-n', name], 30_000);
  };
  const c: TestContainer = { runtime: 'lxc', name, id: name, pid: 0, remove };
  ids.push(c);
  must('tar', ['-C', join(dir, 'rootfs'), '-xf', join(STATE, 'busybox.tar')]);
  writeFileSync(
    join(dir, 'config'),
    [
      `lxc.uts.name = ${name}`,
      `lxc.rootfs.path = dir:${join(dir, 'rootfs')}`,
      'lxc.net.0.type = empty',
      'lxc.apparmor.profile = unconfined',
      `lxc.init.cmd = ${init}`,
      'lxc.mount.auto = proc:mixed sys:ro',
      'lxc.tty.max = 0',
      'lxc.pty.max = 0',
      '',
    ].join('\n'),
  );
  must('lxc-start', ['-n', name], 60_000);
  const pid = await pidOf(() => Number(/PID:\s*(\d+)/.exec(sh('lxc-info', ['-n', name, '-p']).stdout)?.[1] ?? 0), name);
  return { ...c, pid };
}

/**
 * A systemd unit made by `systemd-run`: a service (`--unit NAME`, detached: its main PID from systemctl) or a
 * scope (`--scope --unit NAME`: systemd-run execs `cmd` inside it, so its PID is the scope's process). `props` are
 * unit properties (`CPUQuota=30%`, `MemoryMax=64M`, `PrivateNetwork=yes`). The name is `nsx-test-…` + suffix.
 */
export async function startUnit(what: string, kind: 'service' | 'scope', props: string[], cmd: string[]): Promise<TestContainer> {
  const base = testName(what);
  const unit = `${base}.${kind}`;
  const p = props.flatMap((x) => ['-p', x]);
  const remove = () => {
    sh('systemctl', ['stop', unit], 60_000);
    sh('systemctl', ['reset-failed', unit]);
  };
  const c: TestContainer = { runtime: 'systemd', name: unit, id: unit, pid: 0, remove };
  ids.push(c);
  let pid: number;
  if (kind === 'service') {
    must('systemd-run', ['--quiet', '--unit', base, ...p, '--', ...cmd], 60_000);
    pid = await pidOf(() => Number(sh('systemctl', ['show', '-p', 'MainPID', '--value', unit]).stdout.trim()) || 0, unit);
  } else {
    const proc = startProcess('systemd-run', ['--quiet', '--scope', '--unit', base, ...p, '--', ...cmd]);
    pid = await pidOf(() => (readOr(`/proc/${proc.pid}/cgroup`)?.includes(`/${unit}\n`) ? proc.pid : 0), unit);
  }
  return { ...c, pid };
}

/** Remove containers, never throwing (cleanup). */
export function removeAll(list: readonly (TestContainer | undefined)[]): void {
  for (const c of list) {
    try {
      c?.remove();
    } catch {
      // cleanup is best effort: the next container still gets removed
    }
  }
}

/** The namespace links of a process as nsenter sees them from inside (`readlink /proc/self/ns/*`). */
export function nsLinksViaNsenter(pid: number): string {
  return must('nsenter', ['-t', String(pid), '-a', 'sh', '-c', 'for t in cgroup ipc mnt net pid uts; do readlink /proc/self/ns/$t; done']);
}

/** Read a small file, undefined when absent. */
export function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // absent on this layout
  }
}
