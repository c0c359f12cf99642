/**
 * `nsx top` in a file of its own: the CLI core (../run.ts) with this one command, built into
 * dist/bundle/cli-top.cjs (one CommonJS file, nothing else to load: scripts/build.mjs), which bin/nsx runs when
 * the command word is `top` and the command line prints tables or JSON (`-b`, `--json`, or stdin or stdout not a
 * terminal): a script's `nsx top -b -n 10 --json` pays no ES module loader. The interactive TUI (Ink, React) and a
 * replay run through the whole program: the short file holds neither (the build stubs their imports).
 */
import * as top from '../commands/top.js';
import { commandRest, runMain } from '../run.js';
import { shortCommandWord } from '../short-word.js';
import { fdIsTTY } from '../out.js';
import { topWantsTui } from '../commands/top.js';

export function commandWord(argv: readonly string[]): string | undefined {
  const word = shortCommandWord(argv);
  if (word !== 'top') return word;
  // the command's own choice (src/cli/commands/top.ts): the TUI needs stdin and stdout on a terminal
  if (!fdIsTTY(1) || !fdIsTTY(0)) return word;
  return topWantsTui(commandRest(argv)) === false ? word : undefined;
}

export function main(argv: string[]): Promise<void> {
  return runMain(argv, { command: (word) => (word === 'top' ? async () => top : undefined) });
}
