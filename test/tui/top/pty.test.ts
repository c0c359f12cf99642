/**
 * `nsx top` for real under a pseudo-terminal (node-pty): it draws on the alternate screen, answers keys, quits
 * with q, and leaves the terminal as it found it (cursor shown, alternate screen left, `stty -g` unchanged) —
 * also when killed with SIGTERM.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { NSX_BIN, stripAnsi } from '../../helpers/cli.js';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN } from '../../../src/tui/terminal.js';

type Pty = { onData(f: (d: string) => void): void; onExit(f: (e: { exitCode: number; signal?: number }) => void): void; write(s: string): void; kill(sig?: string): void; pid: number };
const require = createRequire(import.meta.url);

function spawnPty(script: string): { pty: Pty; out: () => string; exited: Promise<{ exitCode: number }> } {
  const pty = require('node-pty') as { spawn(f: string, a: string[], o: object): Pty };
  const env: Record<string, string | undefined> = { ...process.env, CI: 'true' /* a CI variable must not stop Ink drawing on a terminal */ };
  delete env.NO_COLOR; // (a key set to undefined would reach the child as the string "undefined")
  delete env.FORCE_COLOR;
  const p = pty.spawn('sh', ['-c', script], { name: 'xterm-256color', cols: 120, rows: 30, cwd: process.cwd(), env });
  let buf = '';
  p.onData((d) => (buf += d));
  const exited = new Promise<{ exitCode: number }>((res) => p.onExit((e) => res(e)));
  return { pty: p, out: () => buf, exited };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The two `stty -g` lines printed around the run (before, after). */
function sttyPair(out: string): [string, string] {
  const lines = stripAnsi(out).split(/\r?\n/).map((l) => l.trim()).filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
  return [lines[0], lines[lines.length - 1]];
}

type Session = ReturnType<typeof spawnPty>;

/** Run `body` with a pty running `script`; the pty is killed afterwards whatever happens. */
async function withPty(script: string, body: (s: Session) => Promise<void>): Promise<void> {
  const s = spawnPty(script);
  try {
    await body(s);
  } finally {
    try {
      s.pty.kill();
    } catch {}
  }
}

/** The run ended with `exit`, left the alternate screen after entering it, and `stty -g` is unchanged. */
function assertRestored(o: string, exit: number): void {
  assert.match(o, new RegExp(`EXIT=${exit}`));
  assert.ok(o.lastIndexOf(LEAVE_ALT_SCREEN) > o.lastIndexOf(ENTER_ALT_SCREEN), 'left the alternate screen and showed the cursor');
  const [before, after] = sttyPair(o);
  assert.ok(before, 'stty before');
  assert.equal(after, before, 'terminal modes restored');
}

const cmd = (extra = '') => `stty -g; echo START; ${JSON.stringify(process.execPath)} ${JSON.stringify(NSX_BIN)} top -d 0.3 ${extra}; echo "EXIT=$?"; stty -g`;

test('pty: nsx top draws, answers keys, quits with q and restores the terminal', { timeout: 120_000 }, async () => {
  await withPty(cmd(), async ({ pty, out, exited }) => {
    await until(() => out().includes(ENTER_ALT_SCREEN), 60_000, 'the alternate screen');
    await until(() => /CGROUP/.test(stripAnsi(out())) && /every: 0\.3s/.test(stripAnsi(out())), 60_000, 'the table');
    await new Promise((r) => setTimeout(r, 300)); // keys typed before raw mode would be line-buffered
    pty.write('h');
    await until(() => stripAnsi(out()).includes('nsx top — keys'), 60_000, 'the help overlay');
    pty.write('h');
    await new Promise((r) => setTimeout(r, 150)); // one key per read, as a person types
    pty.write('m');
    await until(() => stripAnsi(out()).includes('sort: memory'), 60_000, 'sort by memory');
    pty.write('q');
    await exited;
    assertRestored(out(), 0);
  });
});

