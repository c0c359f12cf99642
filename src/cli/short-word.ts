/**
 * `commandWord` for a short command's file (./entries/): undefined when the command line replays a recording
 * (./replay-options.ts, `replayAsked`), so that bin/nsx runs it through the whole program, which loads the
 * recorder's chunk (../services/record-loader.ts); the short files never hold it.
 */
import { commandWord } from './run.js';
import { replayAsked } from './replay-options.js';

export function shortCommandWord(argv: readonly string[]): string | undefined {
  return replayAsked(argv) ? undefined : commandWord(argv);
}
