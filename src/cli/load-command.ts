/**
 * The lazy boundary of the commands: the module of command NAME is src/cli/commands/NAME.ts (a row of
 * ./table.ts), loaded when that command runs (./command-modules.ts; in the product every command comes from one
 * chunk), so `nsx top` loads the core and the commands, never the TUI or the exporter until they are asked for.
 */
import type { Command } from './context.js';
import { importCommand } from './command-modules.js';
import { COMMAND_TABLE } from './table.js';

export interface CommandModule {
  readonly command: Command;
}

/** The module of command `name` (a name of the table, not an alias). */
export function loadCommand(name: string): Promise<CommandModule> {
  return importCommand(name) as Promise<CommandModule>;
}

/** Every command (aliases folded in), its modules loaded: for man pages, completions and their tests. */
export async function loadCommands(): Promise<Array<{ name: string; aliases: string[]; summary: string; command: Command }>> {
  const out = [];
  for (const r of COMMAND_TABLE) out.push({ name: r.name, aliases: [...(r.aliases ?? [])], summary: r.summary, command: (await loadCommand(r.name)).command });
  return out;
}
