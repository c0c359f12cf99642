import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStat } from '../../src/parse/stat.js';
import { ParseError } from '../../src/errors.js';

test('parseStat: a comm with parentheses and spaces, a second line', () => {
  const s = parseStat('1020 ((a b ) ( c d) ) R 28378 1020 28378 34842 1020 4218880 286 0 0 0 5 6 0 0 20 0 1 0 10839175 10395648 155 18446744073709551615\n#!/bin/cat /proc/self/stat\n');
  assert.equal(s.pid, 1020);
  assert.equal(s.comm, '(a b ) ( c d) ');
  assert.equal(s.state, 'R');
  assert.equal(s.ppid, 28378);
  assert.equal(s.utimeTicks, 5);
  assert.equal(s.stimeTicks, 6);
  assert.equal(s.numThreads, 1);
  assert.equal(s.starttimeTicks, 10839175);
  assert.equal(s.vsizeBytes, 10395648);
  assert.equal(s.rssPages, 155);
  assert.equal(s.processor, undefined, 'truncated line: absent');
});

test('parseStat: a comm with ") X " inside and a newline', () => {
  const s = parseStat('7 (a) S x\n) y) S 1 7 7 0 -1\n');
  assert.equal(s.comm, 'a) S x\n) y');
  assert.equal(s.ppid, 1);
});

test('parseStat: INT64_MIN fields are undefined, not rounded', () => {
  const s = parseStat('33 (ata_sff) S 2 0 0 0 -1 69238880 0 0 0 0 0 0 -9223372036854775808 9223372036854775807 0 -20 1 0 5 0 0');
  assert.equal(s.cutimeTicks, undefined);
  assert.equal(s.nice, -20);
});

test('parseStat: malformed input names the source', () => {
  for (const bad of ['', 'abc', '12 (x', 'x (y) S 1', '12 (x)']) {
    assert.throws(() => parseStat(bad, '/proc/12/stat'), (e) => e instanceof ParseError && e.message.startsWith('/proc/12/stat'));
  }
});
