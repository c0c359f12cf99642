/**
 * `nsx enter` — run a program in the namespaces of a process: a drop-in for util-linux nsenter that pins
 * the target with a pidfd. Parses nsenter's options (stopping at the program; global options must come
 * before `enter` because -r/--root is nsenter's) and calls the enter service.
 */
import type { Command, CliContext } from '../context.js';
import type { OptionSpec } from '../getopt.js';
import { parseCommandArgs } from '../common.js';
import { parseIntArg } from '../getopt.js';
import { UsageError } from '../../errors.js';
import { withDropInStatus } from '../drop-in.js';
import type { NsType } from '../../parse/nsid-link.js';
import { NS_RULE, parseTarget, type EnterOptions } from '../../enter/plan.js';
import { FAST_PATH_OPTIONS } from '../../enter/tables.js';
// static on purpose: this module is loaded only for `nsx enter`, and one module graph loads faster than a
// chain of dynamic imports (start-up is most of the time `nsx enter` takes)
import { enter } from '../../services/enter.js';
import { VERSION } from '../version.js';

const HELP = `Usage:
 nsx [global options] enter [options] [--] [<program> [<argument>...]]

Run a program with namespaces of other processes (nsenter-compatible, safe against PID reuse).

Options:
 -a, --all                   enter all namespaces of the target (those identical to ours are skipped)
 -t, --target <target>       target: a PID, PID:INODE (its pidfs inode: refused if the PID was reused),
                             cgroup:/PATH (lowest PID in it), container:NAME|ID|ID-PREFIX|RUNTIME:ID
                             or pod:NAMESPACE/NAME (an ambiguous prefix is refused, listing the candidates)
 -m, --mount[=<file>]        enter mount namespace
 -u, --uts[=<file>]          enter UTS namespace (hostname etc)
 -i, --ipc[=<file>]          enter System V IPC namespace
 -n, --net[=<file>]          enter network namespace
 -N, --net-socket <fd>       enter the network namespace of the target's socket <fd>
 -p, --pid[=<file>]          enter pid namespace
 -C, --cgroup[=<file>]       enter cgroup namespace
 -U, --user[=<file>]         enter user namespace
     --user-parent           enter the parent user namespace (of -U's, else the owner of another one)
 -T, --time[=<file>]         enter time namespace
 -S, --setuid <uid>          set uid in entered namespace ('follow': the target's)
 -G, --setgid <gid>          set gid in entered namespace ('follow': the target's)
     --preserve-credentials  do not touch uids or gids
     --keep-caps             keep the capabilities granted in the user namespace (ambient)
 -r, --root[=<dir>]          set the root directory
 -w, --wd[=<dir>]            set the working directory
 -W, --wdns <dir>            set the working directory in namespace
 -e, --env                   inherit environment variables from target process
 -F, --no-fork               do not fork before exec'ing <program>
 -c, --join-cgroup           join the cgroup of the target process (v2 and every v1 hierarchy)
 -Z, --follow-context        accepted for nsenter compatibility (no-op: nsx does not set SELinux contexts)
     --mount-proc            with -p: mount a fresh /proc for the target's pid namespace (in a private
                             copy of the mount namespace), so ps shows the target's processes
     --dry-run               resolve and open everything, print the plan, run nothing
     --json                  with --dry-run: the plan as JSON
     --verbose               print the resolved target and the plan on stderr

 -h, --help                  display this help
 -V, --version               display version

A namespace may be given as -X=:ID (a namespace id; Linux 6.19 or later). With no program, runs $SHELL
(else the passwd entry's shell, else /bin/sh) as a login shell; when the target has no $SHELL, its /bin/sh
(else busybox sh), with a notice. Exit status: the program's (a program killed by signal N kills nsx
with N too, as nsenter does; 126 not executable, 127 not found); 1 for nsx's own errors and for bad
usage, as nsenter.
Global options (--root, --debug, --no-color) go before 'enter'. See docs/enter.md.
`;

/** The namespace options in nsenter's --help order; letters and names from src/enter/tables.ts (the C helper's too). */
const NS_SPECS: ReadonlyArray<readonly [NsType, string, string]> = (['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup', 'user', 'time'] as const).map(
  (t) => [t, NS_RULE[t].short, NS_RULE[t].long] as const,
);

