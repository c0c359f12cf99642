/**
 * How the commands reach the recorder and replay (src/record/api.ts, exported by the record command's module,
 * so in the product it is in the commands' chunk). The whole program (src/cli/main.ts) provides the loader; the
 * short commands' files (src/cli/entries/) do not, so that their one CommonJS file never holds the store and
 * the codecs: a command line that replays (`--at`, `--from`, `--to`, `--since`) is run by the whole program
 * instead (src/cli/short-word.ts).
 */
import { NsxError } from '../errors.js';
import type * as RecordApi from '../record/api.js';

export type RecordModule = typeof RecordApi;

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
