/**
 * Hand a prepared `nsx enter` to the helper (native-bindings/nsx-enter.c):
 *   - execEnter: replace this Node process with the helper (the CLI path: same PID, same terminal, the
 *     caller's wait() sees the helper's status directly); falls back to spawnEnter if exec is unavailable;
 *   - spawnEnter: run the helper as a child with stdio inherited and resolve with its exit status (for the
 *     dashboard, which must come back afterwards).
 * enterPlanArgv writes the helper's internal argument vector for a plan and its descriptors.
 */
import { UnsupportedError, IoError, PermissionError } from '../errors.js';
import { JOIN_ORDER } from './plan.js';
import type { PreparedEnter } from './prepare.js';
import { execAddon, helperCandidate, helperPath } from '../../native-bindings/enter.js';
import { helperEnvRefusal } from './helper-trust.js';

/** The helper's arguments (without argv[0]). `fdIn(fd)` maps one of our descriptors to its number in the helper. */
export function enterPlanArgv(p: PreparedEnter, fdIn: (fd: number) => number = (fd) => fd, opts: { verbose?: boolean } = {}): string[] {
  const a: string[] = opts.verbose ? ['--verbose'] : [];
  const { plan } = p;
  if (p.pid !== undefined) a.push('--pid', String(p.pid));
  if (p.procFd !== undefined) a.push('--procfd', String(fdIn(p.procFd)));
  for (const t of JOIN_ORDER) {
    const fd = p.nsFds[t];
    const n = plan.namespaces.find((x) => x.type === t);
    if (fd === undefined || !n || n.action !== 'join') continue;
    a.push(n.source === 'target' ? '--ns' : '--ns-file', `${t}:${fdIn(fd)}:${n.path}`);
  }
  for (const fd of p.cgroupFds) a.push('--cgroup-fd', String(fdIn(fd)));
  if (p.rootFd !== undefined) a.push('--root-fd', String(fdIn(p.rootFd)));
  if (p.wdFd !== undefined) a.push('--wd-fd', String(fdIn(p.wdFd)));
  if (plan.wdns !== undefined) a.push('--wdns', plan.wdns);
  if (p.envFd !== undefined) a.push('--env-fd', String(fdIn(p.envFd)));
  const c = plan.credentials;
  if (c.uid === 'follow') a.push('--uid-follow');
  else if (c.uid !== undefined) a.push('--uid', String(c.uid));
  if (c.gid === 'follow') a.push('--gid-follow');
  else if (c.gid !== undefined) a.push('--gid', String(c.gid));
  if (c.keepCaps) a.push('--keep-caps');
  if (plan.credentials.dropGroups) a.push('--drop-groups');
  if (plan.fork) a.push('--fork');
  // asked for (joined or skipped): a refusal then does not suggest adding -U
  if (plan.namespaces.some((n) => n.type === 'user')) a.push('--user-asked');
  if (plan.mountProc) a.push('--mount-proc');
  if (plan.shell) a.push('--shell', plan.shell.path, '--shell-argv0', plan.shell.argv0);
  a.push('--');
  if (plan.program) a.push(...plan.program);
  return a;
}

/** The helper's path, or a one-line UnsupportedError saying how to build it. */
export async function requireHelper(): Promise<string> {
  const c = helperCandidate();
  // $NSX_ENTER_HELPER: only a file nobody else can change, never in a set-id process (helper-trust.ts)
  const refused = c.fromEnv ? helperEnvRefusal(c.path) : undefined;
  if (refused !== undefined) throw new PermissionError(refused, c.path);
  const h = helperPath();
  if (!h) {
    if (c.fromEnv) throw new UnsupportedError(`nsx enter: NSX_ENTER_HELPER=${c.path}: missing or not executable`);
    throw new UnsupportedError(
      `nsx enter: helper ${c.path}: not built; try installing a C compiler (e.g. 'apt-get install gcc'), then 'npm install' (or 'node native-bindings/build.mjs') in the nsx directory`,
    );
  }
  return h;
}

/** Exit status as a shell reports it: the code, or 128+N for signal N (`signals`: os.constants.signals). */
export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null, signals: Readonly<Record<string, number>>): number {
  if (code !== null) return code;
  const n = signal ? signals[signal] : undefined;
  return n !== undefined ? 128 + n : 1;
}

/** How the helper child ended: its exit code or signal, and the status a shell would report (128+N for signal N). */
interface ChildEnd {
  readonly signal: NodeJS.Signals | null;
  readonly status: number;
}

/**
 * Run the helper as a child with stdio inherited; resolve with how it ended.
 * Signals sent to this process (TERM, HUP, QUIT) are passed on while it runs; SIGINT from the terminal
 * reaches the child through its process group, so it is only kept from ending this process.
 * The descriptors in `p` are closed once the child has them.
 */
async function runChild(p: PreparedEnter, opts: { helper?: string; verbose?: boolean }): Promise<ChildEnd> {
  const helper = opts.helper ?? (await requireHelper());
  // child_process and os are loaded here only: the exec path does not need them
  const [{ spawn }, { constants: osConstants }] = await Promise.all([import('node:child_process'), import('node:os')]);
  const stdio: Array<'inherit' | number> = ['inherit', 'inherit', 'inherit', ...p.fds];
  const childFd = (fd: number) => 3 + p.fds.indexOf(fd);
  const child = spawn(helper, enterPlanArgv(p, childFd, opts), { stdio, argv0: 'nsx-enter' });
  p.close();
  const forward = ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
  const onSig = (s: NodeJS.Signals) => void child.kill(s);
  const onInt = () => {};
  for (const s of forward) process.on(s, onSig);
  process.on('SIGINT', onInt);
  try {
    return await new Promise<ChildEnd>((resolve, reject) => {
      child.once('error', (e) => reject(new IoError(`nsx enter: cannot run ${helper}: ${e.message}`, helper, (e as NodeJS.ErrnoException).code, e)));
      child.once('exit', (code, signal) => resolve({ signal, status: exitStatusOf(code, signal, osConstants.signals) }));
    });
  } finally {
    for (const s of forward) process.off(s, onSig);
    process.off('SIGINT', onInt);
  }
}

/**
 * Run the helper as a child with stdio inherited and resolve with the program's exit status as a shell reports it
 * (128+N for signal N): for the dashboard, which must come back afterwards.
 */
export async function spawnEnter(p: PreparedEnter, opts: { helper?: string; verbose?: boolean } = {}): Promise<number> {
  return (await runChild(p, opts)).status;
}

/**
 * Become the helper (execve through the nsx-exec addon): on success this never returns, and the caller sees the
 * helper's own end (a program killed by signal N kills it with N, as nsenter). Without the addon (or if exec
 * fails), run it as a child instead and end the same way: a signal death is raised again on this process (128+N
 * when that signal does not end a Node process, e.g. SIGPIPE, which Node ignores).
 */
export async function execEnter(p: PreparedEnter, opts: { verbose?: boolean } = {}): Promise<number> {
  const helper = await requireHelper();
  const ex = execAddon();
  if (ex) {
    ex.exec(helper, ['nsx-enter', ...enterPlanArgv(p, undefined, opts)], p.fds);
    // exec failed (errno returned): fall through to the child variant
  }
  const end = await runChild(p, { helper, ...opts });
  if (end.signal) {
    process.kill(process.pid, end.signal);
    // delivery is asynchronous in a multithreaded process: give it a moment before reporting 128+N instead
    await new Promise((r) => setTimeout(r, 200));
  }
  return end.status;
}
