/**
 * Exit statuses of the drop-in commands. lsns and nsenter exit 1 for every error, usage errors included (an unknown
 * option, column or type, a bad argument: util-linux's `errtryhelp(EXIT_FAILURE)`); nsx's own convention is 2 for
 * usage. `nsx ls` and `nsx enter` follow lsns and nsenter, so that scripts written for them see the same status;
 * global options given before the command word are nsx's and keep 2, as for every other command.
 */
import { isNsxError } from '../errors.js';

/** The status lsns and nsenter exit with for a usage error. */
export const DROP_IN_USAGE_STATUS = 1;

/**
 * `run()`, with a usage error it throws given lsns/nsenter's exit status (the error itself is kept: its class,
 * message, stack and cause; only the status it asks for changes).
 */
export async function withDropInStatus<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isNsxError(e) && e.kind === 'usage') Object.defineProperty(e, 'exitCode', { value: DROP_IN_USAGE_STATUS });
    throw e;
  }
}
