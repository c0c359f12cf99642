/**
 * The plan of `nsx enter` (pure): from the parsed options and a few facts about the target and the caller
 * (namespace inodes, which types the kernel has) to what will be opened and joined, in which order, and
 * what the helper does afterwards. No I/O here: src/enter/prepare.ts gathers the facts and opens the files,
 * src/enter/run.ts hands the result to the helper.
 */
import type { NsType } from '../parse/nsid-link.js';
import { UsageError } from '../errors.js';
import { containerTargetText, isContainerTarget, parseContainerTarget, type ContainerTarget } from '../model/container-target.js';
import { METHOD_ONE_AT_A_TIME, METHOD_PIDFD, NS_RULES, type NsRule } from './tables.js';

/** nsenter's order of joining one at a time (src/enter/tables.ts NS_RULES). */
export const JOIN_ORDER: readonly NsType[] = NS_RULES.map((r) => r.type);

/** The rule of each namespace type (src/enter/tables.ts). */
export const NS_RULE: Readonly<Record<NsType, NsRule>> = Object.fromEntries(NS_RULES.map((r) => [r.type, r])) as Record<NsType, NsRule>;

/** The option letter of each namespace type, as nsenter spells it. */
export const NS_OPTION: Readonly<Record<NsType, string>> = Object.fromEntries(NS_RULES.map((r) => [r.type, r.short])) as Record<NsType, string>;

/** How the target was named on the command line. */
export type TargetSpec =
  /** `inode`: `-t PID:INODE`, the pidfs inode of the process (refused when the PID now names another process) */
  | { readonly kind: 'pid'; readonly pid: number; readonly inode?: number }
  | { readonly kind: 'cgroup'; readonly path: string }
  | ContainerTarget;

/** Everything `nsx enter` was asked to do (what the command parsed). */
export interface EnterOptions {
  readonly target?: TargetSpec;
  /** -a: every namespace type of the target (identical ones skipped) */
  readonly all: boolean;
  /** per type: true = the target's, a string = that namespace file */
  readonly namespaces: Partial<Record<NsType, true | string>>;
  /** a uid, or 'follow': the owner of the target's /proc/PID (nsenter -S follow) */
  readonly setuid?: number | 'follow';
  readonly setgid?: number | 'follow';
  readonly preserveCredentials: boolean;
  /** -N/--net-socket FD: the network namespace of the target's socket FD */
  readonly netSocket?: number;
  /** --user-parent: the parent of the user namespace (of -U's, else the owner of another namespace entered) */
  readonly userParent?: boolean;
  /** --keep-caps: with a user namespace, the permitted capabilities are raised to ambient for the program */
  readonly keepCaps?: boolean;
  /** -Z/--follow-context: accepted (a no-op without SELinux) */
  readonly followContext?: boolean;
  /** -r: true = the target's root, a string = that directory */
  readonly root?: true | string;
  /** -w: true = the target's working directory, a string = that directory */
  readonly wd?: true | string;
  /** -W: a working directory as seen inside the entered namespaces */
  readonly wdns?: string;
  readonly noFork: boolean;
  readonly env: boolean;
  readonly joinCgroup: boolean;
  readonly mountProc: boolean;
  /** the program and its arguments; empty = $SHELL, else /bin/sh */
  readonly program: readonly string[];
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
}

/** Nothing asked for: spread your choices over it (`{ ...ENTER_DEFAULTS, target, all: true }`). */
export const ENTER_DEFAULTS: EnterOptions = Object.freeze({
  all: false,
  namespaces: {},
  preserveCredentials: false,
  noFork: false,
  env: false,
  joinCgroup: false,
  mountProc: false,
  program: [],
  dryRun: false,
  json: false,
  verbose: false,
});

/** Facts gathered before planning (by prepare.ts). */
export interface EnterFacts {
  /** the resolved target PID, when there is a target */
  readonly pid?: number;
  /** namespace types this kernel has (`/proc/self/ns/<type>` exists) */
  readonly supported: readonly NsType[];
  /** the caller's namespace inodes */
  readonly self: Partial<Record<NsType, number>>;
  /** the inode of each requested namespace (the target's, or of the file given) */
  readonly inodes: Partial<Record<NsType, number>>;
  /** procfs mount point (HostPaths.proc), for the paths the plan names */
  readonly proc: string;
}

export type NsAction = 'join' | 'skip';

export interface PlannedNamespace {
  readonly type: NsType;
  /** where it comes from: the target process, a file given with -X=FILE, a socket of the target (-N), or the
   *  parent/owner of another namespace (--user-parent) */
  readonly source: 'target' | 'file' | 'socket' | 'user-parent';
  /** the file (`/proc/PID/ns/net` for the target's, as shown to users) */
  readonly path: string;
  readonly inode?: number;
  readonly action: NsAction;
  /** why it is skipped */
  readonly reason?: string;
}

