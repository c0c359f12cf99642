/**
 * `nsx ls` in a file of its own: the CLI core (../run.ts) with this one command, built into
 * dist/bundle/cli-ls.cjs (one CommonJS file, nothing else to load: scripts/build.mjs), which bin/nsx runs when
 * the command word is `ls`.
 */
import * as ls from '../commands/ls.js';
import { runMain } from '../run.js';

// a replay (--at, --from, --since) runs through the whole program (../short-word.ts)
export { shortCommandWord as commandWord } from '../short-word.js';

export function main(argv: string[]): Promise<void> {
  return runMain(argv, { command: (word) => (word === 'ls' ? async () => ls : undefined) });
}
