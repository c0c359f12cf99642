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

/** Is this an NsxError? (The CLI and the TUI are one module graph: the class identifies it.) */
export function isNsxError(e: unknown): e is NsxError {
  return e instanceof NsxError;
}

/** strerror(3)-style sentences for the errno codes a reader or a system call can meet. */
const ERRNO_SENTENCES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENODEV: 'no such device',
  ENXIO: 'no such device or address',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  EINVAL: 'invalid argument',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  ENOTEMPTY: 'directory not empty',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  ENOMEM: 'cannot allocate memory',
  EAGAIN: 'resource temporarily unavailable',
  EINTR: 'interrupted system call',
  EBADF: 'bad file descriptor',
  ENOSYS: 'function not implemented',
  EOPNOTSUPP: 'operation not supported',
  ENOTSUP: 'operation not supported',
  ENOEXEC: 'exec format error',
  E2BIG: 'argument list too long',
  EFAULT: 'bad address',
  EXDEV: 'invalid cross-device link',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'connection timed out',
  ECONNREFUSED: 'connection refused',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ECHILD: 'no child processes',
  ESTALE: 'stale file handle',
  ETXTBSY: 'text file busy',
  EFBIG: 'file too large',
  EOVERFLOW: 'value too large for defined data type',
};

/** The plain sentence for an errno code (`ENAMETOOLONG` → `file name too long`), or undefined for other codes. */
export function errnoSentence(code: string): string | undefined {
  return ERRNO_SENTENCES[code];
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
    default: {
      const sentence = code !== undefined ? errnoSentence(code) : undefined;
      return new IoError(`${path}: ${sentence ?? (e as Error)?.message ?? String(e)}`, path, code, e);
    }
  }
}
