/**
 * The whole `nsx` program (dist/bundle/nsx.js, the ES module graph): every command of the table (./table.ts),
 * loaded lazily by name (./load-command.ts), `nsx help`, `nsx --version`, and `nsx` alone (the dashboard on a
 * terminal, the host summary otherwise, `nsx --json`). The core it runs on is ./run.ts; the short commands
 * have files of their own (./entries/), which bin/nsx prefers when the command word is theirs.
 */
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { loadCommand } from './load-command.js';
import { runMain, type Program } from './run.js';
import { commandOf } from './table.js';
import { USAGE } from './usage.js';
import { VERSION, versionReport } from './version.js';
import { hostSummary } from '../services/dashboard.js';
import { formatJson } from '../output/json.js';
import { provideRecord, type RecordModule } from '../services/record-loader.js';

// the public face of the CLI core, for the build (man pages, completions) and the tests
export { VERSION, USAGE };
export { commandWord, escapeMessage, reportError } from './run.js';
export { ALIASES, commandNames } from './table.js';
export { loadCommands } from './load-command.js';

/** `nsx` with no command word: `--json` prints the host summary, anything else runs the dashboard command. */
async function none(argv: string[], ctx: CliContext, help: boolean): Promise<number> {
  if (argv.includes('--json') || argv.includes('-J')) {
    const other = argv.filter((a) => a !== '--json' && a !== '-J');
    if (other.length) throw new UsageError(`nsx: ${other.join(' ')}: not with --json (it prints the host summary alone)\nTry 'nsx --help' for more information.`);
    ctx.stdout.write(formatJson(hostSummary(ctx.paths)));
    return 0;
  }
  const { command } = await loadCommand('dashboard');
  return command.run(help && !argv.includes('--help') ? ['--help', ...argv] : argv, ctx);
}

const PROGRAM: Program = {
  command(word) {
    const name = commandOf(word);
    return name === undefined ? undefined : () => loadCommand(name);
  },
  whole: { usage: USAGE, versionReport, none },
};

export function main(argv: string[]): Promise<void> {
  // the recorder and replay (in the commands' chunk, exported by the record command): reached by the other
  // commands through ../services/record-loader.ts
  provideRecord(async () => ((await loadCommand('record')) as unknown as { recordModule: RecordModule }).recordModule);
  return runMain(argv, PROGRAM);
}
