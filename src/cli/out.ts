/**
 * stdout and stderr for commands, without the cost of Node's streams when they are not terminals.
 *
 * `process.stdout` is a stream object: the first access loads Node's stream modules (and node:net for a pipe),
 * ~3 ms of an `nsx ls` that should cost little more than Node's own start. Output to a file or a pipe is
 * synchronous in Node on Linux anyway, so a command's `write(text)` goes straight to `fs.writeSync(fd)`.
 * Everything else a caller may ask of the stream (`on`, `columns`, `end`…) is answered by the real
 * `process.stdout`/`process.stderr`, created then; from that moment on, writes go through it too (so they
 * stay in order). A write that would block (a non-blocking pipe: EAGAIN) also switches to the stream.
 * A terminal gets the real stream at once (the TUIs need it; columns and rows come from it).
 *
 * Errors: EPIPE on stdout (the reader went away: `nsx ls | head`) ends the process quietly with the exit
 * code so far, as `head` expects; another write error (ENOSPC, EIO) is reported and exits 1. An error on
 * stderr is left to process.stderr, as before: its unhandled 'error' event ends the process.
 */
import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';

/** A stdout write failed: EPIPE ends quietly, anything else is reported (exit 1). */
export function outputError(e: NodeJS.ErrnoException): never {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`nsx: cannot write the output: ${e.message}\n`);
  process.exit(1);
}

let stdoutErrorsHandled = false;

/** The real process.stdout, with outputError() as its error handler (once). */
function realStdout(): NodeJS.WriteStream {
  const s = process.stdout;
  if (!stdoutErrorsHandled) {
    stdoutErrorsHandled = true;
    s.on('error', outputError);
  }
  return s;
}

/**
 * Whether fd is a terminal, without loading node:tty (and node:net) for what cannot be one: only a character
 * device other than the memory devices (/dev/null, /dev/zero: major 1) is asked with isatty().
 */
export function fdIsTTY(fd: number): boolean {
  let st;
  try {
    st = fstatSync(fd);
  } catch (e) {
    // a closed descriptor: no terminal (a write will say what is wrong)
    if ((e as NodeJS.ErrnoException).code === 'EBADF') return false;
    throw e;
  }
  if (!st.isCharacterDevice() || ((st.rdev >> 8) & 0xfff) === 1) return false;
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

/**
 * The stream for fd 1 or 2 as commands use it: writes of text go to writeSync(fd) until anything else is
 * asked of it; then, and for ever after, the real stream answers.
 */
function lazyStream(fd: 1 | 2): Writable {
  const real = (): NodeJS.WriteStream => (fd === 1 ? realStdout() : process.stderr);
  let stream: NodeJS.WriteStream | undefined;
  const write = (chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean => {
    if (stream) return stream.write(chunk, encodingOrCb as BufferEncoding, cb as () => void);
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (fd === 1 && err.code !== 'EAGAIN') outputError(err);
      // a non-blocking pipe is full (EAGAIN): the stream waits for it; any failure on stderr: the stream fails as
      // it always did (an 'error' event nobody handles ends the process, e.g. when the terminal is gone)
      // (the part already written is not repeated)
      stream = real();
      return stream.write(buf.subarray(off), (cb ?? (typeof encodingOrCb === 'function' ? encodingOrCb : undefined)) as (() => void) | undefined);
    }
    const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  };
  return new Proxy({} as Writable, {
    get(_target, key) {
      if (key === 'write' && !stream) return write;
      stream ??= real();
      const v = (stream as unknown as Record<PropertyKey, unknown>)[key];
      return typeof v === 'function' ? v.bind(stream) : v;
    },
    set(_target, key, value) {
      stream ??= real();
      (stream as unknown as Record<PropertyKey, unknown>)[key] = value;
      return true;
    },
  });
}

/** stdout and stderr for a command's context, and whether stdout is a terminal. */
export function commandOutput(): { stdout: Writable; stderr: Writable; isTTY: boolean; columns?: number; rows?: number } {
  if (fdIsTTY(1)) {
    const s = realStdout();
    return { stdout: s, stderr: lazyStream(2), isTTY: true, columns: s.columns, rows: s.rows };
  }
  return { stdout: lazyStream(1), stderr: lazyStream(2), isTTY: false };
}
