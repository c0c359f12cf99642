import test from 'node:test';
import assert from 'node:assert/strict';
import { Sampler, type SampleEvent, type Scheduler } from '../../src/sampler/sampler.js';
import { SeriesStore, pointsPerMinute } from '../../src/sampler/series.js';
import { sparkline } from '../../src/tui/sparkline.js';

/** A fake timer queue: run() fires the pending timer. */
function fakeScheduler() {
  let pending: { fn: () => void; ms: number } | undefined;
  const s: Scheduler & { fire(): void; readonly ms: number | undefined } = {
    setTimeout: (fn, ms) => (pending = { fn, ms }),
    clearTimeout: () => (pending = undefined),
    fire() {
      const p = pending;
      pending = undefined;
      p?.fn();
    },
    get ms() {
      return pending?.ms;
    },
  };
  return s;
}

test('sampler: first event has no prev and no dt; then dt from the monotonic stamps', () => {
  const sched = fakeScheduler();
  let t = 1000;
  const s = new Sampler({ collect: () => ({ mono_ms: (t += 500) }), intervalMs: 500, scheduler: sched });
  const evs: SampleEvent<{ mono_ms: number }>[] = [];
  const off = s.subscribe((e) => evs.push(e));
  s.start();
  assert.equal(evs.length, 1);
  assert.equal(evs[0].prev, undefined);
  assert.equal(evs[0].dt_s, null);
  assert.equal(evs[0].seq, 1);
  assert.equal(sched.ms, 500);
  sched.fire();
  assert.equal(evs.length, 2);
  assert.equal(evs[1].dt_s, 0.5);
  assert.equal(evs[1].prev, evs[0].next);
  off();
  sched.fire();
  assert.equal(evs.length, 2, 'unsubscribed');
  s.stop();
  assert.equal(sched.ms, undefined);
});

test('sampler: pause stops ticking, resume samples at once; setIntervalMs reschedules', () => {
  const sched = fakeScheduler();
  let t = 0;
  const s = new Sampler({ collect: () => ({ mono_ms: (t += 1000) }), intervalMs: 1000, scheduler: sched });
  let n = 0;
  s.subscribe(() => n++);
  s.start();
  s.pause();
  assert.equal(s.paused, true);
  assert.equal(sched.ms, undefined);
  s.resume();
  assert.equal(n, 2);
  s.setIntervalMs(250);
  assert.equal(sched.ms, 250);
  assert.equal(s.intervalMs, 250);
  s.stop();
});

test('sampler: a time that does not advance gives dt null; collection errors go to error listeners or throw', () => {
  const s = new Sampler({ collect: () => ({ mono_ms: 5 }), intervalMs: 1000, scheduler: fakeScheduler() });
  s.sampleNow();
  assert.equal(s.sampleNow()!.dt_s, null);
  const bad = new Sampler<{ mono_ms: number }>({ collect: () => { throw new Error('gone'); }, intervalMs: 1000, scheduler: fakeScheduler() });
  assert.throws(() => bad.sampleNow(), /gone/);
  const errs: unknown[] = [];
  bad.onError((e) => errs.push(e));
  assert.equal(bad.sampleNow(), undefined);
  assert.equal(errs.length, 1);
});

test('series: bounded per key, forgotten keys dropped; sparkline scaling', () => {
  const st = new SeriesStore(3);
  for (let i = 0; i < 5; i++) st.push(new Map([['/a', i], ['/b', null]]));
  assert.deepEqual(st.get('/a'), [2, 3, 4]);
  st.push(new Map([['/a', 5]]));
  assert.deepEqual(st.get('/b'), []);
  st.resize(2);
  assert.deepEqual(st.get('/a'), [4, 5]);
  assert.equal(pointsPerMinute(1000), 60);
  assert.equal(pointsPerMinute(120_000), 2);
  assert.equal(sparkline([0, 50, 100, null], 4, { max: 100 }), '▁▅█ ');
  assert.equal(sparkline([1], 3), '  █');
  assert.equal(sparkline([0, 0], 2), '▁▁');
  assert.equal(sparkline([10, 20], 2, { ascii: true }), '+@');
});