const SPECS: readonly OptionSpec[] = [
  { name: FAST_PATH_OPTIONS.all.long, short: FAST_PATH_OPTIONS.all.short, arg: 'none' },
  { name: FAST_PATH_OPTIONS.target.long, short: FAST_PATH_OPTIONS.target.short, arg: 'required' },
  ...NS_SPECS.map(([, short, long]): OptionSpec => ({ name: long, short, arg: 'optional' })),
  { name: 'setuid', short: 'S', arg: 'required' },
  { name: 'setgid', short: 'G', arg: 'required' },
  { name: 'preserve-credentials', arg: 'none' },
  { name: 'net-socket', short: 'N', arg: 'required' },
  { name: 'user-parent', arg: 'none' },
  { name: 'keep-caps', arg: 'none' },
  { name: 'follow-context', short: 'Z', arg: 'none' },
  { name: 'root', short: 'r', arg: 'optional' },
  { name: 'wd', short: 'w', arg: 'optional' },
  { name: 'wdns', short: 'W', arg: 'required' },
  { name: 'env', short: 'e', arg: 'none' },
  { name: 'no-fork', short: 'F', arg: 'none' },
  { name: 'join-cgroup', short: 'c', arg: 'none' },
  { name: 'mount-proc', arg: 'none' },
  { name: 'dry-run', arg: 'none' },
  { name: 'json', arg: 'none' },
  { name: 'verbose', arg: 'none' },
  { name: 'help', short: 'h', arg: 'none' },
  { name: 'version', short: 'V', arg: 'none' },
];

const PROG = 'nsx enter';

/** An optional argument: true when given bare, the text otherwise (getopt already took `-n=FILE` apart). */
function optional(v: unknown): true | string | undefined {
  if (v === undefined || v === false) return undefined;
  return v === true ? true : String(v);
}

/** Turn parsed flags into the service's options (exported for tests). */
export function enterOptionsFrom(opts: Record<string, unknown>, positionals: readonly string[]): EnterOptions {
  const namespaces: Partial<Record<NsType, true | string>> = {};
  for (const [type, , long] of NS_SPECS) {
    const v = optional(opts[long]);
    if (v !== undefined) namespaces[type] = v;
  }
  const id = (what: string, v: unknown) =>
    v === undefined ? undefined : String(v) === 'follow' ? ('follow' as const) : parseIntArg(PROG, what, String(v), { min: 0, max: 0xfffffffe });
  return {
    ...(opts.target !== undefined ? { target: parseTarget(String(opts.target)) } : {}),
    all: !!opts.all,
    namespaces,
    ...(opts.setuid !== undefined ? { setuid: id('uid', opts.setuid) } : {}),
    ...(opts.setgid !== undefined ? { setgid: id('gid', opts.setgid) } : {}),
    preserveCredentials: !!opts['preserve-credentials'],
    ...(opts['net-socket'] !== undefined ? { netSocket: parseIntArg(PROG, 'socket fd', String(opts['net-socket']), { min: 0, max: 0x7fffffff }) } : {}),
    ...(opts['user-parent'] ? { userParent: true } : {}),
    ...(opts['keep-caps'] ? { keepCaps: true } : {}),
    ...(opts['follow-context'] ? { followContext: true } : {}),
    ...(optional(opts.root) !== undefined ? { root: optional(opts.root) } : {}),
    ...(optional(opts.wd) !== undefined ? { wd: optional(opts.wd) } : {}),
    ...(opts.wdns !== undefined ? { wdns: String(opts.wdns) } : {}),
    noFork: !!opts['no-fork'],
    env: !!opts.env,
    joinCgroup: !!opts['join-cgroup'],
    mountProc: !!opts['mount-proc'],
    program: [...positionals],
    dryRun: !!opts['dry-run'],
    json: !!opts.json,
    verbose: !!opts.verbose,
  };
}

/** nsenter's exit statuses: 1 for usage errors too (src/cli/drop-in.ts). */
function run(argv: string[], ctx0: CliContext): Promise<number> {
  return withDropInStatus(() => runEnter(argv, ctx0));
}

async function runEnter(argv: string[], ctx0: CliContext): Promise<number> {
  const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: PROG, stopAtPositional: true, globals: false });
  if (done) return 0;
  if (args.opts.version) {
    ctx.stdout.write(`nsx ${VERSION}\n`);
    return 0;
  }
  // as nsenter 2.42 (err_exclusive_options, while it reads the options): the pair in the order given, before
  // anything else is checked
  const pair = args.seen.map(([k]) => k).filter((k) => k === 'wd' || k === 'wdns');
  if (new Set(pair).size === 2) throw new UsageError(`${PROG}: --${pair[0]} and --${pair[0] === 'wd' ? 'wdns' : 'wd'}: mutually exclusive options`);
  for (const [name, n] of [['target', 't']] as const) {
    if (args.seen.filter(([k]) => k === name).length > 1) throw new UsageError(`${PROG}: -${n}/--${name}: given more than once; give one`);
  }
  const o = enterOptionsFrom(args.opts, args.positionals);
  return enter({ ...o, paths: ctx.paths, stdout: ctx.stdout, stderr: ctx.stderr });
}

export const command: Command = {
  options: SPECS,
  name: 'enter',
  summary: 'run a program in the namespaces of a process (nsenter-compatible, safe against PID reuse)',
  help: HELP,
  run,
};
