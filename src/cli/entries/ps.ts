/**
 * `nsx ps` in a file of its own: the CLI core (../run.ts) with this one command, built into
 * dist/bundle/cli-ps.cjs (one CommonJS file, nothing else to load: scripts/build.mjs), which bin/nsx runs when
 * the command word is `ps`.
 */
import * as ps from '../commands/ps.js';
import { runMain } from '../run.js';

// a replay (--at, --from, --since) runs through the whole program (../short-word.ts)
export { shortCommandWord as commandWord } from '../short-word.js';

export function main(argv: string[]): Promise<void> {
  return runMain(argv, { command: (word) => (word === 'ps' ? async () => ps : undefined) });
}
