import test from 'node:test';
import assert from 'node:assert/strict';
import { attributeThrottling, parentPath, quotaBinds, type ThrottleInput } from '../../src/model/throttle.js';

const inp = (path: string, o: Partial<ThrottleInput> = {}): ThrottleInput => ({ path, d_usage_usec: 0, d_nr_throttled: 0, d_local_throttled_usec: null, ...o });

test('parentPath', () => {
  assert.equal(parentPath('/a/b'), '/a');
  assert.equal(parentPath('/a'), '/');
  assert.equal(parentPath('/'), undefined);
});

test('quotaBinds: throttling counter rose, or usage reached the quota; never without a quota', () => {
  assert.equal(quotaBinds(inp('/a', { cpu_max_usec: 10000, cpu_period_usec: 100000, d_nr_throttled: 3 }), 1), true);
  assert.equal(quotaBinds(inp('/a', { cpu_max_usec: 10000, cpu_period_usec: 100000, d_nr_throttled: null, d_usage_usec: 95_000 }), 1), true);
  assert.equal(quotaBinds(inp('/a', { cpu_max_usec: 10000, cpu_period_usec: 100000, d_nr_throttled: 0, d_usage_usec: 20_000 }), 1), false);
  assert.equal(quotaBinds(inp('/a', { cpu_max_usec: 'max', cpu_period_usec: 100000, d_nr_throttled: 5 }), 1), false);
  assert.equal(quotaBinds(inp('/a', { d_nr_throttled: 5 }), 1), false);
});

test('attribution: a child without quota under a throttled parent is bound by the parent (measured kernel behaviour)', () => {
  const items = new Map<string, ThrottleInput>([
    ['/', inp('/', { d_usage_usec: 2_000_000 })],
    ['/p', inp('/p', { cpu_max_usec: 10000, cpu_period_usec: 100000, d_nr_throttled: 10, d_usage_usec: 100_000 })],
    ['/p/busy', inp('/p/busy', { d_usage_usec: 100_000, d_nr_throttled: 0 })],
    ['/p/idle', inp('/p/idle', { d_usage_usec: 0 })],
    ['/p/idle-but-local', inp('/p/idle-but-local', { d_usage_usec: 0, d_local_throttled_usec: 5000 })],
    ['/q', inp('/q', { cpu_max_usec: 50000, cpu_period_usec: 100000, d_usage_usec: 1000 })],
  ]);
  const by = attributeThrottling(items, 1);
  assert.equal(by.get('/p'), '/p');
  assert.equal(by.get('/p/busy'), '/p');
  assert.equal(by.get('/p/idle'), null);
  assert.equal(by.get('/p/idle-but-local'), '/p');
  assert.equal(by.get('/q'), null);
  assert.equal(by.get('/'), null);
});

test('attribution: the nearest binding limit wins; its own limit first', () => {
  const items = new Map<string, ThrottleInput>([
    ['/a', inp('/a', { cpu_max_usec: 50000, cpu_period_usec: 100000, d_nr_throttled: 4, d_usage_usec: 500_000 })],
    ['/a/b', inp('/a/b', { cpu_max_usec: 10000, cpu_period_usec: 100000, d_nr_throttled: 9, d_usage_usec: 100_000 })],
    ['/a/b/c', inp('/a/b/c', { d_usage_usec: 100_000 })],
    ['/a/d', inp('/a/d', { d_usage_usec: 400_000 })],
  ]);
  const by = attributeThrottling(items, 1);
  assert.equal(by.get('/a/b'), '/a/b');
  assert.equal(by.get('/a/b/c'), '/a/b');
  assert.equal(by.get('/a/d'), '/a');
});

test('attribution: first sample (no deltas) names nobody', () => {
  const items = new Map([['/a', inp('/a', { cpu_max_usec: 1000, cpu_period_usec: 100000, d_nr_throttled: null, d_usage_usec: null })]]);
  assert.equal(attributeThrottling(items, null).get('/a'), null);
});
