/**
 * The argument forms of `nsx enter` that the C fast path (native-bindings/nsx-enter.c `--cli`) handles itself, and
 * those it must hand to Node: one list for the live comparison of both paths (fast-path.test.ts, root) and for the
 * comparison of both plans (plan-agreement.test.ts, no root needed).
 */

/** The forms the fast path runs itself (target `T`, program arguments `prog`). */
export function fastForms(T: string, prog: readonly string[]): string[][] {
  return [
    ['-t', T, '-a', ...prog],
    ['--target', T, '--all', '--', ...prog],
    [`--target=${T}`, '-n', '-u', ...prog],
    [`-t${T}`, '-mp', ...prog],
    ['-t', T, '-m', ...prog],
    ['-t', T, '-U', ...prog],
    ['-t', T, '-a', '-n', '-U', ...prog],
    ['-t', T, '-iuCT', '--net', '--pid', ...prog],
    ['-t', T, '--mount', '--uts', '--ipc', '--cgroup', '--user', '--time', ...prog],
    ['-t', T, '-a', 'sh', '-c', 'exit 7'],
    ['-t', T, '-a', 'nsx-test-no-such-program'],
    ['-t', T, '-a', '/etc/passwd'],
    ['-t', T, '-a', '-', 'x'],
  ];
}

/** Forms of the fast path that end in a signal (the program kills itself). */
export function signalForms(T: string): Array<[string[], NodeJS.Signals]> {
  return [
    [['-t', T, '-p', 'sh', '-c', 'kill -TERM $$'], 'SIGTERM'],
    [['-t', T, '-a', 'sh', '-c', 'kill -USR1 $$'], 'SIGUSR1'],
    [['-t', T, '-n', 'sh', '-c', 'kill -KILL $$'], 'SIGKILL'],
    [['-t', T, '-a', 'sh', '-c', 'kill -HUP $$'], 'SIGHUP'],
  ];
}

/** Forms an unprivileged caller runs on the fast path (its own user namespace entered), `T` made by that user. */
export function unprivilegedForms(T: string, prog: readonly string[]): string[][] {
  return [
    ['-t', T, '-U', '-n', ...prog],
    ['-t', T, '-a', ...prog],
  ];
}

/** Every other form: the fast path hands it to Node (`T` a live target). */
export function nodeForms(T: string): string[][] {
  return [
    [],
    ['--help'],
    ['-h'],
    ['-V'],
    ['-t', T],
    ['-t', T, 'true'],
    ['-a', 'true'],
    ['-t', '999999999', '-a', 'true'],
    ['-t', '0', '-a', 'true'],
    ['-t', 'abc', '-a', 'true'],
    ['-t', '-5', '-a', 'true'],
    ['-t', `${T}:1`, '-a', 'true'],
    ['-t', T, '-t', T, '-a', 'true'],
    ['-t', T, '-a', '--bogus', 'true'],
    ['-t', T, '--al', 'true'],
    ['-t', T, '-aZ', 'true'],
    ['-t', T, '-aF', 'sh', '-c', 'readlink /proc/self/ns/pid'],
    ['-t', T, '-a', '--dry-run'],
    ['-t', T, '-a', '--dry-run', '--json'],
    ['-t', T, '-a', '--verbose', 'true'],
    ['-t', T, '--net=/proc/self/ns/net', 'true'],
    ['-t', T, '-n/proc/self/ns/net', 'true'],
    ['-t', T, '-n=', 'true'],
    ['-t', T, '-a', '-r', 'true'],
    ['-t', T, '-a', '-w', 'pwd'],
    ['-t', T, '-a', '-S', '0', 'id'],
    ['-t', T, '-a', '--preserve-credentials', 'id'],
    ['-t', T, '-a', '-c', 'true'],
    ['-t', T, '-a', '--'],
    ['-t', T, '-a'],
    ['-t', 'cgroup:/nsx-test-no-such-cgroup', '-a', 'true'],
    ['-at', T, 'true'],
  ];
}
