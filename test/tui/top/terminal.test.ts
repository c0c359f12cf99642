import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { enterFullScreen, ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN } from '../../../src/tui/terminal.js';

function fake() {
  const written: string[] = [];
  const raw: boolean[] = [];
  const exits: number[] = [];
  const proc = new EventEmitter();
  const t = enterFullScreen({
    stdout: { write: (s: string) => written.push(s) },
    stdin: { isTTY: true, setRawMode: (m: boolean) => raw.push(m) },
    proc,
    exit: (c) => exits.push(c),
    report: () => {},
  });
  return { written, raw, exits, proc, t };
}

test('terminal: enter writes the alternate screen; restore is idempotent and unhooks', () => {
  const f = fake();
  assert.deepEqual(f.written, [ENTER_ALT_SCREEN]);
  f.t.restore();
  f.t.restore();
  assert.deepEqual(f.written, [ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN]);
  assert.deepEqual(f.raw, [false]);
  assert.equal(f.proc.listenerCount('SIGTERM'), 0);
  assert.equal(f.proc.listenerCount('uncaughtException'), 0);
});

test('terminal: SIGTERM and a crash restore before exiting (143, 1)', () => {
  const a = fake();
  a.proc.emit('SIGTERM', 'SIGTERM');
  assert.equal(a.written.at(-1), LEAVE_ALT_SCREEN);
  assert.deepEqual(a.exits, [143]);
  const b = fake();
  b.proc.emit('uncaughtException', new Error('boom'));
  assert.equal(b.written.at(-1), LEAVE_ALT_SCREEN);
  assert.deepEqual(b.exits, [1]);
  const c = fake();
  c.proc.emit('exit', 0);
  assert.equal(c.t.restored, true);
});
