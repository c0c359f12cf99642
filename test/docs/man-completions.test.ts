/**
 * Manual pages and shell completions say what --help says: every option of every command's table is
 * documented in its --help, appears in its man page, and is offered by the bash, zsh and fish completions
 * that the build wrote (dist/man, dist/completions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { loadCommands, USAGE } from '../../src/cli/main.js';
import { parseHelpOptions, undocumented, helpText } from '../../src/cli/docgen.js';

const dist = (...p: string[]) => join(REPO, 'dist', ...p);
const roffOpt = (s: string) => s.replace(/-/g, '\\-');

test('every command has a man page made from its --help, naming every option of its table', async () => {
  const cmds = await loadCommands();
  assert.ok(cmds.length >= 6);
  for (const c of cmds) {
    const help = runNsx([c.name, '--help']);
    assert.equal(help.code, 0, `nsx ${c.name} --help`);
    assert.equal(await helpText(c.command), help.stdout, `the generator reads the same --help as the CLI prints (${c.name})`);
    const opts = parseHelpOptions(help.stdout);
    assert.ok(c.command.options && c.command.options.length > 0, `${c.name} exports its option table`);
    assert.deepEqual(undocumented(c.command.options ?? [], opts), [], `options of 'nsx ${c.name}' missing from its --help`);
    const page = readFileSync(dist('man', `nsx-${c.name}.1`), 'utf8');
    assert.match(page, new RegExp(`^\\.TH NSX-${c.name.toUpperCase()} 1 `, 'm'));
    for (const o of opts) assert.ok(page.includes(`.B ${roffOpt(o.synopsis)}`), `nsx-${c.name}(1) lacks ${o.synopsis}`);
    // as many option paragraphs as --help has option lines: nothing more, nothing less
    assert.equal(page.split('\n').filter((l) => l === '.TP').length, opts.length, `nsx-${c.name}(1) option count`);
  }
  const top = readFileSync(dist('man', 'nsx.1'), 'utf8');
  for (const c of cmds) assert.ok(top.includes(c.name), `nsx(1) lists ${c.name}`);
  for (const o of parseHelpOptions(USAGE)) assert.ok(top.includes(`.B ${roffOpt(o.synopsis)}`), `nsx(1) lacks ${o.synopsis}`);
});

test('bash, zsh and fish completions offer every command and every documented option', async () => {
  const cmds = await loadCommands();
  const bash = readFileSync(dist('completions', 'nsx.bash'), 'utf8');
  const zsh = readFileSync(dist('completions', '_nsx'), 'utf8');
  const fish = readFileSync(dist('completions', 'nsx.fish'), 'utf8');
  for (const c of cmds) {
    assert.ok(bash.includes(`    ${c.name}`), `bash: ${c.name}`);
    assert.ok(zsh.includes(`'${c.name}:`), `zsh: ${c.name}`);
    assert.ok(fish.includes(`-a ${c.name} `), `fish: ${c.name}`);
    for (const o of parseHelpOptions(await helpText(c.command))) {
      for (const l of o.longs) {
        if (!(c.command.options ?? []).some((s) => (s.long ?? s.name) === l || s.aliases?.includes(l))) continue; // a global option
        assert.ok(bash.includes(`--${l}`), `bash: nsx ${c.name} --${l}`);
        assert.ok(zsh.includes(`--${l}`), `zsh: nsx ${c.name} --${l}`);
        assert.ok(fish.includes(`__fish_seen_subcommand_from ${[c.name, ...c.aliases].join(' ')}'`) && fish.includes(` -l ${l} `), `fish: nsx ${c.name} --${l}`);
      }
    }
  }
  // the bash completion works: `nsx ls --no<TAB>` and `nsx <TAB>`
  const r = spawnSync('bash', ['-c', `source ${dist('completions', 'nsx.bash')}; COMP_WORDS=(nsx ls --no); COMP_CWORD=2; _nsx; echo "\${COMPREPLY[*]}"; COMP_WORDS=(nsx ""); COMP_CWORD=1; _nsx; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [ls, top] = r.stdout.split('\n');
  assert.ok(ls.split(' ').includes('--noheadings') && ls.split(' ').includes('--notruncate'), ls);
  for (const c of cmds) assert.ok(top.split(' ').includes(c.name), top);
  for (const [shell, file] of [['zsh', '_nsx'], ['fish', 'nsx.fish']] as const) {
    const which = spawnSync('sh', ['-c', `command -v ${shell}`]);
    if (which.status !== 0) {
      console.log(`# ${shell} not installed: its completion's syntax is not checked`);
      continue;
    }
    const n = spawnSync(shell, ['-n', dist('completions', file)], { encoding: 'utf8' });
    assert.equal(n.status, 0, `${shell} -n ${file}: ${n.stderr}`);
  }
});

test('package.json installs the man pages', async () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.ok(pkg.man.includes('./dist/man/nsx.1'));
  for (const c of await loadCommands()) assert.ok(pkg.man.includes(`./dist/man/nsx-${c.name}.1`), `package.json man lists nsx-${c.name}.1`);
  assert.ok(existsSync(dist('man', 'nsx.1')));
});

test('completions offer the words an option table lists (ls -t types, top --order keys), files elsewhere', async () => {
  const cmds = await loadCommands();
  const listed = cmds.flatMap((c) => (c.command.options ?? []).filter((o) => o.values?.length && o.arg === 'required').map((o) => ({ cmd: c.name, o })));
  assert.ok(listed.some((x) => x.cmd === 'ls' && x.o.name === 'type'), 'ls -t lists the namespace types');
  assert.ok(listed.some((x) => x.cmd === 'top' && x.o.name === 'order'), 'top --order lists its keys');
  const complete = (words: string[]) => {
    const r = spawnSync('bash', ['-c', `source ${dist('completions', 'nsx.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _nsx; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8', cwd: REPO });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split(' ').filter(Boolean);
  };
  for (const { cmd, o } of listed) {
    for (const flag of [o.long ?? o.name, o.short].filter(Boolean).map((f) => (f!.length === 1 ? `-${f}` : `--${f}`))) {
      assert.deepEqual(complete(['nsx', cmd, flag, '']), [...o.values!], `bash: nsx ${cmd} ${flag} <TAB>`);
    }
  }
  assert.deepEqual(complete(['nsx', 'ls', '-t', 'n']), ['net']);
  // an option without listed words still completes file names (here: the repository's files)
  assert.ok(complete(['nsx', '--root', 'fix']).includes('fixtures'));
  const zsh = readFileSync(dist('completions', '_nsx'), 'utf8');
  const fish = readFileSync(dist('completions', 'nsx.fish'), 'utf8');
  for (const { o } of listed) {
    assert.ok(zsh.includes(`:value:(${o.values!.join(' ')})`), `zsh: --${o.long ?? o.name}`);
    assert.ok(fish.includes(`-l ${o.long ?? o.name} -r -f -a '${o.values!.join(' ')}'`), `fish: --${o.long ?? o.name}`);
  }
});

test('every option line of every --help has a synopsis of its own (no description run into it), so man pages tag one option per paragraph', async () => {
  const SYNOPSIS = /^(?:-[A-Za-z0-9](?:, -[A-Za-z0-9])*(?:,? (?=-))?)?(?:--[a-z][\w.-]*(?:\[?=?[A-Z<>][^\s]*\]?)?)?(?:,? --[a-z][\w.-]*)*(?: (?:[A-Z][A-Z0-9_|.:[\]=-]*|<[a-z|-]+>|\[[^\]]+\]))*$/;
  const texts: Array<[string, string]> = [['nsx', USAGE], ...(await Promise.all((await loadCommands()).map(async (c) => [c.name, await helpText(c.command)] as [string, string])))];
  for (const [name, text] of texts) {
    for (const o of parseHelpOptions(text)) assert.match(o.synopsis, SYNOPSIS, `nsx ${name} --help: '${o.synopsis}' is not an option synopsis`);
  }
  // and the man page of nsx has the dashboard's options as separate paragraphs
  const page = readFileSync(dist('man', 'nsx.1'), 'utf8');
  assert.ok(page.includes('.B \\-i, \\-\\-interval MS\n'), 'nsx(1): -i has its own tag line');
});
