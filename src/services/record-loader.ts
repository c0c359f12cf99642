/**
 * How the commands reach the recorder and replay (src/record/index.ts, a lazy boundary: one chunk in the
 * product). The whole program (src/cli/main.ts) provides the loader; the short commands' files
 * (src/cli/entries/) do not, so that their one CommonJS file never holds the store, the codecs, Ink or
 * prom-client: a command line that replays (`--at`, `--from`, `--to`, `--since`) is run by the whole program
 * instead (src/cli/replay-options.ts, `shortCommandWord`).
 */
import { NsxError } from '../errors.js';
import type * as RecordBoundary from '../record/index.js';

export type RecordModule = typeof RecordBoundary;

let loader: (() => Promise<RecordModule>) | undefined;

/** Called by the whole program before it runs a command. */
export function provideRecord(load: () => Promise<RecordModule>): void {
  loader = load;
}

/** The recorder's module, loaded on first use. */
export function loadRecord(prog: string): Promise<RecordModule> {
  if (!loader) throw new NsxError('unsupported', `${prog}: recordings are read by the whole nsx program; run it through bin/nsx`);
  return loader();
}
