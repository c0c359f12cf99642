/**
 * `nsx enter` in a file of its own: the CLI core (../run.ts) with this one command, built into
 * dist/bundle/cli-enter.cjs (one CommonJS file, nothing else to load: scripts/build.mjs), which bin/nsx runs when
 * the command word is `enter`.
 */
import * as enter from '../commands/enter.js';
import { runMain } from '../run.js';

export { commandWord } from '../run.js';

export function main(argv: string[]): Promise<void> {
  return runMain(argv, { command: (word) => (word === 'enter' ? async () => enter : undefined) });
}
