/**
 * A SIGHUP (the terminal hung up) or SIGTERM while a shell entered from the dashboard runs ends the dashboard
 * after the shell (src/tui/dashboard/run.ts watchEndSignals): it must not go back to sampling a live host on a
 * terminal nobody reads, forever.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { watchEndSignals } from '../../../src/tui/dashboard/run.js';

const tick = () => new Promise((r) => setTimeout(r, 50));

test('watchEndSignals: a SIGHUP or SIGTERM during the shell is reported (and does not kill nsx meanwhile)', async () => {
  for (const sig of ['SIGHUP', 'SIGTERM'] as const) {
    const r = await watchEndSignals(async () => {
      process.kill(process.pid, sig);
      await tick();
      return 7;
    });
    assert.deepEqual(r, { value: 7, signal: sig });
  }
  const before = process.listenerCount('SIGHUP');
  assert.deepEqual(await watchEndSignals(async () => 'quiet'), { value: 'quiet', signal: undefined });
  assert.equal(process.listenerCount('SIGHUP'), before, 'its listeners are removed afterwards');
});
