/**
 * The closed set of errors nsx raises. Every error carries what it is about (a path, a PID, an option)
 * so the CLI's one handler can print a single clear line. Exit codes: 2 for usage, 1 for everything else.
 */

/** Discriminator of every nsx error. */
export type NsxErrorKind =
  | 'usage' // bad option, bad value, unknown column (exit 2)
  | 'not-found' // no such process / namespace / cgroup / file (exit 1)
  | 'permission' // EACCES / EPERM (exit 1)
  | 'parse' // a kernel file that does not parse (exit 1)
  | 'unsupported' // the kernel, the host or the build cannot do it (exit 1)
  | 'io'; // any other system call failure (exit 1)

export class NsxError extends Error {
  readonly kind: NsxErrorKind;
  /** The file or object the error is about, when there is one. */
  readonly path?: string;
  /** The errno code (ENOENT, EACCES, …) behind it, when there is one. */
  readonly errno?: string;
  /** Exit status requested by the thrower (defaults: usage → 2, others → 1). */
  readonly exitCode: number;

  constructor(kind: NsxErrorKind, message: string, opts: { path?: string; errno?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'NsxError';
    this.kind = kind;
    this.path = opts.path;
    this.errno = opts.errno;
    this.exitCode = opts.exitCode ?? (kind === 'usage' ? 2 : 1);
  }
}

export class UsageError extends NsxError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

export class NotFoundError extends NsxError {
  constructor(message: string, path?: string, errno = 'ENOENT') {
    super('not-found', message, { path, errno });
    this.name = 'NotFoundError';
  }
}

export class PermissionError extends NsxError {
  constructor(message: string, path?: string, errno = 'EACCES') {
    super('permission', message, { path, errno });
    this.name = 'PermissionError';
  }
}

/** A kernel file that does not parse. `source` is the file path (or `<string>` for literal input). */
export class ParseError extends NsxError {
  readonly source: string;
  readonly line?: number;
  constructor(source: string, message: string, line?: number) {
    super('parse', `${source}${line !== undefined ? `:${line}` : ''}: ${message}`, { path: source });
    this.name = 'ParseError';
    this.source = source;
    this.line = line;
  }
}

export class UnsupportedError extends NsxError {
  constructor(message: string, path?: string) {
    super('unsupported', message, { path });
    this.name = 'UnsupportedError';
  }
}

export class IoError extends NsxError {
  constructor(message: string, path?: string, errno?: string, cause?: unknown) {
    super('io', message, { path, errno, cause });
    this.name = 'IoError';
  }
}

/**
 * Is this an NsxError? Recognised by shape as well as by class, because the Ink TUI is loaded outside the CLI
 * bundle (scripts/bundle.mjs) with its own copy of this module.
 */
export function isNsxError(e: unknown): e is NsxError {
  if (e instanceof NsxError) return true;
  const x = e as { kind?: unknown; exitCode?: unknown } | null;
  return e instanceof Error && typeof x?.kind === 'string' && typeof x?.exitCode === 'number';
}

/** The errno code of a Node system error (`ENOENT`, …), or undefined. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Turn a Node fs error into the matching NsxError (already-NsxErrors pass through). */
export function fromFsError(e: unknown, path: string): NsxError {
  if (isNsxError(e)) return e;
  const code = errnoOf(e);
  switch (code) {
    case 'ENOENT':
    case 'ESRCH':
    case 'ENOTDIR':
    case 'ENODEV':
      return new NotFoundError(`${path}: no such file or process`, path, code);
    case 'EACCES':
    case 'EPERM':
      return new PermissionError(`${path}: permission denied`, path, code);
    default:
      return new IoError(`${path}: ${(e as Error)?.message ?? String(e)}`, path, code, e);
  }
}
