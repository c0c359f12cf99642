import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeRates as ratesOf, counterDelta, intervalSeconds, percentOf, quotaCpus, snapshotRates, type TopSnapshot } from '../../src/model/rates.js';
import { sampleOf, type Flat } from '../top/sample-of.js';

type TopCounters = Flat;
const snap = (mono_ms: number, cgroups: TopCounters[]): TopSnapshot => ({ mono_ms, timestamp: new Date(mono_ms).toISOString(), cgroups: cgroups.map(sampleOf) });
/** the rates of two samples given by their flat values */
const computeRates = (a: Flat | undefined, b: Flat, dt: number | null) => ratesOf(a && sampleOf(a), sampleOf(b), dt);

test('counterDelta: absent or backwards gives null, never negative', () => {
  const cases: [number | undefined, number | undefined, number | null][] = [
    [1, 5, 4],
    [5, 5, 0],
    [5, 1, null],
    [undefined, 1, null],
    [1, undefined, null],
    [NaN, 1, null],
  ];
  for (const [a, b, want] of cases) assert.equal(counterDelta(a, b), want, `${a}→${b}`);
});

test('computeRates: CPU% = Δusage/Δt×100 (100 = one CPU), user/system, IO, throttling', () => {
  const a: TopCounters = { path: '/a', inode: 1, cpu_usage_usec: 1_000_000, cpu_user_usec: 500_000, cpu_system_usec: 100_000, cpu_nr_periods: 10, cpu_nr_throttled: 2, cpu_throttled_usec: 50_000, io_rbytes: 1000, io_wbytes: 0, io_rios: 1, io_wios: 0 };
  const b: TopCounters = { ...a, cpu_usage_usec: 1_500_000, cpu_user_usec: 800_000, cpu_system_usec: 200_000, cpu_nr_periods: 20, cpu_nr_throttled: 7, cpu_throttled_usec: 550_000, io_rbytes: 3000, io_wbytes: 4096, io_rios: 5, io_wios: 2 };
  const r = computeRates(a, b, 2);
  assert.equal(r.cpu_percent, 25);
  assert.equal(r.cpu_user_percent, 15);
  assert.equal(r.cpu_system_percent, 5);
  assert.equal(r.io_read_bps, 1000);
  assert.equal(r.io_write_bps, 2048);
  assert.equal(r.io_read_iops, 2);
  assert.equal(r.io_write_iops, 1);
  assert.equal(r.cpu_throttled_percent, 25);
  assert.equal(r.cpu_throttled_periods_percent, 50);
  assert.deepEqual(r.delta, { cpu_usage_usec: 500_000, cpu_nr_periods: 10, cpu_nr_throttled: 5, cpu_local_throttled_usec: null });
});

test('computeRates: first sample has no rates (null, not zero)', () => {
  const r = computeRates(undefined, { path: '/a', cpu_usage_usec: 5, cpu_nr_periods: 3, cpu_nr_throttled: 0 }, null);
  for (const k of ['cpu_percent', 'cpu_user_percent', 'io_read_bps', 'cpu_throttled_percent', 'cpu_throttled_periods_percent'] as const) assert.equal(r[k], null, k);
});

test('computeRates: a recreated cgroup (inode changed) gives null rates, even when counters grew', () => {
  const r = computeRates({ path: '/a', inode: 1, cpu_usage_usec: 10 }, { path: '/a', inode: 2, cpu_usage_usec: 1_000_000 }, 1);
  assert.equal(r.cpu_percent, null);
  assert.equal(r.delta.cpu_usage_usec, null);
});

test('computeRates: counters that went backwards give null per counter', () => {
  const r = computeRates({ path: '/a', cpu_usage_usec: 100, io_rbytes: 10 }, { path: '/a', cpu_usage_usec: 50, io_rbytes: 20 }, 1);
  assert.equal(r.cpu_percent, null);
  assert.equal(r.io_read_bps, 10);
});

test('computeRates: PSI avg10 passes through, totals become % of wall time', () => {
  const a: TopCounters = { path: '/a', psi: { cpu: { some_avg10: 1, some_total_usec: 100 } } };
  const b: TopCounters = { path: '/a', psi: { cpu: { some_avg10: 2.5, some_total_usec: 200_100 }, io: { some_avg10: 0 } } };
  const r = computeRates(a, b, 1);
  assert.deepEqual(r.psi.cpu, { some_avg10: 2.5, full_avg10: null, some_percent: 20, full_percent: null });
  assert.deepEqual(r.psi.io, { some_avg10: 0, full_avg10: null, some_percent: null, full_percent: null });
  assert.equal(r.psi.memory, null);
});

test('intervalSeconds / snapshotRates: monotonic time, zero or negative interval gives no rates', () => {
  const s1 = snap(1000, [{ path: '/', cpu_usage_usec: 0 }]);
  const s2 = snap(3000, [{ path: '/', cpu_usage_usec: 1_000_000 }, { path: '/new', cpu_usage_usec: 5 }]);
  assert.equal(intervalSeconds(undefined, s1), null);
  assert.equal(intervalSeconds(s1, s2), 2);
  const m = snapshotRates(s1, s2);
  assert.equal(m.get('/')!.cpu_percent, 50);
  assert.equal(m.get('/new')!.cpu_percent, null);
  assert.equal(snapshotRates(s2, { ...s2 }).get('/')!.cpu_percent, null);
});

test('quotaCpus / percentOf', () => {
  assert.equal(quotaCpus(10000, 100000), 0.1);
  assert.equal(quotaCpus('max', 100000), null);
  assert.equal(quotaCpus(undefined, 100000), null);
  assert.equal(quotaCpus(1000, 0), null);
  assert.equal(percentOf(50, 200), 25);
  assert.equal(percentOf(50, 'max'), null);
  assert.equal(percentOf(undefined, 10), null);
});

test('property: rates are never negative nor NaN, whatever the counters', () => {
  const counter = fc.option(fc.double({ min: -1e15, max: 1e15, noNaN: true }), { nil: undefined });
  const c = fc.record({ cpu_usage_usec: counter, cpu_throttled_usec: counter, io_rbytes: counter, cpu_nr_periods: counter, cpu_nr_throttled: counter, inode: fc.constantFrom(1, 2, undefined) });
  fc.assert(
    fc.property(c, c, fc.option(fc.double({ min: -10, max: 10, noNaN: true }), { nil: null }), (a, b, dt) => {
      const r = computeRates({ path: '/x', ...a }, { path: '/x', ...b }, dt);
      for (const v of [r.cpu_percent, r.cpu_throttled_percent, r.io_read_bps, r.cpu_throttled_periods_percent]) {
        assert.ok(v === null || (Number.isFinite(v) && v >= 0), String(v));
      }
    }),
  );
});
