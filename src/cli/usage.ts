/** `nsx --help`: the usage, with one line per command of the table (./table.ts). */
import { COMMAND_TABLE } from './table.js';

function usage(): string {
  const lines = COMMAND_TABLE.map((r) => `  ${r.name.padEnd(13)} ${r.summary}`.trimEnd());
  return `Usage: nsx [GLOBAL OPTIONS] [COMMAND] [OPTIONS]
       nsx help [COMMAND]

Linux namespaces and cgroups in one tool.

Commands:
  (none)        the interactive dashboard on a terminal; a host summary otherwise
${lines.join('\n')}
  help          this help, or the help of one command

Global options (before or after the command; for enter, before it):
  --root DIR|FILE   inspect a fake host: DIR/proc, DIR/sys, DIR/etc (or a fixture manifest file)
  --color[=WHEN]    colours: auto (default: on a terminal, unless NO_COLOR is set), always or never
  --no-color        the same as --color=never
  --debug           print stack traces on errors
  -h, --help        show help (nsx help COMMAND, or nsx COMMAND --help, for a command)
  -V, --version     show the version, the commit and which optional parts work

Options of nsx with no command:
  -s, --summary      print the host summary alone, even on a terminal
  -i, --interval MS  the dashboard's refresh interval (default 1000, 250 to 60000)
      --json         the host summary as JSON

Environment:
  NO_COLOR              no colours with --color=auto (https://no-color.org)
  NSX_ENTER_HELPER      the nsx-enter helper program to use instead of the one built at install
  NODE_EXTRA_CA_CERTS   the nsx command starts Node without it (Node would parse that whole file at
                        every start; nsx makes no TLS connection); the programs nsx starts get it back

See the nsx(1) and nsx-COMMAND(1) manual pages, and docs/ (in the package and the source).
`;
}

/** `nsx --help` (built once from the command table). */
export const USAGE = usage();
