/**
 * `/proc/PID/cmdline` as lsns prints it (util-linux `pid_get_cmdline` → `read_procfs_file`): every NUL becomes
 * a space and the final byte (the terminating NUL) is dropped, so empty arguments and trailing spaces are kept —
 * `init\0\0\0\0\0\0\0` (LXC's padded init) prints as `init` followed by six spaces, argv `x "" ""` as `x` and two
 * spaces. Unlike lsns, a last byte that is not a NUL (a process that rewrote its argv area) is kept. Pure.
 */

/** The command line as lsns shows it; undefined when empty (kernel threads, zombies: the caller uses the comm). */
export function lsnsCommandLine(text: string): string | undefined {
  if (text === '') return undefined;
  const body = text.endsWith('\0') ? text.slice(0, -1) : text;
  return body.replace(/\0/g, ' ');
}

/** The argument vector (for the ARGV column): split at NULs, only the terminating NUL dropped. */
export function cmdlineArgv(text: string): string[] {
  if (text === '') return [];
  const body = text.endsWith('\0') ? text.slice(0, -1) : text;
  return body.split('\0');
}