/** The whole plan: serialisable, printed by `--json --dry-run`. */
export interface EnterPlan {
  readonly target?: { readonly pid: number; readonly spec: string };
  /** in JOIN_ORDER */
  readonly namespaces: readonly PlannedNamespace[];
  /** the target's namespaces are joined in one setns(pidfd, mask) where the kernel allows it */
  readonly method: typeof METHOD_PIDFD | typeof METHOD_ONE_AT_A_TIME;
  /** the program runs as a child (the pid namespace is joined and -F not given) */
  readonly fork: boolean;
  /** uid/gid set before exec (undefined: unchanged); drop supplementary groups */
  readonly credentials: { readonly uid?: number | 'follow'; readonly gid?: number | 'follow'; readonly dropGroups: boolean; readonly keepCaps?: boolean };
  readonly root?: string;
  readonly wd?: string;
  readonly wdns?: string;
  readonly env: boolean;
  readonly joinCgroup: boolean;
  readonly mountProc: boolean;
  /** null: the login shell ($SHELL, else /bin/sh) */
  readonly program: readonly string[] | null;
  /** with no program, when the target has no $SHELL: the shell run instead as a login shell, and why */
  readonly shell?: { readonly path: string; readonly argv0: string; readonly note: string };
}

/** `-t` as the user wrote it. */
export function targetSpecText(t: TargetSpec): string {
  return t.kind === 'pid' ? (t.inode !== undefined ? `${t.pid}:${t.inode}` : String(t.pid)) : t.kind === 'cgroup' ? `cgroup:${t.path}` : containerTargetText(t);
}

/**
 * Parse the argument of `-t`: a PID (decimal, ≥ 1), `cgroup:/path`, or a container/pod target
 * (src/model/container-target.ts: `container:NAME|ID|ID-PREFIX|RUNTIME:ID`, `pod:NAMESPACE/NAME`).
 * Throws UsageError for anything else (`0`, `-5`, `abc`).
 */
export function parseTarget(v: string): TargetSpec {
  if (v.startsWith('cgroup:')) {
    const path = v.slice(7);
    if (!path.startsWith('/')) throw new UsageError(`nsx enter: -t '${v}': a cgroup path starts with '/'; try cgroup:/system.slice/foo.service`);
    if (path.split('/').some((c) => c === '..' || c === '.')) throw new UsageError(`nsx enter: -t '${v}': '.' and '..' are not allowed in a cgroup path`);
    return { kind: 'cgroup', path: path.length > 1 ? path.replace(/\/+$/, '') : path };
  }
  if (isContainerTarget(v)) return parseContainerTarget(v, 'nsx enter');
  const m = /^(\d+)(?::(\d+))?$/.exec(v);
  if (!m || Number(m[1]) < 1 || !Number.isSafeInteger(Number(m[1])) || (m[2] !== undefined && !Number.isSafeInteger(Number(m[2]))))
    throw new UsageError(
      `nsx enter: -t '${v}': not a target; try a PID ≥ 1, PID:INODE, cgroup:/PATH, container:NAME|ID[-PREFIX]|RUNTIME:ID or pod:NAMESPACE/NAME`,
    );
  return m[2] !== undefined ? { kind: 'pid', pid: Number(m[1]), inode: Number(m[2]) } : { kind: 'pid', pid: Number(m[1]) };
}

/** The namespace types requested, in join order: explicit ones plus, with -a, every supported type. */
export function requestedTypes(o: EnterOptions, supported: readonly NsType[]): NsType[] {
  return JOIN_ORDER.filter(
    (t) => o.namespaces[t] !== undefined || (o.all && supported.includes(t)) || (t === 'net' && o.netSocket !== undefined) || (t === 'user' && o.userParent),
  );
}

/** A namespace given as `:ID` (`-n=:42`, nsenter 2.42: a namespace id, Linux 6.19): the id, else undefined. */
export function namespaceIdArg(v: true | string | undefined): number | undefined {
  if (typeof v !== 'string' || !v.startsWith(':')) return undefined;
  const id = v.slice(1);
  if (!/^\d+$/.test(id)) throw new UsageError(`nsx enter: namespace '${v}': not a namespace id (':' and a number); a file whose name starts with ':' is given as './:NAME'`);
  return Number(id);
}

