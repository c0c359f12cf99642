/**
 * Parser for `/proc/PID/cmdline`: NUL-separated arguments, normally with a trailing NUL; empty for kernel
 * threads and zombies. A process may rewrite its own argv area (setproctitle), leaving spaces instead of NULs
 * or trailing NULs: the parser tolerates both. Never throws.
 */

/** Split cmdline into arguments (trailing empty arguments from padding NULs dropped). */
export function parseCmdline(text: string, _source = '<string>'): string[] {
  if (text === '') return [];
  const parts = text.split('\0');
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The command line as lsns/ps print it: arguments joined with single spaces (NULs → spaces, trailing
 * NULs/spaces dropped); undefined when empty (the caller then falls back to the comm).
 */
export function cmdlineToString(text: string): string | undefined {
  const s = parseCmdline(text).join(' ').replace(/\s+$/, '');
  return s === '' ? undefined : s;
}
