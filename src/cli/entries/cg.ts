/**
 * `nsx cg` (and its alias `nsx cgroups`) in a file of its own: the CLI core (../run.ts) with this one command,
 * built into dist/bundle/cli-cg.cjs (one CommonJS file, nothing else to load: scripts/build.mjs), which bin/nsx
 * runs when the command word is `cg` or `cgroups`.
 */
import * as cg from '../commands/cg.js';
import { runMain } from '../run.js';
import { commandOf } from '../table.js';

// a replay (--at, --from, --since) runs through the whole program (../short-word.ts)
export { shortCommandWord as commandWord } from '../short-word.js';

export function main(argv: string[]): Promise<void> {
  return runMain(argv, { command: (word) => (commandOf(word) === 'cg' ? async () => cg : undefined) });
}