test('pty: SIGTERM restores the terminal too', { timeout: 120_000 }, async () => {
  await withPty(`${cmd()}`, async ({ pty, out, exited }) => {
    await until(() => /CGROUP/.test(stripAnsi(out())), 60_000, 'the table');
    // the nsx process is the child of sh: find it by the pty's process tree
    const { execFileSync } = await import('node:child_process');
    const pids = execFileSync('pgrep', ['-P', String(pty.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    assert.ok(pids.length >= 1);
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    await exited;
    assertRestored(out(), 143);
  });
});

test('pty: Ctrl-C quits and restores the terminal', { timeout: 120_000 }, async () => {
  await withPty(cmd(), async ({ pty, out, exited }) => {
    await until(() => /CGROUP/.test(stripAnsi(out())), 60_000, 'the table');
    await new Promise((r) => setTimeout(r, 300)); // raw mode on: Ctrl-C is a key for Ink, not SIGINT
    pty.write('\x03');
    await exited;
    assertRestored(out(), 0);
  });
});

test('pty: a static --root host is sampled once and stays until q', { timeout: 120_000 }, async () => {
  const { fixture } = await import('../../helpers/host.js');
  await withPty(`${JSON.stringify(process.execPath)} ${JSON.stringify(NSX_BIN)} top --root ${JSON.stringify(fixture('k8s-v2-node.manifest'))}; echo "EXIT=$?"`, async ({ pty, out, exited }) => {
    await until(() => /cri-containerd-73051af27110/.test(stripAnsi(out())) || /kubepods/.test(stripAnsi(out())), 60_000, 'the fixture tree');
    await new Promise((r) => setTimeout(r, 600));
    assert.doesNotMatch(out(), /EXIT=/, 'still running');
    assert.match(stripAnsi(out()), /cgroups unified/);
    pty.write('q');
    await exited;
    assert.match(out(), /EXIT=0/);
  });
});

test('pty: the layout follows a terminal resize', { timeout: 120_000 }, async () => {
  await withPty(cmd(), async ({ pty, out, exited }) => {
    await until(() => /MEM 1m/.test(stripAnsi(out())), 60_000, 'the wide layout with sparklines');
    const mark = out().length;
    (pty as unknown as { resize(c: number, r: number): void }).resize(60, 20);
    const after = () => stripAnsi(out().slice(mark));
    await until(() => /CGROUP/.test(after()), 60_000, 'a redraw after the resize');
    const lastFrame = () => after().slice(after().lastIndexOf('nsx top'));
    // a frame drawn at the new size (a loaded host may still paint one at the old size first)
    await until(() => /CGROUP/.test(lastFrame()) && !/MEM 1m/.test(lastFrame()), 60_000, 'sparkline columns dropped at 60 columns');
    const tail = lastFrame();
    for (const l of tail.split(/\r?\n/)) assert.ok(l.length <= 60 || !/CGROUP/.test(l), `header wider than the terminal: ${l}`);
    pty.write('q');
    await exited;
  });
});

test('pty: several keys in one read (`/system` and Enter sent at once) are each handled', { timeout: 120_000 }, async () => {
  await withPty(cmd(), async ({ pty, out, exited }) => {
    await until(() => /CGROUP/.test(stripAnsi(out())) && /every: 0\.3s/.test(stripAnsi(out())), 60_000, 'the table');
    await new Promise((r) => setTimeout(r, 300)); // keys typed before raw mode would be line-buffered
    pty.write('/system\rm');
    await until(() => /sort: memory .*filter: system(?!▏)/.test(stripAnsi(out())), 60_000, 'the filter kept and the sort key after it');
    pty.write('q');
    await exited;
    assertRestored(out(), 0);
  });
});

test('pty: NO_COLOR and --color=never: no colour codes, the selection still shown inverse; colour by default', { timeout: 90_000 }, async () => {
  const { fixture } = await import('../../helpers/host.js');
  const colour = /\x1b\[(?:\d+;)*(?:3[0-7]|9[0-7]|38)[;m]/;
  const run = async (script: string) => {
    let seen = '';
    await withPty(script, async ({ pty, out, exited }) => {
      await until(() => /kubepods/.test(stripAnsi(out())) && /\x1b\[7m/.test(out()), 20_000, `a frame with the selection (${script})`);
      pty.write('q');
      await exited;
      seen = out();
    });
    return seen;
  };
  // a recorded host: sampled once, drawn at once (the live host may be slow to sample under load)
  const nsx = `${JSON.stringify(process.execPath)} ${JSON.stringify(NSX_BIN)}`;
  const host = `--root ${JSON.stringify(fixture('k8s-v2-node.manifest'))}`;
  for (const script of [`NO_COLOR=1 ${nsx} top ${host}`, `${nsx} --color=never top ${host}`]) {
    const o = await run(script);
    assert.doesNotMatch(o, colour, `${script}: no colour codes`);
    assert.match(o, /\x1b\[7m/, `${script}: the selection is inverse`);
  }
  assert.match(await run(`${nsx} top ${host}`), colour, 'colours by default on a terminal');
});
