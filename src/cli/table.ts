/**
 * THE command table: every `nsx` command, in `nsx --help` order, with the one line `nsx --help` shows and its
 * aliases. Plain data (no imports), so that the usage prints without loading any command and so that the build
 * can read it (scripts/build.mjs: the commands chunk and the alias files of the short commands).
 *
 * Adding a command: write src/cli/commands/NAME.ts exporting `command: Command` (./context.ts), and add its row
 * here. The dispatcher loads `./commands/NAME.js` by name (./load-command.ts); the man page and the shell
 * completions are generated from the module (./docgen.ts), and test/docs/package.test.ts asks for the man page
 * in package.json's "man" list. A command that must start fast gets a file in ./entries/ too (docs/development.md).
 */
export interface CommandRow {
  readonly name: string;
  /** one line for `nsx --help` */
  readonly summary: string;
  /** other words that run it (`nsx cgroups` is `nsx cg`) */
  readonly aliases?: readonly string[];
}

export const COMMAND_TABLE: readonly CommandRow[] = [
  { name: 'ls', summary: 'list namespaces (lsns-compatible)' },
  { name: 'cg', summary: 'cgroup layout, hierarchies, trees and one cgroup in full (alias: cgroups)', aliases: ['cgroups'] },
  { name: 'enter', summary: "run a program in a process's namespaces (nsenter-compatible)" },
  { name: 'top', summary: 'live per-cgroup CPU, memory, IO, tasks, throttling and pressure' },
  { name: 'ps', summary: 'processes with their namespaces, cgroups and containers' },
  { name: 'dashboard', summary: 'the interactive dashboard (what nsx with no command starts on a terminal)' },
  { name: 'why', summary: 'why a cgroup is throttled, short of memory, OOM-killed or refused forks' },
  { name: 'exporter', summary: 'Prometheus metrics of cgroups over HTTP (cAdvisor-compatible, with throttling attribution)' },
  { name: 'record', summary: 'record cgroups, processes, namespaces and OOM kills for replay (--at) and Prometheus backfill' },
];

/** Names that are aliases of another command (not listed on their own in `nsx --help`). */
export const ALIASES: Readonly<Record<string, string>> = Object.fromEntries(COMMAND_TABLE.flatMap((r) => (r.aliases ?? []).map((a) => [a, r.name])));

/** Registered command names in help order, aliases left out. */
export function commandNames(): string[] {
  return COMMAND_TABLE.map((r) => r.name);
}

/** The command a word runs (its own name or an alias), or undefined. */
export function commandOf(word: string): string | undefined {
  return COMMAND_TABLE.some((r) => r.name === word) ? word : ALIASES[word];
}