/** Check option combinations that need no facts. Throws UsageError. */
export function validateOptions(o: EnterOptions): void {
  // first, as nsenter 2.42 refuses the pair while it reads the options
  if (o.wd !== undefined && o.wdns !== undefined) throw new UsageError('nsx enter: --wd and --wdns: mutually exclusive options');
  const needTarget: string[] = [];
  for (const t of JOIN_ORDER) if (o.namespaces[t] === true) needTarget.push(`-${NS_OPTION[t]}`);
  if (o.all) needTarget.push('-a');
  if (o.netSocket !== undefined) needTarget.push('-N');
  if (o.setuid === 'follow') needTarget.push('-S follow');
  if (o.setgid === 'follow') needTarget.push('-G follow');
  if (o.root === true) needTarget.push('-r');
  if (o.wd === true) needTarget.push('-w');
  if (o.env) needTarget.push('-e');
  if (o.joinCgroup) needTarget.push('-c');
  if (!o.target && needTarget.length)
    throw new UsageError(`nsx enter: ${needTarget[0]}: needs a target; try -t PID${/^-[a-zA-Z]$/.test(needTarget[0]) && needTarget[0] !== '-a' && needTarget[0] !== '-N' ? ` (or ${needTarget[0]}=FILE)` : ''}`);
  if (o.userParent && !o.target && !JOIN_ORDER.some((t) => typeof o.namespaces[t] === 'string'))
    throw new UsageError('nsx enter: --user-parent: needs a target (-t PID) or a namespace file to find the parent user namespace from');
  // nothing at all to do is a usage error (nsenter silently runs the program); -r/-w/-W/-e/-c/-S/-G alone are
  // work of their own, as in nsenter (`nsenter -t PID -r -w cmd`)
  const otherWork = o.root !== undefined || o.wd !== undefined || o.wdns !== undefined || o.env || o.joinCgroup || o.setuid !== undefined || o.setgid !== undefined;
  if (!o.all && !otherWork && o.netSocket === undefined && !o.userParent && !JOIN_ORDER.some((t) => o.namespaces[t] !== undefined)) throw new UsageError('nsx enter: no namespace specified: nothing to enter; try -a or some of -m -u -i -n -p -C -U -T');
  if (o.mountProc && !(o.all || o.namespaces.pid !== undefined)) throw new UsageError('nsx enter: --mount-proc: needs the pid namespace; try adding -p (or -a)');
  if (o.mountProc && o.noFork) throw new UsageError('nsx enter: --mount-proc: needs the fork into the pid namespace; try dropping -F');
  if (o.json && !o.dryRun) throw new UsageError('nsx enter: --json: goes with --dry-run (the program itself writes the output); try adding --dry-run');
  for (const [t, v] of Object.entries(o.namespaces)) if (v === '') throw new UsageError(`nsx enter: -${NS_OPTION[t as NsType]}=: empty file name`);
  if (o.netSocket !== undefined && o.namespaces.net !== undefined) throw new UsageError('nsx enter: --net and --net-socket: mutually exclusive options');
}

/** Build the plan. Pure. `o` must have passed validateOptions; facts come from prepare.ts. */
export function planEnter(o: EnterOptions, f: EnterFacts): EnterPlan {
  const types = requestedTypes(o, f.supported);
  const namespaces: PlannedNamespace[] = types.map((type) => {
    const v = o.namespaces[type];
    const source: PlannedNamespace['source'] =
      type === 'net' && o.netSocket !== undefined ? 'socket' : type === 'user' && o.userParent ? 'user-parent' : typeof v === 'string' ? 'file' : 'target';
    const path =
      source === 'socket'
        ? `${f.proc}/${f.pid}/fd/${o.netSocket}`
        : source === 'user-parent'
          ? `parent user namespace (of ${typeof v === 'string' ? v : v === true ? `${f.proc}/${f.pid}/ns/user` : 'another namespace entered'})`
          : typeof v === 'string'
            ? v
            : `${f.proc}/${f.pid}/ns/${type}`;
    const inode = f.inodes[type];
    const same = inode !== undefined && inode === f.self[type];
    // the caller's own namespace (tables.ts whenSame): the kernel refuses to re-enter one's own user namespace
    // (EINVAL); -a leaves out the others it shares with the target (no spurious EPERM for unprivileged callers),
    // except the mount namespace, which nsenter re-enters (the root and working directory become its own)
    const rule = NS_RULE[type];
    const reason = same && (rule.whenSame === 'skip' || (rule.whenSame === 'skip-with-all' && o.all && v === undefined)) ? rule.sameReason : undefined;
    return { type, source, path, ...(inode !== undefined ? { inode } : {}), action: reason ? 'skip' : 'join', ...(reason ? { reason } : {}) };
  });
  const joins = new Set(namespaces.filter((n) => n.action === 'join').map((n) => n.type));
  const implied = (what: NsRule['implies']) => [...joins].some((t) => NS_RULE[t].implies === what);
  const userJoined = implied('credentials');
  const credentials =
    userJoined && !o.preserveCredentials
      ? { uid: o.setuid ?? 0, gid: o.setgid ?? 0, dropGroups: true, ...(o.keepCaps ? { keepCaps: true } : {}) }
      : {
          ...(o.setuid !== undefined ? { uid: o.setuid } : {}),
          ...(o.setgid !== undefined ? { gid: o.setgid } : {}),
          dropGroups: false,
          ...(o.keepCaps && userJoined ? { keepCaps: true } : {}),
        };
  return {
    ...(o.target && f.pid !== undefined ? { target: { pid: f.pid, spec: targetSpecText(o.target) } } : {}),
    namespaces,
    method: f.pid !== undefined && namespaces.some((n) => n.action === 'join' && n.source === 'target') ? METHOD_PIDFD : METHOD_ONE_AT_A_TIME,
    fork: implied('fork') && !o.noFork,
    credentials,
    ...(o.root !== undefined ? { root: o.root === true ? `${f.proc}/${f.pid}/root` : o.root } : {}),
    ...(o.wd !== undefined ? { wd: o.wd === true ? `${f.proc}/${f.pid}/cwd` : o.wd } : {}),
    ...(o.wdns !== undefined ? { wdns: o.wdns } : {}),
    env: o.env,
    joinCgroup: o.joinCgroup,
    mountProc: o.mountProc,
    program: o.program.length ? [...o.program] : null,
  };
}

