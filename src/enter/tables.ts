/**
 * The facts of `nsx enter` that its C helper needs too, in one place: the namespace types in nsenter's join order
 * with their CLONE_NEW* flags and option names, the plan rules that depend on the type (what happens when the
 * target's namespace is the caller's own, what joining it implies), the options the helper's CLI fast path reads
 * itself, and the fixed words of the plan it prints.
 *
 * src/enter/plan.ts plans from these tables; scripts/gen-enter-header.mjs writes them as C
 * (native-bindings/nsx-enter-tables.h, generated at build and at install, shipped in the package) for
 * native-bindings/nsx-enter.c. Data only: no imports but types, nothing computed (the generator evaluates this file
 * on its own).
 */
import type { NsType } from '../parse/nsid-link.js';

/** What the plan does with a namespace of the target that is the caller's own (same inode). */
export type WhenSame =
  /** skip it, even when asked for by name (the kernel refuses to re-enter one's own user namespace) */
  | 'skip'
  /** skip it when only `-a` asked for it; join it when named (`-n`) */
  | 'skip-with-all'
  /** join it anyway, as nsenter does: re-entering the mount namespace resets the root and working directory */
  | 'join';

export interface NsRule {
  readonly type: NsType;
  /** the CLONE_NEW* flag (setns(2), NS_GET_NSTYPE) */
  readonly flag: number;
  /** nsenter's option letter and long option */
  readonly short: string;
  readonly long: string;
  readonly whenSame: WhenSame;
  /** the plan's reason when it is skipped for being the caller's own */
  readonly sameReason: string;
  /** joining it means: `fork` (the pid namespace applies to children), `credentials` (uid and gid 0 in it, no
   *  supplementary groups, unless --preserve-credentials) */
  readonly implies?: 'fork' | 'credentials';
}

/**
 * The namespace types in nsenter's table order, which is the order of joining one at a time: the first pass
 * joins all but `user` (errors ignored), the second what is left in this order (errors reported) — so a
 * privileged caller joins user last and an unprivileged one first.
 */
export const NS_RULES: readonly NsRule[] = [
  {
    type: 'user',
    flag: 0x10000000,
    short: 'U',
    long: 'user',
    whenSame: 'skip',
    sameReason: "already in it; the kernel refuses to re-enter one's own user namespace",
    implies: 'credentials',
  },
  { type: 'cgroup', flag: 0x02000000, short: 'C', long: 'cgroup', whenSame: 'skip-with-all', sameReason: 'already in it' },
  { type: 'ipc', flag: 0x08000000, short: 'i', long: 'ipc', whenSame: 'skip-with-all', sameReason: 'already in it' },
  { type: 'uts', flag: 0x04000000, short: 'u', long: 'uts', whenSame: 'skip-with-all', sameReason: 'already in it' },
  { type: 'net', flag: 0x40000000, short: 'n', long: 'net', whenSame: 'skip-with-all', sameReason: 'already in it' },
  { type: 'pid', flag: 0x20000000, short: 'p', long: 'pid', whenSame: 'skip-with-all', sameReason: 'already in it', implies: 'fork' },
  { type: 'mnt', flag: 0x00020000, short: 'm', long: 'mount', whenSame: 'join', sameReason: 'already in it' },
  { type: 'time', flag: 0x00000080, short: 'T', long: 'time', whenSame: 'skip-with-all', sameReason: 'already in it' },
];

/**
 * The options the helper's CLI fast path reads itself (bin/nsx's sh line → `nsx-enter --cli`): `-t PID`, `-a` and the
 * namespace options of NS_RULES without a file. Any other option sends the command line to Node.
 */
export const FAST_PATH_OPTIONS = {
  target: { short: 't', long: 'target' },
  all: { short: 'a', long: 'all' },
} as const;

/** The plan's `method`: the target's namespaces joined through its pidfd where the kernel allows it. */
export const METHOD_PIDFD = 'pidfd, else one at a time';
export const METHOD_ONE_AT_A_TIME = 'one at a time';