/** A few lines for --dry-run without --json and for --verbose. */
export function describePlan(p: EnterPlan): string[] {
  const out: string[] = [];
  if (p.target) out.push(`target PID ${p.target.pid}${p.target.spec !== String(p.target.pid) ? ` (from ${p.target.spec})` : ''}`);
  for (const n of p.namespaces) {
    out.push(`${n.action === 'join' ? 'join' : 'skip'} ${n.type.padEnd(6)} ${n.inode ?? '?'}  ${n.path}${n.reason ? `  (${n.reason})` : ''}`);
  }
  out.push(`method: ${p.method}${p.fork ? '; fork for the pid namespace' : ''}`);
  const c = p.credentials;
  if (c.uid !== undefined || c.gid !== undefined)
    out.push(`credentials: uid ${c.uid ?? 'unchanged'}, gid ${c.gid ?? 'unchanged'}${c.dropGroups ? ', no supplementary groups' : ''}${c.keepCaps ? ', capabilities kept (ambient)' : ''}`);
  if (p.root) out.push(`root: ${p.root}`);
  if (p.wd) out.push(`working directory: ${p.wd}`);
  if (p.wdns) out.push(`working directory (in the namespaces): ${p.wdns}`);
  if (p.env) out.push('environment: the target\'s');
  if (p.joinCgroup) out.push('cgroup: the target\'s');
  if (p.mountProc) out.push('/proc: a fresh one for the target\'s pid namespace (private mount namespace copy)');
  out.push(`program: ${p.program ? p.program.join(' ') : p.shell ? `${p.shell.path} as a login shell (${p.shell.argv0}; ${p.shell.note})` : "$SHELL (else the user's passwd shell, else /bin/sh) as a login shell"}`);
  return out;
}

/** How a namespace can be reached, for `enterOptionsForNamespace` (a NamespaceRecord fits). */
export interface NamespaceHandle {
  readonly type: NsType;
  readonly pids: readonly number[];
  readonly nsfs: readonly string[];
  readonly fds?: ReadonlyArray<{ readonly pid: number; readonly fd: number }>;
  readonly sockets?: ReadonlyArray<{ readonly pid: number; readonly fd: number }>;
}

/**
 * Options that enter one namespace, whatever holds it: the lowest member process (`-t PID -<type>`), else an nsfs
 * bind mount (`-<type>=/run/netns/NAME`, no target), else a descriptor (`-<type>=/proc/PID/fd/N`), else a socket
 * (`-t PID -N FD`). `proc` is HostPaths.proc. Undefined when nothing reachable holds it. Pure.
 */
export function enterOptionsForNamespace(ns: NamespaceHandle, proc: string, base: EnterOptions = ENTER_DEFAULTS): EnterOptions | undefined {
  if (ns.pids.length) return { ...base, target: { kind: 'pid', pid: ns.pids[0] }, namespaces: { [ns.type]: true } };
  if (ns.nsfs.length) return { ...base, namespaces: { [ns.type]: ns.nsfs[0] } };
  const fd = ns.fds?.[0];
  if (fd) return { ...base, namespaces: { [ns.type]: `${proc}/${fd.pid}/fd/${fd.fd}` } };
  const sk = ns.sockets?.[0];
  if (sk && ns.type === 'net') return { ...base, target: { kind: 'pid', pid: sk.pid }, netSocket: sk.fd };
  return undefined;
}
